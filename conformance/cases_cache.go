package conformance

import (
	"testing"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The cache cases: a page whose snippet identifies the visitor (user_id,
// email, user_hash or the JWT) belongs to that visitor. Rendered through the
// adapter's template integration, with no caching policy of the app's own,
// it must be Cache-Control: private, or a shared cache in front of the app
// (a CDN, a reverse proxy) can serve one visitor's identity to the next.
// The adapter sets it as the snippet renders, while the headers are still
// open. A policy the app set stands, whatever it is: an app that marks an
// identified page public has decided so. An anonymous page is left alone.

// cacheVisitor is the identified visitor of the cache cases.
var cacheVisitor = intercom.User{ID: "cache-42", Email: "cache@example.com"}

// cachePage fetches PagePath of a for s and returns the response, after
// checking that its snippet carries want (nil: anonymous) as its user.
func cachePage(t *testing.T, h Harness, s Scenario, identified bool) *response {
	t.Helper()
	a := start(t, h, intercom.Config{AppID: appID, HMACSecret: secret}, s)
	r := a.browser("", nil).get(t, PagePath)
	got := r.page(t).mustSnippet(t).Settings
	if identified {
		require.Equal(t, cacheVisitor.ID, got["user_id"], "the page's user_id")
		require.Equal(t, userHash(cacheVisitor.ID), got["user_hash"], "the page's user_hash")
	} else {
		require.Equal(t, expect(nil), got, "the anonymous page's settings")
	}
	a.noErrors(t)
	return r
}

func identifyCacheVisitor(Header) (intercom.User, bool) { return cacheVisitor, true }

// testCacheIdentified: a handler's Identify makes the page private.
func testCacheIdentified(t *testing.T, h Harness) {
	r := cachePage(t, h, Scenario{Identify: identifyCacheVisitor}, true)
	assert.Equal(t, []string{"private"}, r.header.Values("Cache-Control"), "Cache-Control of an identified page")
}

// testCacheSignedIn: so does the user the framework's auth middleware
// stored, found only when the page renders the snippet.
func testCacheSignedIn(t *testing.T, h Harness) {
	r := cachePage(t, h, Scenario{SignedIn: func(Header) any { return cacheVisitor.ID }}, true)
	assert.Equal(t, []string{"private"}, r.header.Values("Cache-Control"), "Cache-Control of a signed-in visitor's page")
}

// testCacheAnonymous: an anonymous visitor's page may be shared.
func testCacheAnonymous(t *testing.T, h Harness) {
	r := cachePage(t, h, Scenario{}, false)
	assert.Empty(t, r.header.Values("Cache-Control"), "Cache-Control of an anonymous page")
}

// testCachePolicyKept: the app's own Cache-Control stands, one line, as the
// app wrote it.
func testCachePolicyKept(t *testing.T, h Harness) {
	for _, policy := range []string{"no-store", "public, max-age=60"} {
		t.Run(policy, func(t *testing.T) {
			r := cachePage(t, h, Scenario{Identify: identifyCacheVisitor, CacheControl: policy}, true)
			assert.Equal(t, []string{policy}, r.header.Values("Cache-Control"), "the app's Cache-Control")
		})
	}
}
