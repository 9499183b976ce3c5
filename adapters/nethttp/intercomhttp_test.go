package intercomhttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/a-h/templ"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	intercomhttp "github.com/goanalytical/intercom/adapters/nethttp"
	"github.com/goanalytical/intercom/conformance"
	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

const appID = "abc12345"

// errorLog is a Config.ErrorHandler that keeps what it is given.
type errorLog struct {
	mu   sync.Mutex
	errs []string
}

func (l *errorLog) handle(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err.Error())
}

func (l *errorLog) got() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.errs
}

func newMessenger(t testing.TB, edit func(*intercom.Config)) (*intercom.Messenger, *errorLog) {
	t.Helper()
	cfg := intercom.Config{AppID: appID}
	if edit != nil {
		edit(&cfg)
	}
	log := &errorLog{}
	cfg.ErrorHandler = log.handle
	m, err := intercom.New(cfg)
	require.NoError(t, err)
	return m, log
}

// get serves one GET request to h and returns the response.
func get(t testing.TB, h http.Handler, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// settingsOf parses the settings of the one snippet in page; nil if there is
// none.
func settingsOf(t testing.TB, page string) map[string]any {
	t.Helper()
	s, err := conformance.FindSnippet([]byte(page))
	if errors.Is(err, conformance.ErrNoSnippet) {
		return nil
	}
	require.NoError(t, err)
	return s.Settings
}

// captureWarnings makes log/slog's default logger write to the returned
// buffer until the test ends, and resets the once-per-process warning.
func captureWarnings(t *testing.T) *bytes.Buffer {
	var buf bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	})))
	intercomhttp.ResetNoMiddlewareWarning()
	t.Cleanup(func() { slog.SetDefault(prev); intercomhttp.ResetNoMiddlewareWarning() })
	return &buf
}

const wantWarning = `level=WARN msg="intercom: the adapter's middleware is not installed on this route (or the helper got a nil context), so Intercom does nothing here" adapter=intercomhttp` + "\n"

func TestHelpers(t *testing.T) {
	jane := intercom.User{ID: "7", Email: "jane@example.com", Name: "Jane"}
	tests := []struct {
		name    string
		opts    []intercomhttp.Option
		handler func(w http.ResponseWriter, r *http.Request)
		want    map[string]any // the page's settings; nil: no snippet
	}{
		{
			name: "anonymous",
			handler: func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, string(intercomhttp.Snippet(r)))
			},
			want: map[string]any{"app_id": appID, "api_base": "https://api-iam.intercom.io"},
		},
		{
			name: "identify and set",
			handler: func(w http.ResponseWriter, r *http.Request) {
				intercomhttp.Identify(r, jane)
				intercomhttp.Set(r, "plan", "pro")
				_, _ = io.WriteString(w, string(intercomhttp.Snippet(r)))
			},
			want: map[string]any{"app_id": appID, "api_base": "https://api-iam.intercom.io",
				"user_id": "7", "email": "jane@example.com", "name": "Jane", "plan": "pro"},
		},
		{
			name: "with user, attributes and data keys",
			opts: []intercomhttp.Option{
				intercomhttp.WithUser(func(*http.Request) (intercom.User, bool) { return jane, true }),
				intercomhttp.WithAttributes(func(*http.Request) intercom.Attributes {
					return intercom.Attributes{"plan": "free", "team": "a"}
				}),
			},
			handler: func(w http.ResponseWriter, r *http.Request) {
				data := intercomhttp.Data(r, map[string]any{"intercom_plan": "pro", "Title": "x"})
				_, _ = io.WriteString(w, string(data["Intercom"].(template.HTML)))
			},
			want: map[string]any{"app_id": appID, "api_base": "https://api-iam.intercom.io",
				"user_id": "7", "email": "jane@example.com", "name": "Jane", "plan": "pro", "team": "a"},
		},
		{
			name: "skipped",
			opts: []intercomhttp.Option{intercomhttp.WithSkipper(func(*http.Request) bool { return true })},
			handler: func(w http.ResponseWriter, r *http.Request) {
				intercomhttp.Identify(r, jane)
				_, _ = io.WriteString(w, string(intercomhttp.Snippet(r)))
			},
			want: nil,
		},
		{
			name: "panicking skipper does not skip",
			opts: []intercomhttp.Option{intercomhttp.WithSkipper(func(*http.Request) bool { panic("boom") })},
			handler: func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, string(intercomhttp.Snippet(r)))
			},
			want: map[string]any{"app_id": appID, "api_base": "https://api-iam.intercom.io"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newMessenger(t, nil)
			h := intercomhttp.Middleware(m, tt.opts...)(http.HandlerFunc(tt.handler))
			rec := get(t, h)
			assert.Equal(t, tt.want, settingsOf(t, rec.Body.String()))
		})
	}
}

