package intercomecho

import (
	"bytes"
	"fmt"
	"io"
	"sync"

	"github.com/labstack/echo/v4"

	intercom "github.com/goanalytical/intercom/core"
)

// errNoRenderer is returned when Renderer was given nil to wrap.
var errNoRenderer = fmt.Errorf("intercomecho: Renderer has no echo.Renderer to wrap: %w", echo.ErrRendererNotRegistered)

// Renderer wraps next, the app's echo.Renderer, so that c.Render gives every
// template the snippet. When the data is an echo.Map or a map[string]any, the
// wrapper
//
//   - sets each intercom_* key as a custom attribute (prefix stripped), as the
//     seed's template variables did, overriding values from Set; and
//   - renders next with a copy of the map that also holds the snippet under
//     intercom.TemplateKey, so the template writes {{ .Intercom }}. The
//     caller's map is not modified; a key "Intercom" in it is replaced.
//
// Any other data (a struct, a pointer, nil) reaches next unchanged: the
// wrapper cannot add a field to a struct. Give such a template the snippet in
// a field of type template.HTML set from Snippet(c) in the handler, or pass
// an echo.Map. With a nil next, Render returns an error that wraps
// echo.ErrRendererNotRegistered.
//
// Given an empty *bytes.Buffer, as c.Render passes, the wrapper renders into
// a pooled buffer and writes the page to it in one piece, so echo's buffer
// is allocated once at its final size; when next fails, nothing is written.
func Renderer(next echo.Renderer) echo.Renderer {
	return &renderer{next: next}
}

type renderer struct {
	next echo.Renderer
}

// Render implements echo.Renderer.
func (r *renderer) Render(w io.Writer, name string, data any, c echo.Context) error {
	if r.next == nil {
		return errNoRenderer
	}
	switch d := data.(type) {
	case echo.Map:
		data = withSnippet(d, c)
	case map[string]any:
		data = withSnippet(d, c)
	}
	// c.Render hands over a new bytes.Buffer, which starts at 64 bytes and
	// doubles as the template writes: five allocations and copies for a page
	// with a snippet. Rendering into a pooled buffer and writing the page
	// once gives it one allocation of the right size.
	out, ok := w.(*bytes.Buffer)
	if !ok || out.Len() != 0 {
		return r.next.Render(w, name, data, c)
	}
	buf := renderPool.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooled {
			buf.Reset()
			renderPool.Put(buf)
		}
	}()
	if err := r.next.Render(buf, name, data, c); err != nil {
		return err
	}
	_, err := out.Write(buf.Bytes())
	return err
}

// maxPooled keeps one unusually large page from pinning its buffer.
const maxPooled = 64 << 10

var renderPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// withSnippet returns a copy of data, of the same map type, with the snippet
// under intercom.TemplateKey, after handing data's intercom_* keys to Set.
func withSnippet[M ~map[string]any](data M, c echo.Context) M {
	r, seen := lookup(c)
	if !seen {
		warnNoMiddleware()
	}
	return intercom.TemplateData(r, data)
}
