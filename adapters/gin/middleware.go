package intercomgin

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

// request is the Intercom state of one gin request.
type request = adapter.Request[*gin.Context]

// stateKey is the c.Set key of a request's state. gin's keys are strings;
// the module path keeps it clear of an app's own.
const stateKey = "github.com/goanalytical/intercom/adapters/gin"

// Middleware returns gin middleware that makes m's snippet available to the
// handlers after it, through Data, Snippet and Component, and makes
// Identify, Set, Inject, Shutdown and SettingsHandler work for them.
//
// The options are read once, here. Per request, the middleware only records
// the request: the user, attributes, nonce and client IP are looked up when
// a page first renders the snippet, and at most once. So the user that
// gin.BasicAuth (or the app's auth middleware) stores under gin.AuthUserKey
// is found whether that middleware runs before or after this one, on the
// engine or on a route group. Installed twice on a route, the second one
// keeps the first one's state.
//
// The first page that renders the snippet for a browser after a Shutdown (on
// a later request: the adapter.ShutdownCookie flag says so) ends the
// previous Messenger session before booting.
//
// Middleware panics if m is nil: a Messenger from intercom.New is required
// (a disabled one, with an empty AppID, renders nothing).
func Middleware(m *intercom.Messenger, opts ...Option) gin.HandlerFunc {
	hooks := adapter.Hooks[*gin.Context]{
		ClientIP: (*gin.Context).ClientIP,
		AuthUser: func(c *gin.Context) any { return c.Value(gin.AuthUserKey) },
	}.WithRequestCookies(func(c *gin.Context) *http.Request { return c.Request }, responseHeader)
	mw := adapter.NewMiddleware("intercomgin.Middleware", m, hooks, opts...)
	return func(c *gin.Context) {
		if _, seen := c.Get(stateKey); !seen {
			r, req := mw.StartWithRequest(c, c.Request)
			c.Set(stateKey, r)
			c.Request = req
		}
		c.Next()
	}
}

// responseHeader is where cookies go, until the headers have gone out (Inject
// renders the snippet after the handler wrote the page).
func responseHeader(c *gin.Context) http.Header {
	if c.Writer.Written() {
		return nil
	}
	return c.Writer.Header()
}

// warning writes adapter.ErrNoMiddleware to gin.DefaultErrorWriter, where
// gin writes its own warnings, once per process.
var warning = adapter.NewWarning(func(err error) {
	_, _ = fmt.Fprintf(gin.DefaultErrorWriter, "[WARNING] %v\n", err) // best effort, like gin's own
})
