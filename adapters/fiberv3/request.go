package intercomfiber

import (
	"html/template"

	"github.com/gofiber/fiber/v3"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

// lookup returns the state New stored for c; nil, after the warning,
// without the middleware or for a nil c.
func lookup(c fiber.Ctx) *request {
	if c == nil {
		return adapter.Lookup[fiber.Ctx](nil, warning)
	}
	return adapter.Lookup[fiber.Ctx](c.Locals(stateKey), warning)
}

// Identify sets the visitor's user for this request, for example right after
// a sign-in handler has verified the user. It takes precedence over
// Config.User and over the user fiber's auth middlewares stored. On a
// skipped request it does nothing.
func Identify(c fiber.Ctx, u intercom.User) { lookup(c).Identify(u) }

// Set sets one custom attribute for this request, as django-analytical's
// intercom_* template variables did: Set(c, "plan", "pro") renders
// "plan":"pro". It overrides Config.Attributes and any user or Messenger
// setting of the same key; setting a key again replaces the value. On a
// skipped request it does nothing.
func Set(c fiber.Ctx, key string, value any) { lookup(c).Set(key, value) }

// Snippet returns the Intercom snippet for this request, to place in a
// page's body; it is empty when the Messenger is disabled or Config.Next
// skipped the request. For the data of c.Render, use Data or Views.
func Snippet(c fiber.Ctx) template.HTML { return lookup(c).Snippet() }

// Data returns template data for c.Render: a copy of data with the snippet
// under the key "Intercom", so that a template shows the Messenger with
// {{ .Intercom }} (html) or {{ Intercom|safe }} (django):
//
//	return c.Render("page", intercomfiber.Data(c, fiber.Map{
//		"Title":         "Pricing",
//		"intercom_plan": "pro", // sent to Intercom as "plan"
//	}))
//
// Keys starting with "intercom_" are custom Intercom data, as
// django-analytical's template variables were: Data applies them with Set,
// prefix stripped, before it renders the snippet; they stay in the returned
// data too. data may be nil; it is not modified, so a shared fiber.Map is
// safe to pass. An "Intercom" key in data is replaced. Call Data after
// Identify and Set: it renders the snippet then. (Views renders it when
// c.Render runs, without Data.)
func Data(c fiber.Ctx, data fiber.Map) fiber.Map { return adapter.Data(lookup(c), data) }

var component = adapter.NewComponent[fiber.Ctx](warning, nil)

// Component returns a templ component (it has templ.Component's Render
// method) that writes the snippet of the request whose context it renders
// with: the fiber.Ctx itself (a context.Context whose Value reads the
// locals) or c.Context(), both of which New gives the request's state. In a
// templ file:
//
//	@intercomfiber.Component()
//
// and in the handler:
//
//	c.Type("html", "utf-8")
//	return page().Render(c, c.Response().BodyWriter())
//
// With a context New did not see, it writes nothing (and warns once).
func Component() adapter.Component { return component }
