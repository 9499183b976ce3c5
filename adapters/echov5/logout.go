package intercomecho

import "github.com/labstack/echo/v5"

// Shutdown ends the visitor's Messenger session, for logout handlers. Call
// it before the handler writes its response:
//
//	e.POST("/logout", func(c *echo.Context) error {
//		session.Clear(c) // the app's own logout
//		intercomecho.Shutdown(c)
//		return c.Redirect(http.StatusSeeOther, "/")
//	})
//
// It expires every intercom-* cookie of the Messenger's workspace, with
// intercom.Config.CookieDomain as their Domain, and sets the
// adapter.ShutdownCookie flag. Expiring the cookies alone leaves the session
// alive at Intercom, so the next page that renders the snippet (through
// Renderer, Data, Snippet, Component or Inject), after the redirect, calls
// Intercom('shutdown') before booting, and the flag is cleared: by that
// page's response when its headers are still open, and by its script in the
// browser. Responses in between, such as more redirects or JSON, leave it
// alone. A snippet rendered on the logout response itself shuts down too.
//
// Shutdown works on a request Middleware's skipper excluded too: a logout
// must not be lost to a skipper that only meant to keep the Messenger off
// some pages. With a disabled Messenger it sets no cookie.
func Shutdown(c *echo.Context) { lookup(c).Shutdown() }
