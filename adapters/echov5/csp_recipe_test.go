package intercomecho_test

import (
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	intercomecho "github.com/goanalytical/intercom/adapters/echov5"
	"github.com/goanalytical/intercom/conformance"
	intercom "github.com/goanalytical/intercom/core"
)

// strictCSP is the README's strict nonce policy: scripts only by nonce (the
// snippet carries it, and 'strict-dynamic' lets it add the widget script),
// and from m.CSP() what else the Messenger needs. The fixed part is built
// once.
func strictCSP(m *intercom.Messenger) func(nonce string) string {
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

// checkStrictPolicy checks a page against the Content-Security-Policy it was
// sent with: the snippet's nonce attribute, the nonce the loader puts on the
// widget script and the policy's are one; scripts run by that nonce only
// (no 'unsafe-inline', no host allowlist to fall back on); every other
// source the Messenger needs is allowed. It returns the nonce.
func checkStrictPolicy(t *testing.T, m *intercom.Messenger, policy, page string) string {
	t.Helper()
	directives := map[string][]string{}
	for _, d := range strings.Split(policy, ";") {
		if f := strings.Fields(d); len(f) > 0 {
			_, dup := directives[f[0]]
			require.False(t, dup, "directive %s twice in %q", f[0], policy)
			directives[f[0]] = f[1:]
		}
	}
	s, err := conformance.FindSnippet([]byte(page))
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

// TestCSPRecipeSecure is the README's recipe for echo v5's middleware.Secure,
// whose ContentSecurityPolicy is one string for every response and so cannot
// carry a nonce: Secure sends its other headers, a nonce middleware after it
// the per-response policy, and WithNonce gives the snippet the same nonce.
func TestCSPRecipeSecure(t *testing.T) {
	m, log := newMessenger(t, nil)

	e := echo.New()
	e.Renderer = intercomecho.Renderer(&echo.TemplateRenderer{
		Template: template.Must(template.New("page").Parse(`<html><body><h1>{{ .title }}</h1>{{ .Intercom }}</body></html>`)),
	})
	// The recipe, as in the README.
	csp := strictCSP(m)
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		ContentTypeNosniff: "nosniff",
		XFrameOptions:      "DENY",
		HSTSMaxAge:         31536000,
		ReferrerPolicy:     "strict-origin-when-cross-origin",
		// No ContentSecurityPolicy here: the nonce middleware sets it.
	}))
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			nonce := intercom.NewNonce()
			c.Set("csp-nonce", nonce)
			c.Response().Header().Set(echo.HeaderContentSecurityPolicy, csp(nonce))
			return next(c)
		}
	})
	e.Use(intercomecho.Middleware(m, intercomecho.WithNonce(func(c *echo.Context) string {
		nonce, _ := c.Get("csp-nonce").(string)
		return nonce
	})))
	e.Use(intercomecho.Inject())
	// The routes: a template page, and a page without a template that
	// whole-page install gives the snippet.
	e.GET("/page", func(c *echo.Context) error { return c.Render(http.StatusOK, "page", map[string]any{"title": "Hi"}) })
	e.GET("/static", func(c *echo.Context) error { return c.HTML(http.StatusOK, "<html><body><h1>Hi</h1></body></html>") })

	srv := httptest.NewServer(e)
	defer srv.Close()
	seen := map[string]bool{}
	for _, path := range []string{"/page", "/page", "/static"} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+path, nil)
		require.NoError(t, err)
		req.Header.Set("X-Forwarded-Proto", "https") // behind a TLS-terminating proxy
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", path, body)

		policies := resp.Header.Values("Content-Security-Policy")
		require.Len(t, policies, 1, "%s: one policy", path)
		nonce := checkStrictPolicy(t, m, policies[0], string(body))
		assert.False(t, seen[nonce], "%s: a nonce used twice", path)
		seen[nonce] = true
		// Secure's own headers are there too.
		assert.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"))
		assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
		assert.Equal(t, "strict-origin-when-cross-origin", resp.Header.Get("Referrer-Policy"))
		assert.Equal(t, "max-age=31536000; includeSubdomains", resp.Header.Get("Strict-Transport-Security"))
	}
	assert.Empty(t, log.all())
}
