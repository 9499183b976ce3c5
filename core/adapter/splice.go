package adapter

import (
	"bytes"
	"io"
	"net/http"
)

// responseSplice is the response writer RenderTemplate puts in front of the
// response of a framework that renders a page into a fresh buffer of its
// own and then writes that buffer in one Write (echo's c.Render, with
// Hooks.ResponseWriter and Hooks.SetResponseWriter): RenderTemplate writes
// the page into the framework's buffer without the snippet, and when the
// page reaches the response the snippet goes out in its places, from the
// request's pooled snippet buffer. The framework then never allocates or
// copies the snippet's bytes, which are most of a small page's.
//
// A Write is the page when it has the page's length and is the
// framework's buffer itself, or a copy of it (a handler that rendered into
// a buffer of its own and wrote buf.String()). Any other Write passes
// through, and a page that never reaches the response (a fragment rendered
// for an e-mail or a JSON field) has no snippet. The snippet's buffer goes
// back to its pool only inside the Write that sent it, so nothing can still
// be using it.
type responseSplice[C any] struct {
	http.ResponseWriter
	r    *Request[C]
	page []byte  // as written into the framework's buffer; nil: idle
	bp   *[]byte // the pooled buffer, holding the snippet
	at   [maxSpliced]int32
	n    int32 // how many of at are used
	// stuck: a writer was put in front of the splice after it, so it could
	// not be taken out and passes every write through from then on; it is
	// not used again (it would end up in front of itself).
	stuck bool
}

// maxSpliced is how many snippets one page may splice; a page that places
// the snippet more often is written whole, as for any other writer.
const maxSpliced = 4

// Unwrap returns the response writer the splice is in front of, for
// http.ResponseController and echo.UnwrapResponse.
func (s *responseSplice[C]) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *responseSplice[C]) Write(p []byte) (int, error) {
	if s.page == nil || len(p) != len(s.page) || &p[0] != &s.page[0] && !bytes.Equal(p, s.page) {
		return s.ResponseWriter.Write(p)
	}
	w, at, bp := s.ResponseWriter, s.at, s.bp
	at2 := at[:s.n]
	s.release()
	prev, sent := 0, 0
	for _, i := range at2 {
		n, err := w.Write(p[prev:i])
		if sent += n; err != nil {
			return sent, err
		}
		if _, err := w.Write(*bp); err != nil {
			return sent, err
		}
		prev = int(i)
	}
	n, err := w.Write(p[prev:])
	if err == nil {
		putBuf(bp, *bp)
	}
	return sent + n, err
}

// release makes s idle, and puts the writer it is in front of back in its
// place if it is still in front of the response; otherwise s stays in the
// chain, passing writes through.
func (s *responseSplice[C]) release() {
	h, c := &s.r.mw.hooks, s.r.ctx
	if h.ResponseWriter(c) == http.ResponseWriter(s) {
		h.SetResponseWriter(c, s.ResponseWriter)
	} else {
		s.stuck = true
	}
	s.page, s.bp = nil, nil
}

// spliceable reports whether RenderTemplate may leave n snippets out of a
// page it writes to w for a splice, and returns w as a buffer and the
// response writer the splice goes in front of: w is an empty *bytes.Buffer
// (as echo's c.Render makes), the adapter can put a writer in front of the
// response, and r's splice is idle and out of the response's chain.
func (r *Request[C]) spliceable(w io.Writer, n int) (*bytes.Buffer, http.ResponseWriter, bool) {
	b, ok := w.(*bytes.Buffer)
	h := &r.mw.hooks
	if !ok || b.Len() != 0 || n > maxSpliced || h.SetResponseWriter == nil || h.ResponseWriter == nil || r.splice.page != nil || r.splice.stuck {
		return nil, nil, false
	}
	rw := h.ResponseWriter(r.ctx)
	return b, rw, rw != nil
}

// startSplice puts r's splice in front of rw for page, the bytes of b, with
// the snippet (in the pooled buffer bp) at the offsets at.
func (r *Request[C]) startSplice(rw http.ResponseWriter, b *bytes.Buffer, at []int32, bp *[]byte, snippet []byte) {
	s := &r.splice
	*bp = snippet
	s.ResponseWriter, s.r, s.page, s.bp = rw, r, b.Bytes(), bp
	s.n = int32(copy(s.at[:], at)) //nolint:gosec // at most maxSpliced
	r.mw.hooks.SetResponseWriter(r.ctx, s)
}