// An auth middleware installed after Intercom's puts the user in a context
// Middleware never saw; WithUser still finds it, through the request the
// handler passes to the helper.
func TestLatestRequest(t *testing.T) {
	type key struct{}
	m, _ := newMessenger(t, nil)
	withUser := intercomhttp.WithUser(func(r *http.Request) (intercom.User, bool) {
		id, ok := r.Context().Value(key{}).(string)
		return intercom.User{ID: id}, ok
	})
	auth := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), key{}, "42")))
		})
	}
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, string(intercomhttp.Snippet(r)))
	})
	rec := get(t, intercomhttp.Middleware(m, withUser)(auth(page)))
	assert.Equal(t, "42", settingsOf(t, rec.Body.String())["user_id"])
}

func TestAuthUser(t *testing.T) {
	type key struct{}
	tests := []struct {
		name     string
		stored   any
		disabled bool
		wantID   any
		wantErrs []string
	}{
		{name: "user name", stored: "jane", wantID: "jane"},
		{name: "intercom.User", stored: intercom.User{ID: "9"}, wantID: "9"},
		{name: "nothing", stored: nil, wantID: nil},
		{name: "wrong type", stored: 42, wantID: nil,
			wantErrs: []string{"intercom: cannot identify user from int: not a string, an intercom.Identifier or a golang-jwt token; use intercomhttp.WithUser to identify the visitor from it"}},
		{name: "auto-identify off", stored: "jane", disabled: true, wantID: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, log := newMessenger(t, func(c *intercom.Config) { c.DisableAutoIdentify = tt.disabled })
			h := intercomhttp.Middleware(m, intercomhttp.WithAuthUser(func(r *http.Request) any { return r.Context().Value(key{}) }))(
				http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					_, _ = io.WriteString(w, string(intercomhttp.Snippet(r)))
				}))
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req = req.WithContext(context.WithValue(req.Context(), key{}, tt.stored))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			assert.Equal(t, tt.wantID, settingsOf(t, rec.Body.String())["user_id"])
			assert.Equal(t, tt.wantErrs, log.got())
		})
	}
}

