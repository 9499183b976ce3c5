package intercomgin

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/goanalytical/intercom/core/adapter"
)

// Inject returns gin middleware for whole-page install, django-analytical's
// "generic tags": it inserts the snippet before the last real </body> end
// tag (any letter case; never one inside a script, a comment, an attribute
// value or a rawtext element; a page without one is left alone) of every
// text/html response whose page does not carry it already,
// so pages that do not use Data, Snippet or Component get the Messenger too.
// Install it after Middleware, on the engine or on a route group:
//
//	r.Use(intercomgin.Middleware(m))
//	r.Use(intercomgin.Inject())
//
// The rules are the kit's (adapter.Request.Inject): Inject leaves alone 1xx,
// 204, 206 and 3xx responses, anything but text/html (c.JSON, c.String,
// ...), encoded bodies (Content-Encoding gzip, br, ...) and pages that
// rendered the snippet already, so a page never gets two. It drops
// Content-Length from the pages it changes and marks them Cache-Control:
// private unless the handler set a policy. HEAD is answered as GET, so that
// both carry the same headers (net/http drops the body). The decision waits
// for the first write of the body, so the Content-Type that c.HTML sets
// after c.Status counts.
//
// Pages stream: everything before the latest </body> candidate reaches the
// client as the handler writes it, c.Writer.Flush() included, and memory
// stays bounded whatever the page size. The snippet is rendered once, when
// the handler returns, so it sees every Identify and Set of the handler.
//
// Middleware installed after Inject sees c.Writer.Status() as the handler
// set it; Size() counts the bytes sent so far, without a held </body> and
// the snippet. Middleware installed before it, such as gin.Logger, sees
// both as sent, snippet included.
//
// gin-contrib/gzip installed before Inject, as apps install it, sets
// Content-Encoding before the handler runs and compresses what Inject
// writes: the page gets the snippet, then is compressed (error pages, which
// gzip sends uncompressed, get it too). Installed after Inject, it hands
// Inject compressed bytes, which pass through untouched: a valid gzip page
// without the snippet.
//
// Without Middleware on the route, on a request its skipper excluded, with a
// disabled Messenger, and installed a second time, Inject does nothing. If
// the handler panics, what it wrote is sent without the snippet and the
// panic goes on to gin.Recovery.
func Inject() gin.HandlerFunc {
	return func(c *gin.Context) {
		orig := c.Writer
		if orig.Written() {
			c.Next() // the response has started already
			return
		}
		_, err := lookup(c).Inject(orig, c.Request.Method, func(_ http.ResponseWriter, iw *adapter.InjectWriter) {
			if iw == nil {
				c.Next()
				return
			}
			if s := orig.Status(); s != http.StatusOK {
				// gin's 404 and 405 handlers set the status before the
				// middlewares run; it stands unless the handler sets another.
				iw.WriteHeader(s)
			}
			// Hold the first writes of a page without a Content-Type for
			// sniffing, as net/http would; gin's writer then sends the
			// headers only once the InjectWriter has decided.
			iw.SniffFirst()
			c.Writer = &injectWriter{ResponseWriter: orig, iw: iw}
			defer func() { c.Writer = orig }()
			c.Next()
		})
		if err != nil {
			_ = c.Error(err) // the client went away; gin's way to report it
		}
	}
}

// injectWriter is c.Writer while Inject runs: a gin.ResponseWriter whose
// body goes through the kit's InjectWriter. Hijack, CloseNotify, Pusher and
// Header are the original writer's.
type injectWriter struct {
	gin.ResponseWriter // the original
	iw                 *adapter.InjectWriter
}

// WriteHeader records the status; like gin, it ignores codes <= 0 (c.Render
// with -1 leaves the status to the renderer).
func (w *injectWriter) WriteHeader(code int) {
	if code > 0 {
		w.iw.WriteHeader(code)
	}
}

// WriteHeaderNow sends the headers: c.Render calls it for responses without
// a body (204, 304), c.AbortWithStatus too. The decision is made here, with
// the headers set so far, as they are final once sent.
func (w *injectWriter) WriteHeaderNow() {
	w.iw.WriteHeaderNow()
	w.ResponseWriter.WriteHeaderNow()
}

// Write writes the body through the InjectWriter. Once it has decided, the
// original's WriteHeaderNow after it keeps Written true, even while the
// InjectWriter holds the tail of what was written so far.
func (w *injectWriter) Write(p []byte) (int, error) {
	n, err := w.iw.Write(p)
	w.sent()
	return n, err
}

// WriteString is Write for strings.
func (w *injectWriter) WriteString(s string) (int, error) {
	n, err := w.iw.WriteString(s)
	w.sent()
	return n, err
}

// sent marks the original writer written once the InjectWriter has sent the
// headers; before that (it holds the first bytes of a page to sniff its
// type) they must not go out. It writes nothing rather than calling
// WriteHeaderNow: a writer in between, such as gin-contrib/gzip's, settles
// its headers on its first write (it sends error pages uncompressed).
func (w *injectWriter) sent() {
	if w.iw.Decided() && !w.Written() {
		_, _ = w.ResponseWriter.Write(nil)
	}
}

// Flush sends what the InjectWriter does not hold back.
func (w *injectWriter) Flush() { w.iw.Flush() }

// Status returns the status the handler set, before the InjectWriter passes
// it on with the first write.
func (w *injectWriter) Status() int {
	if s := w.iw.Status(); s != 0 {
		return s
	}
	return w.ResponseWriter.Status()
}

// Unwrap returns the original writer, for http.ResponseController.
func (w *injectWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
