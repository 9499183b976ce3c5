package intercomgin

import (
	"html/template"

	"github.com/gin-gonic/gin"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

// lookup returns the state Middleware stored for c; nil, after the warning,
// without the middleware or for a nil c.
func lookup(c *gin.Context) *request {
	var v any
	if c != nil {
		v, _ = c.Get(stateKey)
	}
	return adapter.Lookup[*gin.Context](v, warning)
}

// Identify sets the visitor's user for this request, for example right after
// a sign-in handler has verified the user. It takes precedence over WithUser
// and over the user gin.BasicAuth stored. On a skipped request it does
// nothing.
func Identify(c *gin.Context, u intercom.User) { lookup(c).Identify(u) }

// Set sets one custom attribute for this request, as django-analytical's
// intercom_* template variables did: Set(c, "plan", "pro") renders
// "plan":"pro". It overrides WithAttributes and any user or Messenger
// setting of the same key; setting a key again replaces the value. On a
// skipped request it does nothing.
func Set(c *gin.Context, key string, value any) { lookup(c).Set(key, value) }

// Snippet returns the Intercom snippet for this request, to place in a
// page's body; it is empty when the Messenger is disabled or the skipper
// excluded the request. For the data of c.HTML, use Data.
func Snippet(c *gin.Context) template.HTML { return lookup(c).Snippet() }

// Data returns template data for c.HTML: a copy of data with the snippet
// under the key "Intercom", so that a template shows the Messenger with
// {{ .Intercom }}:
//
//	c.HTML(http.StatusOK, "page.tmpl", intercomgin.Data(c, gin.H{
//		"title":         "Pricing",
//		"intercom_plan": "pro", // sent to Intercom as "plan"
//	}))
//
// Keys starting with "intercom_" are custom Intercom data, as
// django-analytical's template variables were: Data applies them with Set,
// prefix stripped, before it renders the snippet; they stay in the returned
// data too. data may be nil; it is not modified, so a shared gin.H is safe
// to pass. An "Intercom" key in data is replaced.
//
// gin's HTMLRender never sees the request, so there is no engine wrapper:
// Data (or Inject) is how a gin template gets the snippet.
func Data(c *gin.Context, data gin.H) gin.H { return adapter.Data(lookup(c), data) }

// Component returns a templ component (it has templ.Component's Render
// method) that writes the snippet of the request whose context it renders
// with: c.Request.Context(), which Middleware gives the request's state, or
// c itself on an engine with ContextWithFallback. In a templ file:
//
//	@intercomgin.Component()
//
// and in the handler:
//
//	c.Status(http.StatusOK)
//	_ = page().Render(c.Request.Context(), c.Writer)
//
// With a context Middleware did not see, it writes nothing (and warns once).
func Component() adapter.Component { return component }

var component = adapter.NewComponent[*gin.Context](warning, nil)
