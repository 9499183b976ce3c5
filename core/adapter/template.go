package adapter

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"html/template"
	"io"
	"strings"
	"sync"
)

// TemplateKey is the template data key under which every adapter's template
// integration puts the snippet: {{ .Intercom }} in html/template, and
// {{ Intercom|safe }} in pongo2/django templates.
const TemplateKey = "Intercom"

// TemplatePrefix marks template data keys that are custom Intercom data, as
// django-analytical's intercom_* template variables were.
const TemplatePrefix = "intercom_"

// templateAttribute returns the attribute name a template data key stands
// for: the key without TemplatePrefix, when it has the prefix and more.
func templateAttribute(key string) (name string, ok bool) {
	name, ok = strings.CutPrefix(key, TemplatePrefix)
	return name, ok && name != ""
}

// Data returns a copy of data, of the same map type, that also holds r's
// snippet under TemplateKey, after setting data's intercom_* keys on r
// (prefix stripped, with Set): what every adapter's map-data helper does. A nil
// r (no middleware, or a skipped request) gives an empty snippet. data is
// never modified and may be nil; a TemplateKey in it is replaced.
func Data[M ~map[string]any, C any](r *Request[C], data M) M {
	out := copyTemplateData(r, data)
	out[TemplateKey] = r.Snippet()
	return out
}

// copyTemplateData copies data with room for TemplateKey, setting its
// intercom_* keys on r (when not nil) in the same pass.
func copyTemplateData[M ~map[string]any, C any](r *Request[C], data M) M {
	out := make(M, len(data)+1)
	for k, v := range data {
		out[k] = v
		if name, ok := templateAttribute(k); ok {
			r.Set(name, v)
		}
	}
	return out
}

// RenderTemplate renders a page for r and writes it to w, for adapters whose
// template integration runs the engine itself (echo's Renderer, fiber's
// Views). render is that engine call. It gets a copy of data, as
// Data makes (intercom_* keys set on r, data never modified), whose
// TemplateKey holds a placeholder; RenderTemplate renders the page into a
// pooled buffer, then writes it to w with each placeholder replaced by r's
// snippet, appended straight into the output. The snippet is never built as
// a string, and when w has a Grow method (*bytes.Buffer, *strings.Builder)
// it is grown once to the page's final size first.
//
// Only a page that holds the placeholder counts as Rendered, so whole-page
// install still serves a template that leaves {{ .Intercom }} out. When
// render fails, nothing is written to w and its error is returned.
//
// The placeholder starts with a NUL byte, which html/template escapes in
// every context, and carries a random token made at start-up, so data
// values cannot forge it (engines that escape less, such as pongo2, still
// have the token between them and a forgery). A template that transforms
// the value (printf, len, a JavaScript context) sees the placeholder, not
// the snippet.
// With a nil or skipped r, or a disabled Messenger, render gets Data's copy
// (an empty snippet) and writes to w directly.
func RenderTemplate[M ~map[string]any, C any](r *Request[C], w io.Writer, data M, render func(io.Writer, M) error) error {
	if !r.active() {
		return render(w, Data(r, data))
	}
	out := copyTemplateData(r, data)
	out[TemplateKey] = placeholderValue
	page := pagePool.Get().(*bytes.Buffer)
	defer func() {
		if page.Cap() <= maxPooledPage {
			page.Reset()
			pagePool.Put(page)
		}
	}()
	if err := render(page, out); err != nil {
		return err
	}
	return r.writeExpanded(w, page.Bytes())
}

// RenderData is RenderTemplate for an engine whose data is untyped (echo's
// Renderer): data of the framework's map type M, or of map[string]any, is
// rendered by RenderTemplate with the snippet in place of TemplateKey
// (intercom_* keys collected); any other data (a struct, nil) is passed to
// render unchanged, without the snippet. r is called only for map data, so
// that struct data on a route without the middleware logs no warning.
func RenderData[M ~map[string]any, C any](r func() *Request[C], w io.Writer, data any, render func(w io.Writer, data any) error) error {
	switch d := data.(type) {
	case M:
		return RenderTemplate(r(), w, d, func(w io.Writer, d M) error { return render(w, d) })
	case map[string]any:
		return RenderTemplate(r(), w, d, func(w io.Writer, d map[string]any) error { return render(w, d) })
	}
	return render(w, data)
}

