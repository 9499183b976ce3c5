package intercomecho

import (
	"github.com/labstack/echo/v4"
)

// Shutdown ends the visitor's Messenger session, for logout handlers. Call
// it before the handler writes its response:
//
//	e.POST("/logout", func(c echo.Context) error {
//		session.Clear(c) // the app's own logout
//		intercomecho.Shutdown(c)
//		return c.Redirect(http.StatusFound, "/")
//	})
//
// It expires every intercom-* cookie of the Messenger's workspace (with
// intercom.Config.CookieDomain as their Domain) and sets the
// intercom.ShutdownCookie flag: expiring the cookies alone leaves the
// session alive at Intercom, so the next page that renders the snippet
// (after the redirect, by template or Inject) calls Intercom('shutdown')
// before booting, and the flag is cleared: by that page's response when its
// headers are still open, and by its script in the browser. A snippet on the
// logout response itself shuts down too. The cookies are
// intercom.Messenger.LogoutCookies.
//
// Shutdown works on a request Middleware's skipper skipped too. Without
// Middleware on the route it does nothing, and logs that once. With a
// disabled Messenger it sets no cookie.
func Shutdown(c echo.Context) {
	m := messenger(c)
	if m == nil {
		if c != nil {
			warnNoMiddleware()
		}
		return
	}
	cookies := c.Cookies()
	names := make([]string, len(cookies))
	for i, ck := range cookies {
		names[i] = ck.Name
	}
	for _, ck := range m.LogoutCookies(names) {
		c.SetCookie(ck)
	}
	if r, _ := lookup(c); r != nil {
		r.SetShutdown()
	}
}
