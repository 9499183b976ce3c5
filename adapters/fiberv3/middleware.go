package intercomfiber

import (
	"net/http"
	"reflect"

	"github.com/gofiber/fiber/v3"
	"github.com/gofiber/fiber/v3/log"
	"github.com/gofiber/fiber/v3/middleware/basicauth"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

// stateKey is the c.Locals key of a request's state. It is a string, so that
// fiber.Config{PassLocalsToViews: true} hands the state to the Views
// wrapper; the module path keeps it clear of an app's own locals, of
// intercom_* template keys and of pongo2 variable names.
const stateKey = "github.com/goanalytical/intercom/adapters/fiberv3"

// request is the Intercom state of one fiber request.
type request = adapter.Request[fiber.Ctx]

// New creates the middleware: it starts the Intercom state of each request,
// which Identify, Set, Snippet, Data, Component, Views, Inject, Shutdown and
// SettingsHandler then use. Nothing is resolved until a page asks for the
// snippet, and then only once, so the user that middleware/basicauth or
// gofiber/contrib's jwt stores is found whether it runs before or after New.
// Installed twice on a route, the second one keeps the first one's state.
//
// The state is also where a context.Context reaches it, for Component: in
// the fiber.Ctx itself (its Value reads the locals) and in c.Context().
// The first page that renders the snippet for a browser after a Shutdown (on
// a later request: the adapter.ShutdownCookie flag says so) ends the
// previous Messenger session before booting.
//
// New panics if m is nil: a Messenger from intercom.New is a start-up
// requirement (a disabled one, with an empty AppID, renders nothing).
func New(m *intercom.Messenger, config ...Config) fiber.Handler {
	cfg := ConfigDefault
	if len(config) > 0 {
		cfg = config[0]
	}
	mw := adapter.NewMiddleware("intercomfiber.New", m, adapter.Hooks[fiber.Ctx]{
		User: cfg.User, Attributes: cfg.Attributes, Nonce: cfg.Nonce, Skip: cfg.Next, ClientIP: ConfigDefault.ClientIP,
		AuthUser:    authUser,
		UserOption:  "intercomfiber.Config.User",
		HasCookie:   func(c fiber.Ctx, name string) bool { return len(c.Request().Header.Cookie(name)) > 0 },
		Cookie:      func(c fiber.Ctx, name string) string { return string(c.Request().Header.Cookie(name)) },
		CookieNames: cookieNames,
		SetCookie:   setCookie,
		// Headers stay open until the handler returns: fasthttp sends them
		// after it.
		DefaultHeader: func(c fiber.Ctx, k, v string) { adapter.SetDefaultHeader(&c.Response().Header, k, v) },
	}, adapter.WithClientIP(cfg.ClientIP))
	return func(c fiber.Ctx) error {
		if _, seen := c.Locals(stateKey).(*request); !seen {
			r := mw.Start(c)
			c.Locals(stateKey, r)
			c.Locals(adapter.ContextKey[fiber.Ctx](), r) // c.Value finds it
			c.SetContext(adapter.NewContext(c.Context(), r))
		}
		return c.Next()
	}
}

// authUser returns the signed-in user fiber's auth middlewares store:
// middleware/basicauth's user name first, then the verified *jwt.Token of
// gofiber/contrib's jwt middleware, whose claims identify the visitor. Both
// keep them under private keys.
func authUser(c fiber.Ctx) any {
	if name := basicauth.UsernameFromContext(c); name != "" {
		return name
	}
	return contribJWT(c)
}

// contribJWTPackage is the import path of gofiber/contrib's jwt middleware
// for Fiber v3.
var contribJWTPackage = "github.com/gofiber/contrib/v3/jwt"

// contribJWT returns the token gofiber/contrib's jwt middleware stored, what
// its jwtware.FromContext reads: the local under the package's unexported
// tokenKey, contextKey(0). This module does not import the middleware (a
// dependency every app would get), so it finds the key by its type.
func contribJWT(c fiber.Ctx) (token any) {
	c.RequestCtx().VisitUserValuesAll(func(key, value any) {
		t := reflect.TypeOf(key)
		if t != nil && t.Kind() == reflect.Int && t.Name() == "contextKey" && t.PkgPath() == contribJWTPackage &&
			reflect.ValueOf(key).Int() == 0 {
			token = value
		}
	})
	return token
}

// cookieNames returns the names of the request's cookies, for Shutdown.
func cookieNames(c fiber.Ctx) (names []string) {
	for name := range c.Request().Header.Cookies() {
		names = append(names, string(name))
	}
	return names
}

// setCookie adds a raw Set-Cookie line, in place of one the response
// already has for that cookie: fasthttp's Cookie cannot write the
// Max-Age=0 that expires a cookie, net/http's formatting can.
func setCookie(c fiber.Ctx, ck *http.Cookie) {
	if v := ck.String(); v != "" {
		c.Response().Header.DelCookie(ck.Name) // one line per cookie: queued calls set theirs again
		c.Response().Header.Add(fiber.HeaderSetCookie, v)
	}
}

// warning logs adapter.ErrNoMiddleware with fiber's logger, as fiber's own
// middlewares warn, once per process.
var warning = adapter.NewWarning(func(err error) { log.Warnf("[INTERCOM] %v", err) })