// RenderBinding is RenderTemplate for an engine that never sees the request
// and gets its state inside the data, as fiber's Views gets the locals with
// PassLocalsToViews: map data (M or map[string]any) that holds a
// *Request[C] under key and no TemplateKey yet is rendered by
// RenderTemplate for that request; any other data goes to render unchanged:
// a map without the state or with a TemplateKey already (from Data), or
// data that is no map.
func RenderBinding[M ~map[string]any, C any](w io.Writer, data any, key string, render func(w io.Writer, data any) error) error {
	switch d := data.(type) {
	case M:
		if r := bound[C](d, key); r != nil {
			return RenderTemplate(r, w, d, func(w io.Writer, d M) error { return render(w, d) })
		}
	case map[string]any:
		if r := bound[C](d, key); r != nil {
			return RenderTemplate(r, w, d, func(w io.Writer, d map[string]any) error { return render(w, d) })
		}
	}
	return render(w, data)
}

// bound returns the *Request[C] data holds under key; nil when there is
// none, or when data has a TemplateKey already.
func bound[C any](data map[string]any, key string) *Request[C] {
	if _, done := data[TemplateKey]; done {
		return nil
	}
	r, _ := data[key].(*Request[C])
	return r
}

// snippetPlaceholder is what RenderTemplate's engine call gets under
// TemplateKey. html/template writes a NUL byte from data as U+FFFD in HTML
// and as an escape in every other context, so only the placeholder value
// itself, written as HTML, puts this string into a page.
var snippetPlaceholder = func() []byte {
	var token [16]byte
	_, _ = rand.Read(token[:]) // crypto/rand.Read does not fail (Go 1.24+)
	return hex.AppendEncode([]byte("\x00intercom-snippet-"), token[:])
}()

// placeholderValue is snippetPlaceholder as template data, boxed once.
var placeholderValue any = template.HTML(snippetPlaceholder) //nolint:gosec // replaced before the page is written

// pagePool holds RenderTemplate's page buffers; maxPooledPage keeps a rare
// huge page from pinning its buffer, while pages of a few hundred KB, which
// would otherwise grow a buffer from scratch every time, are reused.
var pagePool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledPage = 1 << 20

// bufPool holds snippet buffers; maxPooledSnippet keeps an unusually large
// one out of it.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

const maxPooledSnippet = 64 << 10

// putBuf returns b, grown from the buffer bp held, to bufPool in bp.
func putBuf(bp *[]byte, b []byte) {
	if cap(b) <= maxPooledSnippet {
		*bp = b
		bufPool.Put(bp)
	}
}

// writeExpanded writes page to w with every snippetPlaceholder replaced by
// the snippet.
func (r *Request[C]) writeExpanded(w io.Writer, page []byte) error {
	ph := snippetPlaceholder
	// One scan finds every placeholder; a page has one or two.
	var at [4]int
	found := at[:0]
	for off := 0; ; {
		i := bytes.Index(page[off:], ph)
		if i < 0 {
			break
		}
		found = append(found, off+i)
		off += i + len(ph)
	}
	if len(found) == 0 {
		_, err := w.Write(page)
		return err
	}
	bp := bufPool.Get().(*[]byte)
	snippet := r.AppendSnippet((*bp)[:0])
	defer putBuf(bp, snippet)
	if g, ok := w.(interface{ Grow(int) }); ok {
		g.Grow(len(page) + len(found)*(len(snippet)-len(ph)))
	}
	prev := 0
	for _, i := range found {
		if _, err := w.Write(page[prev:i]); err != nil {
			return err
		}
		if _, err := w.Write(snippet); err != nil {
			return err
		}
		prev = i + len(ph)
	}
	_, err := w.Write(page[prev:])
	return err
}
