package intercomhttp

import (
	"net/http"

	"github.com/goanalytical/intercom/core/adapter"
)

// Inject returns middleware for whole-page install, django-analytical's
// "generic tags": it inserts the snippet before the last real </body> end
// tag (any letter case; never one inside a script, a comment, an attribute
// value or a rawtext element; a page without one is left alone) of every
// text/html response whose page does not carry it already,
// so pages that do not use Data, Snippet or Component (static files, other
// libraries' pages) get the Messenger too. Install it after Middleware:
//
//	r.Use(intercomhttp.Middleware(m), intercomhttp.Inject())
//
// The rules are the kit's (adapter.Request.Inject): Inject leaves alone 1xx,
// 204, 206 and 3xx responses, anything but text/html, encoded bodies
// (Content-Encoding gzip, br, ...) and pages that rendered the snippet
// already, so a page never gets two. It drops Content-Length from the pages
// it changes and marks them Cache-Control: private unless the handler set a
// policy. HEAD is answered as GET, so that both carry the same headers
// (net/http drops the body). Pages stream with bounded memory, http.Flusher and
// http.ResponseController included; the snippet is rendered once the
// handler returns, so it sees every Identify and Set of the handler.
//
// A compressing middleware (such as klauspost/compress's gzhttp) wrapped
// around Inject compresses the page with the snippet, whether it sets
// Content-Encoding before calling the handler or on the first write;
// wrapped inside Inject, it hands Inject encoded bytes, which pass through
// untouched: a valid compressed page without the snippet.
//
// Without Middleware (warned once), on a skipped request, with a disabled
// Messenger, and installed a second time, Inject does nothing. If the
// handler panics, what it wrote is sent without the snippet and the panic
// goes on to the server (or a recovering middleware).
func Inject() func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// An error is a failed write to the client, which the handler's
			// own writes saw too: nothing is left to do.
			_, _ = lookup(r).Inject(w, r.Method, func(w http.ResponseWriter, _ *adapter.InjectWriter) {
				next.ServeHTTP(w, r)
			})
		})
	}
}
