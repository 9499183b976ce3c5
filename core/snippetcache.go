package intercom

import (
	"hash/maphash"
	"strings"
	"sync/atomic"
)

// snippetCache keeps the strings of recent snippets, so that Render for a
// returning visitor returns the string it made for that visitor's last page
// view instead of a fresh one: the allocation (and the collector's work on
// it) is most of what Render costs over AppendSnippet, and the adapters'
// template-data helpers call Render on every request.
//
// An entry is keyed by the constant bytes around the part of the snippet
// that varies (snippetKey: the variant, and the settings plan or the
// general merge) and a hash of that part (the fields a plan writes, or the
// whole settings object). A lookup compares that part's bytes with the
// entry's and the keys, so it can never return another visitor's snippet;
// a hash collision is a miss.
//
// It is a fixed table of snippetCacheSlots atomic pointers to immutable
// entries, in sets of snippetCacheWays, with their hashes beside them: a
// lookup reads the hashes of the two sets its hash picks (two cache lines),
// then the entry whose hash matches, and compares; no lock, no allocation.
// A miss makes the string (as Render did before); a snippet's second miss
// also makes an entry and stores it in one of those sets, replacing an
// entry that was not returned lately (see victim). The first only marks the snippet's hash in seen, a
// doorkeeper, so that a visitor seen once, such as each of a stream of
// new users, costs no entry and evicts none. seen is a Bloom filter (two
// bits of doorkeeperBits per hash), not a table of hashes: in a table, two
// returning visitors whose hashes share a place would keep overwriting each
// other and never be kept (a fifth of 100 users cycling through their pages
// was never cached). It is emptied after doorkeeperResets marks, before it
// fills up and lets every snippet in.
//
// Memory is bounded: only snippets of at most maxCachedSnippet bytes are
// kept, so the table holds at most snippetCacheSlots × maxCachedSnippet
// (1 MiB) of strings, plus 10 KiB of slots and entries and 1 KiB of doorkeeper; an identified
// visitor's snippet is about 1.2 KB, so about 300 KiB when full. Snippets
// with a nonce or calls (unique to one response) and those with a JWT that
// expires (a new token every second) are not kept.
type snippetCache struct {
	seed  maphash.Seed
	slots [snippetCacheSlots]atomic.Pointer[snippetEntry]
	// tags holds each slot's entry's hash, so that a lookup reads the
	// hashes of its two sets from two cache lines, not every entry.
	tags [snippetCacheSlots]atomic.Uint64
	// used marks the slots whose entry was returned since the slot was
	// last considered for a new entry (a CLOCK bit).
	used  [snippetCacheSlots]atomic.Bool
	seen  [doorkeeperBits / 64]atomic.Uint64
	marks atomic.Uint32 // marks in seen since it was last emptied
}

const (
	snippetCacheSlots = 256
	// snippetCacheWays slots make a set; a snippet may live in either of
	// two sets its hash picks. With one slot per choice, two-choice
	// placement fails above half full (cycling users crowded each other
	// out); with four, it holds the table nearly full.
	snippetCacheWays = 4
	snippetCacheSets = snippetCacheSlots / snippetCacheWays
	maxCachedSnippet = 4 << 10
	// doorkeeperBits and doorkeeperResets: 1,024 marks in 8,192 bits
	// leave one in about 60 snippets seen once taken for seen before.
	doorkeeperBits   = 8192
	doorkeeperResets = 1024
)

// sawBefore reports whether the snippet with hash h was marked in seen,
// and marks it.
func (c *snippetCache) sawBefore(h uint64) bool {
	a, b := (h>>16)%doorkeeperBits, (h>>40)%doorkeeperBits
	wa, wb := &c.seen[a/64], &c.seen[b/64]
	ma, mb := uint64(1)<<(a%64), uint64(1)<<(b%64)
	if wa.Load()&ma != 0 && wb.Load()&mb != 0 {
		return true
	}
	if c.marks.Add(1) > doorkeeperResets {
		// Racing goroutines may lose a mark or two here: a snippet then
		// waits for one more render before it is kept.
		c.marks.Store(0)
		for i := range c.seen {
			c.seen[i].Store(0)
		}
	}
	wa.Or(ma)
	wb.Or(mb)
	return false
}

// snippetEntry is one cached snippet; it is never changed once stored.
type snippetEntry struct {
	hash uint64
	key  uint8 // snippetKey
	html string
}

// snippetKey tells apart the snippets whose constant bytes differ: the
// variant vi (internal IP, shutdown) and how the settings were written,
// plan i of m.plans, or len(m.plans) for the general merge.
func snippetKey(vi, i uint8) uint8 {
	return vi | i<<2
}

func newSnippetCache() *snippetCache {
	return &snippetCache{seed: maphash.MakeSeed()}
}

// hashOf returns the hash of the snippet with key and body.
func (c *snippetCache) hashOf(key uint8, body []byte) uint64 {
	return maphash.Bytes(c.seed, body) ^ uint64(key)
}

// render returns the snippet head+body+tail, whose key (snippetKey) fixes
// head and tail: a cached string when there is one, else a new string,
// kept from its second render on if small enough. A cached string is one
// with the same key and body: its bytes between head and tail are
// compared with body.
func (c *snippetCache) render(key uint8, head string, body []byte, tail string) string {
	h := c.hashOf(key, body)
	sets := [2]uint64{h % snippetCacheSets * snippetCacheWays, (h >> 32) % snippetCacheSets * snippetCacheWays}
	for _, set := range sets {
		for i := set; i < set+snippetCacheWays; i++ {
			if c.tags[i].Load() != h {
				continue
			}
			if e := c.slots[i].Load(); e != nil && e.hash == h && e.key == key &&
				e.html[len(head):len(e.html)-len(tail)] == string(body) {
				if u := &c.used[i]; !u.Load() {
					u.Store(true)
				}
				return e.html
			}
		}
	}
	var sb strings.Builder
	sb.Grow(len(head) + len(body) + len(tail))
	sb.WriteString(head)
	sb.Write(body)
	sb.WriteString(tail)
	html := sb.String()
	if len(html) > maxCachedSnippet {
		return html
	}
	if !c.sawBefore(h) {
		return html
	}
	i := c.victim(h, sets)
	// The entry first: a reader that sees the tag loads this entry or the
	// one before it, and checks the entry's own hash, key and bytes.
	c.slots[i].Store(&snippetEntry{hash: h, key: key, html: html})
	c.tags[i].Store(h)
	c.used[i].Store(false)
	return html
}

// victim picks the slot of the two sets a new entry goes in: an empty one;
// else one whose entry was not returned since it was last considered
// (CLOCK: considering a slot clears its used mark, so a returning visitor's
// entry is spared once and an idle one replaced); else, all used, one that
// a few bits of the hash pick.
func (c *snippetCache) victim(h uint64, sets [2]uint64) uint64 {
	for _, set := range sets {
		for i := set; i < set+snippetCacheWays; i++ {
			if c.slots[i].Load() == nil {
				return i
			}
		}
	}
	for _, set := range sets {
		for i := set; i < set+snippetCacheWays; i++ {
			if !c.used[i].Swap(false) {
				return i
			}
		}
	}
	pick := (h >> 58) % (2 * snippetCacheWays)
	return sets[pick/snippetCacheWays] + pick%snippetCacheWays
}
