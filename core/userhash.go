package intercom

import (
	"crypto/sha256"
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
// Memory is bounded, nothing is allocated, and no request waits: a set that
// another goroutine holds counts as a miss. It holds nothing secret: a
// user_hash is public, in the page.
type userHashCache struct {
	seed  maphash.Seed
	clock atomic.Uint64 // the last use stamped on an entry
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
	mu      sync.Mutex
	entries [userHashWays]userHashEntry
}

// userHashEntry is one cached user_hash; n is 0 when the entry is empty.
type userHashEntry struct {
	tag     uint64 // the subject's hash, compared before its bytes
	used    uint64 // clock value of the last use
	n       int
	subject [maxCachedSubject]byte
	hex     [2 * sha256.Size]byte
}

func newUserHashCache() *userHashCache {
	return &userHashCache{seed: maphash.MakeSeed()}
}

// cacheable reports whether subject can be cached.
func cacheable(subject string) bool { return len(subject) > 0 && len(subject) <= maxCachedSubject }

// tag returns the hash of subject that picks its sets and is compared
// before its bytes: appendHit and add take it, so a miss hashes once.
func (c *userHashCache) tag(subject string) uint64 { return maphash.String(c.seed, subject) }

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
	if !s.mu.TryLock() {
		return dst, false
	}
	defer s.mu.Unlock()
	for i := range s.entries {
		e := &s.entries[i]
		if e.tag == tag && e.n == len(subject) && string(e.subject[:e.n]) == subject {
			e.used = clock.Add(1)
			return append(dst, e.hex[:]...), true
		}
	}
	return dst, false
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
	e := ea
	if ea == nil || eb != nil && eb.used < ea.used {
		e = eb
	}
	if e != nil {
		e.tag, e.used, e.n = tag, c.clock.Add(1), len(subject)
		copy(e.subject[:], subject)
		copy(e.hex[:], hex)
	}
	if a != nil {
		a.mu.Unlock()
	}
	if b != nil {
		b.mu.Unlock()
	}
}

// oldest returns the least recently used entry of s (an empty one first),
// or nil for a nil s.
func (s *userHashSet) oldest() *userHashEntry {
	if s == nil {
		return nil
	}
	old := &s.entries[0]
	for i := 1; i < len(s.entries) && old.n != 0; i++ {
		if e := &s.entries[i]; e.n == 0 || e.used < old.used {
			old = e
		}
	}
	return old
}
