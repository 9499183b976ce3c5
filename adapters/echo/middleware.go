package intercomecho

import (
	"html/template"
	"log/slog"
	"sync"

	"github.com/labstack/echo/v4"

	intercom "github.com/goanalytical/intercom/core"
)

// UserKey is the echo context key auto-identification reads: where echo-jwt
// stores the token by default, and where a middleware.BasicAuth validator
// should store the user name (echo's BasicAuth stores nothing itself). A
// string there identifies the user by id and name; an intercom.Identifier
// gives its own User; any other value (such as echo-jwt's *jwt.Token) is
// reported to Config.ErrorHandler and ignored, so use WithUser for it.
const UserKey = "user"

// contextKey is where Middleware keeps a request's state with c.Set. Echo
// keys are strings; the module path keeps it clear of application keys.
const contextKey = "github.com/goanalytical/intercom/adapters/echo"

// request is the per-request state; core does all the work.
type request = intercom.Request[echo.Context]

// skipped marks a request the skipper skipped, so that Snippet renders
// nothing without warning that the middleware is missing. It keeps the
// Messenger for Shutdown, which works on skipped requests too.
type skipped struct{ m *intercom.Messenger }

// Middleware returns echo middleware that makes Identify, Set, Snippet,
// Renderer, Inject, Shutdown and SettingsHandler work for the requests it
// sees. The visitor is resolved lazily: the options' callbacks run at most
// once, when a snippet is first rendered. The first snippet rendered after a
// Shutdown (on a later request: it reads the intercom.ShutdownCookie flag)
// ends the previous Messenger session and clears the flag.
//
// The user the app's auth middleware stores under UserKey is read when the
// page renders, so Middleware may run before or after it, and auth on a
// route group works too. Middleware panics if m is nil, as echo's own
// middleware does for a configuration error; it never panics on a request.
func Middleware(m *intercom.Messenger, opts ...Option) echo.MiddlewareFunc {
	if m == nil {
		panic("intercomecho: Middleware needs a *intercom.Messenger, got nil")
	}
	cfg := &config{hooks: intercom.Hooks[echo.Context]{
		AuthUser:        authUser,
		ClientIP:        echo.Context.RealIP,
		ShutdownPending: shutdownPending,
		ShutdownDone:    func(c echo.Context) { c.SetCookie(m.ShutdownDoneCookie()) },
	}}
	for _, opt := range opts {
		if opt != nil {
			opt(cfg)
		}
	}
	// Echo applies middleware per request, so the handler closure below is
	// allocated for every request: it captures next and cfg, nothing else.
	cfg.m = m
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if intercom.Skipped(cfg.m, "Skipper", cfg.skipper, c) {
				c.Set(contextKey, skipped{cfg.m})
			} else {
				c.Set(contextKey, intercom.NewRequest(cfg.m, &cfg.hooks, c))
			}
			return next(c)
		}
	}
}

func authUser(c echo.Context) any { return c.Get(UserKey) }

// shutdownPending reports whether an earlier Shutdown left its flag cookie.
func shutdownPending(c echo.Context) bool {
	_, err := c.Cookie(intercom.ShutdownCookie)
	return err == nil
}

// lookup returns the state Middleware stored for c; seen reports whether the
// middleware ran at all (a skipped request has no state).
func lookup(c echo.Context) (r *request, seen bool) {
	if c == nil {
		return nil, false
	}
	switch v := c.Get(contextKey).(type) {
	case *request:
		return v, true
	case skipped:
		return nil, true
	}
	return nil, false
}

// messenger returns the Messenger of the Middleware that saw c, skipped or
// not; nil without the middleware.
func messenger(c echo.Context) *intercom.Messenger {
	if c == nil {
		return nil
	}
	switch v := c.Get(contextKey).(type) {
	case *request:
		return v.Messenger()
	case skipped:
		return v.m
	}
	return nil
}

// Identify sets the visitor's user for this request, for example in a
// handler that has just loaded it. It takes precedence over WithUser and
// auto-identification. Without the middleware it does nothing.
func Identify(c echo.Context, u intercom.User) {
	if r, _ := lookup(c); r != nil {
		r.Identify(u)
	}
}

// Set sets one custom attribute for this request (the seed's intercom_*
// template variables, without the prefix). It overrides WithAttributes and
// any user or Messenger setting with the same key. Without the middleware it
// does nothing.
func Set(c echo.Context, key string, value any) {
	if r, _ := lookup(c); r != nil {
		r.Set(key, value)
	}
}

// Snippet renders the Messenger for this request: one script element, safe
// in an HTML body. It renders "" for a skipped request, when the Messenger is
// disabled, and when the middleware is not installed on the route (which is
// logged once, as it is a wiring mistake).
func Snippet(c echo.Context) template.HTML {
	r, seen := lookup(c)
	if !seen {
		warnNoMiddleware()
	}
	return r.Snippet()
}

// warnNoMiddleware logs intercom.ErrNoMiddleware once per process. There is
// no Messenger to report it to: the middleware would have brought one.
var warnNoMiddleware = sync.OnceFunc(func() {
	slog.Warn(intercom.ErrNoMiddleware.Error(), "adapter", "intercomecho")
})
