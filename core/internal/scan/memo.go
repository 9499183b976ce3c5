package scan

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"math/bits"
	"math/rand/v2"
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
// at most ~3.2 MB however many pages the process serves, plus the arrays
// of slots and of pairs (96 KB). Entries are immutable and published
// through atomic pointers: a lookup takes no lock and allocates nothing, and
// concurrent inserts into a slot just replace one another. A piece goes in
// on its second sighting (the seen filter holds the hashes of first
// sightings), so the dynamic data of a page, which rarely repeats, does
// not churn the table nor allocate; a piece's entry is in one of a pair of
// slots, and replaces an entry there only if that was not hit since it was
// last spared (see piece).
//
// The scanner consults the memo only for writes of at least memoMin bytes
// that hold a "<" or ">": a shorter one, or text without markup (the
// escaped data an engine writes between its static text), costs the
// tokenizer little more than an IndexByte. Writes longer than memoPiece
// are memoized in pieces cut at a newline (see cut), so that a whole page
// handed over at once (At, for fiber; echo's buffered page under Inject)
// resynchronizes with the pieces of an earlier render after its dynamic
// parts. A lookup's fixed cost (the hash, two slots, the key) outweighs
// what a line's bytes add to it, so pieces run to at least memoCut bytes:
// the page of BenchmarkDashboard is about 140 pieces, half as many as when
// they were cut at the first newline after 64 bytes (0.72-0.76x the time),
// and a dynamic part, which misses, takes at most a piece's worth of
// static text with it (OwnRows: 0.91x).
const (
	memoMin   = 8
	memoPiece = 512
	memoCut   = 192 // a long write's pieces end at the first newline from here
	memoSlots = 4096
)

// memoKey is a scanner's state at the start of a piece, see key: the
// standard's tokenizer's state with what cannot change its course from
// there zeroed, packed in three words.
type memoKey [3]uint64

// memoEntry is one remembered piece; immutable once published.
type memoEntry struct {
	hash   uint64
	key    memoKey
	text   string // the piece's bytes
	took   bool   // a </body> was taken in the piece
	cur    int64  // its "<", relative to the piece's start
	forked bool   // after it
	a, b   tokenizer
}

type memoTable struct {
	slots  [memoSlots]atomic.Pointer[memoEntry]
	seen   [memoSlots]atomic.Uint64     // a pair's: the hashes of two of its latest first sightings
	used   [memoSlots]atomic.Bool       // the slot's entry went in or was hit since it was last spared
	claims [memoSlots / 2]atomic.Uint64 // a pair's: the hash of the piece that spared it last
}

var (
	memo     memoTable
	memoSeed = maphash.MakeSeed()
	// memoSalt keys the short-piece hash, as memoSeed keys maphash.
	memoSalt = maphash.Comparable(memoSeed, uint64(0x9e3779b97f4a7c15))
)

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// textCode tells the text elements apart: by length, first and third
// letter ("noframes", "noscript").
func textCode(text string) uint64 {
	if len(text) < 3 {
		return 0
	}
	return uint64(len(text)) | uint64(text[0])<<8 | uint64(text[2])<<16
}

// key returns s's state as a memo key, offsets relative to s.off, or false
// while the two tokenizers disagree (rare; such text is not memoized).
//
// A field left out of the key is one that every way on from the state
// writes before anything reads it, so two states with the same key go the
// same way over any input, and what the scanner's results depend on (the
// </body> taken, the states Text reads) is the same for both: the tag
// name, its length (capped at 10: no rule tells longer names apart) and
// whether it is an end tag only in the tag states; the text element's
// name in its text states; the state a raw end tag falls back to and how
// much of a name matched where they are used. lt counts only while the
// tag may still become a </body>.
func (s *scanner) key(k *memoKey) bool {
	if s.forked {
		return false
	}
	t := &s.a
	w := uint64(t.st) | b2u(t.body)<<41 | b2u(t.xnet)<<42
	k[1], k[2] = 0, 0
	if t.body {
		k[2] = uint64(t.lt - s.off) //nolint:gosec // packed bits: n <= 10, k < 10, lt exact in two's complement
	}
	switch {
	case tagName <= t.st && t.st <= selfClosing:
		var name [9]byte
		copy(name[:min(t.n, len(name))], t.name[:])
		w |= uint64(min(t.n, 10))<<32 | b2u(t.end)<<40 | uint64(name[8])<<48 //nolint:gosec // packed bits: n <= 10, k < 10, lt exact in two's complement
		k[1] = binary.LittleEndian.Uint64(name[:8])
	case rawText <= t.st && t.st < plaintext:
		w |= textCode(t.text) << 8
		switch t.st {
		case rawEndTag:
			w |= uint64(t.ret)<<32 | uint64(t.k)<<48 //nolint:gosec // packed bits: n <= 10, k < 10, lt exact in two's complement
		case scriptDoubleEscapeStart, scriptDoubleEscapeEnd:
			w |= uint64(t.k) << 48 //nolint:gosec // packed bits: n <= 10, k < 10, lt exact in two's complement
		}
	}
	k[0] = w
	return true
}

