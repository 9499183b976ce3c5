package scan

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"math/bits"
	"sync/atomic"
)

// The memo remembers what the scanner does over a piece of page text it has
// seen before, so that text an engine writes again and again (html/template
// writes each static text node of a template as the same bytes on every
// render; a layout is static) is tokenized once: for a piece, the key is
// the scanner's state before it (with the fields that cannot matter from
// that state zeroed and offsets made relative to the piece's start) and
// the piece's bytes; the value is the state after it and the last </body>
// it took, relative too. A lookup verifies the whole key and compares the
// bytes with the entry's own copy, so a hash collision can only cost a
// miss, never a wrong state.
//
// The table is fixed: memoSlots entries of at most memoPiece bytes each,
// about memoSlots*(memoPiece+entryOverhead) = 4096*(512+~250) bytes, so
// at most ~3.2 MB however many pages the process serves, plus the two
// arrays of slots (64 KB). Entries are immutable and published through
// atomic pointers: a lookup takes no lock and allocates nothing, and
// concurrent inserts into a slot just replace one another. A piece goes in
// on its second sighting (the seen filter holds the hashes of first
// sightings), so the dynamic data of a page, which rarely repeats, does
// not churn the table nor allocate.
//
// The scanner consults the memo only for writes of at least memoMin bytes
// that hold a "<" or ">": a shorter one, or text without markup (the
// escaped data an engine writes between its static text), costs the
// tokenizer little more than an IndexByte. Writes longer than memoPiece
// are memoized in pieces cut at a newline (see cut), so that a whole page
// handed over at once (At, for fiber) resynchronizes with the pieces of an
// earlier render after its dynamic parts.
const (
	memoMin   = 8
	memoPiece = 512
	memoCut   = 64 // a long write's pieces end at the first newline from here
	memoSlots = 4096
)

// memoKey is a scanner's state at the start of a piece, see key.
type memoKey struct {
	a, b   tokenizer
	forked bool
}

// memoEntry is one remembered piece; immutable once published.
type memoEntry struct {
	hash  uint64
	key   memoKey
	text  string  // the piece's bytes
	after memoKey // the state after it, lt relative to the piece's start
	took  bool    // a </body> was taken in the piece
	cur   int64   // its "<", relative to the piece's start
}

type memoTable struct {
	slots [memoSlots]atomic.Pointer[memoEntry]
	seen  [memoSlots]atomic.Uint64
}

var (
	memo     memoTable
	memoSeed = maphash.MakeSeed()
	// memoSalt keys the short-piece hash, as memoSeed keys maphash.
	memoSalt = maphash.Comparable(memoSeed, uint64(0x9e3779b97f4a7c15))
)

// canon returns t with what cannot change the scanner's course from t's
// state zeroed, and lt relative to base. A field left out is one that every
// way on from the state writes before anything reads it, so two states
// with the same canon go the same way over any input; what the scanner's
// results depend on (the </body> taken, the states Text reads) is the
// same for both. lt counts only while the tag may still become a </body>,
// or while forked (sameAs compares it).
func (t *tokenizer) canon(base int64, forked bool) tokenizer {
	c := tokenizer{st: t.st, body: t.body, xnet: t.xnet}
	if t.body || forked {
		c.lt = t.lt - base
	}
	switch t.st {
	case tagName, beforeAttrName, attrName, afterAttrName, beforeAttrValue,
		attrValueDouble, attrValueSingle, attrValueUnquoted, afterAttrValue, selfClosing:
		c.end, c.n = t.end, t.n
		copy(c.name[:min(t.n, len(c.name))], t.name[:])
	case rawText, rawLT:
		c.text = t.text
	case rawEndTag:
		c.text, c.ret, c.k = t.text, t.ret, t.k
	case scriptDoubleEscapeStart, scriptDoubleEscapeEnd:
		c.text, c.k = t.text, t.k
	case scriptData, scriptLT, scriptEscapeStart, scriptEscapeStartDash,
		scriptEscaped, scriptEscapedDash, scriptEscapedDashDash, scriptEscapedLT,
		scriptDoubleEscaped, scriptDoubleEscapedDash, scriptDoubleEscapedDashDash,
		scriptDoubleEscapedLT:
		c.text = t.text
	}
	return c
}

