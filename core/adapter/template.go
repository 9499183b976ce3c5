package adapter

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"html/template"
	"io"
	"strings"
	"sync"

	"github.com/goanalytical/intercom/core/internal/scan"
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
	return fillTemplateData(r, make(M, len(data)+1), data)
}

// fillTemplateData is copyTemplateData into out, an empty map.
func fillTemplateData[M ~map[string]any, C any](r *Request[C], out, data M) M {
	for k, v := range data {
		out[k] = v
		if name, ok := templateAttribute(k); ok {
			r.Set(name, v)
		}
	}
	return out
}

// dataPool holds the copies of template data RenderTemplate gives an
// engine, which is done with one when its render returns: a page's data
// then costs no map of its own. maxPooledData keeps a map grown by unusually
// large data out of the pool (clear costs what the map once held).
var dataPool = sync.Pool{New: func() any { return make(map[string]any, 8) }}

const maxPooledData = 64

// releaseData empties out and returns it to dataPool.
func releaseData(out map[string]any) {
	if len(out) <= maxPooledData {
		clear(out)
		dataPool.Put(out)
	}
}

// RenderTemplate renders a page for r and writes it to w, for adapters whose
// template integration runs the engine itself (echo's Renderer, fiber's
// Views). render is that engine call. It gets a copy of data, as
// Data makes (intercom_* keys set on r, data never modified), whose
// TemplateKey holds a placeholder, and which is emptied and reused once
// render returns, so render must not keep it (as an io.Writer must not keep
// the bytes it is given); RenderTemplate renders the page into a
// pooled buffer, then writes it to w with each placeholder replaced by r's
// snippet, appended straight into the output. The snippet is never built as
// a string, and when w has a Grow method (*bytes.Buffer, *strings.Builder)
// it is grown once to the page's final size first.
//
// Only a page that holds the placeholder counts as Rendered, so whole-page
// install still serves a template that leaves {{ .Intercom }} out. When
// render fails, nothing is written to w and its error is returned.
//
// The placeholder is "intercom-snippet-" and a random token that no other
// render gets, so data cannot forge it, not even with a placeholder seen
// before. It holds only letters, digits and "-", which no engine's escaper
// changes, so a template may write it escaped ({{ Intercom }} in mustache,
// jet, handlebars or pongo2) or raw. It becomes the snippet only where the
// rendered page has it in its text, as an element of the body would be;
// wherever else it shows (in an attribute, a script, a style, a comment, a
// title), changed by a filter (upper, title), cut short, or stale, it is
// removed from the page and a *PlaceholderError is reported, so no page
// ever shows the token.
// With a nil or skipped r, or a disabled Messenger, render gets Data's copy
// (an empty snippet) and writes to w directly.
func RenderTemplate[M ~map[string]any, C any](r *Request[C], w io.Writer, data M, render func(io.Writer, M) error) error {
	if !r.active() {
		return render(w, Data(r, data))
	}
	out := fillTemplateData(r, M(dataPool.Get().(map[string]any)), data)
	defer releaseData(out)
	ph := freshPlaceholder()
	out[TemplateKey] = template.HTML(ph) //nolint:gosec // replaced or removed before the page is written
	page := pagePool.Get().(*pageWriter)
	defer page.release()
	if err := render(page, out); err != nil {
		return err
	}
	return r.writeExpanded(w, page.buf, page.ends, ph)
}

// PlaceholderError reports a page rendered by RenderTemplate whose template
// wrote the snippet's placeholder where it cannot become the snippet:
// inside a tag or an attribute value, a script, a style, a comment, a title
// or a textarea, or changed (by a filter such as upper, or cut short by
// one), or a stale placeholder from another render. Those were removed from
// the page. Write the template's tag on its own in the page's body ({{
// .Intercom }}, {{ Intercom }}, {{{ Intercom }}}: the README lists each
// engine's syntax).
type PlaceholderError struct {
	Removed int // how many were removed from the page
}