// hashOf hashes a piece and the key of the state before it. The key's part
// only spreads states over the slots: lookups compare whole keys.
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
	x, y := bits.Mul64(h^k[0], 0xe7037ed1a0b428db^k[1]^k[2]<<17)
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

// feed scans the next bytes of the page, through the memo unless s.raw.
// A write with no "<" in text, script or raw text (the escaped data an
// engine writes between its static text) changes nothing but the offset;
// one shorter than memoMin or without markup is tokenized; longer ones
// are looked up, in pieces of at most memoPiece bytes.
func (s *scanner) feed(p []byte) {
	if s.raw {
		s.feedRaw(p)
		return
	}
	lt := bytes.IndexByte(p, '<')
	if lt < 0 && !s.forked && (s.a.st == data || s.a.st == rawText || s.a.st == scriptData) {
		s.off += int64(len(p))
		return
	}
	if len(p) < memoMin || lt < 0 && bytes.IndexByte(p, '>') < 0 {
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

// piece scans p, at most memoPiece bytes, with the memo. A piece's entry
// may be in either slot of its pair (ways), so that two pieces of one page
// whose hashes meet in a slot both stay: with one slot each, the one hit
// first on every page kept the other out for good (the 30 KB typical page
// of examples/e2ebench, then about 280 pieces in one write, had 4 to 27
// such, tokenized on every render). An entry goes in on the second
// sighting of its piece: into an empty way; else, as in CLOCK, into one
// whose entry was not hit since it was last spared. A piece that finds both hit spares
// them and claims the pair: until it is in, or another piece found the
// claim in its way, no other piece takes a way there. So three or more
// pieces of a page that share a pair do not evict each other on every
// render (two stay in, the others wait), text that comes and goes does not
// evict text every page repeats, and an entry no page uses any more is
// replaced. A new entry counts as hit until it is first spared.
func (s *scanner) piece(p []byte) {
	var k memoKey
	if !s.key(&k) || len(p) < memoMin {
		s.feedRaw(p)
		return
	}
	base := s.off
	h := hashOf(p, &k)
	pair := memoPair(h)
	ways, w := memo.find(pair, h, &k, p)
	if w >= 0 {
		s.hit(ways[w], base)
		if used := &memo.used[pair+uint64(w)]; !used.Load() {
			used.Store(true)
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
	// The pair's last two first sightings, one of which a new one replaces
	// at random: pieces that come in turn do not keep each other out for
	// good, however many share the pair.
	if memo.seen[pair].Load() != h && memo.seen[pair+1].Load() != h {
		memo.seen[pair+rand.Uint64()&1].Store(h) //nolint:gosec // not a secret: which sighting a pair forgets
		return
	}
	victim, spare := -1, true
	for w, e := range ways {
		if e == nil {
			victim = w
			break
		}
		spare = spare && memo.used[pair+uint64(w)].Load()
	}
	claim := &memo.claims[pair/2]
	if victim < 0 && !spare {
		// A way not hit since it was last spared goes to the piece that
		// spared it, or to any piece once that one is in or the claim was
		// given up: a piece a page repeats waits a render before it takes
		// another's place, and an entry no page uses any more is replaced.
		if c := claim.Load(); c == h || c == 0 || c == ways[0].hash || c == ways[1].hash {
			victim = 0
			if memo.used[pair].Load() {
				victim = 1
			}
		}
	}
	if victim < 0 {
		if spare {
			// Both were hit since they were last spared: spare them, and
			// claim the next way that is not hit again first.
			memo.used[pair].Store(false)
			memo.used[pair+1].Store(false)
			claim.Store(h)
		} else {
			// A way waits for the piece that spared it, this once: a
			// claim whose piece never comes back must not hold it.
			claim.Store(0)
		}
		return
	}
	e := &memoEntry{hash: h, key: k, text: string(p), took: took, cur: relCur, forked: s.forked, a: s.a, b: s.b}
	e.a.lt -= base
	e.b.lt -= base
	memo.used[pair+uint64(victim)].Store(true) // a first chance
	memo.slots[pair+uint64(victim)].Store(e)
}

// memoPair returns the first of the two slots a piece of hash h may be
// in.
func memoPair(h uint64) uint64 { return h % memoSlots &^ 1 }

// find returns the entries of the pair of slots from pair on, and which of
// them is the piece p of hash h read from the state k (-1: neither).
func (t *memoTable) find(pair, h uint64, k *memoKey, p []byte) (ways [2]*memoEntry, w int) {
	for w := range ways {
		ways[w] = t.slots[pair+uint64(w)].Load()
		if e := ways[w]; e != nil && e.hash == h && e.key == *k && e.text == string(p) {
			return ways, w
		}
	}
	return ways, -1
}

// hit applies e, an entry for the piece at base, to s.
func (s *scanner) hit(e *memoEntry, base int64) {
	s.a = e.a
	s.a.lt += base
	if e.forked {
		s.b, s.forked = e.b, true
		s.b.lt += base
	}
	s.off = base + int64(len(e.text))
	if e.took {
		s.cur, s.have = base+e.cur, true
	}
}
