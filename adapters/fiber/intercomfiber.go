package intercomfiber

import (
	"html/template"
	"sync"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/log"

	intercom "github.com/goanalytical/intercom/core"
)

// LocalsKey is the c.Locals key under which the middleware stores the
// request's *intercom.Request[*fiber.Ctx]. It is a string so that
// fiber.Config{PassLocalsToViews: true} hands it to the Views wrapper, and it
// holds a dot so that it neither starts with intercom.TemplatePrefix nor is a
// valid pongo2 variable name.
const LocalsKey = "intercom.request"

// The c.Locals keys auto-identification reads: middleware/basicauth's
// default ContextUsername and gofiber/contrib jwt's default ContextKey.
const (
	basicAuthKey = "username"
	jwtKey       = "user"
)

// request is the type the middleware stores under LocalsKey. A nil *request
// marks a request the middleware skipped.
type request = intercom.Request[*fiber.Ctx]

// New creates the middleware: it starts the Intercom state of each request,
// which Identify, Set, Snippet, Bind, Views, Inject, Shutdown and
// SettingsHandler then use. Nothing is resolved until the page asks for the
// snippet, and then only once. A snippet rendered while the request carries
// the flag cookie of an earlier Shutdown ends the previous Messenger session
// before booting, and the first one clears the flag.
//
// New panics if m is nil: a missing Messenger is a start-up error. A disabled
// Messenger (no AppID) is fine; pages then render nothing.
func New(m *intercom.Messenger, config ...Config) fiber.Handler {
	if m == nil {
		panic("intercomfiber: New called with a nil *intercom.Messenger")
	}
	cfg := configDefault(config...)
	done := m.ShutdownDoneCookie().String() // the same value for every request
	hooks := &intercom.Hooks[*fiber.Ctx]{
		User:            cfg.User,
		Attributes:      cfg.Attributes,
		Nonce:           cfg.Nonce,
		ClientIP:        cfg.ClientIP,
		ShutdownPending: shutdownPending,
		ShutdownDone: func(c *fiber.Ctx) {
			c.Response().Header.Add(fiber.HeaderSetCookie, done)
		},
	}
	if m.AutoIdentify() {
		hooks.AuthUser = authUser
	}
	enabled := m.Enabled()
	next := cfg.Next

	return func(c *fiber.Ctx) error {
		if !enabled {
			// A typed nil: helpers tell "skipped" (render nothing, quietly)
			// from "no middleware on this route".
			c.Locals(LocalsKey, (*request)(nil))
			return c.Next()
		}
		if intercom.Skipped(m, "Next", next, c) {
			c.Locals(LocalsKey, (*request)(nil))
			c.Locals(skippedKey{}, m) // for Shutdown, which works on skipped requests
			return c.Next()
		}
		c.Locals(LocalsKey, intercom.NewRequest(m, hooks, c))
		return c.Next()
	}
}

// skippedKey is the c.Locals key under which New keeps the Messenger on a
// request it skipped. It is not a string, so PassLocalsToViews leaves it out.
type skippedKey struct{}

// shutdownPending reports whether an earlier Shutdown left its flag cookie.
func shutdownPending(c *fiber.Ctx) bool {
	return len(c.Request().Header.Cookie(intercom.ShutdownCookie)) > 0
}

// authUser returns the signed-in user the framework's own auth middleware
// stored. middleware/basicauth's "username" comes first: only basicauth
// writes it, and always as a string. "user" comes second because it is a
// shared convention: gofiber/contrib jwt stores a *jwt.Token there (which
// the core reports and ignores; map its claims with Config.User instead),
// and apps' own session middlewares often store their user type there
// (identified when it implements intercom.Identifier).
func authUser(c *fiber.Ctx) any {
	if v := c.Locals(basicAuthKey); v != nil {
		return v
	}
	return c.Locals(jwtKey)
}

// messenger returns the Messenger of the New that saw c, skipped or not,
// and whether New saw c at all. It is nil on a skipped request of a disabled
// Messenger (which sets no cookie anyway).
func messenger(c *fiber.Ctx) (m *intercom.Messenger, ok bool) {
	r, ok := lookup(c)
	if r != nil {
		return r.Messenger(), true
	}
	if ok {
		m, _ = c.Locals(skippedKey{}).(*intercom.Messenger)
	}
	return m, ok
}

// lookup returns the request's Intercom state. ok is false when the
// middleware did not run on this route (or something else holds LocalsKey);
// r is nil with ok true when the middleware skipped the request.
func lookup(c *fiber.Ctx) (r *request, ok bool) {
	if c == nil {
		return nil, false
	}
	r, ok = c.Locals(LocalsKey).(*request)
	return r, ok
}

// Identify sets the visitor's user for this request. It overrides
// Config.User and auto-identification. It does nothing on a request the
// middleware did not see or skipped.
func Identify(c *fiber.Ctx, u intercom.User) {
	if r, _ := lookup(c); r != nil {
		r.Identify(u)
	}
}

// Set sets one custom attribute (key without the intercom_ prefix) for this
// request. It overrides Config.Attributes and any user or Messenger setting
// with the same key. It does nothing on a request the middleware did not see
// or skipped.
func Set(c *fiber.Ctx, key string, value any) {
	if r, _ := lookup(c); r != nil {
		r.Set(key, value)
	}
}

// Snippet renders the Intercom snippet for this request, with the user and
// attributes set so far. It returns "" when the Messenger is disabled, the
// request was skipped, or the middleware is not installed on the route.
func Snippet(c *fiber.Ctx) template.HTML {
	r, ok := lookup(c)
	if !ok {
		noMiddleware()
	}
	return r.Snippet()
}

var noMiddlewareOnce sync.Once

// noMiddleware logs intercom.ErrNoMiddleware once per process, with fiber's
// logger as fiber's own middlewares warn: without the middleware there is no
// Messenger whose ErrorHandler could take it.
func noMiddleware() {
	noMiddlewareOnce.Do(func() { log.Warnf("[INTERCOM] %v", intercom.ErrNoMiddleware) })
}
