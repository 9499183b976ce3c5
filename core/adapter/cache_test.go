package adapter_test

import (
	"bytes"
	"context"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

// exch is a net/http exchange as the net/http-based adapters glue it: the
// response's header map until the headers went out.
type exch struct {
	r    *http.Request
	h    http.Header
	sent bool
}

func exchangeHooks() adapter.Hooks[*exch] {
	return adapter.Hooks[*exch]{
		AuthUser: func(x *exch) any { return x.r.Context().Value(authKey{}) },
	}.WithRequestCookies(
		func(x *exch) *http.Request { return x.r },
		func(x *exch) http.Header {
			if x.sent {
				return nil
			}
			return x.h
		},
	)
}

type authKey struct{}

// TestCachePrivate: every way a helper renders the snippet marks the
// response Cache-Control: private when the snippet identifies the visitor,
// before the page is written, and only then; a policy the app set stands,
// and so do headers that went out already.
func TestCachePrivate(t *testing.T) {
	jane := intercom.User{ID: "42", Email: "jane@example.com"}
	page := template.Must(template.New("page").Parse(`<p>{{ .Intercom }}</p>`))
	blank := template.Must(template.New("page").Parse(`<p>no snippet</p>`))
	helpers := []struct {
		name     string
		renders  bool // the helper renders a snippet at all
		template *template.Template
		use      func(t *testing.T, r *adapter.Request[*exch])
	}{
		{"Snippet", true, nil, func(_ *testing.T, r *adapter.Request[*exch]) { _ = r.Snippet() }},
		{"AppendSnippet", true, nil, func(_ *testing.T, r *adapter.Request[*exch]) { _ = r.AppendSnippet(nil) }},
		{"Data", true, nil, func(_ *testing.T, r *adapter.Request[*exch]) { _ = adapter.Data(r, map[string]any{}) }},
		{"RenderTemplate", true, page, nil},
		{"RenderTemplate, no tag in the page", false, blank, nil},
		{"Component", true, nil, func(t *testing.T, r *adapter.Request[*exch]) {
			c := adapter.NewComponent[*exch](nil, nil)
			if err := c.Render(adapter.NewContext(context.Background(), r), io.Discard); err != nil {
				t.Fatal(err)
			}
		}},
	}
	visitors := []struct {
		name    string
		cfg     intercom.Config
		setup   func(r *adapter.Request[*exch])
		auth    any
		opts    []adapter.Option[*exch]
		private bool
	}{
		{name: "anonymous", cfg: intercom.Config{AppID: "abc12345"}},
		{name: "anonymous with custom data", cfg: intercom.Config{AppID: "abc12345"},
			setup: func(r *adapter.Request[*exch]) { r.Set("plan", "pro") }},
		{name: "Identify", cfg: intercom.Config{AppID: "abc12345", HMACSecret: "s3cr3t"},
			setup: func(r *adapter.Request[*exch]) { r.Identify(jane) }, private: true},
		{name: "Identify, JWT", cfg: intercom.Config{AppID: "abc12345", HMACSecret: "s3cr3t", JWT: intercom.JWT{Enabled: true}},
			setup: func(r *adapter.Request[*exch]) { r.Identify(jane) }, private: true},
		{name: "email only, no secret", cfg: intercom.Config{AppID: "abc12345"},
			setup: func(r *adapter.Request[*exch]) { r.Identify(intercom.User{Email: "jane@example.com"}) }, private: true},
		{name: "the auth middleware's user", cfg: intercom.Config{AppID: "abc12345"}, auth: "jane", private: true},
		{name: "WithUser", cfg: intercom.Config{AppID: "abc12345"}, private: true,
			opts: []adapter.Option[*exch]{adapter.WithUser(func(*exch) (intercom.User, bool) { return jane, true })}},
		{name: "user_id as custom data", cfg: intercom.Config{AppID: "abc12345"},
			setup: func(r *adapter.Request[*exch]) { r.Set("user_id", "42") }, private: true},
		{name: "email as custom data", cfg: intercom.Config{AppID: "abc12345"},
			setup: func(r *adapter.Request[*exch]) { r.Set("email", "jane@example.com") }, private: true},
		{name: "internal client IP (the snippet is commented out, identity and all)",
			cfg:   intercom.Config{AppID: "abc12345", InternalIPs: []string{"192.0.2.1"}},
			setup: func(r *adapter.Request[*exch]) { r.Identify(jane) }, private: true,
			opts: []adapter.Option[*exch]{adapter.WithClientIP(func(*exch) string { return "192.0.2.1" })}},
		{name: "skipped", cfg: intercom.Config{AppID: "abc12345"}, auth: "jane",
			opts: []adapter.Option[*exch]{adapter.WithSkipper(func(*exch) bool { return true })}},
		{name: "disabled Messenger", cfg: intercom.Config{}, auth: "jane"},
	}
	for _, hp := range helpers {
		for _, vt := range visitors {
			t.Run(hp.name+"/"+vt.name, func(t *testing.T) {
				for _, policy := range []string{"", "no-store", "public, max-age=60"} {
					m, rec := newMessenger(t, vt.cfg)
					req := httptest.NewRequest(http.MethodGet, "/", nil)
					if vt.auth != nil {
						req = req.WithContext(context.WithValue(req.Context(), authKey{}, vt.auth))
					}
					x := &exch{r: req, h: http.Header{}}
					if policy != "" {
						x.h.Set("Cache-Control", policy)
					}
					r := adapter.NewMiddleware("intercomtest.Middleware", m, exchangeHooks(), vt.opts...).Start(x)
					if vt.setup != nil {
						vt.setup(r)
					}
					if hp.template != nil {
						// The header is set before the page's first byte.
						w := &headerCheck{h: x.h, want: vt.private && hp.renders && policy == "", t: t}
						if err := adapter.RenderTemplate(r, w, map[string]any{}, func(w io.Writer, d map[string]any) error {
							return hp.template.Execute(w, d)
						}); err != nil {
							t.Fatal(err)
						}
					} else {
						hp.use(t, r)
					}
					want := policy
					if want == "" && vt.private && hp.renders {
						want = "private"
					}
					if got := x.h.Values("Cache-Control"); strings.Join(got, "\n") != want {
						t.Errorf("policy %q: Cache-Control %q, want %q", policy, got, want)
					}
					if errs := rec.errors(); len(errs) > 0 {
						t.Errorf("reported %v", errs)
					}
				}
			})
		}
	}
}

// headerCheck is a response body writer that checks, at the first write,
// whether the header is Cache-Control: private already.
type headerCheck struct {
	bytes.Buffer
	h       http.Header
	want    bool
	checked bool
	t       *testing.T
}

func (w *headerCheck) Write(p []byte) (int, error) {
	if !w.checked {
		w.checked = true
		if got := w.h.Get("Cache-Control") == "private"; got != w.want {
			w.t.Errorf("at the page's first byte, Cache-Control: private is %v, want %v", got, w.want)
		}
	}
	return w.Buffer.Write(p)
}

// TestCachePrivateOnce: the hook runs once per request however many times
// the snippet renders; after the headers went out nothing is set; a
// panicking hook is reported and the snippet still renders.
func TestCachePrivateOnce(t *testing.T) {
	m, rec := newMessenger(t, intercom.Config{AppID: "abc12345"})
	jane := intercom.User{ID: "42"}
	calls := 0
	hooks := adapter.Hooks[*ctx]{DefaultHeader: func(c *ctx, k, v string) { calls++; c.set = append(c.set, k+": "+v) }}
	c := &ctx{}
	r := start(m, hooks, c)
	r.Identify(jane)
	_, _ = r.Snippet(), r.AppendSnippet(nil)
	_ = adapter.Data(r, map[string]any{})
	if calls != 1 || !reflect.DeepEqual(c.set, []string{"Cache-Control: private"}) {
		t.Errorf("DefaultHeader ran %d times, set %q; want once, Cache-Control: private", calls, c.set)
	}

	x := &exch{r: httptest.NewRequest(http.MethodGet, "/", nil), h: http.Header{}, sent: true}
	sent := adapter.NewMiddleware("intercomtest.Middleware", m, exchangeHooks()).Start(x)
	sent.Identify(jane)
	if sent.Snippet() == "" || len(x.h) != 0 {
		t.Errorf("after the headers went out: header %v", x.h)
	}

	boom := start(m, adapter.Hooks[*ctx]{DefaultHeader: func(*ctx, string, string) { panic("boom") }}, &ctx{})
	boom.Identify(jane)
	if boom.Snippet() == "" {
		t.Error("a panicking DefaultHeader hook took the snippet down")
	}
	wantReports(t, rec.messages(), []string{(&adapter.HookError{Hook: "DefaultHeader"}).Error()})
}

// fastHeader stands in for fasthttp's *ResponseHeader, whose Peek and Set
// SetDefaultHeader uses (the fiber adapters' tests use the real one).
type fastHeader map[string]string

func (h fastHeader) Peek(k string) []byte { return []byte(h[k]) }
func (h fastHeader) Set(k, v string)      { h[k] = v }

func TestSetDefaultHeader(t *testing.T) {
	for _, tt := range []struct {
		have fastHeader
		want string
	}{
		{fastHeader{}, "private"},
		{fastHeader{"Cache-Control": "no-store"}, "no-store"},
		{fastHeader{"Cache-Control": "public, max-age=60"}, "public, max-age=60"},
	} {
		adapter.SetDefaultHeader(tt.have, "Cache-Control", "private")
		if got := tt.have["Cache-Control"]; got != tt.want {
			t.Errorf("Cache-Control %q, want %q", got, tt.want)
		}
	}
}
