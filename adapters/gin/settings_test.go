package intercomgin_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"

	intercomgin "github.com/goanalytical/intercom/adapters/gin"
	intercom "github.com/goanalytical/intercom/core"
)

func TestSettingsHandler(t *testing.T) {
	janeHash := hmacHex(secret, "jane")
	tests := []struct {
		name     string
		cfg      func(*intercom.Config)
		opts     []intercomgin.Option
		noMW     bool
		inject   bool // Inject on the route too
		user     string
		body     string
		samePage bool   // the body is the page's window.intercomSettings
		warning  string // written to gin.DefaultErrorWriter
	}{
		{
			name:     "anonymous",
			body:     `{"api_base":"https://api-iam.intercom.io","app_id":"abc12345"}`,
			samePage: true,
		},
		{
			name:     "signed in through gin.AuthUserKey",
			user:     "jane",
			body:     `{"api_base":"https://api-iam.intercom.io","app_id":"abc12345","name":"jane","plan":"pro","user_hash":"` + janeHash + `","user_id":"jane"}`,
			opts:     []intercomgin.Option{intercomgin.WithAttributes(func(*gin.Context) intercom.Attributes { return intercom.Attributes{"plan": "pro"} })},
			samePage: true,
		},
		{
			name:     "behind Inject",
			user:     "jane",
			inject:   true,
			body:     `{"api_base":"https://api-iam.intercom.io","app_id":"abc12345","name":"jane","user_hash":"` + janeHash + `","user_id":"jane"}`,
			samePage: true,
		},
		{name: "internal IP", cfg: internalIPs, opts: []intercomgin.Option{intercomgin.WithClientIP(func(*gin.Context) string { return "10.1.2.3" })}, body: "null"},
		{name: "disabled Messenger", cfg: func(c *intercom.Config) { c.AppID = "" }, body: "null"},
		{name: "skipped request", opts: []intercomgin.Option{intercomgin.WithSkipper(func(*gin.Context) bool { return true })}, body: "null"},
		{name: "without Middleware", noMW: true, body: "null", warning: noMiddlewareWarning},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var warnings strings.Builder
			redirectWarnings(t, &warnings)
			intercomgin.ResetNoMiddlewareWarning()

			m, log := newMessenger(t, tt.cfg)
			engine := gin.New()
			engine.SetHTMLTemplate(testPage)
			if tt.user != "" {
				engine.Use(storeAuthUser(tt.user)) // as gin.BasicAuth does
			}
			if !tt.noMW {
				engine.Use(intercomgin.Middleware(m, tt.opts...))
			}
			if tt.inject {
				engine.Use(intercomgin.Inject())
			}
			engine.GET("/settings", intercomgin.SettingsHandler())
			engine.GET("/page", func(c *gin.Context) { c.HTML(http.StatusOK, "page", intercomgin.Data(c, nil)) })

			get := func(path string) *httptest.ResponseRecorder {
				rec := httptest.NewRecorder()
				engine.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
				return rec
			}

			rec := get("/settings")
			assert.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, tt.body, rec.Body.String())
			assert.Equal(t, http.Header{
				"Content-Type":  {"application/json; charset=utf-8"},
				"Cache-Control": {"no-store"},
			}, rec.Header())
			if tt.samePage {
				assert.Equal(t, settingsOf(get("/page").Body.String()), rec.Body.String(),
					"the settings JSON is the page's window.intercomSettings")
			}
			assert.Equal(t, tt.warning, warnings.String())
			assert.Empty(t, log.got())
		})
	}
}
