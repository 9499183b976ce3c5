package intercomhttp

import (
	"context"
	"html/template"
	"net/http"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

// lookup returns the state Middleware put in r's context, noting r as the
// latest request; nil, after the warning, without the middleware or for a
// nil r.
func lookup(r *http.Request) *adapter.Request[*exchange] {
	x := exchangeOf(r)
	if x == nil {
		return adapter.Lookup[*exchange](nil, warning)
	}
	x.r = r
	return &x.state
}

// Identify sets the visitor's user for this request, for example right after
// a sign-in handler has verified the user. It takes precedence over WithUser
// and WithAuthUser. On a skipped request it does nothing.
func Identify(r *http.Request, u intercom.User) { lookup(r).Identify(u) }

// Set sets one custom attribute for this request, as django-analytical's
// intercom_* template variables did: Set(r, "plan", "pro") renders
// "plan":"pro". It overrides WithAttributes and any user or Messenger
// setting of the same key; setting a key again replaces the value. On a
// skipped request it does nothing.
func Set(r *http.Request, key string, value any) { lookup(r).Set(key, value) }

// Snippet returns the Intercom snippet for this request, to place in a
// page's body; it is empty when the Messenger is disabled or the skipper
// excluded the request.
func Snippet(r *http.Request) template.HTML { return lookup(r).Snippet() }

// Data returns html/template data: a copy of data with the snippet under the
// key "Intercom", so that a template shows the Messenger with
// {{ .Intercom }}:
//
//	err := page.Execute(w, intercomhttp.Data(r, map[string]any{
//		"Title":         "Pricing",
//		"intercom_plan": "pro", // sent to Intercom as "plan"
//	}))
//
// Keys starting with "intercom_" are custom Intercom data, as
// django-analytical's template variables were: Data applies them with Set,
// prefix stripped, before it renders the snippet; they stay in the returned
// data too. data may be nil; it is not modified. An "Intercom" key in data
// is replaced.
func Data(r *http.Request, data map[string]any) map[string]any { return adapter.Data(lookup(r), data) }

// Component returns a templ component (it has templ.Component's Render
// method) that writes the snippet of the request whose context it renders
// with. In a templ file:
//
//	@intercomhttp.Component()
//
// and in the handler, templ.Handler(page()).ServeHTTP(w, r) or
// page().Render(r.Context(), w). With a context Middleware did not see, it
// writes nothing (and warns once).
func Component() adapter.Component { return component }

var component = adapter.NewComponent(warning, func(ctx context.Context) *adapter.Request[*exchange] {
	if x := fromContext(ctx); x != nil {
		return &x.state
	}
	return nil
})
