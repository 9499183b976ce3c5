package scan

import (
	"bytes"
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

// TestMemoKeepsPiecesThatShareASlot: two pieces that a page repeats, whose
// hashes pick the same slot, both go into the memo after a few renders,
// whatever order they come in. With one slot per piece, and one first
// sighting remembered per slot, the two kept each other out for good.
func TestMemoKeepsPiecesThatShareASlot(t *testing.T) {
	var s scanner
	var k memoKey
	s.key(&k)
	bySlot := make(map[uint64][]byte)
	var a, b []byte
	for n := 0; a == nil; n++ {
		p := fmt.Appendf(nil, "<p class=\"shared-slot\">piece %d</p>\n", n)
		i := hashOf(p, &k) % memoSlots
		if q, ok := bySlot[i]; ok {
			a, b = q, p
		}
		bySlot[i] = p
	}
	tests := []struct {
		name  string
		order [][]byte // one render's pieces
	}{
		{"alternating renders", [][]byte{a, b}},
		{"one page with both", [][]byte{append(append([]byte(nil), a...), b...)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := hashOf(a, &k) % memoSlots &^ 1
			saved := [2]*memoEntry{memo.slots[i].Load(), memo.slots[i+1].Load()}
			defer func() { memo.slots[i].Store(saved[0]); memo.slots[i+1].Store(saved[1]) }()
			memo.slots[i].Store(nil)
			memo.slots[i+1].Store(nil)
			for range 4 {
				for _, page := range tt.order {
					var r scanner
					for len(page) > 0 { // a piece at a time, as a page's writes come
						n := bytes.IndexByte(page, '\n') + 1
						r.piece(page[:n])
						page = page[n:]
					}
				}
			}
			for _, p := range [][]byte{a, b} {
				if !memoized(p) {
					t.Errorf("%q is not in the memo", p)
				}
			}
		})
	}
}

// memoized reports whether the memo holds p as read from the data state.
func memoized(p []byte) bool {
	var s scanner
	var k memoKey
	s.key(&k)
	h := hashOf(p, &k)
	pair := h % memoSlots &^ 1
	for w := range uint64(2) {
		if e := memo.slots[pair+w].Load(); e != nil && e.hash == h && e.text == string(p) && e.key == k {
			return true
		}
	}
	return false
}
