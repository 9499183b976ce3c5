package intercomecho

import (
	"net/http"

	"github.com/labstack/echo/v4"

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
// Pages stream: everything before the latest </body> candidate reaches the
// client as the handler writes it, c.Response().Flush() included, and memory
// stays bounded whatever the page size. The snippet is rendered once, when
// the handler returns, so it sees every Identify and Set of the handler.
//
// Middleware installed before Inject, such as echo's request logger, sees
// c.Response().Size count the body as sent, snippet included; middleware
// installed after it sees Size without the snippet, which is only added at
// the end.
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
		return func(c echo.Context) error {
			res := c.Response()
			if res.Committed {
				return next(c) // the response has started already
			}
			var err error
			added, werr := lookup(c).Inject(res.Writer, c.Request().Method, func(w http.ResponseWriter, _ *adapter.InjectWriter) {
				orig := res.Writer
				res.Writer = w
				defer func() { res.Writer = orig }()
				err = next(c)
			})
			res.Size += int64(added) // for echo's request logger
			if err == nil {
				err = werr
			}
			return err
		}
	}
}
