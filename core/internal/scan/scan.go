// Package scan finds where whole-page install puts the snippet in an HTML
// page, in memory (At) or as the page streams (Injector), and decides which
// responses whole-page install applies to (ShouldInject). The adapter kit
// (package adapter) builds its whole-page writers on it.
//
// The place is before the last real </body> end tag: one the HTML tokenizer
// reads as an end tag named body, any letter case, whole up to its ">"
// (attributes and all). The scanner follows the tokenizer's states (text;
// tags and their attribute values, quoted or not; comments, "<!-->" and
// "<!--->" included; bogus comments such as "<?...>" and "</ x>";
// doctypes; script text with its escaped and double-escaped states;
// rawtext in style, xmp, iframe, noembed, noframes and noscript; rcdata in
// title and textarea; plaintext), so the text "</body>" inside a JavaScript
// string, a template literal, a comment, an attribute value, a textarea, a
// style or a JSON script is never taken. Where the standard and
// golang.org/x/net/html's tokenizer disagree (one case in escaped script
// text), a </body> counts only if both read it as an end tag.
//
// Like x/net/html's Tokenizer, the scanner does not build the document
// tree, so it reads inline SVG and MathML as HTML: a style or script
// element inside them is raw text to it, and "<![CDATA[" a bogus comment.
// Where a browser reads such a page differently, the snippet can land in
// an SVG CDATA section or comment, where it is inert text; it never ends
// them, as it holds no "]]>" and (outside the internal-IP comment) no
// "-->".
//
// A page with no real </body> (a fragment, a page that leaves the tag out)
// is left alone: guessing where a browser's parser would put the snippet
// would mean building its tree, and the snippet could land inside text
// that belongs to the page. So is a page whose last real </body> is
// followed by more than MaxTail bytes, which bounds the memory a streaming
// page holds, and a page that carries the snippet already (Marker).
//
// Text a template engine writes again and again (the static text of a
// template, a layout) is tokenized once: the scanner keeps a fixed-size,
// process-wide memo of what it did over such writes, and a write seen
// before from the same state costs a hash, a lookup and a comparison of
// its bytes instead (see memo.go and memo_writes.go: about 4.6 MB at most,
// lock-free, nothing allocated on a hit). Text.Chunks and
// Injector.WriteChunks take the boundaries of an engine's writes, and then
// whole sequences of them (a loop's round: the template's text and the
// data between) are looked up at once; At and long writes are memoized in
// pieces cut at newlines. The results are the tokenizer's, whatever is
// memoized.
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

// MaxTail bounds what an Injector holds back: the snippet goes before a
// real </body> only if at most MaxTail bytes, the tag included, follow it
// to the end of the page (a page's </body> is followed by "</html>" and a
// little white space; a later real </body> replaces it). A page whose last
// real </body> has more after it gets no snippet, and so does one whose
// </body> tag alone is longer.
const MaxTail = 64 << 10

// scanner runs the tokenizer over a page and keeps the place for the
// snippet: the "<" of the latest real </body>. While the standard's
// tokenizer and x/net/html's disagree, both run, and a </body> counts only
// if both see it end at the same byte.
type scanner struct {
	a, b   tokenizer // the standard's; x/net/html's while forked
	forked bool
	cur    int64 // offset of the "<" of the </body> the snippet goes before
	have   bool  // cur is set
	off    int64 // bytes scanned
	raw    bool  // the memo is off (tests compare with it on)
}

// feedRaw scans the next bytes of the page with the tokenizer.
func (s *scanner) feedRaw(p []byte) {
	for len(p) > 0 {
		if s.forked {
			p = p[s.lockstep(p):]
			continue
		}
		n, ev := s.a.run(p, s.off)
		s.off += int64(n)
		p = p[n:]
		switch ev {
		case evBody:
			s.take(s.a.lt)
		case evFork:
			s.b = s.a
			s.b.st, s.b.xnet, s.forked = scriptData, true, true
		}
	}
}

// lockstep runs both tokenizers a byte at a time until they agree again
// (rare: it takes "<!--" in a script and an odd "<" after it); it returns
// the bytes used.
func (s *scanner) lockstep(p []byte) int {
	for i := range p {
		one := p[i : i+1]
		n, ea := s.a.run(one, s.off)
		if n == 0 { // another fork: the standard's side goes on as it is
			_, ea = s.a.run(one, s.off)
		}
		_, eb := s.b.run(one, s.off)
		s.off++
		if ea == evBody && eb == evBody && s.a.lt == s.b.lt {
			s.take(s.a.lt)
		}
		if s.a.sameAs(&s.b) {
			s.forked = false
			return i + 1
		}
	}
	return len(p)
}

// take makes the </body> whose "<" is at lt, which ended just now, the
// place for the snippet, unless the tag itself is longer than MaxTail.
func (s *scanner) take(lt int64) {
	if s.off-lt <= MaxTail {
		s.cur, s.have = lt, true
	}
}

// tentative returns the "<" of a tag being read that is, or may still
// become, a </body>.
func (s *scanner) tentative() (int64, bool) {
	if !s.a.body || s.forked && (!s.b.body || s.b.lt != s.a.lt) {
		return 0, false
	}
	return s.a.lt, true
}

