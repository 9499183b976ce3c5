package intercomfiber

import (
	"github.com/gofiber/fiber/v2"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

// Config defines the config for the middleware. User, Attributes, Nonce and
// ClientIP run at most once per request, and only when a page renders the
// snippet (or SettingsHandler answers); Next runs on every request. A
// callback that panics is reported to intercom.Config.ErrorHandler as an
// *adapter.HookError and treated as unset.
//
// Strings that fiber returns from the request (c.Get, c.Params, c.Cookies,
// ...) point into buffers that fasthttp reuses once the handler returns,
// unless fiber.Config.Immutable is set. A callback may return them for the
// current page, but must copy any it keeps beyond the request, for example
// in a user cache, with utils.CopyString.
type Config struct {
	// Next defines a function to skip this middleware when returned true:
	// the request renders no snippet, Inject leaves it alone,
	// SettingsHandler answers null, and Identify and Set do nothing.
	// Shutdown still logs the visitor out.
	//
	// Optional. Default: nil
	Next func(c *fiber.Ctx) bool

	// User returns the visitor's user, for apps whose sessions fiber's auth
	// middlewares do not see. It is consulted before auto-identification;
	// Identify in a handler overrides it. ok false means it does not know
	// the visitor, and auto-identification runs.
	//
	// Optional. Default: nil
	User func(c *fiber.Ctx) (u intercom.User, ok bool)

	// Attributes returns custom data for every page (django-analytical's
	// context processor). Set in a handler, and intercom_* template keys,
	// override it key by key.
	//
	// Optional. Default: nil
	Attributes func(c *fiber.Ctx) intercom.Attributes

	// Nonce returns the response's Content-Security-Policy nonce, which the
	// snippet's script element and the widget script it loads then carry.
	//
	// Optional. Default: nil
	Nonce func(c *fiber.Ctx) string

	// ClientIP returns the client address that decides the
	// intercom.Config.InternalIPs rule; it is not called without them.
	//
	// Optional. Default: c.IP(), so that fiber.Config.ProxyHeader and
	// TrustedProxies apply (see the package documentation).
	ClientIP func(c *fiber.Ctx) string
}

// ConfigDefault is the default config. A Config given to New with a nil
// ClientIP keeps this default.
var ConfigDefault = Config{
	ClientIP: func(c *fiber.Ctx) string { return c.IP() },
}

// TrustedProxies returns a Config.ClientIP for apps behind load balancers or
// proxies that append to X-Forwarded-For: the peer address unless it is one
// of proxies (IP addresses and CIDR prefixes), then X-Forwarded-For walked
// from the right past the trusted hops, as intercom.ClientIP does, so a
// client cannot pick its own address by sending the header. (Fiber's
// ProxyHeader takes the header as it is.) An entry that is neither an
// address nor a prefix panics here, at start-up, naming it:
//
//	app.Use(intercomfiber.New(m, intercomfiber.Config{ClientIP: intercomfiber.TrustedProxies("10.0.0.0/8")}))
func TrustedProxies(proxies ...string) func(c *fiber.Ctx) string {
	walk, err := adapter.TrustedForwarded(proxies...)
	if err != nil {
		panic("intercomfiber.TrustedProxies: " + err.Error())
	}
	return func(c *fiber.Ctx) string {
		return walk(c.Context().RemoteAddr().String(), c.Request().Header.PeekAll(fiber.HeaderXForwardedFor))
	}
}
