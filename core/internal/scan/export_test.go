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
	k := dataKey()
	h := hashOf(p, k)
	_, w := memo.find(memoPair(h), h, k, p)
	return w >= 0
}

// dataKey returns the memo key of the data state, where a page starts.
func dataKey() *memoKey {
	var s scanner
	var k memoKey
	s.key(&k)
	return &k
}

// SequenceMemoized reports whether the memo holds a sequence of writes
// that starts with first, read from the data state.
func SequenceMemoized(first []byte) bool {
	k := dataKey()
	h := hashOf(first, k) ^ seqSalt
	e := seqs.slots[h%seqSlots].Load()
	return e != nil && e.hash == h && e.key == *k && len(e.writes) >= seqMin && e.writes[0].text == string(first)
}
