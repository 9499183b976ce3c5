package scan

// Text tells, for places in one HTML page, whether each is in the page's
// text: where the HTML tokenizer is in its data state, outside every tag
// and attribute value, comment, doctype, and the text of script, style,
// title, textarea and the other raw text elements (see the package doc for
// how far the scanner follows the tokenizer). Where the standard and
// golang.org/x/net/html's tokenizer disagree, a place is text only if both
// read it so. Markup written there is read as markup, so it is where the
// snippet may go. The zero Text is ready for a page.
type Text struct {
	s    scanner
	ends []int
	next int // ends[next] is the first end after s.off, or past it
}

// Chunks tells t that its page was written in pieces ending at offsets
// ends, in increasing order: the writes of a template engine, whose static
// text comes as the same bytes on every render. At then scans the page a
// piece at a time, so that a piece seen before costs a lookup (see the
// memo) instead of tokenizing it again. Any ends give the same results.
func (t *Text) Chunks(ends []int) { t.ends, t.next = ends, 0 }

// At reports whether the byte at offset off of page is in its text. Each
// call of a Text takes the same page and an offset no less than the call
// before it, so a page is scanned once however many places are asked about.
func (t *Text) At(page []byte, off int) bool {
	if o := int64(off); o > t.s.off {
		for t.next < len(t.ends) && int64(t.ends[t.next]) <= t.s.off {
			t.next++
		}
		t.s.feedWrites(page[t.s.off:o], t.ends[t.next:], int(t.s.off))
	}
	return t.s.a.st == data && (!t.s.forked || t.s.b.st == data)
}

// RawText returns a Text that scans without the memo, the reference that
// tests compare a Text's results with.
func RawText() *Text { return &Text{s: scanner{raw: true}} }
