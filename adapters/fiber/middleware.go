package intercomfiber

import (
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/log"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

// request is the Intercom state of one fiber request.
type request = adapter.Request[*fiber.Ctx]

// stateKey is the c.Locals key of a request's state. It is a string, so that
// fiber.Config{PassLocalsToViews: true} hands the state to the Views
// wrapper; the module path keeps it clear of an app's own locals, of
// intercom_* template keys and of pongo2 variable names.
const stateKey = "github.com/goanalytical/intercom/adapters/fiber"

// The c.Locals keys auto-identification reads: middleware/basicauth's
// default ContextUsername and gofiber/contrib jwt's default ContextKey.
const (
	basicAuthKey = "username"
	jwtKey       = "user"
)

// New creates the middleware: it starts the Intercom state of each request,
// which Identify, Set, Snippet, Data, Component, Views, Inject, Shutdown and
// SettingsHandler then use. Nothing is resolved until a page asks for the
// snippet, and then only once, so the user that middleware/basicauth or
// gofiber/contrib jwt stores is found whether it runs before or after New.
// Installed twice on a route, the second one keeps the first one's state.
//
// The state is also in c.UserContext() and in c.Context(), for Component.
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
	mw := adapter.NewMiddleware("intercomfiber.New", m, adapter.Hooks[*fiber.Ctx]{
		User: cfg.User, Attributes: cfg.Attributes, Nonce: cfg.Nonce, Skip: cfg.Next, ClientIP: ConfigDefault.ClientIP,
		AuthUser:    authUser,
		UserOption:  "intercomfiber.Config.User",
		HasCookie:   func(c *fiber.Ctx, name string) bool { return len(c.Request().Header.Cookie(name)) > 0 },
		Cookie:      func(c *fiber.Ctx, name string) string { return string(c.Request().Header.Cookie(name)) },
		CookieNames: cookieNames,
		SetCookie:   setCookie,
		// Headers stay open until the handler returns: fasthttp sends them
		// after it.
		DefaultHeader: func(c *fiber.Ctx, k, v string) { adapter.SetDefaultHeader(&c.Response().Header, k, v) },
	}, adapter.WithClientIP(cfg.ClientIP))
	return func(c *fiber.Ctx) error {
		if _, seen := c.Locals(stateKey).(*request); !seen {
			r := mw.Start(c)
			c.Locals(stateKey, r)
			c.Locals(adapter.ContextKey[*fiber.Ctx](), r) // c.Context().Value finds it
			c.SetUserContext(adapter.NewContext(c.UserContext(), r))
		}
		return c.Next()
	}
}

// authUser returns the signed-in user fiber's own auth middlewares store:
// middleware/basicauth's user name first (only basicauth writes it, always
// a string), then gofiber/contrib jwt's *jwt.Token, whose claims identify
// the visitor. Apps' own session middlewares often store their user type
// under "user" too; it is identified when it implements
// intercom.Identifier.
func authUser(c *fiber.Ctx) any {
	if v := c.Locals(basicAuthKey); v != nil {
		return v
	}
	return c.Locals(jwtKey)
}

// cookieNames returns the names of the request's cookies, for Shutdown. It
// reads the Cookie header itself: fasthttp v1.51 (fiber v2's) lists cookies
// only with VisitAllCookie, which later versions deprecate.
func cookieNames(c *fiber.Ctx) (names []string) {
	for _, kv := range strings.Split(c.Get(fiber.HeaderCookie), ";") {
		if name, _, _ := strings.Cut(strings.TrimSpace(kv), "="); name != "" {
			names = append(names, name)
		}
	}
	return names
}

// setCookie adds a raw Set-Cookie line, in place of one the response
// already has for that cookie: fasthttp's Cookie cannot write the
// Max-Age=0 that expires a cookie, net/http's formatting can.
func setCookie(c *fiber.Ctx, ck *http.Cookie) {
	if v := ck.String(); v != "" {
		c.Response().Header.DelCookie(ck.Name) // one line per cookie: queued calls set theirs again
		c.Response().Header.Add(fiber.HeaderSetCookie, v)
	}
}

// warning logs adapter.ErrNoMiddleware with fiber's logger, as fiber's own
// middlewares warn, once per process.
var warning = adapter.NewWarning(func(err error) { log.Warnf("[INTERCOM] %v", err) })
