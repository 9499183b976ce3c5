package intercomgin

import (
	"github.com/gin-gonic/gin"

	intercom "github.com/goanalytical/intercom/core"
)

// config collects the options of one Middleware. It is read once, when the
// middleware is built, and never changed afterwards.
type config struct {
	user     func(*gin.Context) (intercom.User, bool)
	attrs    func(*gin.Context) intercom.Attributes
	nonce    func(*gin.Context) string
	clientIP func(*gin.Context) string
	skip     func(*gin.Context) bool
}

// Option configures Middleware.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithUser sets how to find the signed-in user of a request, for apps whose
// sessions gin's own auth middleware does not see. It runs at most once per
// request, and only when a page renders the snippet and no handler called
// Identify. ok false means f does not know the visitor; the user that
// gin.BasicAuth stored, if any, is then identified. A panic in f is reported
// to the Messenger's ErrorHandler and treated as ok false.
func WithUser(f func(c *gin.Context) (u intercom.User, ok bool)) Option {
	return optionFunc(func(cfg *config) { cfg.user = f })
}

// WithAttributes sets custom data for every page, such as the plan or
// company of the account (the seed's context processor). Values a handler
// sets with Set, or passes as intercom_* keys to H, override it.
func WithAttributes(f func(c *gin.Context) intercom.Attributes) Option {
	return optionFunc(func(cfg *config) { cfg.attrs = f })
}

// WithNonce sets how to find the response's CSP nonce, typically a value a
// security middleware stored on the context. The snippet's script element
// and the widget script it loads then carry it.
func WithNonce(f func(c *gin.Context) string) Option {
	return optionFunc(func(cfg *config) { cfg.nonce = f })
}

// WithClientIP replaces how the client address is found for
// intercom.Config.InternalIPs. The default is c.ClientIP(), which honours
// the engine's SetTrustedProxies and TrustedPlatform settings; a nil f
// restores it.
func WithClientIP(f func(c *gin.Context) string) Option {
	return optionFunc(func(cfg *config) { cfg.clientIP = f })
}

// WithSkipper sets a function that reports requests the middleware should
// leave alone, such as health checks or admin pages: on them Snippet and H
// render no snippet, Inject leaves the page alone, SettingsHandler responds
// null, and Identify and Set do nothing. Shutdown still logs the visitor
// out. A panic in f is reported and the request is not skipped.
func WithSkipper(f func(c *gin.Context) bool) Option {
	return optionFunc(func(cfg *config) { cfg.skip = f })
}

func newConfig(opts []Option) config {
	var cfg config
	for _, o := range opts {
		if o != nil {
			o.apply(&cfg)
		}
	}
	if cfg.clientIP == nil {
		cfg.clientIP = (*gin.Context).ClientIP
	}
	return cfg
}
