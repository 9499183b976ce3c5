package intercomfiber

import (
	"github.com/gofiber/fiber/v2"
)

// Shutdown ends the visitor's Messenger session, for logout handlers:
//
//	app.Post("/logout", func(c *fiber.Ctx) error {
//		sess.Destroy() // the app's own logout
//		intercomfiber.Shutdown(c)
//		return c.Redirect("/", fiber.StatusFound)
//	})
//
// It expires every intercom-* cookie of the Messenger's workspace (the
// Messenger's own three and any other the request carries), with
// intercom.Config.CookieDomain as their Domain, and sets the
// intercom.ShutdownCookie flag: expiring the cookies alone leaves the
// session alive at Intercom, so the next page that renders the snippet
// (after the redirect) calls Intercom('shutdown') before booting, once, and
// clears the flag. The cookies are intercom.Messenger.LogoutCookies, sent as
// net/http formats them (Max-Age=0 and an Expires date in the past). A
// snippet rendered on the logout response itself shuts down too, but leaves
// the flag for the next page, which shuts down again: redirect instead.
//
// Shutdown works on a request New's Config.Next skipped too. Without New on
// the route it does nothing, and logs that once. With a disabled Messenger
// it sets no cookie.
func Shutdown(c *fiber.Ctx) {
	m, ok := messenger(c)
	if !ok {
		if c != nil {
			noMiddleware()
		}
		return
	}
	if m == nil {
		return
	}
	var names []string
	c.Request().Header.VisitAllCookie(func(k, _ []byte) { names = append(names, string(k)) })
	for _, ck := range m.LogoutCookies(names) {
		// Raw Set-Cookie lines: fasthttp's Cookie cannot write Max-Age=0.
		c.Response().Header.Add(fiber.HeaderSetCookie, ck.String())
	}
	if r, _ := lookup(c); r != nil {
		r.SetShutdown()
	}
}
