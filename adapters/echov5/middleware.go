package intercomecho

import (
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v5"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

// warning logs adapter.ErrNoMiddleware with log/slog, as Echo v5 logs, once
// per process: there is no *echo.Context, so no c.Logger(), where it is
// noticed.
var warning = adapter.NewWarning(func(err error) { slog.Warn(err.Error(), "adapter", "intercomecho") })

// request is the Intercom state of one echo request.
type request = adapter.Request[*echo.Context]

// Middleware returns echo middleware that makes m's snippet available to the
// handlers after it, through Renderer, Data, Snippet and Component, and makes
// Identify, Set, Inject, Shutdown and SettingsHandler work for them.
//
// The options are read once, here. Per request, the middleware only records
// the request: the user, attributes, nonce and client IP are looked up when
// a page first renders the snippet, and at most once. So the user an auth
// middleware stores under "user" (the echo-jwt convention, or the name a
// middleware.BasicAuth validator stores) is found whether that middleware
// runs before or after this one, on the Echo instance or on a group.
// Installed twice on a route, the second one keeps the first one's state.
//
// The first page that renders the snippet for a browser after a Shutdown (on
// a later request: the adapter.ShutdownCookie flag says so) ends the
// previous Messenger session before booting.
//
// Middleware panics if m is nil, as echo's own middleware does for a
// configuration error: a Messenger from intercom.New is required (a disabled
// one, with an empty AppID, renders nothing). It never panics on a request.
func Middleware(m *intercom.Messenger, opts ...Option) echo.MiddlewareFunc {
	hooks := adapter.Hooks[*echo.Context]{
		ClientIP: (*echo.Context).RealIP,
		AuthUser: func(c *echo.Context) any { return c.Get("user") },
	}.WithRequestCookies((*echo.Context).Request, responseHeader)
	mw := adapter.NewMiddleware("intercomecho.Middleware", m, hooks, opts...)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			if c.Get(stateKey) == nil {
				r, req := mw.StartWithRequest(c, c.Request())
				c.Set(stateKey, r)
				c.SetRequest(req)
			}
			return next(c)
		}
	}
}

// responseHeader is where Shutdown's and the logout flag's cookies go, nil
// once the headers have gone out: under Inject the snippet renders after
// they did. c.Response() may be a wrapper (Inject's, a middleware's); the
// *echo.Response under it knows.
func responseHeader(c *echo.Context) http.Header {
	if res, err := echo.UnwrapResponse(c.Response()); err == nil && res.Committed {
		return nil
	}
	return c.Response().Header()
}
