package intercom

import (
	"crypto/sha256"
	"encoding/binary"
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// userHashCache keeps the user_hash of recent subjects: a signed-in user's
// every page view needs the same one, and the HMAC is about half of what
// appending an identified snippet costs.
//
// It is a fixed table, made once, of userHashSets sets of userHashWays
// entries. A subject may live in either of two sets that its hash picks
// (two-choice hashing) and is added to whichever of them has the older
// least recently used entry; within a set the least recently used entry
// goes first. So the table behaves like one LRU of all its entries: its hit
// rate stays within a few points of an exact LRU of the same size for
// uniform, skewed and cyclic working sets (TestUserHashCacheHitRate), where
// a direct-mapped table of the same size loses a third of a uniform working
// set to collisions.
//
// Memory is bounded, nothing is allocated, and no request waits. A lookup
// takes no lock: each set has a sequence number that a writer makes odd
// while it changes an entry (a seqlock), every word of an entry is read
// and written atomically, and a lookup that saw the sequence change counts
// as a miss. Writers take the set's mutex, and pass over a set another
// goroutine holds. A hit does not write to memory other goroutines share
// unless the entry's stamp changes: entries are stamped with a clock that
// only a miss advances, so the entries used since the last miss tie as the
// most recent (TestUserHashCacheHitRate holds the hit rate to within a few
// points of an exact LRU all the same). It holds nothing secret: a
// user_hash is public, in the page.
type userHashCache struct {
	seed  uint64
	clock atomic.Uint64 // advanced by each add
	sets  [userHashSets]userHashSet
}

const (
	userHashSets = 128
	userHashWays = 8
	// userHashEntries is the size of the cache (about 150 KiB).
	userHashEntries = userHashSets * userHashWays
)

// maxCachedSubject is the longest subject cached: user ids and emails are
// short, and a fixed-size entry keeps no caller's string alive.
const maxCachedSubject = 64

type userHashSet struct {
	mu      sync.Mutex    // held by the writer
	seq     atomic.Uint64 // odd while the writer changes an entry
	entries [userHashWays]userHashEntry
}

// userHashEntry is one cached user_hash, in words read and written
// atomically: the subject's bytes little-endian, zero-padded, then the hex
// digits. n is 0 when the entry is empty.
type userHashEntry struct {
	tag     atomic.Uint64 // the subject's hash, compared before its bytes
	used    atomic.Uint64 // clock value of the last use
	n       atomic.Uint64
	subject [maxCachedSubject / 8]atomic.Uint64
	hex     [2 * sha256.Size / 8]atomic.Uint64
}

func newUserHashCache() *userHashCache {
	return &userHashCache{seed: maphash.String(maphash.MakeSeed(), "")}
}

// cacheable reports whether subject can be cached.
func cacheable(subject string) bool { return len(subject) > 0 && len(subject) <= maxCachedSubject }

// tag returns the hash of subject that picks its sets and is compared
// before its bytes: appendHit and add take it, so a miss hashes once. It
// mixes the subject's words (at most eight) with the cache's random seed,
// and ends with splitmix64's finalizer, so both halves pick sets evenly.
func (c *userHashCache) tag(subject string) uint64 {
	h := c.seed ^ uint64(len(subject))
	for i := 0; i < len(subject); i += 8 {
		h = (h ^ word(subject, i)) * 0x9e3779b97f4a7c15
		h ^= h >> 29
	}
	h = (h ^ h>>30) * 0xbf58476d1ce4e5b9
	h = (h ^ h>>27) * 0x94d049bb133111eb
	return h ^ h>>31
}

// candidates returns the two sets a subject with tag may live in.
func (c *userHashCache) candidates(tag uint64) (a, b *userHashSet) {
	return &c.sets[tag%userHashSets], &c.sets[(tag>>32)%userHashSets]
}

// appendHit appends the cached user_hash of subject, whose tag is tag, to
// dst and reports whether there was one. subject must be cacheable.
func (c *userHashCache) appendHit(dst []byte, subject string, tag uint64) ([]byte, bool) {
	a, b := c.candidates(tag)
	if out, ok := a.appendHit(dst, subject, tag, &c.clock); ok {
		return out, true
	}
	if b != a {
		return b.appendHit(dst, subject, tag, &c.clock)
	}
	return dst, false
}

func (s *userHashSet) appendHit(dst []byte, subject string, tag uint64, clock *atomic.Uint64) ([]byte, bool) {
	seq := s.seq.Load()
	if seq&1 != 0 {
		return dst, false
	}
	for i := range s.entries {
		e := &s.entries[i]
		if e.tag.Load() != tag || e.n.Load() != uint64(len(subject)) || !e.holds(subject) {
			continue
		}
		var hex [2 * sha256.Size]byte
		for j := range e.hex {
			binary.LittleEndian.PutUint64(hex[8*j:], e.hex[j].Load())
		}
		if s.seq.Load() != seq {
			return dst, false // a writer changed the set meanwhile
		}
		if now := clock.Load(); e.used.Load() != now {
			e.used.Store(now)
		}
		return append(dst, hex[:]...), true
	}
	return dst, false
}

// word returns the bytes of s from i, at most 8, as a little-endian word
// padded with zeros.
func word(s string, i int) uint64 {
	if len(s)-i >= 8 {
		return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
	}
	var w uint64
	for j := len(s) - 1; j >= i; j-- {
		w = w<<8 | uint64(s[j])
	}
	return w
}

// holds reports whether e's subject bytes are subject's (whose length e
// has).
func (e *userHashEntry) holds(subject string) bool {
	for i := 0; i < len(subject); i += 8 {
		if e.subject[i/8].Load() != word(subject, i) {
			return false
		}
	}
	return true
}

// add caches hex as the user_hash of subject, whose tag is tag, in place of
// the least recently used entry of its two sets. subject must be
// cacheable; a set another goroutine holds is passed over.
func (c *userHashCache) add(subject string, tag uint64, hex []byte) {
	a, b := c.candidates(tag)
	if b == a {
		b = nil
	}
	if !a.mu.TryLock() {
		a = nil
	}
	if b != nil && !b.mu.TryLock() {
		b = nil
	}
	ea, eb := a.oldest(), b.oldest()
	e, s := ea, a
	if ea == nil || eb != nil && eb.used.Load() < ea.used.Load() {
		e, s = eb, b
	}
	if e != nil {
		s.seq.Add(1)
		e.tag.Store(tag)
		e.used.Store(c.clock.Add(1))
		e.n.Store(uint64(len(subject)))
		for i := 0; i < len(subject); i += 8 {
			e.subject[i/8].Store(word(subject, i))
		}
		for j := range e.hex {
			e.hex[j].Store(binary.LittleEndian.Uint64(hex[8*j:]))
		}
		s.seq.Add(1)
	}
	if a != nil {
		a.mu.Unlock()
	}
	if b != nil {
		b.mu.Unlock()
	}
}

// oldest returns the least recently used entry of s (an empty one first),
// or nil for a nil s. Its caller holds s.mu.
func (s *userHashSet) oldest() *userHashEntry {
	if s == nil {
		return nil
	}
	old := &s.entries[0]
	for i := 1; i < len(s.entries) && old.n.Load() != 0; i++ {
		if e := &s.entries[i]; e.n.Load() == 0 || e.used.Load() < old.used.Load() {
			old = e
		}
	}
	return old
}
