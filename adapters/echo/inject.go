package intercomecho

import (
	"html/template"

	"github.com/labstack/echo/v4"

	intercom "github.com/goanalytical/intercom/core"
)

// Inject returns echo middleware for whole-page install, the seed's
// "generic tags": it inserts the snippet before the last </body> (any letter
// case) of every text/html response whose page does not already carry it,
// so pages that do not use Renderer or Snippet get the Messenger too. Install
// it after Middleware, globally or on a group:
//
//	e.Use(intercomecho.Middleware(m))
//	e.Use(intercomecho.Inject())
//
// The rules are core's (intercom.ShouldInject, intercom.InjectWriter): it
// leaves alone HEAD requests, 1xx, 204, 206 and 3xx responses, anything but
// text/html, encoded bodies (Content-Encoding gzip, br, ...), and pages that
// rendered the snippet already (through Snippet, or Renderer on a template
// that writes it), so a page never gets two. It drops Content-Length from
// the pages it changes.
// The page streams: everything before the latest </body> candidate reaches
// the client as it is written, c.Response().Flush() included, and memory
// stays bounded whatever the page size. The snippet is rendered once, when
// the handler returns, so it sees every Identify and Set of the handler.
//
// A middleware that compresses (echo's middleware.Gzip) sees the page Inject
// produces when it is installed before Inject; installed after Inject, it
// hands Inject compressed bytes, which pass through untouched.
//
// For middleware that reads c.Response() afterwards, such as echo's logger,
// Inject keeps Status and Committed as without it, and when it returns, Size
// counts the body as sent, snippet included. (Middleware installed after
// Inject sees Size without the snippet, which is only added at the end.)
// Headers set after c.Response().WriteHeader but before the first write
// still reach the client, as the decision to inject waits for the body.
//
// Without Middleware on the route (logged once: Inject runs after it or not
// at all), for a request its skipper skipped, and with a disabled Messenger,
// Inject does nothing.
func Inject() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r, seen := lookup(c)
			if r == nil || !r.Messenger().Enabled() {
				if !seen {
					warnNoMiddleware()
				}
				return next(c)
			}
			res := c.Response()
			orig := res.Writer
			p := &page{r: r}
			w := intercom.NewInjectWriter(orig, c.Request().Method, p)
			res.Writer = w
			done := false
			defer func() {
				if !done {
					// next panicked: send what the handler wrote, as it
					// would have gone out without Inject, but no snippet.
					_ = w.Abort()
				}
				res.Writer = orig
			}()
			err := next(c)
			done = true
			injected, ferr := w.Finish()
			if injected {
				res.Size += int64(p.n)
			}
			if err == nil {
				err = ferr
			}
			return err
		}
	}
}

// page is the intercom.Page Inject gives core: the request's state, plus
// the length of the snippet core inserted, for echo.Response.Size.
type page struct {
	r *request
	n int // length of the rendered snippet
}

func (p *page) Rendered() bool { return p.r.Rendered() }

func (p *page) Snippet() template.HTML {
	s := p.r.Snippet()
	p.n = len(s)
	return s
}
