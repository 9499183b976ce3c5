package intercomfiber

import (
	"io"

	"github.com/gofiber/fiber/v3"

	"github.com/goanalytical/intercom/core/adapter"
)

// Views wraps a template engine so that every page an app renders with
// fiber.Config{PassLocalsToViews: true} gets the snippet under the key
// "Intercom", with no change to the handlers:
//
//	app := fiber.New(fiber.Config{
//		Views:             intercomfiber.Views(html.New("./views", ".html")),
//		PassLocalsToViews: true,
//	})
//
// and in the template the engine's tag for the value, escaped or raw:
// {{ .Intercom }} (html), {{ Intercom }} or {{ Intercom|safe }} (django),
// {{ Intercom }} or {{{ Intercom }}} (mustache, handlebars), = Intercom
// (slim), ... (the README has each engine's). The engine gets a placeholder
// of letters, digits and "-", which its escaping leaves as it is, and the
// snippet is written where the rendered page has it in its text.
//
// Fiber calls the engine without the request, so the wrapper finds it in the
// binding: PassLocalsToViews copies the string-keyed locals, New's state
// included, into a fiber.Map binding (and only into a fiber.Map; a
// map[string]any that holds the state works too). The snippet is rendered
// when c.Render runs, so the handler's Identify and Set calls before it
// count, and intercom_* keys of the binding are Set as with Data. The
// engine gets a copy of the map, with the placeholder under "Intercom" (in
// place of the snippet Data put there: an escaping tag then works with Data
// too), which is reused once the engine's Render returns: an engine must
// not keep it. A binding that carries no state (PassLocalsToViews off, no New on
// the route) or is no map goes to the engine unchanged, except that the
// engine gets a fiber.Map binding as a map[string]any (the same map):
// engines of gofiber/template's Fiber v2 line, such as django/v3, know
// fiber v2's Map type and drop the data of fiber v3's, while every engine
// reads a map[string]any.
//
// The snippet is written straight into the page where the template places
// it (see adapter.RenderTemplate), so a page whose template leaves it out
// does not count as rendered and Inject still adds it. Where the page has
// the placeholder outside its text (in an attribute, a script, a style, a
// comment, a title), or a filter changed it, it is removed and an
// *adapter.PlaceholderError is reported: no page shows it. A template that
// transforms the value ({{ len .Intercom }}, printf) sees a placeholder,
// not the snippet.
//
// As with PassLocalsToViews itself, build a fresh map for each c.Render
// call: fiber writes the locals into the map it is given. Configure the
// engine (AddFunc, Reload, Debug, ...) before wrapping it, or keep a
// reference to it. Views returns nil for a nil engine.
func Views(next fiber.Views) fiber.Views {
	if next == nil {
		return nil
	}
	return &views{Views: next}
}

// views is the engine wrapper Views returns; Load is the engine's own.
type views struct {
	fiber.Views
}

// Render renders a map binding that carries the request's state with the
// snippet in place; anything else goes to the wrapped engine as it is.
func (v *views) Render(w io.Writer, name string, binding any, layout ...string) error {
	if b, ok := binding.(fiber.Map); ok {
		binding = map[string]any(b) // the engine may know no fiber v3 Map (see Views)
	}
	return adapter.RenderBinding[map[string]any, fiber.Ctx](w, binding, stateKey, func(w io.Writer, b any) error {
		return v.Views.Render(w, name, b, layout...)
	})
}
