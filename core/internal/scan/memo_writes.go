package scan

import (
	"bytes"
	"sync/atomic"
)

// Where the boundaries of an engine's writes are known (Text.Chunks,
// Injector.WriteChunks), the memo also remembers sequences of writes: a
// template's static text with the data the engine writes in between. A
// sequence is keyed like a piece, by the state before it and its first
// write; its entry lists each write's bytes, or, for a write of data, the
// byte it must not hold for the scanner to leave its state as it is (a
// "<" in text, script and raw text, the quote in a quoted attribute
// value). A lookup compares the writes one by one with the entry, so a
// page whose data leaves the template's states alone costs a comparison
// per write, without a lookup per write. A sequence never holds a
// </body> the scanner takes and ends where no tag may still become one,
// so its entry needs no offsets. It also ends before its first write comes
// again, so that the rounds of a template's loop are one sequence each,
// the same wherever a lookup starts.
//
// Bounds: seqSlots entries of at most seqBytes bytes of template text and
// seqWrites writes, about seqSlots*(seqBytes+seqWrites*24+~150) bytes, 1.4
// MB at most, on top of the pieces' 3.2 MB.
const (
	seqSlots  = 1024
	seqBytes  = 512
	seqWrites = 32
	seqMin    = 2 // writes; a shorter sequence is a piece's work
)

// seqWrite is one write of a sequence: its bytes, or "" for data that must
// not hold absent.
type seqWrite struct {
	text   string
	absent byte
}

// seqEntry is one remembered sequence; immutable once published.
type seqEntry struct {
	hash   uint64
	key    memoKey
	writes []seqWrite
	a      tokenizer // the state after it: no tag that may become a </body>, not forked
}

type seqTable struct {
	slots [seqSlots]atomic.Pointer[seqEntry]
	seen  [seqSlots]atomic.Uint64
	used  [seqSlots]atomic.Bool
}

var seqs seqTable

// seqSalt sets a sequence's hash apart from its first write's as a piece.
const seqSalt = 0x5bd1e9955bd1e995

// unchangedBy returns the byte whose absence from a write leaves the
// tokenizer in state st as it is (it then only moves on), or 0.
func unchangedBy(st state) byte {
	switch st {
	case data, rawText, scriptData:
		return '<'
	case attrValueDouble:
		return '"'
	case attrValueSingle:
		return '\''
	}
	return 0
}

// nextEnd returns the end, in p, of the write that starts at q: the first
// of ends (offsets shifted by shift) after q, or len(p). k is where to
// look from in ends; it returns the new k too.
func nextEnd(p []byte, ends []int, shift, k, q int) (int, int) {
	for k < len(ends) && ends[k]-shift <= q {
		k++
	}
	if k < len(ends) && ends[k]-shift < len(p) {
		return ends[k] - shift, k
	}
	return len(p), k
}

// feedWrites scans p, the page from s.off on, written in writes that ended
// at ends (increasing offsets; shift is the offset in ends of p's start;
// those outside p are ignored, and p's end ends the last write).
func (s *scanner) feedWrites(p []byte, ends []int, shift int) {
	q, k := 0, 0
	for q < len(p) {
		var e int
		e, k = nextEnd(p, ends, shift, k, q)
		if !s.raw && e-q >= memoMin && e < len(p) {
			if n := s.sequence(p, ends[k:], shift, q); n > 0 {
				q += n
				continue
			}
		}
		s.feed(p[q:e])
		q = e
	}
}

// sequence looks up the sequence of writes that starts at p[q:] and, on a
// hit, scans it at once; on the second sighting of its start it scans the
// writes one by one and remembers them. It returns how many bytes it
// scanned, 0 if none (the caller scans the write).
func (s *scanner) sequence(p []byte, ends []int, shift, q int) int {
	var k memoKey
	if !s.key(&k) {
		return 0
	}
	e0, _ := nextEnd(p, ends, shift, 0, q)
	first := p[q:e0]
	if b := unchangedBy(s.a.st); b != 0 && bytes.IndexByte(first, b) < 0 {
		return 0 // data: the caller skips it at once
	}
	h := hashOf(first, &k) ^ seqSalt
	i := h % seqSlots
	slot := &seqs.slots[i]
	old := slot.Load()
	if e := old; e != nil && e.hash == h && e.key == k {
		if n := e.match(p, ends, shift, q); n > 0 {
			s.a = e.a
			s.off += int64(n)
			if used := &seqs.used[i]; !used.Load() {
				used.Store(true)
			}
			return n
		}
	}
	if seen := &seqs.seen[i]; seen.Load() != h {
		seen.Store(h)
		return 0
	}
	if used := &seqs.used[i]; old != nil && used.Load() {
		used.Store(false)
		return 0
	}
	return s.record(p, ends, shift, q, slot, h, k)
}

// match returns how many bytes of p from q the writes of e cover, 0 if
// they are not e's.
func (e *seqEntry) match(p []byte, ends []int, shift, q int) int {
	start, k := q, 0
	for _, w := range e.writes {
		if q >= len(p) {
			return 0
		}
		var end int
		end, k = nextEnd(p, ends, shift, k, q)
		c := p[q:end]
		if w.text != "" {
			if string(c) != w.text {
				return 0
			}
		} else if bytes.IndexByte(c, w.absent) >= 0 {
			return 0
		}
		q = end
	}
	return q - start
}

// record scans the writes from p[q:] one by one, as many as a sequence
// takes, and publishes them as the entry for h and k in slot when they are
// seqMin writes or more (only then does it allocate). It returns the bytes
// scanned.
func (s *scanner) record(p []byte, ends []int, shift, q int, slot *atomic.Pointer[seqEntry], h uint64, k memoKey) int {
	type span struct {
		from, to int
		absent   byte
	}
	var spans [seqWrites]span
	start, n, count := q, 0, 0
	good := 0 // spans up to the last that ended with no tag that may become a </body>
	var after tokenizer
	size, goodSize := 0, 0
	for count < seqWrites && q < len(p) {
		var end int
		end, n = nextEnd(p, ends, shift, n, q)
		c := p[q:end]
		if b := unchangedBy(s.a.st); b != 0 && !s.forked && bytes.IndexByte(c, b) < 0 {
			spans[count] = span{q, end, b}
			s.off += int64(len(c))
		} else {
			if size+len(c) > seqBytes || count > 0 && string(c) == string(p[spans[0].from:spans[0].to]) {
				break // full, or the first write again: a loop's next round starts here
			}
			cur, have := s.cur, s.have
			s.have = false
			s.feed(c)
			took := s.have
			if !took {
				s.cur, s.have = cur, have
			}
			if took {
				q = end
				break // scanned, but no part of the sequence
			}
			spans[count] = span{q, end, 0}
			size += len(c)
		}
		count++
		q = end
		if s.forked {
			break
		}
		if !s.a.body {
			good, goodSize, after = count, size, s.a
		}
	}
	if good >= seqMin {
		text := make([]byte, 0, goodSize)
		for _, sp := range spans[:good] {
			if sp.absent == 0 {
				text = append(text, p[sp.from:sp.to]...)
			}
		}
		all := string(text)
		writes := make([]seqWrite, good)
		off := 0
		for i, sp := range spans[:good] {
			if sp.absent != 0 {
				writes[i].absent = sp.absent
				continue
			}
			writes[i].text = all[off : off+sp.to-sp.from]
			off += sp.to - sp.from
		}
		slot.Store(&seqEntry{hash: h, key: k, writes: writes, a: after})
	}
	return q - start
}
