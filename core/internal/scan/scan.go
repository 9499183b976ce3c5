// Package scan finds where whole-page install puts the snippet in an HTML
// page, in memory (At) or as the page streams (Injector), and decides which
// responses whole-page install applies to (ShouldInject). The adapter kit
// (package adapter) builds its whole-page writers on it.
package scan

import (
	"bytes"
	"io"
	"net/http"
	"strings"
)

// Marker is the id of the snippet's script element. A page that contains it
// already carries the snippet (a template helper rendered it), and
// whole-page install leaves it alone.
const Marker = "IntercomSettingsScriptTag"

// closeTagLen is len("</body") plus the byte that ends the tag name.
const closeTagLen = 7

// MaxTail bounds what an Injector holds back after a </body>
// candidate: a page whose "last </body>" is followed by more than this is not
// what whole-page install expects (the candidate sat in a script string), so
// the candidate is let go and later ones are looked for.
const MaxTail = 64 << 10

// isBodyClose reports whether b[i:] starts with </body followed by the end
// of the tag name (>, / or white space), in any letter case.
func isBodyClose(b []byte, i int) bool {
	if i+closeTagLen > len(b) || b[i] != '<' || b[i+1] != '/' {
		return false
	}
	if b[i+2]|0x20 != 'b' || b[i+3]|0x20 != 'o' || b[i+4]|0x20 != 'd' || b[i+5]|0x20 != 'y' {
		return false
	}
	switch b[i+6] {
	case '>', '/', ' ', '\t', '\n', '\r', '\f':
		return true
	}
	return false
}

// lastBodyClose returns the index of the last complete </body tag in b, or
// -1. It searches from the end: a page's last </body> is near its end.
func lastBodyClose(b []byte) int {
	return lastBodyCloseWithin(b, len(b))
}

// lastBodyCloseWithin is lastBodyClose giving up past limit bytes from the end.
func lastBodyCloseWithin(b []byte, limit int) int {
	for end := len(b); end > 0; {
		i := bytes.LastIndexByte(b[:end], '<')
		if i < 0 || len(b)-i > limit {
			return -1
		}
		if isBodyClose(b, i) {
			return i
		}
		end = i
	}
	return -1
}

// partialLen returns the length of the longest suffix of b that could begin
// a </body tag (at most closeTagLen-1 bytes).
func partialLen(b []byte) int {
	const prefix = "</body"
	for n := min(len(b), len(prefix)); n > 0; n-- {
		s := b[len(b)-n:]
		ok := true
		for i := range s {
			c := s[i]
			if i >= 2 {
				c |= 0x20
			}
			if c != prefix[i] {
				ok = false
				break
			}
		}
		if ok {
			return n
		}
	}
	return 0
}

// At returns where whole-page install puts the snippet in page: the
// index of its last </body> (any letter case), or -1 when page has none, when
// that last one is followed by more than MaxTail, or when page already
// contains the snippet. It is what an Injector streams for the same page, for
// frameworks that hold the body in memory; it searches from the end, so it
// costs the page's tail, plus one fast pass for Marker.
func At(page []byte) int {
	i := lastBodyCloseWithin(page, MaxTail)
	if i < 0 || bytes.Contains(page, []byte(Marker)) {
		return -1
	}
	return i
}

// Injector streams an HTML page to an io.Writer and inserts a snippet before
// its last </body> (any letter case). Everything before the latest </body>
// candidate is written through at once; only the candidate and what follows
// it are held back, until a later candidate replaces it or Finish inserts the
// snippet. Memory is therefore bounded by the tail after the last </body>
// seen (and by MaxTail), not by the page size.
//
// The zero Injector is not usable; call Reset first. An Injector is not safe
// for concurrent use.
type Injector struct {
	w       io.Writer
	held    []byte // a </body candidate and what follows, or a partial tag
	holding bool   // held starts with a complete candidate
	seen    bool   // the stream already contains Marker
	mtail   [len(Marker) - 1]byte
	mlen    int
	err     error
}

// Reset makes j write to w, ready for a new page; it keeps j's buffer.
func (j *Injector) Reset(w io.Writer) {
	*j = Injector{w: w, held: j.held[:0]}
}

func (j *Injector) out(p []byte) {
	if j.err == nil && len(p) > 0 {
		_, j.err = j.w.Write(p)
	}
}

