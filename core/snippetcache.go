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
// entries: a lookup is two atomic loads and a comparison, with no lock and
// no allocation. A miss makes the string (as Render did before); a
// snippet's second miss also makes an entry and stores it in one of the
// key's two slots. The first only leaves the snippet's hash in seen (a
// doorkeeper), so that a visitor seen once, such as each of a stream of
// new users, costs no entry and evicts none.
//
// Memory is bounded: only snippets of at most maxCachedSnippet bytes are
// kept, so the table holds at most snippetCacheSlots × maxCachedSnippet
// (1 MiB) of strings, plus 12 KiB of slots, hashes and entries; an identified
// visitor's snippet is about 1.2 KB, so about 300 KiB when full. Snippets
// with a nonce or calls (unique to one response) and those with a JWT that
// expires (a new token every second) are not kept.
type snippetCache struct {
	seed  maphash.Seed
	slots [snippetCacheSlots]atomic.Pointer[snippetEntry]
	seen  [snippetCacheSlots]atomic.Uint64
}

const (
	snippetCacheSlots = 256
	maxCachedSnippet  = 4 << 10
)

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
	a, b := &c.slots[h%snippetCacheSlots], &c.slots[(h>>32)%snippetCacheSlots]
	for _, s := range [2]*atomic.Pointer[snippetEntry]{a, b} {
		if e := s.Load(); e != nil && e.hash == h && e.key == key &&
			e.html[len(head):len(e.html)-len(tail)] == string(body) {
			return e.html
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
	if seen := &c.seen[(h>>16)%snippetCacheSlots]; seen.Load() != h {
		seen.Store(h)
		return html
	}
	// An empty slot first; else either, as a bit of the hash says (so
	// neither slot's occupant is always the one replaced).
	s := a
	switch {
	case a.Load() == nil:
	case b.Load() == nil, h>>63 == 1:
		s = b
	}
	s.Store(&snippetEntry{hash: h, key: key, html: html})
	return html
}
