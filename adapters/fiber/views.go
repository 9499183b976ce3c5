package intercomfiber

import (
	"io"

	"github.com/gofiber/fiber/v2"

	intercom "github.com/goanalytical/intercom/core"
)

// Bind returns a copy of data for c.Render with the request's snippet under
// intercom.TemplateKey ("Intercom"):
//
//	return c.Render("page", intercomfiber.Bind(c, fiber.Map{"Title": "Home"}))
//
// Keys of data that start with intercom.TemplatePrefix ("intercom_") are Set
// on the request first, prefix stripped, as the seed's template context
// variables were, so they override Set calls made earlier with the same key.
// data itself is never modified and may be nil; an "Intercom" key in it is
// replaced. Call Bind after Identify and Set: it renders the snippet then.
func Bind(c *fiber.Ctx, data fiber.Map) fiber.Map {
	r, ok := lookup(c)
	if !ok {
		noMiddleware()
	}
	return intercom.TemplateData(r, data)
}

// Views wraps a template engine so that every page an app renders with
// fiber.Config{PassLocalsToViews: true} gets the snippet under
// intercom.TemplateKey ("Intercom"), with no change to the handlers:
//
//	app := fiber.New(fiber.Config{
//		Views:             intercomfiber.Views(html.New("./views", ".html")),
//		PassLocalsToViews: true,
//	})
//
// Fiber calls Views.Render without the request, so the wrapper finds the
// request through the binding: PassLocalsToViews copies every string-keyed
// local, LocalsKey included, into a fiber.Map binding (and only into a
// fiber.Map; a map[string]any that holds LocalsKey works too). The snippet
// is rendered when c.Render runs, so Identify and Set calls made before it
// count, and intercom_* keys of the binding are Set as with Bind. The engine
// gets a copy of the map; a binding that already has an "Intercom" key (from
// Bind, say), has no LocalsKey, or is not a map is passed on unchanged.
//
// The snippet is written straight into the page where the template places
// {{ .Intercom }} (see intercom.RenderTemplate), so a page whose template
// leaves it out does not count as rendered and Inject still adds the
// snippet. A template that transforms the value ({{ len .Intercom }},
// printf) sees a placeholder, not the snippet.
//
// As with PassLocalsToViews itself, build a fresh map for each c.Render call:
// fiber writes the locals into the map it is given. Configure the engine
// (AddFunc, Reload, Debug, ...) before wrapping it, or keep a reference to it.
// Views returns nil for a nil engine.
func Views(next fiber.Views) fiber.Views {
	if next == nil {
		return nil
	}
	return views{next}
}

// views is the engine wrapper Views returns; Load is the engine's own.
type views struct {
	fiber.Views
}

// Render renders a map binding that carries the request with the snippet in
// place (see intercom.RenderTemplate); anything else goes to the wrapped
// engine unchanged.
func (v views) Render(w io.Writer, name string, binding any, layout ...string) error {
	switch b := binding.(type) {
	case fiber.Map:
		if r, ok := requestOf(b); ok {
			return intercom.RenderTemplate(r, w, b, func(w io.Writer, b fiber.Map) error {
				return v.Views.Render(w, name, b, layout...)
			})
		}
	case map[string]any:
		if r, ok := requestOf(b); ok {
			return intercom.RenderTemplate(r, w, b, func(w io.Writer, b map[string]any) error {
				return v.Views.Render(w, name, b, layout...)
			})
		}
	}
	return v.Views.Render(w, name, binding, layout...)
}

// requestOf returns the request a binding carries under LocalsKey (nil for
// a skipped request, which renders an empty snippet), or ok false to leave
// the binding as it is: none there, or the binding already has an
// "Intercom" key (from Bind, say).
func requestOf(data map[string]any) (r *request, ok bool) {
	if _, has := data[intercom.TemplateKey]; has {
		return nil, false
	}
	r, ok = data[LocalsKey].(*request)
	return r, ok
}
