package intercomecho

import (
	"html/template"

	"github.com/labstack/echo/v5"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

// stateKey is the c.Set key of a request's state. Echo's keys are strings;
// the module path keeps it clear of an app's own.
const stateKey = "github.com/goanalytical/intercom/adapters/echov5"

// lookup returns the state Middleware stored for c; nil, after the warning,
// without the middleware or for a nil c.
func lookup(c *echo.Context) *request {
	var v any
	if c != nil {
		v = c.Get(stateKey)
	}
	return adapter.Lookup[*echo.Context](v, warning)
}

// Snippet returns the Intercom snippet for this request, to place in a
// page's body, for example in a template.HTML field of struct data; it is
// empty when the Messenger is disabled or the skipper excluded the request.
func Snippet(c *echo.Context) template.HTML { return lookup(c).Snippet() }

// Data returns template data with the snippet: a copy of data with the
// snippet under the key "Intercom", for templates rendered without Renderer
// (c.Render through another renderer, or a template executed by hand):
//
//	return c.Render(http.StatusOK, "page.html", intercomecho.Data(c, map[string]any{
//		"title":         "Pricing",
//		"intercom_plan": "pro", // sent to Intercom as "plan"
//	}))
//
// Echo v5 has no echo.Map: template data is a map[string]any. Keys starting
// with "intercom_" are custom Intercom data, as django-analytical's template
// variables were: Data applies them with Set, prefix stripped, before it
// renders the snippet; they stay in the returned data too. data may be nil;
// it is not modified, so a shared map is safe to pass. An "Intercom" key in
// data is replaced. Behind Renderer, map data gets the same without Data.
func Data(c *echo.Context, data map[string]any) map[string]any { return adapter.Data(lookup(c), data) }

// Identify sets the visitor's user for this request, for example right after
// a sign-in handler has verified the user. It takes precedence over WithUser
// and over the user stored under "user". On a skipped request it does
// nothing.
func Identify(c *echo.Context, u intercom.User) { lookup(c).Identify(u) }

// Set sets one custom attribute for this request, as django-analytical's
// intercom_* template variables did: Set(c, "plan", "pro") renders
// "plan":"pro". It overrides WithAttributes and any user or Messenger
// setting of the same key; setting a key again replaces the value. On a
// skipped request it does nothing.
func Set(c *echo.Context, key string, value any) { lookup(c).Set(key, value) }

// Component returns a templ component (it has templ.Component's Render
// method) that writes the snippet of the request whose context it renders
// with: c.Request().Context(), which Middleware gives the request's state.
// In a templ file:
//
//	@intercomecho.Component()
//
// and in the handler:
//
//	c.Response().WriteHeader(http.StatusOK)
//	return page().Render(c.Request().Context(), c.Response())
//
// With a context Middleware did not see, it writes nothing (and warns once).
func Component() adapter.Component { return component }

var component = adapter.NewComponent[*echo.Context](warning, nil)
