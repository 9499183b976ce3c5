package intercomfiber

import (
	"io"
	"sync"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/valyala/fasthttp"

	intercom "github.com/goanalytical/intercom/core"
)

// Inject returns middleware for whole-page install, the seed's "generic
// tags": it inserts the snippet before the last </body> (any letter case) of
// every text/html response whose page does not already carry it, so pages
// that use neither Bind, Views nor Snippet get the Messenger too. Install it
// with New, globally or on a group:
//
//	app.Use(intercomfiber.New(m))
//	app.Use(intercomfiber.Inject())
//
// Fiber holds the whole response body in memory, so Inject works on the
// finished response after the handler returns: the snippet then sees every
// Identify and Set of the handler, and Inject may be installed before or
// after New. The rules are core's (intercom.ShouldInject, intercom.InjectAt):
// Inject leaves alone HEAD requests, 1xx, 204, 206 and 3xx responses, anything but
// text/html, encoded bodies (Content-Encoding gzip, br, ...), pages without a
// </body> (or whose last one is followed by more than
// intercom.MaxInjectTail), and pages that rendered the snippet already
// (through Bind, Snippet, or Views on a template that writes it), so a page never
// gets two. The snippet is rendered only for a page that takes it, so a
// response without it (a fragment for htmx, say) leaves the logout flag of
// Shutdown for the next page. Fasthttp sets Content-Length from the new
// body; Inject sets it as well, for middleware that reads it.
//
// Order matters for middleware that rewrites the body: install fiber's
// compress (and etag) middleware before Inject, so that they see the page
// with the snippet; installed after Inject, compress hands it gzip or brotli
// bytes, which pass through untouched. Do not put pages whose snippet
// identifies a visitor in a shared cache (fiber's cache middleware).
//
// Left alone as well:
//   - a body stream (c.SendStream, c.SendFile, app.Static, and
//     SetBodyStreamWriter): fasthttp cannot hand a stream over without
//     closing it, and reading it into memory would not be bounded; render
//     such pages through a template, or add Snippet(c) yourself;
//   - a request whose handler returned an error: fiber's ErrorHandler writes
//     that response after every middleware has returned;
//   - a request New skipped (Config.Next), and a disabled Messenger.
//
// Without New on the route Inject does nothing, and logs that once.
//
// The page is not copied: the snippet is spliced into the response's own
// body buffer. A page given to c.Send, which fasthttp must not modify, is
// sent as a body stream of three parts (page, snippet, rest of the page)
// with its Content-Length, so that its size costs no allocation either.
func Inject() fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := c.Next(); err != nil {
			return err
		}
		r, ok := lookup(c)
		if !ok {
			noMiddleware()
			return nil
		}
		if r == nil || r.Rendered() {
			return nil
		}
		resp := c.Response()
		if resp.IsBodyStream() || !intercom.ShouldInject(c.Method(), resp.StatusCode(),
			utils.UnsafeString(resp.Header.ContentType()), utils.UnsafeString(resp.Header.ContentEncoding())) {
			return nil
		}
		inject(resp, r)
		return nil
	}
}

// splice is a page with the snippet inserted at n, sent as a body stream:
// page[:n], snippet, page[n:]. Pooled, so that a page given to c.Send costs
// no copy and no allocation of its size.
type splice struct {
	page    []byte
	n       int
	snippet []byte
	off     int
}

// maxPooledSnippet keeps an oversized snippet buffer out of the pool.
const maxPooledSnippet = 64 << 10

var splices = sync.Pool{New: func() any { return new(splice) }}

// release returns s to the pool; the page belongs to the response.
func (s *splice) release() {
	s.page, s.n, s.off = nil, 0, 0
	if cap(s.snippet) <= maxPooledSnippet {
		splices.Put(s)
	}
}

// inject inserts r's snippet into the response body where core puts it
// (intercom.InjectAt).
func inject(resp *fasthttp.Response, r *request) {
	page := resp.Body()
	at := intercom.InjectAt(page)
	if at < 0 {
		return
	}
	// The page takes the snippet: render it now (fiber's headers are still
	// open for the logout flag it may clear).
	snippet := r.Snippet()
	if snippet == "" {
		return
	}
	size := len(page) + len(snippet)
	intercom.PrepareInjectedHeaders(headerEditor{&resp.Header})

	b := resp.SwapBody(nil)
	if len(b) > 0 && &b[0] == &page[0] {
		// The page is the response's own body buffer: move its tail and
		// write the snippet in between.
		old := len(b)
		b = append(b, snippet...)
		copy(b[at+len(snippet):], b[at:old])
		copy(b[at:], snippet)
		resp.SwapBody(b)
		resp.Header.SetContentLength(size)
		return
	}
	// The page was set with SetBodyRaw (c.Send), which fasthttp must not
	// modify and does not own: send it and the snippet as a body stream, so
	// that a large page is neither copied nor allocated per request. Fasthttp
	// closes the stream when it is done, which returns s to the pool.
	resp.SwapBody(b)
	s, _ := splices.Get().(*splice)
	s.page, s.n, s.snippet = page, at, append(s.snippet[:0], snippet...)
	resp.SetBodyStream((*splicedBody)(s), size)
}

// splicedBody is a splice as a response body stream: page[:n], snippet,
// page[n:].
type splicedBody splice

// next returns the unread rest of the part the read offset is in.
func (b *splicedBody) next() []byte {
	off := b.off
	for _, part := range [...][]byte{b.page[:b.n], b.snippet, b.page[b.n:]} {
		if off < len(part) {
			return part[off:]
		}
		off -= len(part)
	}
	return nil
}

// Read reads the new page.
func (b *splicedBody) Read(p []byte) (int, error) {
	part := b.next()
	if len(part) == 0 {
		return 0, io.EOF
	}
	k := copy(p, part)
	b.off += k
	return k, nil
}

// WriteTo writes the rest of the new page to w without copying it first.
func (b *splicedBody) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for part := b.next(); len(part) > 0; part = b.next() {
		k, err := w.Write(part)
		b.off += k
		total += int64(k)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// Close returns the splice to the pool; fasthttp calls it once it has sent
// the body, or dropped it.
func (b *splicedBody) Close() error {
	if b.page != nil {
		(*splice)(b).release()
	}
	return nil
}

// headerEditor gives core's header rules fasthttp's response headers.
type headerEditor struct{ h *fasthttp.ResponseHeader }

func (e headerEditor) Get(key string) string { return string(e.h.Peek(key)) }
func (e headerEditor) Set(key, value string) { e.h.Set(key, value) }
func (e headerEditor) Del(key string)        { e.h.Del(key) }
