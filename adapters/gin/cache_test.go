package intercomgin_test

import (
	"bytes"
	"html/template"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"

	intercomgin "github.com/goanalytical/intercom/adapters/gin"
)

// TestCachePrivate: every helper that renders an identified visitor's
// snippet makes the response Cache-Control: private before its first byte
// (the recorder's Result has the headers as they went out), unless the app
// set a policy; an anonymous page is left alone, and so is a response whose
// headers went out before the snippet rendered.
func TestCachePrivate(t *testing.T) {
	page := func(c *gin.Context) {
		c.Writer.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = c.Writer.WriteString("<body>")
		_ = intercomgin.Component().Render(c.Request.Context(), c.Writer)
		_, _ = c.Writer.WriteString("</body>")
	}
	helpers := []struct {
		name   string
		page   gin.HandlerFunc
		opened bool // the headers are still open when the snippet renders
	}{
		{"Data with c.HTML", func(c *gin.Context) { c.HTML(http.StatusOK, "page", intercomgin.Data(c, gin.H{"title": "Home"})) }, true},
		{"Snippet", func(c *gin.Context) {
			c.Data(http.StatusOK, "text/html; charset=utf-8", []byte("<body>"+string(intercomgin.Snippet(c))+"</body>"))
		}, true},
		{"Component, into a buffer first (as templ does)", func(c *gin.Context) {
			var b bytes.Buffer
			_ = intercomgin.Component().Render(c.Request.Context(), &b)
			c.Data(http.StatusOK, "text/html; charset=utf-8", b.Bytes())
		}, true},
		{"Component, after the page's first write", page, false},
	}
	visitors := []struct {
		name     string
		auth     bool   // gin.BasicAuth signs jane in
		identify bool   // the handler calls Identify
		policy   string // the app's Cache-Control
		want     string // when the headers are open
	}{
		{name: "anonymous"},
		{name: "gin.BasicAuth's user", auth: true, want: "private"},
		{name: "Identify", identify: true, want: "private"},
		{name: "Identify, the app's no-store", identify: true, policy: "no-store", want: "no-store"},
		{name: "Identify, the app's public", identify: true, policy: "public, max-age=60", want: "public, max-age=60"},
	}
	for _, hp := range helpers {
		for _, v := range visitors {
			t.Run(hp.name+"/"+v.name, func(t *testing.T) {
				m, log := newMessenger(t, nil)
				r := gin.New()
				r.SetHTMLTemplate(template.Must(template.New("page").Parse(`<body>{{ .title }}{{ .Intercom }}</body>`)))
				if v.auth {
					r.Use(basicAuth())
				}
				r.Use(intercomgin.Middleware(m))
				r.GET("/", func(c *gin.Context) {
					if v.policy != "" {
						c.Header("Cache-Control", v.policy)
					}
					if v.identify {
						intercomgin.Identify(c, jane{}.IntercomUser())
					}
					hp.page(c)
				})
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				if v.auth {
					req.SetBasicAuth("jane", "pa55word")
				}
				rec := httptest.NewRecorder()
				r.ServeHTTP(rec, req)
				want := v.want
				if !hp.opened && v.policy == "" {
					want = ""
				}
				assert.Equal(t, want, rec.Result().Header.Get("Cache-Control"))
				assert.Contains(t, rec.Body.String(), `<script id="IntercomSettingsScriptTag"`)
				assert.Empty(t, log.got())
			})
		}
	}
}
