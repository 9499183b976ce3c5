package intercomecho

import (
	"cmp"
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/goanalytical/intercom/core/adapter"
)

// Inject returns echo middleware for whole-page install, django-analytical's
// "generic tags": it inserts the snippet before the last real </body> end
// tag (any letter case; never one inside a script, a comment, an attribute
// value or a rawtext element; a page without one is left alone) of every
// text/html response whose page does not carry it already,
// so pages that do not use Renderer, Data, Snippet or Component get the
// Messenger too. Install it after Middleware, on the Echo instance, a group
// or a route:
//
//	e.Use(intercomecho.Middleware(m))
//	e.Use(intercomecho.Inject())
//
// The rules are the kit's (adapter.Request.Inject): Inject leaves alone 1xx,
// 204, 206 and 3xx responses, anything but text/html (c.JSON, c.String,
// ...), encoded bodies (Content-Encoding gzip, br, ...) and pages that
// rendered the snippet already, so a page never gets two. It drops
// Content-Length from the pages it changes and marks them Cache-Control:
// private unless the handler set a policy. HEAD is answered as GET, so that
// both carry the same headers (net/http drops the body). The decision waits
// for the first write of the body, so headers set after
// c.Response().WriteHeader but before the body still count.
//
// While the handler runs, c.Response() is Inject's writer, which unwraps
// (echo.UnwrapResponse, http.ResponseController) to echo's *echo.Response.
// Pages stream: everything before the latest </body> candidate reaches the
// client as the handler writes it, flushes included, and memory stays
// bounded whatever the page size. The snippet is rendered once, when the
// handler returns, so it sees every Identify and Set of the handler.
//
// Inject writes to echo's *echo.Response, so its Status, Committed and Size
// are those of the response as sent: middleware installed before Inject,
// such as echo's request logger, sees Size count the snippet; middleware
// installed after it sees what has reached the client so far, which leaves
// out what Inject still holds (small writes it gathers, a </body>
// candidate).
//
// echo's middleware.Gzip installed before Inject compresses the page Inject
// produces, snippet included; installed after it, it hands Inject
// compressed bytes, which pass through untouched: a valid gzip page without
// the snippet.
//
// Without Middleware on the route, on a request its skipper excluded, with a
// disabled Messenger, and installed a second time, Inject does nothing. If
// the handler panics, what it wrote is sent without the snippet and the
// panic goes on to middleware.Recover. A failed write to the client is
// returned as the handler's error when the handler returned none.
func Inject() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			orig := c.Response()
			if res, _ := echo.UnwrapResponse(orig); res != nil && res.Committed {
				return next(c) // the response has started already
			}
			var err error
			// The *echo.Response under orig counts the snippet in its Size.
			_, werr := lookup(c).Inject(orig, c.Request().Method, func(w http.ResponseWriter, _ *adapter.InjectWriter) {
				c.SetResponse(w)
				defer c.SetResponse(orig)
				err = next(c)
			})
			return cmp.Or(err, werr)
		}
	}
}