func (e *PlaceholderError) Error() string {
	return "intercom: the page's template wrote the snippet where it cannot run (inside a tag or attribute, a script, a style, a comment, a title) or changed it with a filter; removed it: write the tag ({{ .Intercom }} or the engine's own) on its own in the page's body"
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

// Buffered renders a page with render into a pooled buffer and hands it to
// send, for a framework that renders every page into a fresh buffer of its
// own before it sends it (echo's c.Render, so that a failed render sends
// nothing): the page is still whole before anything is sent, but costs no
// buffer per page. render's error is returned, and then nothing is sent;
// else send's. send must not keep the page once it returns (as an
// io.Writer must not keep the bytes it is given): the buffer goes back to
// the pool.
func Buffered(render func(w io.Writer) error, send func(page []byte) error) error {
	b := sendPool.Get().(*bytes.Buffer)
	defer releaseSent(b)
	if err := render(b); err != nil {
		return err
	}
	return send(b.Bytes())
}

// sendPool holds Buffered's buffers; one grown past maxPooledPage is
// dropped, as pagePool's are.
var sendPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func releaseSent(b *bytes.Buffer) {
	if b.Cap() <= maxPooledPage {
		b.Reset()
		sendPool.Put(b)
	}
}

// RenderBinding is RenderTemplate for an engine that never sees the request
// and gets its state inside the data, as fiber's Views gets the locals with
// PassLocalsToViews: map data (M or map[string]any) that holds a
// *Request[C] under key is rendered by RenderTemplate for that request,
// with a placeholder for the snippet under TemplateKey, also where the data
// holds the snippet there already (from Data: the placeholder survives
// engines that escape the snippet); any other data goes to render
// unchanged: a map without the state, or data that is no map.
func RenderBinding[M ~map[string]any, C any](w io.Writer, data any, key string, render func(w io.Writer, data any) error) error {
	switch d := data.(type) {
	case M:
		if r, _ := d[key].(*Request[C]); r != nil {
			return RenderTemplate(r, w, d, func(w io.Writer, d M) error { return render(w, d) })
		}
	case map[string]any:
		if r, _ := d[key].(*Request[C]); r != nil {
			return RenderTemplate(r, w, d, func(w io.Writer, d map[string]any) error { return render(w, d) })
		}
	}
	return render(w, data)
}

// A placeholder is placeholderMarker and tokenLen lower-case hex digits:
// letters, digits and "-", which no engine's HTML, attribute, URL or
// JavaScript escaping changes, so the placeholder comes through an escaped
// {{ Intercom }} as it does through a raw one. Where it may become the
// snippet is not left to the engine: only where the rendered page has it
// in its text (scan.Text), outside every tag, comment, script, style and
// the like, is it expanded.
const (
	placeholderMarker = "intercom-snippet-"
	tokenLen          = 32 // 16 random bytes in hex
	placeholderLen    = len(placeholderMarker) + tokenLen
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
			b = append(b, placeholderMarker...)
			b = hex.AppendEncode(b, random[i*tokenLen/2:(i+1)*tokenLen/2])
		}
		p.chunk, p.next = string(b), 0
	}
	ph := p.chunk[p.next : p.next+placeholderLen]
	p.next += placeholderLen
	placeholderPool.Put(p)
	return ph
}

// span is a part of a rendered page that RenderTemplate changes: a
// placeholder to expand, or one to remove.
type span struct {
	start, end int
	expand     bool
}

// The marker's tail, in the two letter cases findPlaceholders looks for:
// "nippet-" is in the marker lower-cased and capitalised ("Intercom-Snippet-",
// as a title filter writes it), "NIPPET-" upper-cased.
const (
	markerTail      = "nippet-"
	markerTailUpper = "NIPPET-"
	markerHead      = len(placeholderMarker) - len(markerTail)
)