// Write writes p, holding back at most the current </body> candidate and its
// tail.
func (j *Injector) Write(p []byte) (int, error) {
	if j.err != nil {
		return 0, j.err
	}
	j.watchMarker(p)

	// A candidate that starts in the held bytes and ends in p.
	var win [2*closeTagLen - 2]byte
	tail := j.held[len(j.held)-min(len(j.held), closeTagLen-1):]
	w := append(append(win[:0], tail...), p[:min(len(p), closeTagLen)]...)
	spanning := -1
	for k := len(tail) - 1; k >= 0; k-- {
		if isBodyClose(w, k) {
			spanning = len(j.held) - len(tail) + k
			break
		}
	}

	switch k := lastBodyClose(p); {
	case k >= 0:
		j.out(j.held)
		j.out(p[:k])
		j.held = append(j.held[:0], p[k:]...)
		j.holding = true
	case spanning >= 0:
		j.out(j.held[:spanning])
		n := copy(j.held, j.held[spanning:])
		j.held = append(j.held[:n], p...)
		j.holding = true
	case j.holding:
		j.held = append(j.held, p...)
	default:
		j.passThrough(p)
	}
	if j.holding && len(j.held) > MaxTail {
		// Let the candidate go: write all but a possible partial tag.
		j.holding = false
		keep := partialLen(j.held)
		j.out(j.held[:len(j.held)-keep])
		n := copy(j.held, j.held[len(j.held)-keep:])
		j.held = j.held[:n]
	}
	if j.err != nil {
		return 0, j.err
	}
	return len(p), nil
}

// passThrough writes held+p except a suffix that may begin a </body tag.
func (j *Injector) passThrough(p []byte) {
	var buf [2*closeTagLen - 2]byte
	last := append(append(buf[:0], j.held...), p[len(p)-min(len(p), closeTagLen-1):]...)
	keep := partialLen(last)
	if keep <= len(p) {
		j.out(j.held)
		j.out(p[:len(p)-keep])
		j.held = append(j.held[:0], p[len(p)-keep:]...)
		return
	}
	// The partial tag reaches back into the held bytes (p is tiny). buf is
	// not written out from here, so that it stays on the stack.
	cut := len(j.held) - (keep - len(p))
	j.out(j.held[:cut])
	n := copy(j.held, j.held[cut:])
	j.held = append(j.held[:n], p...)
}

// watchMarker notes whether the stream contains Marker, across writes.
func (j *Injector) watchMarker(p []byte) {
	if j.seen {
		return
	}
	if bytes.Contains(p, []byte(Marker)) {
		j.seen = true
		return
	}
	var win [2*len(Marker) - 2]byte
	w := append(append(win[:0], j.mtail[:j.mlen]...), p[:min(len(p), len(Marker)-1)]...)
	if bytes.Contains(w, []byte(Marker)) {
		j.seen = true
		return
	}
	// Keep the stream's last len(Marker)-1 bytes.
	all := append(append(win[:0], j.mtail[:j.mlen]...), p[len(p)-min(len(p), len(Marker)-1):]...)
	j.mlen = copy(j.mtail[:], all[len(all)-min(len(all), len(j.mtail)):])
}

// Pending reports whether Finish would insert a snippet: a </body>
// candidate is held and the page does not carry the snippet already.
func (j *Injector) Pending() bool { return j.holding && !j.seen }

// SnippetSeen reports whether the page written so far contains Marker.
func (j *Injector) SnippetSeen() bool { return j.seen }

// Finish ends the page: it writes the snippet before the held </body>
// candidate, unless there is none or the page already contains the snippet,
// then the rest. It reports whether the snippet was inserted.
func (j *Injector) Finish(snippet []byte) (bool, error) {
	injected := j.holding && !j.seen && len(snippet) > 0
	if injected {
		j.out(snippet)
	}
	j.out(j.held)
	j.held, j.holding = j.held[:0], false
	return injected && j.err == nil, j.err
}

// ShouldInject reports whether whole-page install applies to a response:
// not to HEAD requests, not to 1xx, 204, 206 (a byte range of the page) or
// 3xx responses (a browser never runs a redirect's body, and rendering a
// snippet there would use up a pending logout), only to text/html
// (any parameters, any case), and not to encoded (gzip, br, ...) bodies.
func ShouldInject(method string, status int, contentType, contentEncoding string) bool {
	if method == http.MethodHead || status < 200 || status >= 300 && status < 400 ||
		status == http.StatusNoContent || status == http.StatusPartialContent {
		return false
	}
	if ce := strings.TrimSpace(contentEncoding); ce != "" && !strings.EqualFold(ce, "identity") {
		return false
	}
	mediaType, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(strings.TrimSpace(mediaType), "text/html")
}
