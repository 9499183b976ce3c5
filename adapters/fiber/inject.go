package intercomfiber

import (
	"github.com/gofiber/fiber/v2"
)

// Inject returns middleware for whole-page install, django-analytical's
// "generic tags": it inserts the snippet before the last real </body> end
// tag (any letter case; never one inside a script, a comment, an attribute
// value or a rawtext element; a page without one is left alone) of every
// text/html response whose page does not carry it already,
// so pages that use neither Data, Views, Snippet nor Component get the
// Messenger too. Install it with New, on the app or on a group:
//
//	app.Use(intercomfiber.New(m))
//	app.Use(intercomfiber.Inject())
//
// Fiber holds the whole response in memory, so Inject works on the finished
// response after the handler returns: the snippet sees every Identify and
// Set of the handler, and Inject may be installed before or after New. The
// rules are the kit's (adapter.Request.InjectBuffered): Inject leaves alone
// 1xx, 204, 206 and 3xx responses, anything but text/html,
// encoded bodies (Content-Encoding gzip, br, ...), pages without a </body>
// (or whose last one is followed by more than 64 KB), and pages that carry
// the snippet already (through Data, Snippet, Component, or Views on a
// template that writes it), so a page never gets two. The snippet is
// rendered only for a page that takes it, so a response without it (a
// fragment for htmx, say) leaves the logout flag of Shutdown for the next
// page. A page that gets it loses its ETag and Accept-Ranges, gets its new
// Content-Length, and becomes Cache-Control: private unless the handler set
// a caching policy. HEAD is answered as GET (fasthttp builds the body and
// sends its Content-Length), so that both carry the same headers.
//
// Order matters for middleware that rewrites the body, as fiber's run after
// the handler chain returns: install fiber's compress (and etag) middleware
// before Inject, so that they see the page with the snippet; installed
// after Inject, compress hands it gzip, brotli or zstd bytes and their
// Content-Encoding, which pass through untouched: a valid compressed page
// without the snippet. Do not put pages whose snippet
// identifies a visitor in a shared cache (fiber's cache middleware).
//
// Left alone as well:
//   - a body stream (c.SendStream, c.SendFile, app.Static, and
//     SetBodyStreamWriter): fasthttp cannot hand a stream over without
//     closing it, and reading it into memory would not be bounded; render
//     such pages through a template, or add Snippet(c) yourself;
//   - a request whose handler returned an error: fiber's ErrorHandler writes
//     that response after every middleware has returned;
//   - a request Config.Next skipped, and a disabled Messenger.
//
// Without New on the route Inject does nothing, and logs that once.
//
// The page is not copied: the snippet is spliced into the response's own
// body buffer. A page given to c.Send, which fasthttp must not modify, is
// sent as a body stream of three parts (page, snippet, rest of the page)
// with its Content-Length, so that its size costs no allocation either.
func Inject() fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := c.Next(); err != nil {
			return err
		}
		lookup(c).InjectBuffered(c.Method(), c.Response(), &c.Response().Header)
		return nil
	}
}