// withMiddleware wraps h in Middleware(m).
func withMiddleware(m *intercom.Messenger, h http.Handler) http.Handler {
	return intercomhttp.Middleware(m)(h)
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name        string
		handler     func(w http.ResponseWriter, r *http.Request)
		wrap        func(m *intercom.Messenger, h http.Handler) http.Handler
		wantBody    string // "" checks the snippet count instead
		snippets    int
		wantWarning string
	}{
		{
			name: "helpers without the middleware",
			handler: func(w http.ResponseWriter, r *http.Request) {
				intercomhttp.Identify(r, intercom.User{ID: "1"})
				intercomhttp.Set(r, "a", 1)
				intercomhttp.Shutdown(w, r)
				d := intercomhttp.Data(r, map[string]any{"Title": "t"})
				_, _ = io.WriteString(w, "page:"+string(intercomhttp.Snippet(r))+string(d["Intercom"].(template.HTML)))
			},
			wrap:        func(_ *intercom.Messenger, h http.Handler) http.Handler { return h },
			wantBody:    "page:",
			wantWarning: wantWarning,
		},
		{
			name: "nil request",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				intercomhttp.Identify(nil, intercom.User{ID: "1"})
				intercomhttp.Set(nil, "a", 1)
				intercomhttp.Shutdown(w, nil)
				intercomhttp.Shutdown(nil, nil)
				_, _ = io.WriteString(w, "page:"+string(intercomhttp.Snippet(nil)))
			},
			wrap:        withMiddleware,
			wantBody:    "page:",
			wantWarning: wantWarning,
		},
		{
			name: "middleware installed twice",
			handler: func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, string(intercomhttp.Snippet(r))+string(intercomhttp.Snippet(r)))
			},
			wrap: func(m *intercom.Messenger, h http.Handler) http.Handler {
				return intercomhttp.Middleware(m)(intercomhttp.Middleware(m)(h))
			},
			snippets: 2,
		},
		{
			name: "templ component without request state",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				_, _ = io.WriteString(w, "page:")
				assert.NoError(t, intercomhttp.Component().Render(context.Background(), w))
			},
			wrap:        withMiddleware,
			wantBody:    "page:",
			wantWarning: wantWarning,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			warnings := captureWarnings(t)
			m, log := newMessenger(t, nil)
			h := tt.wrap(m, http.HandlerFunc(tt.handler))
			for range 2 { // the warning is logged once
				rec := get(t, h)
				if tt.wantBody != "" {
					assert.Equal(t, tt.wantBody, rec.Body.String())
				} else {
					assert.Equal(t, tt.snippets, strings.Count(rec.Body.String(), adapter.SnippetMarker))
				}
			}
			assert.Equal(t, tt.wantWarning, warnings.String())
			assert.Empty(t, log.got())
		})
	}
}

func TestPanickingHook(t *testing.T) {
	m, log := newMessenger(t, nil)
	h := intercomhttp.Middleware(m,
		intercomhttp.WithUser(func(*http.Request) (intercom.User, bool) { panic("db down") }),
		intercomhttp.WithNonce(func(*http.Request) string { panic("no nonce") }),
	)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, string(intercomhttp.Snippet(r)))
	}))
	rec := get(t, h)
	assert.Equal(t, map[string]any{"app_id": appID, "api_base": "https://api-iam.intercom.io"}, settingsOf(t, rec.Body.String()))
	assert.Equal(t, []string{
		"intercom: Nonce hook panicked; treated as unset",
		"intercom: User hook panicked; treated as unset",
	}, log.got())
}

func TestWithTrustedProxies(t *testing.T) {
	m, _ := newMessenger(t, func(c *intercom.Config) { c.InternalIPs = []string{"203.0.113.9"} })
	tests := []struct {
		name     string
		proxies  []string
		peer     string
		xff      string
		internal bool
	}{
		{name: "no proxy trusted: header ignored", peer: "198.51.100.1:1234", xff: "203.0.113.9"},
		{name: "trusted proxy", proxies: []string{"198.51.100.0/24"}, peer: "198.51.100.1:1234", xff: "203.0.113.9", internal: true},
		{name: "spoofed left-most entry", proxies: []string{"198.51.100.1"}, peer: "198.51.100.1:1234", xff: "203.0.113.9, 192.0.2.7"},
		{name: "peer itself internal", peer: "203.0.113.9:1234", internal: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := intercomhttp.Middleware(m, intercomhttp.WithTrustedProxies(tt.proxies...))(
				http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					_, _ = io.WriteString(w, string(intercomhttp.Snippet(r)))
				}))
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.RemoteAddr = tt.peer
			if tt.xff != "" {
				req.Header.Set("X-Forwarded-For", tt.xff)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			assert.Equal(t, tt.internal, strings.HasPrefix(rec.Body.String(), "<!-- Intercom disabled on internal IP address"))
		})
	}
	assert.PanicsWithValue(t,
		`intercomhttp.WithTrustedProxies: intercom: trusted proxy "10.0.0.300/8": want an IP address or a CIDR prefix such as 10.0.0.0/8`,
		func() { intercomhttp.WithTrustedProxies("10.0.0.0/8", "10.0.0.300/8") })
	assert.PanicsWithValue(t, "intercomhttp.Middleware: needs a *intercom.Messenger from intercom.New, got nil",
		func() { intercomhttp.Middleware(nil) })
}

