package intercomecho_test

import (
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	intercomecho "github.com/goanalytical/intercom/adapters/echov5"
	"github.com/goanalytical/intercom/conformance"
	intercom "github.com/goanalytical/intercom/core"
)

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
	csp := conformance.StrictPolicy(m)
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
		nonce := conformance.CheckStrictPolicy(t, m, policies[0], string(body))
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
