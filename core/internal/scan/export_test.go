package scan

// MemoCut is where a long write's pieces start to look for a newline.
const MemoCut = memoCut

// AtRaw is At with the memo off: what the tokenizer alone finds.
func AtRaw(page []byte) int {
	s := scanner{raw: true}
	s.feed(page)
	return s.result(page)
}

// RawInjector returns an Injector with the memo off, for w; Reset keeps it
// so.
func RawInjector() *Injector {
	var j Injector
	j.s.raw = true
	return &j
}

// Memoized reports whether the memo holds p as a piece read from the data
// state, as it would be at the start of a page.
func Memoized(p []byte) bool {
	var s scanner
	var k memoKey
	s.key(&k)
	h := hashOf(p, &k)
	pair := memoPair(h)
	for w := range uint64(2) {
		if e := memo.slots[pair+w].Load(); e != nil && e.hash == h && e.text == string(p) && e.key == k {
			return true
		}
	}
	return false
}

// SequenceMemoized reports whether the memo holds a sequence of writes
// that starts with first, read from the data state.
func SequenceMemoized(first []byte) bool {
	var s scanner
	var k memoKey
	s.key(&k)
	h := hashOf(first, &k) ^ seqSalt
	e := seqs.slots[h%seqSlots].Load()
	return e != nil && e.hash == h && e.key == k && len(e.writes) >= seqMin && e.writes[0].text == string(first)
}
