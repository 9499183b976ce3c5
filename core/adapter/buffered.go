package adapter

import (
	"io"
	"net/http"
	"sync"

	"github.com/goanalytical/intercom/core/internal/scan"
)

// BufferedResponse is the part of a response held whole in memory that
// whole-page install reads and rewrites: *fasthttp.Response implements it,
// so fiber adapters pass c.Response() as it is.
type BufferedResponse interface {
	Body() []byte
	SwapBody(body []byte) []byte
	SetBodyStream(body io.Reader, size int)
	IsBodyStream() bool
	StatusCode() int
}

// BufferedHeader is the part of a BufferedResponse's headers whole-page
// install reads and changes: *fasthttp.ResponseHeader implements it.
type BufferedHeader interface {
	ContentType() []byte
	ContentEncoding() []byte
	Peek(key string) []byte
	Set(key, value string)
	Del(key string)
	SetContentLength(n int)
}

// InjectBuffered is whole-page install for frameworks that hold the whole
// response in memory (fasthttp, so fiber), once the handler has returned:
// the rules of Inject, decided on the finished response, with the snippet
// rendered only for a page that takes it (so a fragment leaves a pending
// logout for the next page). It reports whether it inserted the snippet.
//
// Compression: fasthttp's compressors (fiber's compress middleware,
// fasthttp.CompressHandler) encode the finished response on the way out and
// set Content-Encoding only then. Installed before Inject, one compresses
// the page after InjectBuffered has given it the snippet; installed after
// Inject, it has compressed the body by the time InjectBuffered sees it,
// and the Content-Encoding it set leaves the response untouched, a valid
// compressed page without the snippet. Any Content-Encoding on the finished
// response means its body is encoded.
//
// HEAD: fasthttp builds the body of a response to HEAD and sends only its
// headers, Content-Length the body's. InjectBuffered gives that body the
// snippet as for GET, so that HEAD and GET answer the same Content-Length
// and Cache-Control; the snippet of a HEAD response uses nothing up (a
// pending logout stays for the next page that shows the snippet).
//
// A body stream (a file, SetBodyStreamWriter) is left alone: it cannot be
// read back without closing it, nor held in bounded memory. The page is not
// copied: the snippet is spliced into the response's own body buffer, and a
// page the response does not own (set with fasthttp's SetBodyRaw, as fiber's
// c.Send does) is sent as a pooled body stream of three parts, page,
// snippet, rest of the page, with its Content-Length.
func (r *Request[C]) InjectBuffered(method string, resp BufferedResponse, h BufferedHeader) bool {
	if !r.active() || r.rendered || resp.IsBodyStream() ||
		!scan.ShouldInject(resp.StatusCode(), string(h.ContentType()), string(h.ContentEncoding())) {
		return false
	}
	page := resp.Body()
	at := scan.At(page)
	if at < 0 {
		return false
	}
	s, _ := splices.Get().(*splice)
	if method == http.MethodHead {
		s.snippet = r.appendPreview(s.snippet[:0])
	} else {
		s.snippet = r.AppendSnippet(s.snippet[:0])
	}
	if len(s.snippet) == 0 {
		s.release()
		return false
	}
	size := len(page) + len(s.snippet)
	prepareHeaders(fastHeader{h})

	b := resp.SwapBody(nil)
	if len(b) > 0 && &b[0] == &page[0] {
		// The page is the response's own body buffer: move its tail and
		// write the snippet in between.
		old := len(b)
		b = append(b, s.snippet...)
		copy(b[at+len(s.snippet):], b[at:old])
		copy(b[at:], s.snippet)
		resp.SwapBody(b)
		h.SetContentLength(size)
		s.release()
		return true
	}
	// The page is not the response's to modify: send it and the snippet as
	// a body stream, so that a large page is neither copied nor allocated
	// per request. Fasthttp closes the stream when it is done, which returns
	// s to the pool.
	resp.SwapBody(b)
	s.page, s.n = page, at
	resp.SetBodyStream((*splicedBody)(s), size)
	return true
}

// fastHeader gives prepareHeaders a BufferedHeader.
type fastHeader struct{ h BufferedHeader }

func (f fastHeader) Get(key string) string { return string(f.h.Peek(key)) }
func (f fastHeader) Set(key, value string) { f.h.Set(key, value) }
func (f fastHeader) Del(key string)        { f.h.Del(key) }

// splice is a page with the snippet inserted at n, sent as a body stream:
// page[:n], snippet, page[n:]. Pooled, so that a page given to c.Send costs
// no copy and no allocation of its size.
type splice struct {
	page    []byte
	n       int
	snippet []byte
	off     int
}

var splices = sync.Pool{New: func() any { return new(splice) }}

// release returns s to the pool; the page belongs to the response.
func (s *splice) release() {
	s.page, s.n, s.off = nil, 0, 0
	if cap(s.snippet) <= maxPooledSnippet {
		splices.Put(s)
	}
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
