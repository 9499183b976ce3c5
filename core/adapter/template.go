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
// The placeholder is a NUL byte, which html/template escapes in every
// context, then "intercom-snippet-" and a random token that no other render
// gets, so data cannot forge it, not even with a placeholder seen before
// (engines that escape less, such as pongo2, have the fresh token between a
// data value and a second snippet). Only the placeholder as the engine was
// given it becomes the snippet: where the template escaped it (TemplateKey
// in an attribute, a script or a URL) or transformed it (printf), and
// wherever a stale placeholder shows, it is removed from the page, with the
// escaped NUL before it, and a *PlaceholderError is reported.
// With a nil or skipped r, or a disabled Messenger, render gets Data's copy
// (an empty snippet) and writes to w directly.
func RenderTemplate[M ~map[string]any, C any](r *Request[C], w io.Writer, data M, render func(io.Writer, M) error) error {
	if !r.active() {
		return render(w, Data(r, data))
	}
	out := copyTemplateData(r, data)
	ph := freshPlaceholder()
	out[TemplateKey] = template.HTML(ph) //nolint:gosec // replaced or removed before the page is written
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
	return r.writeExpanded(w, page.Bytes(), ph)
}

// PlaceholderError reports a page rendered by RenderTemplate whose template
// wrote the snippet's placeholder where it cannot become the snippet: in an
// attribute, a script, a URL or through a function such as printf, where
// the engine escaped or changed it, or a stale placeholder from another
// render. Those were removed from the page. Put {{ .Intercom }} (or
// {{ Intercom|safe }}) in the page's HTML, as an element of its own.
type PlaceholderError struct {
	Removed int // how many were removed from the page
}

func (e *PlaceholderError) Error() string {
	return "intercom: the page's template wrote the snippet where it cannot run (an attribute, a script, a URL, or changed by a function); removed it: put {{ .Intercom }} in the page's HTML"
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

// A placeholder is placeholderPrefix and tokenLen lower-case hex digits.
// html/template writes a NUL byte from data as U+FFFD in HTML and as an
// escape in every other context, so only the placeholder value itself,
// written as HTML, puts the NUL and the marker together into a page; the
// marker, letters, digits and "-", comes through every escaping as it is.
const (
	placeholderPrefix = "\x00" + placeholderMarker
	placeholderMarker = "intercom-snippet-"
	tokenLen          = 32 // 16 random bytes in hex
	placeholderLen    = len(placeholderPrefix) + tokenLen
	// placeholdersPerChunk placeholders are made at once, with one read of
	// crypto/rand and one string, and handed out one per render.
	placeholdersPerChunk = 64
)

// placeholders is a chunk of fresh placeholders, end to end, of which those
// from next on have not been handed out.
type placeholders struct {
	chunk string
	next  int
}

var placeholderPool = sync.Pool{New: func() any { return new(placeholders) }}

// freshPlaceholder returns a placeholder that no render has had before: a
// chunk is in one goroutine's hands between Get and Put, and each of its
// placeholders is handed out once.
func freshPlaceholder() string {
	p := placeholderPool.Get().(*placeholders)
	if p.next == len(p.chunk) {
		var random [placeholdersPerChunk * tokenLen / 2]byte
		_, _ = rand.Read(random[:]) // crypto/rand.Read does not fail (Go 1.24+)
		b := make([]byte, 0, placeholdersPerChunk*placeholderLen)
		for i := range placeholdersPerChunk {
			b = append(b, placeholderPrefix...)
			b = hex.AppendEncode(b, random[i*tokenLen/2:(i+1)*tokenLen/2])
		}
		p.chunk, p.next = string(b), 0
	}
	ph := p.chunk[p.next : p.next+placeholderLen]
	p.next += placeholderLen
	placeholderPool.Put(p)
	return ph
}

// nulEscapes are the ways engines write a NUL byte (html/template in text,
// attributes, URLs and scripts, and printf), longest first: removed with the
// escaped placeholder they come before.
var nulEscapes = [...]string{"&#xfffd;", "&#xFFFD;", "&#65533;", `\ufffd`, `\uFFFD`, `\u0000`, "&#x0;", `\x00`, "&#0;", "\ufffd", "%00", `\0`, "\x00"}

// span is a part of a rendered page that RenderTemplate changes: a
// placeholder to expand, or an escaped one to remove.
type span struct {
	start, end int
	expand     bool
}

// findPlaceholders returns the placeholders in page: ph where it is whole
// (to expand), and any other marker with a token after it (escaped,
// transformed or stale: to remove, with the escaped NUL before it).
func findPlaceholders(page []byte, ph string, found []span) []span {
	for off := 0; ; {
		i := bytes.Index(page[off:], []byte(placeholderMarker))
		if i < 0 {
			return found
		}
		i += off
		end := i + len(placeholderMarker) + tokenLen
		off = i + 1
		if end > len(page) || !isToken(page[i+len(placeholderMarker):end]) {
			continue
		}
		off = end
		start := i - 1
		if start >= 0 && string(page[start:end]) == ph {
			found = append(found, span{start, end, true})
			continue
		}
		start = i
		for _, e := range nulEscapes {
			if bytes.HasSuffix(page[:i], []byte(e)) {
				start = i - len(e)
				break
			}
		}
		found = append(found, span{start, end, false})
	}
}

// isToken reports whether b is all hex digits.
func isToken(b []byte) bool {
	for _, c := range b {
		if ('0' > c || c > '9') && ('a' > c || c > 'f') && ('A' > c || c > 'F') {
			return false
		}
	}
	return true
}

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

// writeExpanded writes page to w with every whole placeholder ph replaced
// by the snippet and every other one removed (and reported).
func (r *Request[C]) writeExpanded(w io.Writer, page []byte, ph string) error {
	// One scan finds every placeholder; a page has one or two.
	var buf [4]span
	found := findPlaceholders(page, ph, buf[:0])
	if len(found) == 0 {
		_, err := w.Write(page)
		return err
	}
	size, expand, removed := len(page), 0, 0
	for _, s := range found {
		size -= s.end - s.start
		if s.expand {
			expand++
		} else {
			removed++
		}
	}
	if removed > 0 {
		r.mw.st.Report(&PlaceholderError{Removed: removed})
	}
	var snippet []byte
	if expand > 0 {
		bp := bufPool.Get().(*[]byte)
		snippet = r.AppendSnippet((*bp)[:0])
		defer putBuf(bp, snippet)
		size += expand * len(snippet)
	}
	if g, ok := w.(interface{ Grow(int) }); ok {
		g.Grow(size)
	}
	prev := 0
	for _, s := range found {
		if _, err := w.Write(page[prev:s.start]); err != nil {
			return err
		}
		if s.expand {
			if _, err := w.Write(snippet); err != nil {
				return err
			}
		}
		prev = s.end
	}
	_, err := w.Write(page[prev:])
	return err
}
