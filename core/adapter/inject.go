package adapter

import (
	"net/http"
	"sync"

	"github.com/goanalytical/intercom/core/internal/scan"
)

// SnippetMarker is the id of the snippet's script element. A page that
// contains it already carries the snippet, and whole-page install leaves it
// alone.
const SnippetMarker = scan.Marker

// page is what whole-page install needs from one request's Intercom state;
// *Request[C] implements it.
type page interface {
	// Rendered reports whether a template helper already rendered the snippet.
	Rendered() bool
	// AppendSnippet renders the snippet; here after the headers have gone
	// out, so a logout flag is left for the page's script to delete.
	AppendSnippet(dst []byte) []byte
	// appendPreview renders the same snippet without using anything up,
	// for a response to HEAD, whose body nobody runs.
	appendPreview(dst []byte) []byte
}

// InjectWriter is whole-page install for net/http-based frameworks, as
// Request.Inject sets it up: it wraps a ResponseWriter and, for responses
// whole-page install applies to, streams the body through a scanner that
// inserts the snippet before the last real </body> end tag (see Inject),
// dropping Content-Length (the body grows). Other responses pass through
// untouched. The decision is made when the handler first writes (or
// flushes, or finishes), so headers set after WriteHeader but before the
// body, as Gin does, count; for a body without a Content-Type, once the
// bytes net/http would sniff the type from are in (see Write).
//
// A Content-Encoding the response already had when the InjectWriter was
// made was set by a layer outside it (gin-contrib/gzip sets it before the
// handler runs) that encodes what the InjectWriter passes on: the body
// written to the InjectWriter is still plain, and the page gets the
// snippet. One that the handler, or a compressing middleware inside Inject,
// set or changed means the body is encoded already, and so does a body
// that starts with gzip's or zstd's magic number: such responses pass
// through untouched.
//
// An adapter whose framework has a writer interface of its own (gin's
// gin.ResponseWriter) wraps the InjectWriter in it; the others hand it to
// the handler as it is.
type InjectWriter struct {
	http.ResponseWriter
	head    bool   // a response to HEAD: decided as for GET, see finish
	outer   string // the Content-Encoding set outside, before the handler ran
	page    page
	status  int
	decided bool
	active  bool
	added   int // length of the inserted snippet
	inj     scan.Injector
	small   *pageWriter // coalesced small writes, see Write; pooled, from the first to finish
	sniff   []byte      // the first writes of a body net/http would sniff, see Write
	hold    bool        // SniffFirst: hold them with a deferredHeaders writer too
}

// sniffLen is how much of a body without a Content-Type net/http sniffs:
// http.DetectContentType reads no more.
const sniffLen = 512

// Templates write a page in thousands of tiny pieces; the Injector's work is
// per write, so pieces smaller than coalesceBelow are gathered into a buffer
// of coalesceSize first, which remembers where each ended: the Injector
// scans them a write at a time (scan.Injector.WriteChunks), so that the
// scanner's memo serves the template's text, the same bytes on every
// render, without tokenizing it again. The buffers are pooled: a request
// takes one at its first small write and gives it back at finish.
//
// coalesceSize is also the size of the pieces the page goes on in. Of a
// template's small writes, net/http sends a chunk per 2 KB and writes to
// the socket per 4 KB; a page passed on in 16 KB pieces costs fewer of both
// (with Inject, gin's and nethttp's 30 KB page took 2-5% less server CPU
// under load than without: BENCHMARKS.md). A buffer holds at most
// coalesceSize bytes and coalesceWrites writes: 24 KB per response being
// injected.
const (
	coalesceBelow  = 512
	coalesceSize   = 16 << 10
	coalesceWrites = coalesceSize / 16
)

// gatherPool holds the buffers small writes are gathered in: a pageWriter,
// which keeps where each write ended, as RenderTemplate's page buffer does,
// for the same reason (the scanner's memo looks a write up at a time).
var gatherPool = sync.Pool{New: func() any {
	return &pageWriter{buf: make([]byte, 0, coalesceSize), ends: make([]int, 0, coalesceWrites)}
}}

// headerEditor is the part of a response's headers whole-page install
// changes; http.Header implements it, and fastHeader gives fasthttp's.
type headerEditor interface {
	Get(key string) string
	Set(key, value string)
	Del(key string)
}

