package intercomecho_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"

	intercomecho "github.com/goanalytical/intercom/adapters/echo"
	intercom "github.com/goanalytical/intercom/core"
)

func TestSettingsHandler(t *testing.T) {
	captureWarnings(t, io.Discard) // a case without the middleware warns
	plan := intercomecho.WithAttributes(func(echo.Context) intercom.Attributes { return intercom.Attributes{"plan": "pro"} })
	tests := []struct {
		name   string
		config func(*intercom.Config)
		auth   bool
		opts   []intercomecho.Option
		noMW   bool
		from   string // client address; 203.0.113.9 when empty
		want   string // the JSON; the page's settings when empty
	}{
		{name: "anonymous", want: `{"api_base":"https://api-iam.intercom.io","app_id":"abc12345"}`},
		{name: "signed in, with attributes", auth: true, opts: []intercomecho.Option{plan}},
		{name: "user from WithUser", opts: []intercomecho.Option{intercomecho.WithUser(func(echo.Context) (intercom.User, bool) {
			return intercom.User{ID: "7", Email: "ann@example.com"}, true
		})}},
		{name: "EU region", config: func(c *intercom.Config) { c.Region = intercom.RegionEU }, auth: true},
		{name: "internal IP", from: "10.1.2.3:1234", auth: true, want: "null"},
		{name: "disabled", config: func(c *intercom.Config) { c.AppID = "" }, auth: true, want: "null"},
		{name: "skipped", auth: true,
			opts: []intercomecho.Option{intercomecho.WithSkipper(func(echo.Context) bool { return true })}, want: "null"},
		{name: "without Middleware", auth: true, noMW: true, want: "null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, log := newMessenger(t, tt.config)
			e := app()
			if tt.auth {
				e.Use(signIn("jane"))
			}
			if !tt.noMW {
				e.Use(intercomecho.Middleware(m, tt.opts...))
			}
			e.GET("/page", render)
			e.GET("/settings", intercomecho.SettingsHandler())
			get := func(path string) *httptest.ResponseRecorder {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				if tt.from != "" {
					req.RemoteAddr = tt.from
				}
				return serve(e, req)
			}

			rec := get("/settings")
			assert.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, http.Header{
				"Content-Type":  {"application/json; charset=utf-8"},
				"Cache-Control": {"no-store"},
			}, rec.Header())
			want := tt.want
			if want == "" {
				want = settings(get("/page").Body.String())
				assert.Contains(t, want, `"app_id":"abc12345"`)
			}
			assert.Equal(t, want, rec.Body.String())
			assert.Empty(t, log.all())
		})
	}
}
