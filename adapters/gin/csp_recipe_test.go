package intercomgin_test

import (
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-contrib/secure"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	intercomgin "github.com/goanalytical/intercom/adapters/gin"
	"github.com/goanalytical/intercom/conformance"
	intercom "github.com/goanalytical/intercom/core"
)

// TestCSPRecipeGinContribSecure is the README's recipe for gin-contrib/secure,
// whose ContentSecurityPolicy is one string for every response and so cannot
// carry a nonce: secure sends its other headers, a nonce middleware after it
// the per-response policy, and WithNonce gives the snippet the same nonce.
func TestCSPRecipeGinContribSecure(t *testing.T) {
	m, log := newMessenger(t, nil)

	r := gin.New()
	r.SetHTMLTemplate(template.Must(template.New("page").Parse(`<html><body><h1>{{ .title }}</h1>{{ .Intercom }}</body></html>`)))
	// The recipe, as in the README.
	csp := conformance.StrictPolicy(m)
	r.Use(secure.New(secure.Config{
		SSLRedirect:        true,
		SSLProxyHeaders:    map[string]string{"X-Forwarded-Proto": "https"},
		STSSeconds:         31536000,
		FrameDeny:          true,
		ContentTypeNosniff: true,
		ReferrerPolicy:     "strict-origin-when-cross-origin",
		// No ContentSecurityPolicy here: the nonce middleware sets it.
	}))
	r.Use(func(c *gin.Context) {
		nonce := intercom.NewNonce()
		c.Set("csp-nonce", nonce)
		c.Header("Content-Security-Policy", csp(nonce))
		c.Next()
	})
	r.Use(intercomgin.Middleware(m, intercomgin.WithNonce(func(c *gin.Context) string {
		return c.GetString("csp-nonce")
	})))
	r.Use(intercomgin.Inject())
	// The routes: a template page, and a page without a template that
	// whole-page install gives the snippet.
	r.GET("/page", func(c *gin.Context) { c.HTML(http.StatusOK, "page", intercomgin.Data(c, gin.H{"title": "Hi"})) })
	r.GET("/static", func(c *gin.Context) {
		c.Data(http.StatusOK, "text/html; charset=utf-8", []byte("<html><body><h1>Hi</h1></body></html>"))
	})

	srv := httptest.NewServer(r)
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
		// secure's own headers are there too.
		assert.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"))
		assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
		assert.Equal(t, "strict-origin-when-cross-origin", resp.Header.Get("Referrer-Policy"))
		assert.Equal(t, "max-age=31536000", resp.Header.Get("Strict-Transport-Security"))
	}
	assert.Empty(t, log.got())
}

// TestGinContribSecureDefaultBlocksTheSnippet: secure.DefaultConfig's policy,
// default-src 'self', has no nonce: a browser runs neither the inline
// snippet nor the widget script. This is why the recipe sets the policy
// itself.
func TestGinContribSecureDefaultBlocksTheSnippet(t *testing.T) {
	cfg := secure.DefaultConfig()
	cfg.SSLRedirect = false
	r := gin.New()
	r.Use(secure.New(cfg))
	r.GET("/", func(c *gin.Context) { c.Status(http.StatusNoContent) })
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Equal(t, []string{"default-src 'self'"}, rec.Header().Values("Content-Security-Policy"))
}
