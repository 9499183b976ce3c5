package intercomecho

import (
	"fmt"
	"io"

	"github.com/labstack/echo/v4"

	"github.com/goanalytical/intercom/core/adapter"
)

// errNoRenderer is what the wrapper's Render method returns when Renderer
// was given nil to wrap.
var errNoRenderer = fmt.Errorf("intercomecho: Renderer has no echo.Renderer to wrap: %w", echo.ErrRendererNotRegistered)

// Renderer wraps next, the app's echo.Renderer, so that c.Render gives every
// template the snippet. When the data is an echo.Map or a map[string]any,
// the wrapper
//
//   - sets each intercom_* key as a custom attribute (prefix stripped), as
//     django-analytical's template variables did, overriding values from Set;
//     and
//   - renders next with a copy of the map that also holds the snippet's
//     place under "Intercom", so the template writes {{ .Intercom }}. The
//     caller's map is not modified; an "Intercom" key in it is replaced.
//     The copy is reused once next returns: next must not keep it.
//
// Any other data (a struct, a pointer, nil) reaches next unchanged: the
// wrapper cannot add a field to a struct. Give such a template the snippet
// in a field of type template.HTML set from Snippet(c) in the handler, or
// pass an echo.Map. With a nil next, Render returns an error that wraps
// echo.ErrRendererNotRegistered.
//
// For map data the snippet is written straight into the page where the
// template places {{ .Intercom }} (see adapter.RenderData): next renders
// into a pooled buffer, and the page reaches echo's buffer, grown once to
// its size, or not at all when next fails. A page whose template leaves
// {{ .Intercom }} out does not count as rendered, so Inject still adds the
// snippet to it. A template that transforms the value ({{ len .Intercom }},
// printf) sees a placeholder, not the snippet.
func Renderer(next echo.Renderer) echo.Renderer { return &renderer{next: next} }

type renderer struct{ next echo.Renderer }

// Render implements echo.Renderer.
func (r *renderer) Render(w io.Writer, name string, data any, c echo.Context) error {
	if r.next == nil {
		return errNoRenderer
	}
	return adapter.RenderData[echo.Map](func() *request { return lookup(c) }, w, data, func(w io.Writer, d any) error { return r.next.Render(w, name, d, c) })
}

// Render is c.Render(code, name, data) without the buffer c.Render
// allocates for every page: the Echo instance's Renderer (Renderer's
// wrapper or any other) renders the page into a pooled buffer, and
// c.HTMLBlob sends it. As with c.Render, the page is rendered whole first,
// so a failed render sends nothing and its error goes to echo's error
// handler:
//
//	return intercomecho.Render(c, http.StatusOK, "pricing.html", echo.Map{"title": "Pricing"})
//
// Behind Renderer, c.Render's buffer holds the page and the snippet, so
// Render saves a page-sized allocation per request (see BENCHMARKS.md).
// The buffer is reused once Render returns: neither the renderer nor a
// writer under c.Response() may keep the bytes it was given (io.Writer's
// rule, which echo's middleware and Inject keep).
//
// Without a Renderer (or with a nil c) it returns an error that wraps
// echo.ErrRendererNotRegistered.
func Render(c echo.Context, code int, name string, data any) error {
	if c == nil || c.Echo() == nil || c.Echo().Renderer == nil {
		return fmt.Errorf("intercomecho: Render has no Echo instance's Renderer to render with: %w", echo.ErrRendererNotRegistered)
	}
	return adapter.Buffered(func(w io.Writer) error { return c.Echo().Renderer.Render(w, name, data, c) }, func(p []byte) error { return c.HTMLBlob(code, p) })
}
