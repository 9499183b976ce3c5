package conformance

import (
	"bytes"
	"cmp"
	"maps"
	"net/http"
	"strings"
	"testing"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// What the loader runs after a logout: shut the previous session down,
// then boot.
const shutdownCall = `i("shutdown");i("boot",s);`

// Cookies of a visitor of the suite's workspace at logout.
var (
	// ownCookies are this workspace's intercom-* cookies: the three the
	// Messenger sets, and one a later Messenger version might add.
	ownCookies = []string{
		"intercom-session-" + appID,
		"intercom-id-" + appID,
		"intercom-device-id-" + appID,
		"intercom-state-" + appID,
	}
	// otherCookies belong to the app and to another workspace.
	otherCookies = map[string]string{
		"session":                   "app-session-7",
		"intercom-session-xyz98765": "other-workspace",
	}
)

// loggedIn returns the cookies the visitor's browser holds before logout.
func loggedIn() map[string]string {
	c := maps.Clone(otherCookies)
	for _, name := range ownCookies {
		c[name] = "value-of-" + name
	}
	return c
}

// logout requests LogoutPath and checks the response: a 302 to PagePath
// that expires exactly this workspace's intercom-* cookies, with Path "/"
// and the configured Domain, and sets the shutdown flag.
func logout(t *testing.T, b *browser, domain string) {
	t.Helper()
	r := b.get(t, LogoutPath)
	require.Equal(t, http.StatusFound, r.status, "the logout handler redirects")
	assert.Equal(t, PagePath, r.location(t), "the logout redirect")

	count := map[string]int{}
	for _, c := range r.cookies {
		count[c.Name]++
	}
	want := map[string]int{adapter.ShutdownCookie: 1}
	for _, name := range ownCookies {
		want[name] = 1
	}
	assert.Equal(t, want, count,
		"Set-Cookie names: this workspace's intercom-* cookies and the shutdown flag, once each, and nothing else")

	for _, name := range ownCookies {
		for _, c := range r.setCookies(name) {
			assert.True(t, expired(c), "Set-Cookie %q does not expire the cookie", c.String())
			assert.Equal(t, "/", c.Path, "Set-Cookie %q: Path", c.String())
			assert.Equal(t, strings.TrimPrefix(domain, "."), strings.TrimPrefix(c.Domain, "."),
				"Set-Cookie %q: Domain must be Config.CookieDomain (%q), or the browser keeps the cookie", c.String(), domain)
		}
	}
	for _, c := range r.setCookies(adapter.ShutdownCookie) {
		assert.False(t, expired(c), "Set-Cookie %q expires the shutdown flag", c.String())
		assert.NotEmpty(t, c.Value, "Set-Cookie %q: the shutdown flag is empty", c.String())
		assert.Equal(t, "/", c.Path, "Set-Cookie %q: Path", c.String())
	}

	held := maps.Clone(otherCookies)
	held[adapter.ShutdownCookie] = b.cookies[adapter.ShutdownCookie]
	assert.Equal(t, held, b.cookies, "the cookies the browser holds after logout")
}

func testLogoutCookies(domain string) func(*testing.T, Harness) {
	return func(t *testing.T, h Harness) {
		a := start(t, h, intercom.Config{AppID: appID, CookieDomain: domain}, Scenario{SignedIn: signedIn("jane")})
		logout(t, a.browser("", loggedIn()), domain)
		a.noErrors(t)
	}
}

// scriptClearsFlag is how the shutdown snippet's own script deletes the
// logout flag: the page that runs the shutdown consumes it.
var scriptClearsFlag = `d.cookie="` + adapter.ShutdownCookie + `=; Max-Age=0; path=/`

// mustShutDown checks the first snippet after a logout: it shuts the
// Messenger down before booting, and the flag is cleared, by the response
// (where its headers were still open) or by the page's script. The browser
// then drops the flag, as a real one would on running that script.
func mustShutDown(t *testing.T, b *browser, r *response, s *Snippet) {
	t.Helper()
	assert.Contains(t, s.Loader, shutdownCall, "the first page after logout must shut the Messenger down before booting")
	byScript := strings.Contains(s.Loader, scriptClearsFlag)
	flags := r.setCookies(adapter.ShutdownCookie)
	for _, f := range flags {
		assert.True(t, expired(f), "Set-Cookie %q sets the shutdown flag again instead of clearing it", f.String())
		assert.Equal(t, "/", f.Path, "Set-Cookie %q: Path", f.String())
	}
	assert.True(t, byScript || len(flags) == 1, "the first page after logout must clear the shutdown flag, in its response or its script")
	if byScript {
		delete(b.cookies, adapter.ShutdownCookie)
	}
}

// mustNotShutDown checks a later snippet: it boots without shutting down.
func mustNotShutDown(t *testing.T, r *response, s *Snippet) {
	t.Helper()
	assert.NotContains(t, s.Loader, "shutdown", "only the first page after logout shuts the Messenger down")
	assert.Empty(t, r.setCookies(adapter.ShutdownCookie), "a page after the shutdown sets the flag again")
}

func testLogoutNextPage(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{AppID: appID}, Scenario{SignedIn: signedIn("jane")})
	b := a.browser("", loggedIn())
	logout(t, b, "")
	want := expect(map[string]any{"user_id": "jane", "name": "jane"})

	r := b.get(t, PagePath) // the redirect
	s := r.page(t).mustSnippet(t)
	assert.Equal(t, want, s.Settings)
	mustShutDown(t, b, r, s)
	assert.NotContains(t, b.cookies, adapter.ShutdownCookie)

	r = b.get(t, PagePath)
	s = r.page(t).mustSnippet(t)
	assert.Equal(t, want, s.Settings)
	mustNotShutDown(t, r, s)
	a.noErrors(t)
}

