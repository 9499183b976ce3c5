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
	s scanner
}

// At reports whether the byte at offset off of page is in its text. Each
// call of a Text takes the same page and an offset no less than the call
// before it, so a page is scanned once however many places are asked about.
func (t *Text) At(page []byte, off int) bool {
	if o := int64(off); o > t.s.off {
		t.s.feed(page[t.s.off:o])
	}
	return t.s.a.st == data && (!t.s.forked || t.s.b.st == data)
}