// prepareHeaders adjusts the headers of a response that gets the snippet:
// its length changes (Content-Length goes), byte ranges and the validator of
// the original body no longer apply (Accept-Ranges, ETag go), and the page
// now carries a per-visitor snippet, so without a caching policy of its own
// it becomes Cache-Control: private.
func prepareHeaders(h headerEditor) {
	h.Del("Content-Length")
	h.Del("Accept-Ranges")
	h.Del("Etag")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "private")
	}
}

// newInjectWriter wraps w for a request with the given method. The snippet
// is rendered at most once, at finish, so it sees everything the handler set.
func newInjectWriter(w http.ResponseWriter, method string, p page) *InjectWriter {
	iw := &InjectWriter{ResponseWriter: w, head: method == http.MethodHead, page: p}
	iw.outer = w.Header().Get("Content-Encoding")
	iw.inj.Reset(w)
	return iw
}

// encoding returns the Content-Encoding of the body written to the
// InjectWriter, first its start: "" where the only encoding is the one set
// outside before the handler ran, by a layer that encodes what passes
// through it, unless the body starts with the magic number of gzip or zstd
// (a handler that serves a precompressed page under such a layer).
func (w *InjectWriter) encoding(first []byte) string {
	ce := w.Header().Get("Content-Encoding")
	if ce == "" || ce != w.outer || encodedAlready(first) {
		return ce
	}
	return ""
}

// encodedAlready reports whether a body starting with first is gzip or
// zstd, which no text/html page starts with.
func encodedAlready(first []byte) bool {
	return len(first) >= 2 && first[0] == 0x1f && first[1] == 0x8b ||
		len(first) >= 4 && first[0] == 0x28 && first[1] == 0xb5 && first[2] == 0x2f && first[3] == 0xfd
}

