package intercomhttp_test

import (
	"context"
	"html/template"
	"io"
	"net/http"
	"testing"

	"github.com/a-h/templ"
	"github.com/stretchr/testify/assert"

	intercomhttp "github.com/goanalytical/intercom/adapters/nethttp"
	intercom "github.com/goanalytical/intercom/core"
)

var cachePage = template.Must(template.New("page").Parse(`<body>{{ .Intercom }}</body>`))

// TestCachePrivate: every helper that renders an identified visitor's
// snippet makes the response Cache-Control: private before its first byte
// (the recorder's Result has the headers as they went out), unless the app
// set a policy; an anonymous page is left alone, and so is a response whose
// headers went out before the snippet rendered.
func TestCachePrivate(t *testing.T) {
	templPage := templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, _ = io.WriteString(w, "<body>")
		if err := intercomhttp.Component().Render(ctx, w); err != nil {
			return err
		}
		_, err := io.WriteString(w, "</body>")
		return err
	})
	helpers := []struct {
		name   string
		page   http.Handler
		opened bool // the headers are still open when the snippet renders
	}{
		{"Snippet", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s := intercomhttp.Snippet(r)
			_, _ = io.WriteString(w, "<body>"+string(s)+"</body>")
		}), true},
		{"Data", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = cachePage.Execute(w, intercomhttp.Data(r, nil))
		}), true},
		{"Component, with templ.Handler", templ.Handler(templPage), true},
		{"Component, after the page's first write", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = templPage.Render(r.Context(), w)
		}), false},
	}
	jane := intercom.User{ID: "42", Email: "jane@example.com"}
	visitors := []struct {
		name     string
		opts     []intercomhttp.Option
		identify bool   // the handler calls Identify
		policy   string // the app's Cache-Control
		want     string // when the headers are open
	}{
		{name: "anonymous"},
		{name: "WithUser", opts: []intercomhttp.Option{intercomhttp.WithUser(func(*http.Request) (intercom.User, bool) { return jane, true })},
			want: "private"},
		{name: "Identify", identify: true, want: "private"},
		{name: "Identify, the app's no-store", identify: true, policy: "no-store", want: "no-store"},
		{name: "Identify, the app's public", identify: true, policy: "public, max-age=60", want: "public, max-age=60"},
		{name: "anonymous, the app's public", policy: "public, max-age=60", want: "public, max-age=60"},
	}
	for _, hp := range helpers {
		for _, v := range visitors {
			t.Run(hp.name+"/"+v.name, func(t *testing.T) {
				m, log := newMessenger(t, func(c *intercom.Config) { c.HMACSecret = "s3cr3t" })
				page := hp.page
				h := intercomhttp.Middleware(m, v.opts...)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if v.policy != "" {
						w.Header().Set("Cache-Control", v.policy)
					}
					if v.identify {
						intercomhttp.Identify(r, jane)
					}
					page.ServeHTTP(w, r)
				}))
				rec := get(t, h)
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
