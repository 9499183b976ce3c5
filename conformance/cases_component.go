package conformance

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// componentScenario is a signed-in visitor with a nonce, custom data from
// WithAttributes and from Set, and Identify's user.
func componentScenario() Scenario {
	return Scenario{
		SignedIn:       signedIn("jane"),
		WithNonce:      func(Header) string { return "r4nd0m-Nonce_12" },
		WithAttributes: withAttributes(intercom.Attributes{"plan": "free", "team": "a"}),
		Identify:       func(Header) (intercom.User, bool) { return intercom.User{ID: "42", Name: "Jane"}, true },
		Set:            []Attr{{"plan", "pro"}},
	}
}

// componentSettings is what componentScenario's snippet carries.
func componentSettings() map[string]any {
	return expect(map[string]any{"user_id": "42", "name": "Jane", "plan": "pro", "team": "a", "user_hash": userHash("42")})
}

// testComponent: the templ component renders the same snippet as the
// template integration, for the handler's visitor, with the nonce, where the
// page puts it.
func testComponent(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{AppID: appID, HMACSecret: secret}, componentScenario())
	r := a.browser("", nil).get(t, ComponentPath)
	require.Equal(t, http.StatusOK, r.status, "GET %s", ComponentPath)
	p := r.page(t)
	s := p.mustSnippet(t)
	assert.Equal(t, componentSettings(), s.Settings)
	assert.Equal(t, "r4nd0m-Nonce_12", s.Nonce, "the nonce of the component's snippet")
	sameBytes(t, []byte(ComponentPage.Head+s.Raw+ComponentPage.Tail), r.body, "the page with the component's output in place")
	assert.Equal(t, componentSettings(), a.get(t, "", nil).mustSnippet(t).Settings, "the template page's snippet")
	a.noErrors(t)
}

// testComponentWholePage: a page whose component rendered the snippet does
// not get a second one from whole-page install.
func testComponentWholePage(t *testing.T, h Harness) {
	s := componentScenario()
	s.WholePage = true
	a := start(t, h, intercom.Config{AppID: appID, HMACSecret: secret}, s)
	r := a.browser("", nil).get(t, ComponentPath)
	require.Equal(t, http.StatusOK, r.status, "GET %s", ComponentPath)
	// FindSnippet fails on two snippets.
	assert.Equal(t, componentSettings(), r.page(t).mustSnippet(t).Settings)
	a.noErrors(t)
}

// testUncovered: on a route the middleware does not cover, every helper
// does nothing and the page still renders.
func testUncovered(wholePage bool) func(*testing.T, Harness) {
	return func(t *testing.T, h Harness) {
		s := componentScenario()
		s.WholePage = wholePage
		a := start(t, h, intercom.Config{AppID: appID, HMACSecret: secret}, s)
		r := a.browser("", map[string]string{"intercom-session-" + appID: "s"}).get(t, UncoveredPath)
		require.Equal(t, http.StatusOK, r.status, "GET %s: body:\n%s", UncoveredPath, excerpt(string(r.body)))
		mt, _ := r.mediaType()
		assert.Equal(t, "text/html", mt)
		p := r.page(t)
		p.mustNotHaveSnippet(t)
		assert.True(t, strings.HasSuffix(string(r.body), ComponentPage.Tail), "the page ends with the component page's tail; body:\n%s", excerpt(string(r.body)))
		assert.Empty(t, r.cookies, "Set-Cookie on a route without the middleware (Shutdown must do nothing)")
		// The covered page still works after the helpers missed.
		assert.Equal(t, componentSettings(), a.get(t, "", nil).mustSnippet(t).Settings, "the covered page's snippet")
		a.noErrors(t)
	}
}

// testTwice: the middleware installed twice keeps one state: the handler's
// Identify and Set count, each callback runs once, one snippet renders.
func testTwice(t *testing.T, h Harness) {
	var users atomic.Int32
	s := componentScenario()
	s.Twice = true
	s.WithUser = func(Header) (intercom.User, bool) {
		users.Add(1)
		return intercom.User{ID: "7"}, true
	}
	a := start(t, h, intercom.Config{AppID: appID, HMACSecret: secret}, s)
	assert.Equal(t, componentSettings(), a.get(t, "", nil).mustSnippet(t).Settings)
	assert.Zero(t, users.Load(), "WithUser ran although the handler called Identify")

	s.Identify = nil
	b := start(t, h, intercom.Config{AppID: appID, HMACSecret: secret}, s)
	assert.Equal(t, expect(map[string]any{"user_id": "7", "plan": "pro", "team": "a", "user_hash": userHash("7")}),
		b.get(t, "", nil).mustSnippet(t).Settings)
	assert.Equal(t, int32(1), users.Load(), "WithUser calls for one page")
	a.noErrors(t)
	b.noErrors(t)
}

// testTwiceWholePage: whole-page install installed twice inserts the
// snippet once.
func testTwiceWholePage(t *testing.T, h Harness) {
	s := wholePageScenario(htmlResponse(decoyPage))
	s.Twice = true
	a := start(t, h, wholePageConfig, s)
	mustInjected(t, a.browser("", nil).get(t, RawPath), decoyPage)
	a.noErrors(t)
}
