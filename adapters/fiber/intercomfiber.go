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
// which Identify, Set, Snippet, Bind and Views then use. Nothing is resolved
// until the page asks for the snippet, and then only once.
//
// New panics if m is nil: a missing Messenger is a start-up error. A disabled
// Messenger (no AppID) is fine; pages then render nothing.
func New(m *intercom.Messenger, config ...Config) fiber.Handler {
	if m == nil {
		panic("intercomfiber: New called with a nil *intercom.Messenger")
	}
	cfg := configDefault(config...)
	hooks := &intercom.Hooks[*fiber.Ctx]{
		User:       cfg.User,
		Attributes: cfg.Attributes,
		Nonce:      cfg.Nonce,
		ClientIP:   cfg.ClientIP,
	}
	if m.AutoIdentify() {
		hooks.AuthUser = authUser
	}
	enabled := m.Enabled()
	next := cfg.Next

	return func(c *fiber.Ctx) error {
		if !enabled || (next != nil && skip(m, next, c)) {
			// A typed nil: helpers tell "skipped" (render nothing, quietly)
			// from "no middleware on this route".
			c.Locals(LocalsKey, (*request)(nil))
			return c.Next()
		}
		c.Locals(LocalsKey, intercom.NewRequest(m, hooks, c))
		return c.Next()
	}
}

// skip runs the Next function; one that panics is reported and treated as
// unset, as the core treats its hooks.
func skip(m *intercom.Messenger, next func(*fiber.Ctx) bool, c *fiber.Ctx) (skipped bool) {
	defer func() {
		if recover() != nil {
			skipped = false
			m.Report(&intercom.HookError{Hook: "Next"})
		}
	}()
	return next(c)
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
		return ""
	}
	if r == nil {
		return ""
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
