package conformance

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	intercom "github.com/goanalytical/intercom/core"
)

// StrictPolicy is the README's strict nonce policy: scripts only by nonce (the
// snippet carries it, and 'strict-dynamic' lets it add the widget script),
// and from m.CSP() what else the Messenger needs, for a nonce: the
// adapters' CSP recipe tests send it from a nonce middleware. The fixed
// part is built once.
func StrictPolicy(m *intercom.Messenger) func(nonce string) string {
	rest := "object-src 'none'; base-uri 'none'"
	for _, d := range m.CSP() {
		if d.Name != "script-src" {
			rest += "; " + d.Name + " 'self' " + strings.Join(d.Sources, " ")
		}
	}
	return func(nonce string) string { return "script-src 'nonce-" + nonce + "' 'strict-dynamic'; " + rest }
}

// loaderNonce is where the loader gives the widget script the nonce.
var loaderNonce = regexp.MustCompile(`setAttribute\("nonce","([^"]*)"\)`)

// CheckStrictPolicy checks a page against the Content-Security-Policy it was
// sent with: the snippet's nonce attribute, the nonce the loader puts on the
// widget script and the policy's are one; scripts run by that nonce only
// (no 'unsafe-inline', no host allowlist to fall back on); every other
// source the Messenger needs is allowed. It returns the nonce.
func CheckStrictPolicy(t testing.TB, m *intercom.Messenger, policy, page string) string {
	t.Helper()
	directives := map[string][]string{}
	for _, d := range strings.Split(policy, ";") {
		if f := strings.Fields(d); len(f) > 0 {
			_, dup := directives[f[0]]
			require.False(t, dup, "directive %s twice in %q", f[0], policy)
			directives[f[0]] = f[1:]
		}
	}
	s, err := FindSnippet([]byte(page))
	require.NoError(t, err, "the page's snippet; page: %s", page)
	require.NotEmpty(t, s.Nonce, "the snippet has no nonce attribute")
	assert.Equal(t, []string{"'nonce-" + s.Nonce + "'", "'strict-dynamic'"}, directives["script-src"],
		"script-src: the snippet's nonce, and 'strict-dynamic' for the widget script it adds")
	got := loaderNonce.FindAllStringSubmatch(s.Loader, -1)
	require.Len(t, got, 1, "the loader sets the widget script's nonce once: %s", s.Loader)
	assert.Equal(t, s.Nonce, got[0][1], "the loader's setAttribute(\"nonce\")")
	assert.Equal(t, []string{"'none'"}, directives["object-src"])
	assert.Equal(t, []string{"'none'"}, directives["base-uri"])
	for _, d := range m.CSP() {
		if d.Name == "script-src" {
			continue
		}
		for _, src := range d.Sources {
			assert.True(t, slices.Contains(directives[d.Name], src), "%s does not allow %s, which the Messenger needs", d.Name, src)
		}
	}
	return s.Nonce
}
