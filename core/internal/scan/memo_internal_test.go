package scan

import "testing"

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