// key returns s's state as a memo key, offsets relative to s.off.
func (s *scanner) key() memoKey {
	k := memoKey{a: s.a.canon(s.off, s.forked), forked: s.forked}
	if s.forked {
		k.b = s.b.canon(s.off, true)
	}
	return k
}

// hashOf hashes a piece and the state before it. The state's part is
// partial (collisions only share a slot: lookups compare whole keys).
func hashOf(p []byte, k *memoKey) uint64 {
	var h uint64
	if len(p) <= 16 { // memoMin <= len(p): two loads cover it
		lo := binary.LittleEndian.Uint64(p)
		hi := binary.LittleEndian.Uint64(p[len(p)-8:])
		x, y := bits.Mul64(lo^memoSalt, hi^uint64(len(p))^0xa0761d6478bd642f)
		h = x ^ y
	} else {
		h = maphash.Bytes(memoSeed, p)
	}
	st := uint64(k.a.st) | uint64(k.a.n&0xff)<<8 | uint64(k.a.k&0xff)<<16 | uint64(len(k.a.text))<<24 |
		uint64(k.a.lt)<<32
	if k.a.body {
		st ^= 1 << 30
	}
	if k.forked {
		st ^= 1<<31 | uint64(k.b.st)<<40
	}
	x, y := bits.Mul64(h^st, 0xe7037ed1a0b428db)
	return x ^ y
}

// cut returns the length of the next piece of p, longer than memoPiece:
// up to the first newline from memoCut bytes on, or memoPiece bytes. A cut
// that depends on the text, not on where the write started, lets the
// pieces of two renders line up again after text of different lengths.
func cut(p []byte) int {
	if i := bytes.IndexByte(p[memoCut-1:memoPiece], '\n'); i >= 0 {
		return memoCut + i
	}
	return memoPiece
}

// memoizable reports whether a write is worth a lookup.
func memoizable(p []byte) bool {
	return len(p) >= memoMin && (bytes.IndexByte(p, '<') >= 0 || bytes.IndexByte(p, '>') >= 0)
}

// feed scans the next bytes of the page, through the memo unless s.raw.
func (s *scanner) feed(p []byte) {
	if s.raw || !memoizable(p) {
		s.feedRaw(p)
		return
	}
	for len(p) > memoPiece {
		n := cut(p)
		s.piece(p[:n])
		p = p[n:]
	}
	s.piece(p)
}

// piece scans p, at most memoPiece bytes, with the memo.
func (s *scanner) piece(p []byte) {
	if len(p) < memoMin {
		s.feedRaw(p)
		return
	}
	base := s.off
	k := s.key()
	h := hashOf(p, &k)
	i := h % memoSlots
	slot := &memo.slots[i]
	if e := slot.Load(); e != nil && e.hash == h && e.text == string(p) && e.key == k {
		s.a, s.b, s.forked = e.after.a, e.after.b, e.after.forked
		s.a.lt += base
		s.b.lt += base
		s.off = base + int64(len(p))
		if e.took {
			s.cur, s.have = base+e.cur, true
		}
		return
	}
	cur, have := s.cur, s.have
	s.have = false
	s.feedRaw(p)
	took, relCur := s.have, s.cur-base
	if !took {
		s.cur, s.have = cur, have
	}
	if seen := &memo.seen[i]; seen.Load() != h {
		seen.Store(h)
		return
	}
	e := &memoEntry{hash: h, key: k, text: string(p), took: took, cur: relCur,
		after: memoKey{a: s.a, b: s.b, forked: s.forked}}
	e.after.a.lt -= base
	e.after.b.lt -= base
	slot.Store(e)
}
