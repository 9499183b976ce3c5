package intercomecho

import (
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	intercom "github.com/goanalytical/intercom/core"
)

// An Option configures Middleware.
type Option func(*config)

// config is what the options collect; Middleware turns it into one
// intercom.Hooks shared by every request.
type config struct {
	m       *intercom.Messenger
	hooks   intercom.Hooks[echo.Context]
	skipper middleware.Skipper
}

// WithUser sets how to find the signed-in user of a request, for apps whose
// auth does not store a string or an intercom.Identifier under "user". It is
// consulted after Identify and before auto-identification; returning false
// falls through to auto-identification.
func WithUser(f func(c echo.Context) (intercom.User, bool)) Option {
	return func(cfg *config) { cfg.hooks.User = f }
}

// WithAttributes sets custom data for every page, like the seed's context
// processor. Values set with Set or intercom_* template keys override it.
func WithAttributes(f func(c echo.Context) intercom.Attributes) Option {
	return func(cfg *config) { cfg.hooks.Attributes = f }
}

// WithNonce sets how to find the response's CSP nonce, for example from the
// context key a CSP middleware stores it under.
func WithNonce(f func(c echo.Context) string) Option {
	return func(cfg *config) { cfg.hooks.Nonce = f }
}

// WithClientIP replaces the default client IP, c.RealIP(). Prefer configuring
// Echo#IPExtractor, which the default honours; see the package
// documentation.
func WithClientIP(f func(c echo.Context) string) Option {
	return func(cfg *config) {
		if f != nil {
			cfg.hooks.ClientIP = f
		}
	}
}

// WithSkipper sets echo's usual skipper: a request it reports true for gets
// no snippet, and Snippet renders "" for it.
func WithSkipper(s middleware.Skipper) Option {
	return func(cfg *config) { cfg.skipper = s }
}