// At returns where whole-page install puts the snippet in page: the index
// of the "<" of its last real </body> end tag (see the package doc), or -1
// when page has none, when more than MaxTail bytes follow it, or when page
// already contains the snippet. It is what an Injector streams for the same
// page, for frameworks that hold the body in memory; it scans the whole
// page once, plus one fast pass for Marker.
func At(page []byte) int {
	var s scanner
	s.feed(page)
	return s.result(page)
}

// result is At's answer for page, once s has scanned it.
func (s *scanner) result(page []byte) int {
	if !s.have || s.off-s.cur > MaxTail || bytes.Contains(page, []byte(Marker)) {
		return -1
	}
	return int(s.cur)
}

// Injector streams an HTML page to an io.Writer and inserts a snippet before
// its last real </body> end tag, as At finds it. Everything before the
// latest </body> (or before a tag that may still turn out to be one) is
// written through at once; only that tag and what follows it are held
// back, until a later one replaces it or Finish inserts the snippet. Memory
// is therefore bounded by MaxTail, not by the page size.
//
// The zero Injector is not usable; call Reset first. An Injector is not safe
// for concurrent use.
type Injector struct {
	w      io.Writer
	s      scanner
	held   []byte // the page from heldAt on, not written yet
	heldAt int64
	seen   bool // the stream already contains Marker
	mtail  [len(Marker) - 1]byte
	mlen   int
	err    error
}

// Reset makes j write to w, ready for a new page; it keeps j's buffer.
func (j *Injector) Reset(w io.Writer) {
	*j = Injector{w: w, held: j.held[:0], s: scanner{raw: j.s.raw}}
}

func (j *Injector) out(p []byte) {
	if j.err == nil && len(p) > 0 {
		_, j.err = j.w.Write(p)
	}
}

// Write scans p and writes all of it the snippet cannot go before.
func (j *Injector) Write(p []byte) (int, error) { return j.WriteChunks(p, nil) }

// WriteChunks is Write for p gathered from several writes, which ended at
// offsets ends of p, in increasing order: p is scanned a write at a time,
// so that one whose text was seen before costs a lookup (see the memo)
// instead of tokenizing it again. Any ends give the same results.
func (j *Injector) WriteChunks(p []byte, ends []int) (int, error) {
	if j.err != nil {
		return 0, j.err
	}
	j.watchMarker(p)
	pAt := j.s.off
	j.s.feedWrites(p, ends, 0)
	end := j.s.off
	if j.s.have && end-j.s.cur > MaxTail {
		j.s.have = false // too much after it: let it go
	}
	hold := end
	if j.s.have {
		hold = j.s.cur
	} else if lt, ok := j.s.tentative(); ok && end-lt < MaxTail {
		hold = lt
	}
	// hold never moves back: what might still be taken was held before.
	hold = max(hold, j.heldAt)
	if hold >= pAt {
		j.out(j.held)
		k := int(hold - pAt)
		j.out(p[:k])
		j.held = append(j.held[:0], p[k:]...)
	} else {
		k := int(hold - j.heldAt)
		j.out(j.held[:k])
		n := copy(j.held, j.held[k:])
		j.held = append(j.held[:n], p...)
	}
	j.heldAt = hold
	if j.err != nil {
		return 0, j.err
	}
	return len(p), nil
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

// Pending reports whether Finish would insert a snippet: a real </body> is
// held and the page does not carry the snippet already.
func (j *Injector) Pending() bool { return j.s.have && !j.seen }

// SnippetSeen reports whether the page written so far contains Marker.
func (j *Injector) SnippetSeen() bool { return j.seen }

// Finish ends the page: it writes the snippet before the held </body>,
// unless there is none or the page already contains the snippet, then the
// rest. It reports whether the snippet was inserted.
func (j *Injector) Finish(snippet []byte) (bool, error) {
	k := int(j.s.cur - j.heldAt) // 0: the held bytes start at the </body>
	injected := j.Pending() && len(snippet) > 0 && k >= 0 && k <= len(j.held)
	if injected {
		j.out(j.held[:k])
		j.out(snippet)
		j.out(j.held[k:])
	} else {
		j.out(j.held)
	}
	j.held, j.heldAt, j.s.have = j.held[:0], j.s.off, false
	return injected && j.err == nil, j.err
}

// ShouldInject reports whether whole-page install applies to a response:
// not to 1xx, 204, 206 (a byte range of the page) or 3xx responses (a
// browser never runs a redirect's body, and rendering a snippet there would
// use up a pending logout), only to text/html (any parameters, any case),
// and not to encoded (gzip, br, ...) bodies. A response to HEAD is decided
// as the same response to GET would be, so that both carry the same
// headers.
func ShouldInject(status int, contentType, contentEncoding string) bool {
	if status < 200 || status >= 300 && status < 400 ||
		status == http.StatusNoContent || status == http.StatusPartialContent {
		return false
	}
	if ce := strings.TrimSpace(contentEncoding); ce != "" && !strings.EqualFold(ce, "identity") {
		return false
	}
	mediaType, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(strings.TrimSpace(mediaType), "text/html")
}
