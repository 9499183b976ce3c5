package intercomfiber

import (
	"github.com/gofiber/fiber/v2"

	intercom "github.com/goanalytical/intercom/core"
)

// Config defines the config for the middleware. User, Attributes, Nonce and
// ClientIP run at most once per request, and only when the page renders a
// snippet; Next runs on every request. A callback that panics is reported to
// intercom.Config.ErrorHandler (as an *intercom.HookError) and treated as
// unset.
//
// Strings that fiber returns from the request (c.Get, c.Params, c.Cookies,
// ...) point into buffers that fasthttp reuses once the handler returns,
// unless fiber.Config.Immutable is set. A callback may return them for the
// current page, but copy any that it keeps beyond the request, for example
// in a user cache, with utils.CopyString.
type Config struct {
	// Next defines a function to skip this middleware when returned true:
	// the request renders no snippet, and Identify and Set do nothing.
	//
	// Optional. Default: nil
	Next func(c *fiber.Ctx) bool

	// User returns the visitor's user, for example from the session or from
	// the claims of a gofiber/contrib jwt token. It is consulted before
	// auto-identification; Identify in a handler overrides it.
	//
	// Optional. Default: nil
	User func(c *fiber.Ctx) (intercom.User, bool)

	// Attributes returns custom data for every page (the seed's context
	// processor). Set in a handler, and intercom_* template keys, override
	// it key by key.
	//
	// Optional. Default: nil
	Attributes func(c *fiber.Ctx) intercom.Attributes

	// Nonce returns the response's Content-Security-Policy nonce, which the
	// snippet's script element and the widget script then carry.
	//
	// Optional. Default: nil
	Nonce func(c *fiber.Ctx) string

	// ClientIP returns the client address that decides the
	// intercom.Config.InternalIPs rule.
	//
	// Optional. Default: c.IP(), so that fiber.Config.ProxyHeader and
	// TrustedProxies apply (see the package documentation).
	ClientIP func(c *fiber.Ctx) string
}

// ConfigDefault is the default config.
var ConfigDefault = Config{
	ClientIP: func(c *fiber.Ctx) string { return c.IP() },
}

// configDefault fills the unset fields of config[0] from ConfigDefault.
func configDefault(config ...Config) Config {
	if len(config) < 1 {
		return ConfigDefault
	}
	cfg := config[0]
	if cfg.ClientIP == nil {
		cfg.ClientIP = ConfigDefault.ClientIP
	}
	return cfg
}
