package intercomgin

import (
	"fmt"
	"html/template"
	"sync"

	"github.com/gin-gonic/gin"

	intercom "github.com/goanalytical/intercom/core"
)

// Identify sets the visitor's user for this request, for example right after
// a sign-in handler has verified the user. It takes precedence over WithUser
// and over the user gin.BasicAuth stored. Without the middleware, or on a
// skipped request, it does nothing.
func Identify(c *gin.Context, u intercom.User) {
	if r, _ := request(c); r != nil {
		r.Identify(u)
	}
}

// Set sets one custom attribute for this request, as the seed's intercom_*
// template variables did: Set(c, "plan", "pro") renders "plan":"pro". It
// overrides WithAttributes and any user or Messenger setting of the same
// key; setting a key again replaces the value. Without the middleware, or on
// a skipped request, it does nothing.
func Set(c *gin.Context, key string, value any) {
	if r, _ := request(c); r != nil {
		r.Set(key, value)
	}
}

// Snippet returns the Intercom snippet for this request, to place in a
// page's body; it is empty when the Messenger is disabled or the skipper
// excluded the request. For the data of c.HTML, use H.
//
// Without the middleware, Snippet returns "". As no Messenger is reachable
// there, intercom.ErrNoMiddleware cannot go to its ErrorHandler; it is
// written once per process to gin.DefaultErrorWriter instead.
func Snippet(c *gin.Context) template.HTML {
	return snippet(request(c))
}

// snippet renders the snippet for the state request returned.
func snippet(r *intercom.Request[*gin.Context], found bool) template.HTML {
	if !found {
		warnNoMiddleware()
	}
	return r.Snippet()
}

// noMiddlewareOnce makes the warning about a missing middleware appear once
// per process: it is a wiring mistake, not a per-request event.
var noMiddlewareOnce sync.Once

// warnNoMiddleware writes intercom.ErrNoMiddleware to gin.DefaultErrorWriter,
// where gin writes its own errors. There is no Messenger to report it to:
// the middleware would have brought one.
func warnNoMiddleware() {
	noMiddlewareOnce.Do(func() {
		_, _ = fmt.Fprintf(gin.DefaultErrorWriter, "[WARNING] %v\n", intercom.ErrNoMiddleware) // best effort, like gin's own warnings
	})
}
