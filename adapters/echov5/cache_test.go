package intercomecho_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"
	"github.com/stretchr/testify/assert"

	intercomecho "github.com/goanalytical/intercom/adapters/echov5"
	intercom "github.com/goanalytical/intercom/core"
)

// TestCachePrivate: every helper that renders an identified visitor's
// snippet makes the response Cache-Control: private before its first byte
// (the recorder's Result has the headers as they went out), unless the app
// set a policy; an anonymous page is left alone, and so is a response whose
// headers went out before the snippet rendered.
func TestCachePrivate(t *testing.T) {
	helpers := []struct {
		name   string
		page   echo.HandlerFunc
		opened bool // the headers are still open when the snippet renders
	}{
		{"Renderer", func(c *echo.Context) error { return c.Render(http.StatusOK, "page", map[string]any{"Title": "Home"}) }, true},
		{"Data", func(c *echo.Context) error {
			return c.Render(http.StatusOK, "page", intercomecho.Data(c, map[string]any{}))
		}, true},
		{"Snippet", func(c *echo.Context) error {
			return c.HTML(http.StatusOK, "<body>"+string(intercomecho.Snippet(c))+"</body>")
		}, true},
		{"Component, into a buffer first (as templ does)", func(c *echo.Context) error {
			var b bytes.Buffer
			_ = intercomecho.Component().Render(c.Request().Context(), &b)
			return c.HTMLBlob(http.StatusOK, b.Bytes())
		}, true},
		{"Component, after the page's first write", func(c *echo.Context) error {
			c.Response().Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = c.Response().Write([]byte("<body>"))
			return intercomecho.Component().Render(c.Request().Context(), c.Response())
		}, false},
	}
	visitors := []struct {
		name     string
		auth     bool   // middleware.BasicAuth signs jane in
		identify bool   // the handler calls Identify
		policy   string // the app's Cache-Control
		want     string // when the headers are open
	}{
		{name: "anonymous"},
		{name: "middleware.BasicAuth's user", auth: true, want: "private"},
		{name: "Identify", identify: true, want: "private"},
		{name: "Identify, the app's no-store", identify: true, policy: "no-store", want: "no-store"},
		{name: "Identify, the app's public", identify: true, policy: "public, max-age=60", want: "public, max-age=60"},
	}
	for _, hp := range helpers {
		for _, v := range visitors {
			t.Run(hp.name+"/"+v.name, func(t *testing.T) {
				m, log := newMessenger(t, nil)
				e := app()
				if v.auth {
					e.Use(middleware.BasicAuth(func(c *echo.Context, name, password string) (bool, error) {
						c.Set(userKey, name)
						return name == "jane" && password == "secret", nil
					}))
				}
				e.Use(intercomecho.Middleware(m))
				e.GET("/", func(c *echo.Context) error {
					if v.policy != "" {
						c.Response().Header().Set("Cache-Control", v.policy)
					}
					if v.identify {
						intercomecho.Identify(c, intercom.User{ID: "42", Email: "jane@example.com"})
					}
					return hp.page(c)
				})
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				if v.auth {
					req.SetBasicAuth("jane", "secret")
				}
				rec := serve(e, req)
				want := v.want
				if !hp.opened && v.policy == "" {
					want = ""
				}
				assert.Equal(t, want, rec.Result().Header.Get("Cache-Control"))
				assert.Contains(t, rec.Body.String(), `<script id="IntercomSettingsScriptTag"`)
				assert.Empty(t, log.all())
			})
		}
	}
}