// WriteHeader records the status; headers go out with the first write.
// Codes below 1 (which some frameworks use for "not set") are ignored.
func (w *InjectWriter) WriteHeader(code int) {
	if w.decided || w.sniff != nil || code < 1 {
		return // superfluous (after a write), as net/http would ignore it
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

// sniffs reports whether net/http would sniff the response's Content-Type
// from its body: no Content-Type is set (not even an empty one), nor a
// Content-Encoding or Transfer-Encoding, and the status allows a body.
func (w *InjectWriter) sniffs() bool {
	h := w.Header()
	_, haveType := h["Content-Type"]
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	return !haveType && h.Get("Content-Encoding") == "" && h.Get("Transfer-Encoding") == "" &&
		status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// decide chooses, once, whether to inject, and sends the headers. first is
// the start of the body, what net/http sniffs the Content-Type from.
func (w *InjectWriter) decide(first []byte) {
	if w.decided {
		return
	}
	if w.headersSent() {
		// Too late to change them: leave the response alone; net/http
		// sniffs it itself.
		w.decided = true
		return
	}
	if len(first) > 0 && w.sniffs() {
		// What net/http would sniff; set it now so that the decision sees it.
		w.Header().Set("Content-Type", http.DetectContentType(first[:min(len(first), sniffLen)]))
	}
	w.decided = true
	if w.status == 0 {
		w.status = http.StatusOK
	}
	h := w.Header()
	w.active = !w.page.Rendered() && scan.ShouldInject(w.status, h.Get("Content-Type"), w.encoding(first))
	if w.active {
		prepareHeaders(h)
	}
	w.ResponseWriter.WriteHeader(w.status)
}

// WriteHeaderNow decides and sends the headers without a body write, for
// frameworks whose writers have it (Gin's AbortWithStatus, 204, 304); the
// first writes held back to sniff the Content-Type go out with them.
func (w *InjectWriter) WriteHeaderNow() { _ = w.settle() }

// Decided reports whether the InjectWriter has made its decision and sent
// the headers on. Until then it may hold the first writes of a body without
// a Content-Type (see Write), and a framework's writer that wraps it must
// not send the headers itself.
func (w *InjectWriter) Decided() bool { return w.decided }

// SniffFirst makes the InjectWriter hold the first writes of a body without
// a Content-Type (see Write) also when the writer it wraps records the
// status and sends the headers itself later, as gin's gin.ResponseWriter
// does: an adapter that calls it promises that its own writer sends the
// headers (WriteHeaderNow) only once Decided reports true. Without it, such
// a response is decided on its first write, as the headers may go out right
// after it.
func (w *InjectWriter) SniffFirst() { w.hold = true }

// deferredHeaders is a framework's writer that records the status and sends
// the headers itself later (gin's gin.ResponseWriter): Written reports
// whether it has.
type deferredHeaders interface {
	Written() bool
}

// startSniffing begins holding the body's first writes: the status is now
// set, 200 unless the handler set one, as net/http's first Write sets it.
// A framework's writer that sends the headers itself behind the
// InjectWriter (see Decided) is given the status now, so that it sends the
// right one.
func (w *InjectWriter) startSniffing() {
	w.sniff = make([]byte, 0, sniffLen)
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if d, ok := w.ResponseWriter.(deferredHeaders); ok && !d.Written() {
		w.ResponseWriter.WriteHeader(w.status)
	}
}

// headersSent reports whether the wrapped writer has sent the headers
// without the InjectWriter: a framework writer that sends them itself did,
// while the InjectWriter held the first writes to sniff them.
func (w *InjectWriter) headersSent() bool {
	d, ok := w.ResponseWriter.(deferredHeaders)
	return ok && d.Written()
}

// settle decides, if the handler has not had it decided yet, with what it
// has written so far, and sends that on.
func (w *InjectWriter) settle() error {
	if w.decided {
		return nil
	}
	held := w.sniff
	w.sniff = nil
	w.decide(held)
	if len(held) == 0 {
		return nil
	}
	_, err := w.body(held)
	return err
}

// Write writes the body, through the Injector when injecting. For a body
// without a Content-Type it first holds up to 512 bytes, or until a Flush
// or the end of the response, and decides on the type they sniff as: what
// net/http's own response buffer does, so a page whose first write is
// "\n" is still text/html.
func (w *InjectWriter) Write(p []byte) (int, error) {
	if !w.decided {
		if len(p) == 0 {
			return 0, nil // net/http sniffs the first non-empty write
		}
		if _, deferred := w.ResponseWriter.(deferredHeaders); !w.sniffs() || deferred && !w.hold {
			w.decide(p)
		} else if len(w.sniff)+len(p) < sniffLen {
			if w.sniff == nil {
				w.startSniffing()
			}
			w.sniff = append(w.sniff, p...)
			return len(p), nil
		} else {
			held := w.sniff
			w.sniff = nil
			first := p
			if len(held) > 0 {
				first = append(held, p[:sniffLen-len(held)]...)
			}
			w.decide(first)
			if len(held) > 0 {
				if _, err := w.body(held); err != nil {
					return 0, err
				}
			}
		}
	}
	return w.body(p)
}

// body writes p as the response body, the decision made.
func (w *InjectWriter) body(p []byte) (int, error) {
	if !w.active {
		return w.ResponseWriter.Write(p)
	}
	if len(p) < coalesceBelow && w.gather(len(p)) {
		_, _ = w.small.Write(p) // a pageWriter does not fail
		return len(p), nil
	}
	if err := w.flushSmall(); err != nil {
		return 0, err
	}
	return w.inj.Write(p)
}

// WriteString is Write for strings, for writers that are io.StringWriters;
// small strings are gathered without a conversion.
func (w *InjectWriter) WriteString(s string) (int, error) {
	if w.decided && w.active && len(s) < coalesceBelow && w.gather(len(s)) {
		_, _ = w.small.WriteString(s)
		return len(s), nil
	}
	return w.Write([]byte(s))
}

// gather reports whether n more bytes fit the small-write buffer, flushing
// it first when they do not.
func (w *InjectWriter) gather(n int) bool {
	if w.small == nil {
		w.small = gatherPool.Get().(*pageWriter)
	}
	if s := w.small; len(s.buf)+n <= cap(s.buf) && len(s.ends) < coalesceWrites {
		return true
	}
	return w.flushSmall() == nil
}

func (w *InjectWriter) flushSmall() error {
	if w.small == nil || len(w.small.buf) == 0 {
		return nil
	}
	_, err := w.inj.WriteChunks(w.small.buf, w.small.ends)
	w.small.reset()
	return err
}

// releaseSmall gives the gathering buffer back to the pool: the response
// is finished.
func (w *InjectWriter) releaseSmall() {
	if w.small != nil {
		w.small.reset()
		gatherPool.Put(w.small)
		w.small = nil
	}
}

// Flush sends what can be sent: everything but a held </body> candidate.
func (w *InjectWriter) Flush() {
	_ = w.settle()
	_ = w.flushSmall()
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// finish ends the response: it sends the headers if the handler wrote
// nothing, and inserts the snippet unless withSnippet is false (the handler
// panicked: what it wrote is sent, but neither the snippet nor the hooks
// behind it run for a request that is failing). It reports whether it
// injected.
func (w *InjectWriter) finish(withSnippet bool) (bool, error) {
	if !w.decided {
		if w.status == 0 && len(w.sniff) == 0 {
			return false, nil // the handler wrote nothing: leave the response to the framework
		}
		if err := w.settle(); err != nil {
			return false, err
		}
	}
	if !w.active {
		return false, nil
	}
	err := w.flushSmall()
	w.releaseSmall()
	if err != nil {
		return false, err
	}
	if !withSnippet || !w.inj.Pending() {
		// No snippet, or no place for one (a fragment, a page whose last
		// </body> is followed by too much): render nothing, so the hooks do
		// not run and a pending logout waits for a page that shows it.
		return w.inj.Finish(nil)
	}
	bp := bufPool.Get().(*[]byte)
	var snippet []byte
	if w.head {
		snippet = w.page.appendPreview((*bp)[:0])
	} else {
		snippet = w.page.AppendSnippet((*bp)[:0])
	}
	defer putBuf(bp, snippet)
	ok, err := w.inj.Finish(snippet)
	if ok {
		w.added = len(snippet)
	}
	return ok, err
}

// appendPreview is AppendSnippet for a response to HEAD: the snippet a GET
// would get, with nothing used up, since nobody runs a HEAD response's
// body: a pending logout and the calls a cookie carries stay for the next
// page that shows the snippet.
func (r *Request[C]) appendPreview(dst []byte) []byte {
	if !r.active() {
		return dst
	}
	r.loadCalls()
	r.rendered = true
	v := r.Visitor()
	v.Calls = r.calls
	return r.mw.m.AppendSnippet(dst, v)
}

// Status returns the status the handler set (200 if it wrote without one, 0
// if it has done neither).
func (w *InjectWriter) Status() int { return w.status }

// Unwrap returns the wrapped ResponseWriter, for http.ResponseController.
func (w *InjectWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Inject is whole-page install, django-analytical's "generic tags", for
// net/http-based frameworks: it runs serve, the rest of the handler chain,
// and inserts the snippet before the last real </body> end tag of a
// text/html response whose page does not carry it already: one the HTML
// tokenizer reads as an end tag, any letter case, never the text "</body>"
// in a script, a comment, an attribute value or a textarea, style, title,
// noscript or other raw-text element. A page without one (a fragment) is
// left alone, and so is a page whose last real </body> is followed by more
// than 64 KiB. serve gets w wrapped in an InjectWriter as iw, to install as
// the framework's response writer; it gets iw nil, and should then serve on
// w unchanged, where there is nothing to inject: a nil or skipped Request,
// a disabled Messenger, or an Inject already running for this request (the
// middleware installed twice).
//
// The rules: no snippet for 1xx, 204, 206 and 3xx responses, anything but
// text/html, encoded bodies (Content-Encoding gzip, br, ...) and pages that
// rendered the snippet already (a template helper, or the snippet's own
// marker in the body). A page that gets it loses its Content-Length,
// Accept-Ranges and ETag, and becomes Cache-Control: private unless the
// handler set a caching policy. The page streams: all but a held </body>
// candidate goes out as it is written, and memory stays bounded. The
// snippet is rendered once, after serve returns, so it sees every Identify
// and Set of the handler.
//
// Compression: a Content-Encoding that w already has when Inject starts was
// set by a middleware outside it that encodes what Inject writes
// (gin-contrib/gzip sets it before calling the handler), so the page gets
// the snippet and is then compressed; a Content-Encoding the handler, or a
// compressing middleware inside Inject, sets means the bytes Inject sees
// are encoded already, and they pass through untouched. So install
// compression before Inject. See InjectWriter.
//
// HEAD is answered as GET would be, the snippet included (net/http
// discards the body), so that both carry the same headers: the same
// Content-Length where net/http computes one, Cache-Control: private, no
// ETag. The snippet of a HEAD response uses nothing up: a pending logout
// stays for the next page that shows the snippet.
//
// If serve panics, what it wrote is sent without the snippet and the panic
// goes on. added is the length of the inserted snippet (0 if none), for
// frameworks that count the bytes sent; err is a failed write to the client.
func (r *Request[C]) Inject(w http.ResponseWriter, method string, serve func(w http.ResponseWriter, iw *InjectWriter)) (added int, err error) {
	if !r.active() || r.injecting {
		serve(w, nil)
		return 0, nil
	}
	r.injecting = true
	iw := newInjectWriter(w, method, r)
	done := false
	defer func() {
		r.injecting = false
		if !done {
			_, _ = iw.finish(false)
		}
	}()
	serve(iw, iw)
	done = true
	_, err = iw.finish(true)
	return iw.added, err
}
