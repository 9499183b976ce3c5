package intercom

import (
	"html/template"
	"net/http"
)

// Page is what whole-page install needs from one request's Intercom state;
// *Request[C] implements it.
type Page interface {
	// Rendered reports whether a template helper already rendered the snippet.
	Rendered() bool
	// Snippet renders the snippet; here after the headers have gone out, so
	// a logout flag is left for the page's script to delete.
	Snippet() template.HTML
}

// InjectWriter is whole-page install for net/http-based frameworks: it wraps
// a ResponseWriter and, for responses ShouldInject accepts, streams the body
// through an Injector, dropping Content-Length (the body grows). Other
// responses pass through untouched. The decision is made when the handler
// first writes (or flushes, or finishes), so headers set after WriteHeader
// but before the body, as Gin does, count.
//
// Call Finish after the handler returns.
type InjectWriter struct {
	http.ResponseWriter
	method  string
	page    Page
	status  int
	decided bool
	active  bool
	inj     Injector
}

// NewInjectWriter wraps w for a request with the given method. The snippet
// is rendered at most once, at Finish, so it sees everything the handler set.
func NewInjectWriter(w http.ResponseWriter, method string, page Page) *InjectWriter {
	iw := &InjectWriter{ResponseWriter: w, method: method, page: page}
	iw.inj.Reset(w)
	return iw
}

// WriteHeader records the status; headers go out with the first write.
func (w *InjectWriter) WriteHeader(code int) {
	if w.decided {
		return // superfluous, as net/http would ignore it
	}
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		w.ResponseWriter.WriteHeader(code) // informational: pass on, decide later
		return
	}
	w.status = code
	if code == http.StatusSwitchingProtocols {
		w.decide(nil)
	}
}

// decide chooses, once, whether to inject, and sends the headers.
func (w *InjectWriter) decide(first []byte) {
	if w.decided {
		return
	}
	w.decided = true
	if w.status == 0 {
		w.status = http.StatusOK
	}
	h := w.Header()
	if h.Get("Content-Type") == "" && first != nil && w.status != http.StatusNoContent && w.status != http.StatusNotModified {
		// What net/http would sniff; set it now so that the decision sees it.
		h.Set("Content-Type", http.DetectContentType(first))
	}
	w.active = !w.page.Rendered() && ShouldInject(w.method, w.status, h.Get("Content-Type"), h.Get("Content-Encoding"))
	if w.active {
		h.Del("Content-Length")
	}
	w.ResponseWriter.WriteHeader(w.status)
}

// Write writes the body, through the Injector when injecting.
func (w *InjectWriter) Write(p []byte) (int, error) {
	w.decide(p)
	if !w.active {
		return w.ResponseWriter.Write(p)
	}
	return w.inj.Write(p)
}

// WriteString is Write for strings, for writers that are io.StringWriters.
func (w *InjectWriter) WriteString(s string) (int, error) {
	return w.Write([]byte(s))
}

// Flush sends what can be sent: everything but a held </body> candidate.
func (w *InjectWriter) Flush() {
	w.decide(nil)
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Finish ends the response: it sends the headers if the handler wrote
// nothing, and inserts the snippet. It reports whether it injected.
func (w *InjectWriter) Finish() (bool, error) {
	if !w.decided {
		if w.status == 0 {
			return false, nil // the handler wrote nothing: leave the response to the framework
		}
		w.decide(nil)
	}
	if !w.active {
		return false, nil
	}
	if w.inj.SnippetSeen() {
		return w.inj.Finish(nil)
	}
	return w.inj.Finish([]byte(w.page.Snippet()))
}

// Status returns the status the handler set (200 if it wrote without one, 0
// if it has done neither).
func (w *InjectWriter) Status() int { return w.status }

// Unwrap returns the wrapped ResponseWriter, for http.ResponseController.
func (w *InjectWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
