package conformance

import (
	"testing"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/stretchr/testify/assert"
)

// internalCase requests the page of an app whose Config.InternalIPs is
// internalIPs from the loopback address from, with header, and checks
// whether the snippet was commented out.
func internalCase(t *testing.T, h Harness, internalIPs []string, proxies []string, from string, header map[string]string, want bool) {
	t.Helper()
	needSource(t, from)
	a := start(t, h, intercom.Config{AppID: appID, InternalIPs: internalIPs}, Scenario{
		SignedIn:       signedIn("jane"),
		TrustedProxies: proxies,
	})
	s := a.get(t, from, header).mustSnippet(t)
	if want {
		assert.True(t, s.Internal, "client %s (header %v) must be internal for InternalIPs %v, trusted proxies %v; snippet:\n%s",
			from, header, internalIPs, proxies, s.Raw)
	} else {
		assert.False(t, s.Internal, "client %s (header %v) must not be internal for InternalIPs %v, trusted proxies %v",
			from, header, internalIPs, proxies)
	}
	// Commented out or not, the settings are complete.
	assert.Equal(t, expect(map[string]any{"user_id": "jane", "name": "jane"}), s.Settings)
	a.noErrors(t)
}

func testInternalExact(t *testing.T, h Harness) {
	internalCase(t, h, []string{"127.0.0.7"}, nil, "127.0.0.7", nil, true)
}

func testInternalOther(t *testing.T, h Harness) {
	internalCase(t, h, []string{"127.0.0.7"}, nil, "127.0.0.8", nil, false)
}

func testInternalCIDR(t *testing.T, h Harness) {
	t.Run("inside", func(t *testing.T) {
		internalCase(t, h, []string{"127.0.0.0/29"}, nil, "127.0.0.6", nil, true)
	})
	t.Run("outside", func(t *testing.T) {
		internalCase(t, h, []string{"127.0.0.0/29"}, nil, "127.0.0.9", nil, false)
	})
}

func testInternalIPv6(t *testing.T, h Harness) {
	needSource(t, "::1")
	a := startOn(t, h, "[::1]:0", intercom.Config{AppID: appID, InternalIPs: []string{"::1"}}, Scenario{})
	s := a.get(t, "", nil).mustSnippet(t)
	assert.True(t, s.Internal, "a client at ::1 must be internal for InternalIPs [::1]")
	assert.Equal(t, expect(nil), s.Settings)
	a.noErrors(t)
}

// The client-IP cases: InternalIPs is a range no loopback client is in, so
// the snippet is commented out only when the app believes X-Forwarded-For.
var (
	privateRange = []string{"10.0.0.0/8"}
	forwarded    = map[string]string{"X-Forwarded-For": "10.1.2.3"}
)

func testSpoofIgnored(t *testing.T, h Harness) {
	internalCase(t, h, privateRange, nil, "127.0.0.6", forwarded, false)
}

func testTrustedProxy(t *testing.T, h Harness) {
	internalCase(t, h, privateRange, []string{"127.0.0.5"}, "127.0.0.5", forwarded, true)
}

func testTrustedProxyCIDR(t *testing.T, h Harness) {
	internalCase(t, h, privateRange, []string{"127.0.0.4/30"}, "127.0.0.5", forwarded, true)
}

func testUntrustedPeer(t *testing.T, h Harness) {
	internalCase(t, h, privateRange, []string{"127.0.0.5"}, "127.0.0.6", forwarded, false)
}
