package conformance

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/goanalytical/intercom/core/adapter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The HEAD cases: a response to HEAD carries the headers the same request
// with GET gets (RFC 9110, 9.3.2), whole-page install included. A HEAD that
// says Content-Length: 438 where GET sends 1194 bytes, or that lacks the
// Cache-Control: private of the injected page, misleads caches and link
// checkers. The body is dropped (net/http and fasthttp do that), and nothing
// a HEAD renders is used up: a pending logout stays for the next page.

// representationHeaders are the headers HEAD and GET must agree on: what
// describes the body and how it may be stored.
var representationHeaders = []string{
	"Content-Type", "Content-Length", "Content-Encoding", "Cache-Control", "Etag", "Accept-Ranges", "Vary",
}

// sameHeaders checks that head carries get's representation headers, each
// with the same values (or absent from both).
func sameHeaders(t *testing.T, get, head *response) {
	t.Helper()
	require.Equal(t, get.status, head.status, "the status of HEAD and GET")
	for _, k := range representationHeaders {
		assert.Equal(t, get.header.Values(k), head.header.Values(k), "the %s of HEAD and of GET", k)
	}
	assert.Empty(t, head.body, "a HEAD response has a body")
}

// headPage is decoyPage with the validators of the page as the handler wrote
// it; raw.Header gets extra too.
func headPage(extra map[string]string) RawResponse {
	raw := htmlResponse(decoyPage)
	raw.Header["Etag"] = `"v1"`
	raw.Header["Accept-Ranges"] = "bytes"
	for k, v := range extra {
		raw.Header[k] = v
	}
	return raw
}

// testHeadSameHeaders: HEAD of an injected page answers GET's headers.
func testHeadSameHeaders(extra map[string]string) func(*testing.T, Harness) {
	return func(t *testing.T, h Harness) {
		a := start(t, h, wholePageConfig, wholePageScenario(headPage(extra)))
		get := a.browser("", nil).get(t, RawPath)
		mustInjected(t, get, decoyPage)
		head := a.browser("", nil).do(t, http.MethodHead, RawPath, nil)
		sameHeaders(t, get, head)
		if cl := head.header.Get("Content-Length"); cl != "" {
			assert.Equal(t, strconv.Itoa(len(get.body)), cl, "HEAD's Content-Length, the length of GET's body")
		}
		a.noErrors(t)
	}
}

// testHeadKeepsLogout: HEAD after a logout answers the headers of the page
// GET gets then, less the flag's deletion, and leaves the flag: the next
// GET still shuts the Messenger down.
func testHeadKeepsLogout(t *testing.T, h Harness) {
	a := start(t, h, wholePageConfig, wholePageScenario(headPage(nil)))
	get := a.browser("", pendingShutdown).get(t, RawPath)
	mustInjected(t, get, decoyPage)
	b := a.browser("", pendingShutdown)
	head := b.do(t, http.MethodHead, RawPath, nil)
	sameHeaders(t, get, head)
	mustKeepShutdown(t, head)
	assert.Contains(t, b.cookies, adapter.ShutdownCookie, "HEAD used up the logout flag")
	next := b.get(t, RawPath)
	mustShutDown(t, b, next, mustInjected(t, next, decoyPage))
	a.noErrors(t)
}

// testHeadKeepsCalls: HEAD of an injected page while the calls cookie
// carries calls from a redirect answers GET's headers (the same
// Content-Length: the snippet it measures has the calls too) and leaves
// the cookie: the next GET runs the calls, once.
func testHeadKeepsCalls(t *testing.T, h Harness) {
	s := wholePageScenario(headPage(nil))
	s.Calls = scenarioCalls
	a := start(t, h, wholePageConfig, s)
	getter := a.browser("", nil)
	getter.do(t, http.MethodPost, RedirectPath, queue("event"))
	get := getter.get(t, RawPath)
	mustRunCalls(t, getter, get, mustInjected(t, get, decoyPage), wantCalls["event"])

	b := a.browser("", nil)
	b.do(t, http.MethodPost, RedirectPath, queue("event"))
	head := b.do(t, http.MethodHead, RawPath, nil)
	sameHeaders(t, get, head)
	assert.Empty(t, head.setCookies(callsCookie), "HEAD used up the calls cookie")
	assert.Equal(t, decodeCalls(t, wantCalls["event"]), carried(t, b), "the calls the cookie carries after HEAD")
	next := b.get(t, RawPath)
	mustRunCalls(t, b, next, mustInjected(t, next, decoyPage), wantCalls["event"])
	a.noErrors(t)
}
