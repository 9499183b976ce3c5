package intercomgin

import "github.com/gin-gonic/gin"

// Shutdown ends the visitor's Messenger session, for logout handlers. Call
// it before the handler writes its response:
//
//	r.POST("/logout", func(c *gin.Context) {
//		sessions.Default(c).Clear() // the app's own logout
//		intercomgin.Shutdown(c)
//		c.Redirect(http.StatusFound, "/")
//	})
//
// It expires every intercom-* cookie of the Messenger's workspace, with
// intercom.Config.CookieDomain as their Domain, and sets the
// adapter.ShutdownCookie flag. Expiring the cookies alone leaves the session
// alive at Intercom, so the next page that renders the snippet (through
// Data, Snippet, Component or Inject), after the redirect, calls
// Intercom('shutdown') before booting, and its script deletes the flag:
// responses in between, such as more redirects or HTML fragments, leave it
// alone. A snippet rendered on the logout response itself shuts down too.
//
// Shutdown works on a request Middleware's skipper excluded too: a logout
// must not be lost to a skipper that only meant to keep the Messenger off
// some pages. With a disabled Messenger it sets no cookie.
func Shutdown(c *gin.Context) { lookup(c).Shutdown() }
