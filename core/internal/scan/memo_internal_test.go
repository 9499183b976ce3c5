package scan

import (
	"fmt"
	"testing"
)

// TestMemoCollisionIsAMiss: an entry whose hash and state match but whose
// bytes do not (a hash collision, forged here) is never applied.
func TestMemoCollisionIsAMiss(t *testing.T) {
	tests := []struct{ name, piece, stored string }{
		{"same length", "<title>ab</title></body>", "<title>xy</title></body>"},
		{"a prefix", "<p>a prefix</p></body>", "<p>a prefix</p></body>and more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := []byte(tt.piece)
			var s scanner
			var k memoKey
			s.key(&k)
			h := hashOf(p, &k)
			slot := &memo.slots[h%memoSlots]
			saved := slot.Load()
			defer slot.Store(saved)
			slot.Store(&memoEntry{hash: h, key: k, text: tt.stored, a: tokenizer{st: plaintext}, took: true, cur: 3})

			s.feed(p)
			ref := scanner{raw: true}
			ref.feed(p)
			if s.a.st != ref.a.st || s.have != ref.have || s.cur != ref.cur || s.off != ref.off {
				t.Errorf("state %d, </body> %v at %d, offset %d; the tokenizer's %d, %v at %d, %d",
					s.a.st, s.have, s.cur, s.off, ref.a.st, ref.have, ref.cur, ref.off)
			}
			if s.a.st != data || !s.have || s.cur != int64(len(p)-len("</body>")) {
				t.Errorf("state %d, </body> %v at %d, want data, true at %d", s.a.st, s.have, s.cur, len(p)-len("</body>"))
			}
		})
	}
}

// TestMemoKeepsPiecesThatShareASlot: pieces that a page repeats, whose
// hashes pick one pair of slots, settle: two of them go into the memo after
// a few renders, whatever order they come in, and after that no render
// replaces an entry. With one slot per piece, and one first sighting
// remembered per slot, two such pieces kept each other out for good; with
// the pair but without the claim on a spared way, four evicted one another
// on every other render.
func TestMemoKeepsPiecesThatShareASlot(t *testing.T) {
	tests := []struct {
		name   string
		pieces int
		split  bool // each piece a render of its own, in turn
		first  int  // how many of them the page holds alone at first
		stale  bool // and not at all after that
		misses int  // per render, once settled
	}{
		{"two, alternating renders", 2, true, 0, false, 0},
		{"two on one page", 2, false, 0, false, 0},
		{"three on one page", 3, false, 0, false, 1},
		{"four on one page", 4, false, 0, false, 2},
		{"two memoized, then two more on the page", 4, false, 2, false, 2},
		{"two memoized, then two others instead", 4, false, 2, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pieces := piecesOfAPair(tt.name, tt.pieces)
			pages := [][][]byte{pieces}
			if tt.split {
				pages = nil
				for _, p := range pieces {
					pages = append(pages, [][]byte{p})
				}
			}
			pair := pairOf(pieces[0])
			saved := [2]*memoEntry{memo.slots[pair].Load(), memo.slots[pair+1].Load()}
			defer func() { memo.slots[pair].Store(saved[0]); memo.slots[pair+1].Store(saved[1]) }()
			memo.slots[pair].Store(nil)
			memo.slots[pair+1].Store(nil)
			if tt.first > 0 {
				for range 40 {
					renderPieces(pieces[:tt.first])
				}
				if !Memoized(pieces[0]) || !Memoized(pieces[1]) {
					t.Fatal("the first two pieces alone did not go into the memo")
				}
				if tt.stale {
					pages = [][][]byte{pieces[tt.first:]}
				}
			}
			for range 40 { // the first sightings a pair remembers are replaced at random
				for _, page := range pages {
					renderPieces(page)
				}
			}
			for r := range 10 {
				misses, replaced := 0, 0
				for _, page := range pages {
					m, n := renderPieces(page)
					misses, replaced = misses+m, replaced+n
				}
				if misses != tt.misses || replaced != 0 {
					t.Fatalf("render %d after settling: %d misses, %d entries replaced; want %d, 0", r, misses, replaced, tt.misses)
				}
			}
		})
	}
}

// piecesOfAPair returns n pieces, read from the data state, whose hashes
// pick the same pair of slots (two of them the same slot, when n is 2).
func piecesOfAPair(tag string, n int) [][]byte {
	bySlot := make(map[uint64][][]byte)
	for i := 0; ; i++ {
		p := fmt.Appendf(nil, "<p class=%q>piece %d</p>\n", tag, i)
		slot := pairOf(p)
		if n == 2 {
			slot = hashOf(p, dataKey()) % memoSlots
		}
		bySlot[slot] = append(bySlot[slot], p)
		if len(bySlot[slot]) == n {
			return bySlot[slot]
		}
	}
}

// pairOf returns the first slot of the pair p, read from the data state,
// goes in.
func pairOf(p []byte) uint64 { return memoPair(hashOf(p, dataKey())) }

// renderPieces scans a page made of pieces, each a piece of its own, as
// a page's writes come, and returns how many missed the memo and how many
// entries of their pairs were replaced.
func renderPieces(pieces [][]byte) (misses, replaced int) {
	var s scanner
	for _, p := range pieces {
		pair := pairOf(p)
		before := [2]*memoEntry{memo.slots[pair].Load(), memo.slots[pair+1].Load()}
		if !Memoized(p) {
			misses++
		}
		s.piece(p)
		for w, e := range before {
			if after := memo.slots[pair+uint64(w)].Load(); e != nil && after != e {
				replaced++
			}
		}
	}
	return misses, replaced
}
