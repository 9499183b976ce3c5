package conformance

import (
	"net/http"
	"strconv"
	"testing"
)

// Run checks h against every rule of the suite. Each case is a subtest named
// group/case (for example "client-ip/spoofed-header-ignored"), so one case
// can be run alone with go test -run 'TestConformance/client-ip'. Cases run
// one after another; each builds its own app with h.Serve.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h == nil {
		t.Fatal("conformance: Run needs a Harness")
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, c := range g.cases {
				t.Run(c.name, func(t *testing.T) { c.run(t, h) })
			}
		})
	}
}

type group struct {
	name  string
	cases []testCase
}

type testCase struct {
	name string
	run  func(t *testing.T, h Harness)
}

// groups lists every case of the suite, in the order of DESIGN.md's rules.
var groups = []group{
	{"disabled", []testCase{
		{"renders-nothing", testDisabled},
	}},
	{"anonymous", []testCase{
		{"app-id-and-api-base-only", testAnonymous},
	}},
	{"auto-identify", []testCase{
		{"string", testAutoString},
		{"empty-string", testAutoEmptyString},
		{"identifier", testAutoIdentifier},
		{"identifier-without-id", testAutoIdentifierWithoutID},
		{"disabled-by-config", testAutoDisabled},
		{"wrong-type-int", testAutoWrongType(42)},
		{"wrong-type-struct", testAutoWrongType(struct{ Name string }{"jane"})},
		{"identifier-panics", testAutoIdentifierPanics},
	}},
	{"precedence", []testCase{
		{"with-user-over-auth", testWithUserOverAuth},
		{"with-user-declines", testWithUserDeclines},
		{"identify-over-all", testIdentifyOverAll},
		{"set-over-attributes-and-user", testSetOverAttributes},
		{"attributes-over-config", testAttributesOverConfig},
		{"panicking-callback", testPanickingCallback},
	}},
	{"custom-data", []testCase{
		{"supported-types", testSupportedTypes},
		{"unsupported-dropped", testUnsupportedDropped},
		{"reserved-keys", testReservedKeys},
	}},
	{"identity", []testCase{
		{"user-hash-over-user-id", testUserHashID},
		{"user-hash-over-email", testUserHashEmail},
		{"jwt", testJWT},
		{"jwt-email-only-falls-back", testJWTEmailOnly},
	}},
	{"internal-ip", []testCase{
		{"exact-address", testInternalExact},
		{"other-address", testInternalOther},
		{"cidr", testInternalCIDR},
		{"ipv6", testInternalIPv6},
	}},
	{"client-ip", []testCase{
		{"spoofed-header-ignored", testSpoofIgnored},
		{"trusted-proxy", testTrustedProxy},
		{"trusted-proxy-cidr", testTrustedProxyCIDR},
		{"untrusted-peer", testUntrustedPeer},
	}},
	{"escaping", []testCase{
		{"script", testHostile(false)},
		{"internal-comment", testHostile(true)},
	}},
	{"nonce", []testCase{
		{"base64url", testNonce("r4nd0m-Nonce_12")},
		{"base64-padded", testNonce("q83vEjRWeJq83vEjRWeJ+A==")},
		{"invalid", testNonceInvalid},
	}},
	{"settings", []testCase{
		{"comprehensive", testComprehensive},
	}},
	{"skip", []testCase{
		{"no-snippet", testSkip},
		{"handler-calls", testSkipHandlerCalls},
	}},
	{"callbacks", []testCase{
		{"once-per-request", testCallbacksOnce},
	}},
	{"component", []testCase{
		{"same-as-template", testComponent},
		{"whole-page-once", testComponentWholePage},
	}},
	{"no-middleware", []testCase{
		{"page-renders", testUncovered(false)},
		{"whole-page-untouched", testUncovered(true)},
	}},
	{"twice", []testCase{
		{"one-state", testTwice},
		{"whole-page-once", testTwiceWholePage},
	}},
	{"concurrency", []testCase{
		{"distinct-users", testConcurrency},
	}},
	{"whole-page", []testCase{
		{"before-last-body-close", testWholePageLast},
		{"upper-case-body-close", testWholePageUpper},
		{"charset-parameter", testWholePageCharset},
		{"json-untouched", testWholePageJSON},
		{"gzip-untouched", testWholePageGzip},
		{"head-untouched", testWholePageHead},
		{"status-204-untouched", testWholePageStatus(http.StatusNoContent)},
		{"status-304-untouched", testWholePageStatus(http.StatusNotModified)},
		{"no-body-close-untouched", testWholePageNoBodyClose},
		{"content-length", testWholePageContentLength},
		{"cache-private", testWholePageCachePrivate},
		{"cache-policy-kept", testWholePageCachePolicyKept},
		{"three-byte-writes", testWholePageChunks(false)},
		{"three-byte-writes-flushed", testWholePageChunks(true)},
		{"template-already-rendered", testWholePageTemplate},
		{"large-page", testWholePageLarge},
	}},
	{"head", []testCase{
		{"same-headers-as-get", testHeadSameHeaders(nil)},
		{"content-length-set-by-handler", testHeadSameHeaders(map[string]string{"Content-Length": strconv.Itoa(len(decoyPage))})},
		{"keeps-logout", testHeadKeepsLogout},
		{"keeps-calls", testHeadKeepsCalls},
	}},
	{"logout", []testCase{
		{"expires-intercom-cookies", testLogoutCookies("")},
		{"expires-with-cookie-domain", testLogoutCookies(".example.com")},
		{"next-page-shuts-down-once", testLogoutNextPage},
		{"whole-page-shuts-down-once", testLogoutWholePage},
		{"fragment-keeps-flag", testLogoutKeepsFlag(htmlResponse(fragmentPage))},
		{"redirect-keeps-flag", testLogoutKeepsFlag(redirectResponse)},
	}},
	{"calls", []testCase{
		{"every-method-as-the-sdk", testCallsEveryMethod},
		{"component", testCallsComponent},
		{"post-redirect-get-once", testCallsPostRedirectGet},
		{"two-redirects-keep-both", testCallsTwoRedirects},
		{"fragment-keeps-calls", testCallsKept(htmlResponse(fragmentPage))},
		{"json-keeps-calls", testCallsKept(jsonResponse)},
		{"whole-page-once", testCallsWholePage},
		{"hostile-data", testCallsHostile},
		{"forged-cookie", testCallsForgedCookie},
		{"other-app-cookie-ignored", testCallsOtherApp},
		{"invalid-reported", testCallsInvalid},
		{"bounds", testCallsBounds},
		{"skipped", testCallsSkipped},
		{"disabled", testCallsDisabled},
		{"internal-ip", testCallsInternal},
	}},
	{"cache", []testCase{
		{"identified-private", testCacheIdentified},
		{"signed-in-private", testCacheSignedIn},
		{"anonymous-untouched", testCacheAnonymous},
		{"policy-kept", testCachePolicyKept},
	}},
	{"settings-json", []testCase{
		{"same-as-snippet-with-user", testSettingsWithUser},
		{"same-as-snippet-signed-in", testSettingsSignedIn},
		{"disabled-null", testSettingsDisabled},
		{"internal-ip-null", testSettingsInternal},
	}},
}