func testLogoutWholePage(t *testing.T, h Harness) {
	a := start(t, h, wholePageConfig, wholePageScenario(htmlResponse(decoyPage)))
	b := a.browser("", loggedIn())
	logout(t, b, "")

	r := b.get(t, RawPath)
	mustShutDown(t, b, r, mustInjected(t, r, decoyPage))
	assert.NotContains(t, b.cookies, adapter.ShutdownCookie)

	r = b.get(t, RawPath)
	mustNotShutDown(t, r, mustInjected(t, r, decoyPage))
	a.noErrors(t)
}

// testLogoutKeepsFlag: responses that show no snippet (a fragment without
// </body> for htmx or Turbo, a redirect with an HTML body) neither shut the
// Messenger down nor use up the logout flag; the next page does.
func testLogoutKeepsFlag(raw RawResponse) func(*testing.T, Harness) {
	return func(t *testing.T, h Harness) {
		a := start(t, h, wholePageConfig, wholePageScenario(raw))
		b := a.browser("", loggedIn())
		logout(t, b, "")

		r := b.get(t, RawPath)
		assert.Equal(t, cmp.Or(raw.Status, http.StatusOK), r.status, "status of the response without a snippet")
		mustUntouched(t, r, bytes.Join(raw.Chunks, nil))
		mustKeepShutdown(t, r)
		assert.Contains(t, b.cookies, adapter.ShutdownCookie, "the logout flag is gone before any page shut the Messenger down")

		r = b.get(t, PagePath)
		s := r.page(t).mustSnippet(t)
		mustShutDown(t, b, r, s)
		a.noErrors(t)
	}
}

// redirectResponse is a redirect whose body is a whole HTML page.
var redirectResponse = RawResponse{
	Status: http.StatusFound,
	Header: map[string]string{"Content-Type": "text/html; charset=utf-8", "Location": PagePath},
	Chunks: [][]byte{[]byte("<!DOCTYPE html>\n<html><body><a href=\"" + PagePath + "\">Found</a>.</body></html>\n")},
}
