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
// An entry is keyed by the snippet's variant (internal IP, shutdown) and a
// hash of its settings object: the rest of a snippet without calls or a
// nonce is the variant's constant bytes (snippetParts), so the settings
// bytes and the variant are the whole snippet. A lookup compares those
// bytes with the entry's, so it can never return another visitor's
// snippet; a hash collision is a miss.
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
// (1 MiB) of strings, plus 4 KiB of slots and hashes; an identified
// visitor's snippet is about 1.2 KB, so about 300 KiB when full. Snippets
// with a nonce or calls (unique to one response) and those with a JWT that
// expires (a new token every second) are not kept.
type snippetCache struct {
	seed   maphash.Seed
	prefix string // plans[0].open
	slots  [snippetCacheSlots]atomic.Pointer[snippetEntry]
	seen   [snippetCacheSlots]atomic.Uint64
}

const (
	snippetCacheSlots = 256
	maxCachedSnippet  = 4 << 10
)

// snippetEntry is one cached snippet; it is never changed once stored.
type snippetEntry struct {
	hash    uint64
	variant uint8
	html    string
}

func newSnippetCache(prefix string) *snippetCache {
	return &snippetCache{seed: maphash.MakeSeed(), prefix: prefix}
}

// hashOf returns the key of variant vi's snippet with settings. The
// opening defaults most snippets share (prefix) are left out of the hash,
// which the comparison covers.
func (c *snippetCache) hashOf(vi uint8, settings []byte) uint64 {
	if len(settings) >= len(c.prefix) && string(settings[:len(c.prefix)]) == c.prefix {
		settings = settings[len(c.prefix):]
	}
	return maphash.Bytes(c.seed, settings) ^ uint64(vi)
}

// render returns the snippet of variant p (index vi) whose settings object
// is settings: a cached string when there is one, else a new string, then
// cached if small enough.
func (c *snippetCache) render(vi uint8, p *snippetParts, settings []byte) string {
	h := c.hashOf(vi, settings)
	a, b := &c.slots[h%snippetCacheSlots], &c.slots[(h>>32)%snippetCacheSlots]
	for _, s := range [2]*atomic.Pointer[snippetEntry]{a, b} {
		if e := s.Load(); e != nil && e.hash == h && e.variant == vi &&
			e.html[len(p.head):len(e.html)-len(p.tail)] == string(settings) {
			return e.html
		}
	}
	var sb strings.Builder
	sb.Grow(len(p.head) + len(settings) + len(p.tail))
	sb.WriteString(p.head)
	sb.Write(settings)
	sb.WriteString(p.tail)
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
	s.Store(&snippetEntry{hash: h, variant: vi, html: html})
	return html
}
