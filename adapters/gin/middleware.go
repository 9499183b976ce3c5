package intercomgin

import (
	"net/http"

	"github.com/gin-gonic/gin"

	intercom "github.com/goanalytical/intercom/core"
)

// contextKey is the type of the key the middleware stores its state under.
// Being unexported, no other package can write a value under the key, so the
// state cannot collide with an app's own c.Set keys.
type contextKey int

// requestKey holds a *intercom.Request[*gin.Context], or skipped on a
// request the skipper excluded.
const requestKey contextKey = 0

// skipped marks a request the skipper excluded, so that helpers can tell an
// intended skip from a missing middleware. It keeps the Messenger for
// Shutdown, which works on skipped requests too. Holding one pointer, it is
// stored in an interface without allocating.
type skipped struct{ m *intercom.Messenger }

// Middleware returns a gin middleware that makes m's snippet available to
// the handlers after it, through Snippet and H, and makes Identify, Set,
// Inject, Shutdown and SettingsHandler work for them.
//
// The options are read once, here. Per request, the middleware only records
// the request: the user, attributes, nonce and client IP are looked up when
// a page first renders the snippet, and at most once. So the user that
// gin.BasicAuth (or the app's auth middleware) stores under gin.AuthUserKey
// is found whether that middleware runs before or after this one, on the
// engine or on a route group.
//
// The first page that renders the snippet for a browser after a Shutdown
// (on a later request: the intercom.ShutdownCookie flag says so) ends the
// previous Messenger session before booting; its response clears the flag
// where the headers are still open, and its script deletes it anyway.
//
// Middleware panics if m is nil: a Messenger from intercom.New is required
// (a disabled one, with an empty AppID, renders nothing).
func Middleware(m *intercom.Messenger, opts ...Option) gin.HandlerFunc {
	if m == nil {
		panic("intercomgin: Middleware called with a nil *intercom.Messenger")
	}
	cfg := newConfig(opts)
	hooks := &intercom.Hooks[*gin.Context]{
		User:       cfg.user,
		AuthUser:   authUser,
		Attributes: cfg.attrs,
		Nonce:      cfg.nonce,
		ClientIP:   cfg.clientIP,
		// Only read when a snippet renders: the hooks are lazy.
		ShutdownPending: shutdownPending,
		ShutdownDone: func(c *gin.Context) {
			// Where the headers have gone out (Inject renders the snippet
			// at the end), the snippet's script deletes the flag instead.
			if !c.Writer.Written() {
				http.SetCookie(c.Writer, m.ShutdownDoneCookie())
			}
		},
	}
	skip := cfg.skip
	return func(c *gin.Context) {
		// A panicking skipper is reported, and the request is not skipped.
		if intercom.Skipped(m, "Skipper", skip, c) {
			c.Set(requestKey, skipped{m})
		} else {
			c.Set(requestKey, intercom.NewRequest(m, hooks, c))
		}
		c.Next()
	}
}

// authUser returns what gin.BasicAuth (or an app's auth middleware following
// its convention) stored for the signed-in user; the Messenger decides
// whether it can be used.
func authUser(c *gin.Context) any {
	v, _ := c.Get(gin.AuthUserKey)
	return v
}

// shutdownPending reports whether an earlier Shutdown left its flag cookie.
// Request.Cookie parses only the cookies of that name.
func shutdownPending(c *gin.Context) bool {
	_, err := c.Request.Cookie(intercom.ShutdownCookie)
	return err == nil
}

// request returns the state the middleware stored for c: r for a request it
// serves, or nil with found true for one its skipper excluded. Both are zero
// when the middleware did not run, or when c is nil.
func request(c *gin.Context) (r *intercom.Request[*gin.Context], found bool) {
	if c == nil {
		return nil, false
	}
	switch v, _ := c.Get(requestKey); v := v.(type) {
	case *intercom.Request[*gin.Context]:
		return v, v != nil
	case skipped:
		return nil, true
	}
	return nil, false
}

// messenger returns the Messenger of the Middleware that saw c, whether its
// skipper excluded the request or not; nil without the middleware.
func messenger(c *gin.Context) *intercom.Messenger {
	if c == nil {
		return nil
	}
	switch v, _ := c.Get(requestKey); v := v.(type) {
	case *intercom.Request[*gin.Context]:
		if v != nil {
			return v.Messenger()
		}
	case skipped:
		return v.m
	}
	return nil
}
