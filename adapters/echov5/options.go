package intercomecho

import (
	"github.com/labstack/echo/v5"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

// Option configures Middleware.
type Option = adapter.Option[*echo.Context]

// WithAttributes sets custom data for every page, such as the plan or
// company of the account (django-analytical's context processor). Values a
// handler sets with Set, or passes as intercom_* keys to Renderer or Data,
// override it.
func WithAttributes(f func(c *echo.Context) intercom.Attributes) Option {
	return adapter.WithAttributes(f)
}

// WithUser sets how to find the signed-in user of a request, for apps whose
// auth stores something else than a user name, an intercom.Identifier or a
// golang-jwt token under "user". It runs at most once per request, and only
// when a page renders the snippet and no handler called Identify. ok false
// means f does not know the visitor; the user stored under "user", if any, is
// then identified. A panic in f is reported to the Messenger's ErrorHandler
// and treated as ok false.
func WithUser(f func(c *echo.Context) (u intercom.User, ok bool)) Option { return adapter.WithUser(f) }

// WithNonce sets how to find the response's CSP nonce, typically a value a
// security middleware stored with c.Set. The snippet's script element and
// the widget script it loads then carry it.
func WithNonce(f func(c *echo.Context) string) Option { return adapter.WithNonce(f) }

// WithClientIP replaces how the client address is found for
// intercom.Config.InternalIPs. The default is c.RealIP(), which honours
// Echo#IPExtractor (see the package documentation); a nil f keeps it.
func WithClientIP(f func(c *echo.Context) string) Option { return adapter.WithClientIP(f) }

// WithSkipper sets a function that reports requests the middleware should
// leave alone, such as health checks or admin pages; echo's
// middleware.Skipper has its signature. On them Renderer, Data, Snippet and
// Component render no snippet, Inject leaves the page alone, SettingsHandler
// responds null, and Identify and Set do nothing. Shutdown still logs the
// visitor out. A panic in f is reported and the request is not skipped.
func WithSkipper(f func(c *echo.Context) bool) Option { return adapter.WithSkipper(f) }