// findPlaceholders returns the placeholders in page: ph where it is whole
// and in the page's text (to expand), and every other marker, in any
// letter case, with the hex digits after it, up to a token's worth (in a
// tag, a script or a comment, changed by a filter, cut short, stale: to
// remove).
// ends are where the engine's writes ended (see pageWriter), for the scan.
func findPlaceholders(page []byte, ends []int, ph string, found []span) []span {
	var text scan.Text
	text.Chunks(ends)
	return findPlaceholdersWith(&text, page, ph, found)
}

// findPlaceholdersWith is findPlaceholders with text for the page's scan.
func findPlaceholdersWith(text *scan.Text, page []byte, ph string, found []span) []span {
	lo := indexFrom(page, 0, markerTail)
	up := indexFrom(page, 0, markerTailUpper)
	for lo >= 0 || up >= 0 {
		i := lo
		if i < 0 || up >= 0 && up < i {
			i = up
		}
		start, end := i-markerHead, i+len(markerTail)
		switch {
		case start >= 0 && len(page)-start >= placeholderLen && string(page[start:start+placeholderLen]) == ph:
			// The render's own placeholder, whole: the common case, one
			// comparison.
			end = start + placeholderLen
			found = append(found, span{start, end, text.At(page, start)})
		case start >= 0 && bytes.EqualFold(page[start:end], []byte(placeholderMarker)):
			for end < len(page) && end-start < placeholderLen && isHex(page[end]) {
				end++
			}
			found = append(found, span{start, end, false})
		default:
			end = i + 1
		}
		if lo >= 0 && lo < end {
			lo = indexFrom(page, end, markerTail)
		}
		if up >= 0 && up < end {
			up = indexFrom(page, end, markerTailUpper)
		}
	}
	return found
}

// indexFrom returns the index of the first s in page at or after off, or
// -1.
func indexFrom(page []byte, off int, s string) int {
	if i := bytes.Index(page[off:], []byte(s)); i >= 0 {
		return off + i
	}
	return -1
}

// isHex reports whether c is a hex digit.
func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c|0x20 && c|0x20 <= 'f'
}

// pageWriter is the buffer RenderTemplate renders a page into: the page,
// and where each of the engine's writes ended. html/template writes each
// text node of a template as the same bytes on every render, so the scan
// for the placeholder goes a write at a time (scan.Text.Chunks) and the
// scanner's memo serves the template's text without tokenizing it again.
type pageWriter struct {
	buf  []byte
	ends []int
}

func (w *pageWriter) Write(p []byte) (int, error) {
	if len(p) > 0 {
		w.buf = append(w.buf, p...)
		w.ends = append(w.ends, len(w.buf))
	}
	return len(p), nil
}

// WriteString is Write for engines that write strings (io.StringWriter).
func (w *pageWriter) WriteString(s string) (int, error) {
	if len(s) > 0 {
		w.buf = append(w.buf, s...)
		w.ends = append(w.ends, len(w.buf))
	}
	return len(s), nil
}

// release empties w and returns it to pagePool, unless it grew too big.
// reset empties w, keeping its buffers.
func (w *pageWriter) reset() { w.buf, w.ends = w.buf[:0], w.ends[:0] }

func (w *pageWriter) release() {
	if cap(w.buf) <= maxPooledPage && cap(w.ends) <= maxPooledWrites {
		w.reset()
		pagePool.Put(w)
	}
}

// pagePool holds RenderTemplate's page buffers; maxPooledPage keeps a rare
// huge page from pinning its buffer, while pages of a few hundred KB, which
// would otherwise grow a buffer from scratch every time, are reused;
// maxPooledWrites does the same for the list of the engine's writes.
var pagePool = sync.Pool{New: func() any { return new(pageWriter) }}

const (
	maxPooledPage   = 1 << 20
	maxPooledWrites = 64 << 10
)

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
func (r *Request[C]) writeExpanded(w io.Writer, page []byte, ends []int, ph string) error {
	// One scan finds every placeholder; a page has one or two.
	var buf [4]span
	found := findPlaceholders(page, ends, ph, buf[:0])
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
