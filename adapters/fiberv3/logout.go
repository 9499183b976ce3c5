package intercomfiber

import "github.com/gofiber/fiber/v3"

// Shutdown ends the visitor's Messenger session, for logout handlers:
//
//	app.Post("/logout", func(c fiber.Ctx) error {
//		sess.Destroy() // the app's own logout
//		intercomfiber.Shutdown(c)
//		return c.Redirect().Status(fiber.StatusSeeOther).To("/")
//	})
//
// It expires every intercom-* cookie of the Messenger's workspace (the
// Messenger's own three and any other the request carries), with
// intercom.Config.CookieDomain as their Domain, and sets the
// adapter.ShutdownCookie flag. Expiring the cookies alone leaves the session
// alive at Intercom, so the next page that renders the snippet (through
// Data, Views, Snippet, Component or Inject), after the redirect, calls
// Intercom('shutdown') before booting, once, and clears the flag: responses
// in between, such as more redirects or HTML fragments, leave it alone. A
// snippet rendered on the logout response itself shuts down too. The
// cookies go out as raw Set-Cookie lines formatted by net/http (Max-Age=0
// and an Expires date in the past), which fasthttp's Cookie cannot write.
//
// Shutdown works on a request Config.Next skipped too: a logout must not be
// lost to a skipper that only meant to keep the Messenger off some pages.
// With a disabled Messenger it sets no cookie; without New on the route it
// does nothing, and logs that once.
func Shutdown(c fiber.Ctx) { lookup(c).Shutdown() }