func TestShutdown(t *testing.T) {
	m, _ := newMessenger(t, func(c *intercom.Config) { c.CookieDomain = ".example.com" })
	h := intercomhttp.Middleware(m)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("logout") {
			intercomhttp.Shutdown(w, r)
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		_, _ = io.WriteString(w, string(intercomhttp.Snippet(r)))
	}))
	req := httptest.NewRequest(http.MethodGet, "/?logout", nil)
	req.AddCookie(&http.Cookie{Name: "intercom-extra-" + appID, Value: "x"})
	req.AddCookie(&http.Cookie{Name: "intercom-session-other", Value: "x"})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, []string{
		"intercom-session-abc12345=; Path=/; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0",
		"intercom-id-abc12345=; Path=/; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0",
		"intercom-device-id-abc12345=; Path=/; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0",
		"intercom-extra-abc12345=; Path=/; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0",
		"intercom_shutdown=1; Path=/; Max-Age=600; SameSite=Lax",
	}, rec.Result().Header.Values("Set-Cookie"))

	// The next page shuts the Messenger down and clears the flag.
	rec = get(t, h, &http.Cookie{Name: adapter.ShutdownCookie, Value: "1"})
	assert.Contains(t, rec.Body.String(), `ic("shutdown");ic("boot",s)`)
	assert.Equal(t, []string{"intercom_shutdown=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; SameSite=Lax"},
		rec.Result().Header.Values("Set-Cookie"))
}

func TestSettingsHandler(t *testing.T) {
	m, _ := newMessenger(t, nil)
	h := intercomhttp.Middleware(m, intercomhttp.WithUser(func(*http.Request) (intercom.User, bool) {
		return intercom.User{ID: "7"}, true
	}))(intercomhttp.SettingsHandler())
	rec := get(t, h)
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"))
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	var got map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	assert.Equal(t, map[string]any{"app_id": appID, "api_base": "https://api-iam.intercom.io", "user_id": "7"}, got)

	captureWarnings(t)
	rec = get(t, intercomhttp.SettingsHandler())
	assert.Equal(t, "null", rec.Body.String())
}

// The component is a templ.Component, and templ.Handler renders it with the
// request's context.
func TestComponentWithTempl(t *testing.T) {
	var _ templ.Component = intercomhttp.Component()
	m, _ := newMessenger(t, nil)
	page := templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if _, err := io.WriteString(w, "<body>"); err != nil {
			return err
		}
		if err := intercomhttp.Component().Render(ctx, w); err != nil {
			return err
		}
		_, err := io.WriteString(w, "</body>")
		return err
	})
	h := intercomhttp.Middleware(m,
		intercomhttp.WithNonce(func(*http.Request) string { return "r4nd0m" }),
		intercomhttp.WithUser(func(*http.Request) (intercom.User, bool) { return intercom.User{ID: "7"}, true }),
	)(templ.Handler(page))
	rec := get(t, h)
	s, err := conformance.FindSnippet(rec.Body.Bytes())
	require.NoError(t, err)
	require.NotNil(t, s)
	assert.Equal(t, "r4nd0m", s.Nonce)
	assert.Equal(t, "7", s.Settings["user_id"])
	assert.Equal(t, "text/html; charset=utf-8", rec.Header().Get("Content-Type"))
}
