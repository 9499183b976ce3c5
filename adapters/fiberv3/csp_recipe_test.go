package intercomfiber_test

import (
	"io"
	"net/http/httptest"
	"testing"

	"github.com/gofiber/fiber/v3"
	"github.com/gofiber/fiber/v3/middleware/helmet"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	intercomfiber "github.com/goanalytical/intercom/adapters/fiberv3"
	"github.com/goanalytical/intercom/conformance"
	intercom "github.com/goanalytical/intercom/core"
)

// TestCSPRecipeHelmet is the README's recipe for fiber v3's helmet, whose
// ContentSecurityPolicy is one string for every response and so cannot
// carry a nonce: helmet sends its other headers, with a
// Cross-Origin-Embedder-Policy that lets the widget script load, a nonce
// middleware after it the per-response policy, and Config.Nonce gives the
// snippet the same nonce.
func TestCSPRecipeHelmet(t *testing.T) {
	rec := &recorder{}
	m := newMessenger(t, rec)

	app := fiber.New()
	// The recipe, as in the README.
	csp := conformance.StrictPolicy(m)
	app.Use(helmet.New(helmet.Config{
		// Not helmet's require-corp: widget.intercom.io sends no
		// Cross-Origin-Resource-Policy, so the browser would block it.
		CrossOriginEmbedderPolicy: "unsafe-none",
		// No ContentSecurityPolicy here: the nonce middleware sets it.
	}))
	app.Use(func(c fiber.Ctx) error {
		nonce := intercom.NewNonce()
		c.Locals("csp-nonce", nonce)
		c.Set(fiber.HeaderContentSecurityPolicy, csp(nonce))
		return c.Next()
	})
	app.Use(intercomfiber.New(m, intercomfiber.Config{Nonce: func(c fiber.Ctx) string {
		nonce, _ := c.Locals("csp-nonce").(string)
		return nonce
	}}))
	app.Use(intercomfiber.Inject())
	// The routes: a page that renders the snippet, and a page without it
	// that whole-page install gives the snippet.
	app.Get("/page", func(c fiber.Ctx) error {
		c.Type("html")
		return c.SendString("<html><body><h1>Hi</h1>" + string(intercomfiber.Snippet(c)) + "</body></html>")
	})
	app.Get("/static", func(c fiber.Ctx) error {
		c.Type("html")
		return c.SendString("<html><body><h1>Hi</h1></body></html>")
	})

	seen := map[string]bool{}
	for _, path := range []string{"/page", "/page", "/static"} {
		resp, err := app.Test(httptest.NewRequest(fiber.MethodGet, path, nil), noTimeout)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, fiber.StatusOK, resp.StatusCode, "%s: %s", path, body)

		policies := resp.Header.Values(fiber.HeaderContentSecurityPolicy)
		require.Len(t, policies, 1, "%s: one policy", path)
		nonce := conformance.CheckStrictPolicy(t, m, policies[0], string(body))
		assert.False(t, seen[nonce], "%s: a nonce used twice", path)
		seen[nonce] = true
		assert.Equal(t, "unsafe-none", resp.Header.Get("Cross-Origin-Embedder-Policy"))
		// helmet's other defaults stay.
		assert.Equal(t, "SAMEORIGIN", resp.Header.Get(fiber.HeaderXFrameOptions))
		assert.Equal(t, "nosniff", resp.Header.Get(fiber.HeaderXContentTypeOptions))
		assert.Equal(t, "same-origin", resp.Header.Get("Cross-Origin-Opener-Policy"))
	}
	assert.Empty(t, rec.got())
}

// TestHelmetCrossOriginEmbedderPolicy: helmet sends
// Cross-Origin-Embedder-Policy: require-corp unless told otherwise, and an
// empty CrossOriginEmbedderPolicy means its default, not none. Under
// require-corp the browser blocks the widget script, which
// widget.intercom.io serves without Cross-Origin-Resource-Policy; the
// README's recipe sets unsafe-none (credentialless also loads it, without
// cookies).
func TestHelmetCrossOriginEmbedderPolicy(t *testing.T) {
	tests := []struct {
		name string
		cfg  []helmet.Config
		want string
	}{
		{"default", nil, "require-corp"},
		{"empty means the default", []helmet.Config{{CrossOriginEmbedderPolicy: ""}}, "require-corp"},
		{"unsafe-none", []helmet.Config{{CrossOriginEmbedderPolicy: "unsafe-none"}}, "unsafe-none"},
		{"credentialless", []helmet.Config{{CrossOriginEmbedderPolicy: "credentialless"}}, "credentialless"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := fiber.New()
			app.Use(helmet.New(tt.cfg...))
			app.Get("/", func(c fiber.Ctx) error { return c.SendStatus(fiber.StatusNoContent) })
			resp, err := app.Test(httptest.NewRequest(fiber.MethodGet, "/", nil), noTimeout)
			require.NoError(t, err)
			_ = resp.Body.Close()
			assert.Equal(t, []string{tt.want}, resp.Header.Values("Cross-Origin-Embedder-Policy"))
			assert.Empty(t, resp.Header.Values(fiber.HeaderContentSecurityPolicy), "helmet's default sets no policy")
		})
	}
}
