package intercomecho_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	intercomecho "github.com/goanalytical/intercom/adapters/echo"
	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

// userKey is where auto-identification looks: echo-jwt's default context
// key, and where a middleware.BasicAuth validator stores the user name.
const userKey = "user"

// errorLog collects what a Messenger reports.
type errorLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *errorLog) handle(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err)
}

func (l *errorLog) all() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]error(nil), l.errs...)
}

// newMessenger returns a Messenger with an HMAC secret and 10.0.0.0/8 as
// internal, whose problems go to the returned log.
func newMessenger(t *testing.T, mod func(*intercom.Config)) (*intercom.Messenger, *errorLog) {
	t.Helper()
	log := &errorLog{}
	cfg := intercom.Config{
		AppID:        "abc12345",
		HMACSecret:   "s3cret",
		InternalIPs:  []string{"10.0.0.0/8"},
		ErrorHandler: log.handle,
	}
	if mod != nil {
		mod(&cfg)
	}
	m, err := intercom.New(cfg)
	require.NoError(t, err)
	return m, log
}

// snippetTemplate renders nothing but the snippet, so a response body can be
// compared with Messenger.Render exactly.
var snippetTemplate = template.Must(template.New("page").Parse(`{{ .Intercom }}`))

// app is an echo app with the snippet-only template behind Renderer.
func app() *echo.Echo {
	e := echo.New()
	e.IPExtractor = echo.ExtractIPDirect()
	e.Renderer = intercomecho.Renderer(&echo.TemplateRenderer{Template: snippetTemplate})
	return e
}

// signIn is a stand-in auth middleware that stores user under "user".
func signIn(user any) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Set(userKey, user)
			return next(c)
		}
	}
}

// serve sends req (GET / from 203.0.113.9 when nil) to e.
func serve(e *echo.Echo, req *http.Request) *httptest.ResponseRecorder {
	if req == nil {
		req = httptest.NewRequest(http.MethodGet, "/", nil)
	}
	if req.RemoteAddr == "192.0.2.1:1234" { // httptest's default
		req.RemoteAddr = "203.0.113.9:1234"
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

func render(c echo.Context) error { return c.Render(http.StatusOK, "page", echo.Map{}) }

func user(id string) *intercom.User { return &intercom.User{ID: id, Name: id} }

// jwtToken looks like golang-jwt's Token but is not one: a value of a type
// the adapter cannot identify from.
type jwtToken struct {
	Raw    string
	Valid  bool
	Claims map[string]any
}

type account struct{ id, email string }

func (a account) IntercomUser() intercom.User { return intercom.User{ID: a.id, Email: a.email} }

type panicky struct{}

func (panicky) IntercomUser() intercom.User { panic("boom") }

func TestAutoIdentify(t *testing.T) {
	tests := []struct {
		name       string
		disable    bool
		stored     any // what the auth middleware stores under "user"; nil: nothing
		want       *intercom.User
		wantReport string
	}{
		{name: "user name", stored: "jane", want: user("jane")},
		{name: "identifier", stored: account{"42", "jane@example.com"}, want: &intercom.User{ID: "42", Email: "jane@example.com"}},
		{name: "pointer to user", stored: &intercom.User{ID: "7"}, want: &intercom.User{ID: "7"}},
		{name: "nobody signed in"},
		{name: "empty user name", stored: ""},
		{name: "a look-alike of a jwt token", stored: &jwtToken{Raw: "x.y.z", Valid: true, Claims: map[string]any{"sub": "42"}},
			wantReport: "intercom: cannot identify user from *intercomecho_test.jwtToken: not a string, an intercom.Identifier or a golang-jwt token; use intercomecho.WithUser to identify the visitor from it"},
		{name: "number", stored: 42,
			wantReport: "intercom: cannot identify user from int: not a string, an intercom.Identifier or a golang-jwt token; use intercomecho.WithUser to identify the visitor from it"},
		{name: "panicking identifier", stored: panicky{},
			wantReport: "intercom: cannot identify user from intercomecho_test.panicky: IntercomUser panicked"},
		{name: "disabled", disable: true, stored: "jane"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, log := newMessenger(t, func(c *intercom.Config) { c.DisableAutoIdentify = tt.disable })
			e := app()
			e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
				return func(c echo.Context) error {
					if tt.stored != nil {
						c.Set(userKey, tt.stored)
					}
					return next(c)
				}
			})
			e.Use(intercomecho.Middleware(m))
			e.GET("/", render)

			rec := serve(e, nil)
			assert.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, string(m.Render(intercom.Visitor{User: tt.want})), rec.Body.String())
			var reports []string
			for _, err := range log.all() {
				reports = append(reports, err.Error())
			}
			if tt.wantReport == "" {
				assert.Empty(t, reports)
			} else {
				assert.Equal(t, []string{tt.wantReport}, reports)
			}
		})
	}
}

func TestBasicAuth(t *testing.T) {
	m, log := newMessenger(t, nil)
	e := app()
	e.Use(middleware.BasicAuth(func(name, password string, c echo.Context) (bool, error) {
		if name == "jane" && password == "secret" {
			c.Set(userKey, name)
			return true, nil
		}
		return false, nil
	}))
	e.Use(intercomecho.Middleware(m))
	e.GET("/", render)

	tests := []struct {
		name, user, password string
		wantCode             int
		wantBody             string
	}{
		{"signed in", "jane", "secret", http.StatusOK, string(m.Render(intercom.Visitor{User: user("jane")}))},
		{"wrong password", "jane", "guess", http.StatusUnauthorized, "{\"message\":\"Unauthorized\"}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.SetBasicAuth(tt.user, tt.password)
			rec := serve(e, req)
			assert.Equal(t, tt.wantCode, rec.Code)
			assert.Equal(t, tt.wantBody, rec.Body.String())
		})
	}
	assert.Empty(t, log.all())
	// The expected page is built by core; make sure it really names the user.
	assert.Contains(t, string(m.Render(intercom.Visitor{User: user("jane")})), `"user_id":"jane"`)
}

func TestPrecedence(t *testing.T) {
	withUser := func(u *intercom.User) intercomecho.Option {
		return intercomecho.WithUser(func(echo.Context) (intercom.User, bool) {
			if u == nil {
				return intercom.User{}, false
			}
			return *u, true
		})
	}
	withAttrs := intercomecho.WithAttributes(func(echo.Context) intercom.Attributes {
		return intercom.Attributes{"plan": "hook", "seats": 3}
	})
	tests := []struct {
		name     string
		opts     []intercomecho.Option
		handler  func(c echo.Context)
		data     echo.Map
		want     intercom.Visitor
		wantCall bool
	}{
		{
			name: "auth user only",
			want: intercom.Visitor{User: user("auth")},
		},
		{
			name: "WithUser over auth user",
			opts: []intercomecho.Option{withUser(user("option"))},
			want: intercom.Visitor{User: user("option")},
		},
		{
			name: "WithUser declining falls back to auth user",
			opts: []intercomecho.Option{withUser(nil)},
			want: intercom.Visitor{User: user("auth")},
		},
		{
			name:    "Identify over WithUser",
			opts:    []intercomecho.Option{withUser(user("option"))},
			handler: func(c echo.Context) { intercomecho.Identify(c, *user("handler")) },
			want:    intercom.Visitor{User: user("handler")},
		},
		{
			name:    "Set over WithAttributes",
			opts:    []intercomecho.Option{withAttrs},
			handler: func(c echo.Context) { intercomecho.Set(c, "plan", "handler") },
			want:    intercom.Visitor{User: user("auth"), Attributes: intercom.Attributes{"plan": "handler", "seats": 3}},
		},
		{
			name:    "template intercom_ keys over Set",
			opts:    []intercomecho.Option{withAttrs},
			handler: func(c echo.Context) { intercomecho.Set(c, "plan", "handler") },
			data:    echo.Map{"intercom_plan": "template", "intercom_": "ignored", "plan": "not intercom"},
			want:    intercom.Visitor{User: user("auth"), Attributes: intercom.Attributes{"plan": "template", "seats": 3}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, log := newMessenger(t, nil)
			e := app()
			e.Use(signIn("auth"))
			e.Use(intercomecho.Middleware(m, tt.opts...))
			e.GET("/", func(c echo.Context) error {
				if tt.handler != nil {
					tt.handler(c)
				}
				data := tt.data
				if data == nil {
					data = echo.Map{}
				}
				return c.Render(http.StatusOK, "page", data)
			})
			rec := serve(e, nil)
			assert.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, string(m.Render(tt.want)), rec.Body.String())
			assert.Empty(t, log.all())
		})
	}
}

func TestHooksRunOncePerRequest(t *testing.T) {
	m, _ := newMessenger(t, nil)
	var users, attrs, nonces, ips int
	e := app()
	e.Use(intercomecho.Middleware(m,
		intercomecho.WithUser(func(echo.Context) (intercom.User, bool) { users++; return *user("jane"), true }),
		intercomecho.WithAttributes(func(echo.Context) intercom.Attributes { attrs++; return nil }),
		intercomecho.WithNonce(func(echo.Context) string { nonces++; return "" }),
		intercomecho.WithClientIP(func(echo.Context) string { ips++; return "" }),
	))
	e.GET("/twice", func(c echo.Context) error {
		return c.HTML(http.StatusOK, string(intercomecho.Snippet(c)+intercomecho.Snippet(c)))
	})
	e.GET("/never", func(c echo.Context) error { return c.String(http.StatusOK, "no snippet") })

	want := string(m.Render(intercom.Visitor{User: user("jane")}))
	assert.Equal(t, want+want, serve(e, httptest.NewRequest(http.MethodGet, "/twice", nil)).Body.String())
	assert.Equal(t, []int{1, 1, 1, 1}, []int{users, attrs, nonces, ips})
	assert.Equal(t, "no snippet", serve(e, httptest.NewRequest(http.MethodGet, "/never", nil)).Body.String())
	assert.Equal(t, []int{1, 1, 1, 1}, []int{users, attrs, nonces, ips}, "hooks ran for a page without a snippet")
}

func TestPanickingHooks(t *testing.T) {
	boom := func() { panic("boom") }
	tests := []struct {
		name       string
		opt        intercomecho.Option
		want       intercom.Visitor
		wantReport error
	}{
		{
			name:       "WithUser",
			opt:        intercomecho.WithUser(func(echo.Context) (intercom.User, bool) { boom(); return intercom.User{}, false }),
			want:       intercom.Visitor{User: user("auth")}, // falls through to auto-identification
			wantReport: &adapter.HookError{Hook: "User"},
		},
		{
			name:       "WithAttributes",
			opt:        intercomecho.WithAttributes(func(echo.Context) intercom.Attributes { boom(); return nil }),
			want:       intercom.Visitor{User: user("auth")},
			wantReport: &adapter.HookError{Hook: "Attributes"},
		},
		{
			name:       "WithNonce",
			opt:        intercomecho.WithNonce(func(echo.Context) string { boom(); return "" }),
			want:       intercom.Visitor{User: user("auth")},
			wantReport: &adapter.HookError{Hook: "Nonce"},
		},
		{
			name:       "WithClientIP",
			opt:        intercomecho.WithClientIP(func(echo.Context) string { boom(); return "" }),
			want:       intercom.Visitor{User: user("auth")},
			wantReport: &adapter.HookError{Hook: "ClientIP"},
		},
		{
			name:       "WithSkipper",
			opt:        intercomecho.WithSkipper(func(echo.Context) bool { boom(); return true }),
			want:       intercom.Visitor{User: user("auth")}, // treated as unset: not skipped
			wantReport: &adapter.HookError{Hook: "Skipper"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, log := newMessenger(t, nil)
			e := app()
			e.Use(signIn("auth"))
			e.Use(intercomecho.Middleware(m, tt.opt))
			e.GET("/", render)
			rec := serve(e, nil)
			assert.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, string(m.Render(tt.want)), rec.Body.String())
			assert.Equal(t, []error{tt.wantReport}, log.all())
		})
	}
}

func TestSkipper(t *testing.T) {
	m, log := newMessenger(t, nil)
	e := app()
	// echo's own middleware.Skipper type is accepted as it is.
	var admin middleware.Skipper = func(c echo.Context) bool { return strings.HasPrefix(c.Path(), "/admin") }
	e.Use(intercomecho.Middleware(m, intercomecho.WithSkipper(admin)))
	e.GET("/", func(c echo.Context) error {
		intercomecho.Identify(c, *user("jane"))
		return render(c)
	})
	e.GET("/admin", func(c echo.Context) error {
		intercomecho.Identify(c, *user("jane"))
		intercomecho.Set(c, "plan", "pro")
		return c.Render(http.StatusOK, "page", echo.Map{"intercom_plan": "pro"})
	})

	tests := []struct{ path, want string }{
		{"/", string(m.Render(intercom.Visitor{User: user("jane")}))},
		{"/admin", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := serve(e, httptest.NewRequest(http.MethodGet, tt.path, nil))
			assert.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, tt.want, rec.Body.String())
		})
	}
	assert.Empty(t, log.all())
}

func TestWithoutMiddleware(t *testing.T) {
	captureWarnings(t, io.Discard) // a case without the middleware warns
	e := app()
	e.GET("/", func(c echo.Context) error {
		intercomecho.Identify(c, *user("jane"))
		intercomecho.Set(c, "plan", "pro")
		return c.Render(http.StatusOK, "page", echo.Map{"intercom_plan": "pro"})
	})
	rec := serve(e, nil)
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Empty(t, rec.Body.String())

	c := e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder())
	assert.Equal(t, template.HTML(""), intercomecho.Snippet(c))
	assert.Equal(t, template.HTML(""), intercomecho.Snippet(nil))
	assert.NotPanics(t, func() {
		intercomecho.Identify(nil, intercom.User{ID: "1"})
		intercomecho.Set(nil, "k", "v")
	})
}

func TestDisabledMessenger(t *testing.T) {
	m, log := newMessenger(t, func(c *intercom.Config) { *c = intercom.Config{ErrorHandler: c.ErrorHandler} })
	called := false
	e := app()
	e.Use(intercomecho.Middleware(m, intercomecho.WithUser(func(echo.Context) (intercom.User, bool) {
		called = true
		return *user("jane"), true
	})))
	e.GET("/", render)
	rec := serve(e, nil)
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Empty(t, rec.Body.String())
	assert.False(t, called, "WithUser ran for a disabled Messenger")
	assert.Empty(t, log.all())
}

func TestMiddlewareNilMessenger(t *testing.T) {
	assert.PanicsWithValue(t, "intercomecho.Middleware: needs a *intercom.Messenger from intercom.New, got nil", func() {
		intercomecho.Middleware(nil)
	})
}

// recordingRenderer is a next renderer that remembers the data it got and
// writes "ok", then the data's Intercom value as html/template would write
// {{ .Intercom }}.
type recordingRenderer struct {
	got  any
	name string
}

func (r *recordingRenderer) Render(w io.Writer, name string, data any, _ echo.Context) error {
	// A copy of map data: the wrapper reuses its map once Render returns.
	r.got, r.name = data, name
	switch d := data.(type) {
	case echo.Map:
		r.got = maps.Clone(d)
	case map[string]any:
		r.got = maps.Clone(d)
	}
	if _, err := io.WriteString(w, "ok"); err != nil {
		return err
	}
	var v any
	switch d := data.(type) {
	case echo.Map:
		v = d[adapter.TemplateKey]
	case map[string]any:
		v = d[adapter.TemplateKey]
	}
	if h, ok := v.(template.HTML); ok {
		_, err := io.WriteString(w, string(h))
		return err
	}
	return nil
}

type page struct{ Title string }

func TestRenderer(t *testing.T) {
	m, _ := newMessenger(t, nil)
	snippet := string(m.Render(intercom.Visitor{User: user("jane")}))
	withPlan := string(m.Render(intercom.Visitor{User: user("jane"), Attributes: intercom.Attributes{"plan": "pro", "seats": 3}}))
	p := &page{Title: "Hello"}

	tests := []struct {
		name     string
		data     any
		want     any    // what the next renderer gets, Intercom key aside
		wantPage string // what it writes, with the snippet in place
	}{
		{
			name:     "echo.Map",
			data:     echo.Map{"Title": "Hello"},
			want:     echo.Map{"Title": "Hello"},
			wantPage: "ok" + snippet,
		},
		{
			name:     "map[string]any",
			data:     map[string]any{"Title": "Hello"},
			want:     map[string]any{"Title": "Hello"},
			wantPage: "ok" + snippet,
		},
		{
			name:     "intercom_ keys",
			data:     echo.Map{"Title": "Hello", "intercom_plan": "pro", "intercom_seats": 3},
			want:     echo.Map{"Title": "Hello", "intercom_plan": "pro", "intercom_seats": 3},
			wantPage: "ok" + withPlan,
		},
		{
			name:     "Intercom key replaced",
			data:     echo.Map{"Intercom": "caller's"},
			want:     echo.Map{},
			wantPage: "ok" + snippet,
		},
		{
			name:     "nil echo.Map",
			data:     echo.Map(nil),
			want:     echo.Map{},
			wantPage: "ok" + snippet,
		},
		{name: "struct pointer", data: p, want: p, wantPage: "ok"},
		{name: "struct", data: page{Title: "Hello"}, want: page{Title: "Hello"}, wantPage: "ok"},
		{name: "string", data: "Hello", want: "Hello", wantPage: "ok"},
		{name: "nil", data: nil, want: nil, wantPage: "ok"},
		{name: "other map type", data: map[string]string{"intercom_plan": "pro"}, want: map[string]string{"intercom_plan": "pro"}, wantPage: "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := &recordingRenderer{}
			e := echo.New()
			e.Renderer = intercomecho.Renderer(next)
			e.Use(intercomecho.Middleware(m))
			var before any
			if mp, ok := tt.data.(echo.Map); ok && mp != nil {
				before = maps.Clone(mp)
			}
			e.GET("/", func(c echo.Context) error {
				intercomecho.Identify(c, *user("jane"))
				return c.Render(http.StatusOK, "page.html", tt.data)
			})
			rec := serve(e, nil)
			assert.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, tt.wantPage, rec.Body.String())
			assert.Equal(t, "page.html", next.name)
			got := next.got
			switch g := got.(type) { // the Intercom key holds a placeholder
			case echo.Map:
				require.Contains(t, g, adapter.TemplateKey)
				got = maps.Clone(g)
				delete(got.(echo.Map), adapter.TemplateKey)
			case map[string]any:
				require.Contains(t, g, adapter.TemplateKey)
				got = maps.Clone(g)
				delete(got.(map[string]any), adapter.TemplateKey)
			}
			assert.Equal(t, tt.want, got)
			if before != nil {
				assert.Equal(t, before, tt.data, "the caller's map was modified")
			}
		})
	}
}

func TestRendererStructData(t *testing.T) {
	// The documented way for struct data: a template.HTML field set from Snippet.
	type page struct {
		Title    string
		Intercom template.HTML
	}
	m, _ := newMessenger(t, nil)
	e := echo.New()
	e.Renderer = intercomecho.Renderer(&echo.TemplateRenderer{
		Template: template.Must(template.New("page").Parse(`<h1>{{ .Title }}</h1>{{ .Intercom }}`)),
	})
	e.Use(intercomecho.Middleware(m))
	e.GET("/", func(c echo.Context) error {
		intercomecho.Identify(c, *user("jane"))
		return c.Render(http.StatusOK, "page", page{Title: "<Hello>", Intercom: intercomecho.Snippet(c)})
	})
	rec := serve(e, nil)
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "<h1>&lt;Hello&gt;</h1>"+string(m.Render(intercom.Visitor{User: user("jane")})), rec.Body.String())
}

func TestRendererNilNext(t *testing.T) {
	m, _ := newMessenger(t, nil)
	e := echo.New()
	e.Renderer = intercomecho.Renderer(nil)
	e.Use(intercomecho.Middleware(m))
	var renderErr error
	e.GET("/", func(c echo.Context) error {
		renderErr = c.Render(http.StatusOK, "page", echo.Map{})
		return renderErr
	})
	rec := serve(e, nil)
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	require.ErrorIs(t, renderErr, echo.ErrRendererNotRegistered)
	assert.Equal(t, "intercomecho: Renderer has no echo.Renderer to wrap: renderer not registered", renderErr.Error())

	// Called directly, outside any request.
	err := intercomecho.Renderer(nil).Render(io.Discard, "page", nil, nil)
	require.ErrorIs(t, err, echo.ErrRendererNotRegistered)
	assert.Equal(t, "ok", func() string {
		var b strings.Builder
		require.NoError(t, intercomecho.Renderer(&recordingRenderer{}).Render(&b, "page", echo.Map{}, nil))
		return b.String()
	}())
}

// TestRender: intercomecho.Render sends what c.Render sends, status,
// headers and page, behind Renderer and without it, under Inject, and one
// page after another from the pooled buffer; a failed render sends nothing.
func TestRender(t *testing.T) {
	m, _ := newMessenger(t, nil)
	snippet := string(m.Render(intercom.Visitor{User: user("jane")}))
	layout := template.Must(template.New("page").Parse(`<h1>{{ .Title }}</h1>{{ .Intercom }}`))
	template.Must(layout.New("bare").Parse(`<body><h1>{{ .Title }}</h1></body>`))
	template.Must(layout.New("broken").Parse(`<h1>{{ .Title }}</h1>{{ template "missing" }}`))
	plain := &echo.TemplateRenderer{Template: layout}
	tests := []struct {
		name     string
		renderer echo.Renderer
		inject   bool
		tmpl     string
		code     int
		wantCode int
		wantPage string
	}{
		{"behind Renderer", intercomecho.Renderer(plain), false, "page", http.StatusOK, http.StatusOK, "<h1>Hello</h1>" + snippet},
		{"its status code", intercomecho.Renderer(plain), false, "page", http.StatusCreated, http.StatusCreated, "<h1>Hello</h1>" + snippet},
		{"another Renderer", plain, false, "page", http.StatusOK, http.StatusOK, "<h1>Hello</h1>"},
		{"under Inject", plain, true, "bare", http.StatusOK, http.StatusOK, "<body><h1>Hello</h1>" + snippet + "</body>"},
		{"a failed render", intercomecho.Renderer(plain), false, "broken", http.StatusOK, http.StatusInternalServerError, `{"message":"Internal Server Error"}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := echo.New()
			e.Renderer = tt.renderer
			e.Use(intercomecho.Middleware(m))
			if tt.inject {
				e.Use(intercomecho.Inject())
			}
			title := "Hello"
			e.GET("/", func(c echo.Context) error {
				intercomecho.Identify(c, *user("jane"))
				return intercomecho.Render(c, tt.code, tt.tmpl, echo.Map{"Title": title})
			})
			e.GET("/echo", func(c echo.Context) error {
				intercomecho.Identify(c, *user("jane"))
				return c.Render(tt.code, tt.tmpl, echo.Map{"Title": title})
			})
			for range 3 { // the pooled buffer, reused
				rec := serve(e, nil)
				assert.Equal(t, tt.wantCode, rec.Code)
				assert.Equal(t, tt.wantPage, rec.Body.String())
				want := serve(e, httptest.NewRequest(http.MethodGet, "/echo", nil))
				assert.Equal(t, want.Code, rec.Code, "c.Render's status")
				assert.Equal(t, want.Header(), rec.Header(), "c.Render's headers")
				assert.Equal(t, want.Body.String(), rec.Body.String(), "c.Render's page")
				title = "Hi"
				tt.wantPage = strings.Replace(tt.wantPage, "Hello", "Hi", 1)
			}
		})
	}
}

// TestRenderSavesEchosBuffer: behind Renderer, Render allocates at least
// the two allocations of c.Render's buffer (the buffer, and its growth to
// the page's size) less than c.Render for the same page.
func TestRenderSavesEchosBuffer(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop what it is given")
	}
	m, _ := newMessenger(t, nil)
	e := echo.New()
	e.Renderer = intercomecho.Renderer(&echo.TemplateRenderer{Template: template.Must(template.New("page").Parse(`<h1>{{ .Title }}</h1>{{ .Intercom }}`))})
	e.Use(signIn("jane"), intercomecho.Middleware(m))
	e.GET("/render", func(c echo.Context) error {
		return intercomecho.Render(c, http.StatusOK, "page", echo.Map{"Title": "Hello"})
	})
	e.GET("/echo", func(c echo.Context) error { return c.Render(http.StatusOK, "page", echo.Map{"Title": "Hello"}) })
	allocs := func(path string) float64 {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code)
		require.Contains(t, rec.Body.String(), `"user_id":"jane"`)
		w := &discard{h: http.Header{}}
		return testing.AllocsPerRun(200, func() { w.reset(); e.ServeHTTP(w, req) })
	}
	withRender, withEcho := allocs("/render"), allocs("/echo")
	assert.LessOrEqual(t, withRender, withEcho-2, "Render allocates %v a request, c.Render %v", withRender, withEcho)
}

// TestRenderWithoutRenderer: no Renderer, or no context, is an error, not a
// panic, and sends nothing.
func TestRenderWithoutRenderer(t *testing.T) {
	e := echo.New()
	var renderErr error
	e.GET("/", func(c echo.Context) error {
		renderErr = intercomecho.Render(c, http.StatusOK, "page", nil)
		return renderErr
	})
	rec := serve(e, nil)
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	require.ErrorIs(t, renderErr, echo.ErrRendererNotRegistered)

	assert.Equal(t, "intercomecho: Render has no Echo instance's Renderer to render with: renderer not registered", renderErr.Error())
	err := intercomecho.Render(nil, http.StatusOK, "page", nil)
	require.ErrorIs(t, err, echo.ErrRendererNotRegistered)
}

func TestClientIP(t *testing.T) {
	_, proxies, err := net.ParseCIDR("198.51.100.0/24")
	require.NoError(t, err)
	tests := []struct {
		name        string
		extractor   echo.IPExtractor // nil: echo's default
		opt         intercomecho.Option
		remoteAddr  string
		xff, realIP string
		wantIP      string
	}{
		// Echo's default trusts the headers from anyone: a visitor can claim
		// an internal address (the warning in the package documentation).
		{name: "default, spoofed X-Forwarded-For", remoteAddr: "203.0.113.9:1234", xff: "10.1.2.3", wantIP: "10.1.2.3"},
		{name: "default, spoofed X-Real-IP", remoteAddr: "203.0.113.9:1234", realIP: "10.1.2.3", wantIP: "10.1.2.3"},
		{name: "default, no headers", remoteAddr: "10.1.2.3:1234", wantIP: "10.1.2.3"},
		{name: "direct ignores headers", extractor: echo.ExtractIPDirect(), remoteAddr: "203.0.113.9:1234", xff: "10.1.2.3", wantIP: "203.0.113.9"},
		{name: "direct internal peer", extractor: echo.ExtractIPDirect(), remoteAddr: "10.1.2.3:1234", wantIP: "10.1.2.3"},
		{
			name:       "trusted proxy",
			extractor:  echo.ExtractIPFromXFFHeader(echo.TrustPrivateNet(false), echo.TrustIPRange(proxies)),
			remoteAddr: "198.51.100.7:1234", xff: "10.9.9.9, 10.1.2.3", wantIP: "10.1.2.3",
		},
		{
			name:       "untrusted proxy",
			extractor:  echo.ExtractIPFromXFFHeader(echo.TrustPrivateNet(false), echo.TrustIPRange(proxies)),
			remoteAddr: "203.0.113.9:1234", xff: "10.1.2.3", wantIP: "203.0.113.9",
		},
		{
			name:       "WithClientIP",
			extractor:  echo.ExtractIPDirect(),
			opt:        intercomecho.WithClientIP(func(c echo.Context) string { return c.Request().Header.Get("Fly-Client-IP") }),
			remoteAddr: "203.0.113.9:1234", wantIP: "10.1.2.3",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, log := newMessenger(t, nil)
			e := app()
			e.IPExtractor = tt.extractor
			e.Use(intercomecho.Middleware(m, tt.opt))
			e.GET("/", render)
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.RemoteAddr = tt.remoteAddr
			if tt.xff != "" {
				req.Header.Set(echo.HeaderXForwardedFor, tt.xff)
			}
			if tt.realIP != "" {
				req.Header.Set(echo.HeaderXRealIP, tt.realIP)
			}
			req.Header.Set("Fly-Client-IP", "10.1.2.3")
			rec := serve(e, req)
			assert.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, string(m.Render(intercom.Visitor{ClientIP: tt.wantIP})), rec.Body.String())
			assert.Equal(t, m.IsInternal(tt.wantIP), strings.HasPrefix(rec.Body.String(), "<!-- Intercom disabled on internal IP address"))
			assert.Empty(t, log.all())
		})
	}
}

func TestNonce(t *testing.T) {
	const nonce = "cmFuZG9tLW5vbmNl"
	m, log := newMessenger(t, nil)
	e := app()
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Set("csp_nonce", nonce) // as a CSP middleware would
			return next(c)
		}
	})
	e.Use(intercomecho.Middleware(m, intercomecho.WithNonce(func(c echo.Context) string {
		s, _ := c.Get("csp_nonce").(string)
		return s
	})))
	e.GET("/", render)
	rec := serve(e, nil)
	assert.Equal(t, string(m.Render(intercom.Visitor{Nonce: nonce})), rec.Body.String())
	assert.Contains(t, rec.Body.String(), `<script id="IntercomSettingsScriptTag" nonce="`+nonce+`">`)
	assert.Empty(t, log.all())
}

func TestConcurrentRequests(t *testing.T) {
	m, log := newMessenger(t, nil)
	e := app()
	e.Use(intercomecho.Middleware(m, intercomecho.WithUser(func(c echo.Context) (intercom.User, bool) {
		id := c.QueryParam("id")
		return *user(id), id != ""
	})))
	e.GET("/", func(c echo.Context) error {
		intercomecho.Set(c, "n", c.QueryParam("id"))
		return c.Render(http.StatusOK, "page", echo.Map{"intercom_page": c.QueryParam("id")})
	})
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			id := string(rune('a' + i%26))
			rec := serve(e, httptest.NewRequest(http.MethodGet, "/?id="+id, nil))
			want := m.Render(intercom.Visitor{User: user(id), Attributes: intercom.Attributes{"n": id, "page": id}})
			assert.Equal(t, string(want), rec.Body.String())
		})
	}
	wg.Wait()
	assert.Empty(t, log.all())
}

func TestGroupAuthAfterMiddleware(t *testing.T) {
	m, log := newMessenger(t, nil)
	e := app()
	e.Use(intercomecho.Middleware(m)) // before the group's auth: the user is read when the page renders
	g := e.Group("/app", signIn("jane"))
	g.GET("/home", render)
	e.GET("/", render)

	tests := []struct {
		path string
		want *intercom.User
	}{
		{"/app/home", user("jane")},
		{"/", nil},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := serve(e, httptest.NewRequest(http.MethodGet, tt.path, nil))
			assert.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, string(m.Render(intercom.Visitor{User: tt.want})), rec.Body.String())
		})
	}
	assert.Empty(t, log.all())
}

// chunkRenderer writes its pieces one by one, the piece "{{ .Intercom }}"
// as the data's Intercom value, then fails when err is set.
type chunkRenderer struct {
	pieces []string
	err    error
}

func (r *chunkRenderer) Render(w io.Writer, _ string, data any, _ echo.Context) error {
	for _, p := range r.pieces {
		if p == "{{ .Intercom }}" {
			p = string(data.(echo.Map)[adapter.TemplateKey].(template.HTML))
		}
		if _, err := io.WriteString(w, p); err != nil {
			return err
		}
	}
	return r.err
}

func TestRendererOutput(t *testing.T) {
	m, _ := newMessenger(t, nil)
	ph := "{{ .Intercom }}" // chunkRenderer writes the data's Intercom value here
	snippet := string(m.Render(intercom.Visitor{}))
	big := strings.Repeat("x", 2<<20) // over what is pooled
	boom := errors.New("template failed")
	tests := []struct {
		name    string
		pieces  []string
		err     error
		dst     func() io.Writer
		want    string
		wantErr error
	}{
		{name: "empty buffer", pieces: []string{"<h1>", "Hi", "</h1>", ph}, dst: func() io.Writer { return new(bytes.Buffer) }, want: "<h1>Hi</h1>" + snippet},
		{name: "buffer with content", pieces: []string{"b", ph, "c"}, dst: func() io.Writer { return bytes.NewBufferString("a") }, want: "ab" + snippet + "c"},
		{name: "not a buffer", pieces: []string{ph, "b", ph}, dst: func() io.Writer { return new(strings.Builder) }, want: snippet + "b" + snippet},
		{name: "page over the pooled size", pieces: []string{big, ph, "!"}, dst: func() io.Writer { return new(bytes.Buffer) }, want: big + snippet + "!"},
		{name: "no placeholder", pieces: []string{"<p>", "plain", "</p>"}, dst: func() io.Writer { return new(bytes.Buffer) }, want: "<p>plain</p>"},
		{name: "error", pieces: []string{"half", ph}, err: boom, dst: func() io.Writer { return new(bytes.Buffer) }, want: "", wantErr: boom},
		{name: "empty page", dst: func() io.Writer { return new(bytes.Buffer) }, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := intercomecho.Renderer(&chunkRenderer{pieces: tt.pieces, err: tt.err})
			// Twice, so that the second render reuses the pooled buffers.
			for range 2 {
				w := tt.dst()
				var err error
				e := echo.New()
				c := e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder())
				require.NoError(t, intercomecho.Middleware(m)(func(c echo.Context) error {
					err = r.Render(w, "page", echo.Map{}, c)
					return nil
				})(c))
				require.ErrorIs(t, err, tt.wantErr)
				assert.Equal(t, tt.want, w.(fmt.Stringer).String())
			}
		})
	}
}

// captureWarnings sends what log/slog logs, such as the missing-middleware
// warning, to w until the test ends, and makes the warning log again.
func captureWarnings(t *testing.T, w io.Writer) {
	t.Helper()
	saved := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	})))
	intercomecho.ResetNoMiddlewareWarning()
	t.Cleanup(func() {
		slog.SetDefault(saved)
		intercomecho.ResetNoMiddlewareWarning()
	})
}

// noMiddlewareWarning is what log/slog writes, once per process, when a
// helper runs without the middleware.
var noMiddlewareWarning = "level=WARN msg=\"" + adapter.ErrNoMiddleware.Error() + "\" adapter=intercomecho\n"

// TestNoPanics calls every helper where the middleware's state is missing,
// of the wrong type, or the context itself is nil.
func TestNoPanics(t *testing.T) {
	captureWarnings(t, io.Discard)
	m, _ := newMessenger(t, nil)
	tests := []struct {
		name  string
		setup func(c echo.Context)
	}{
		{"nothing stored", func(echo.Context) {}},
		{"a string under the key", func(c echo.Context) { c.Set(intercomecho.StateKey, "junk") }},
		{"a typed nil Request under the key", func(c echo.Context) {
			c.Set(intercomecho.StateKey, (*adapter.Request[echo.Context])(nil))
		}},
		{"a Request for another framework", func(c echo.Context) {
			c.Set(intercomecho.StateKey, adapter.NewMiddleware("test", m, adapter.Hooks[*http.Request]{}).Start(c.Request()))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := app()
			rec := httptest.NewRecorder()
			c := e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), rec)
			tt.setup(c)
			require.NotPanics(t, func() {
				intercomecho.Identify(c, intercom.User{ID: "1"})
				intercomecho.Set(c, "plan", "pro")
				intercomecho.Shutdown(c)
				assert.Equal(t, template.HTML(""), intercomecho.Snippet(c))
				assert.Equal(t, echo.Map{"Intercom": template.HTML(""), "intercom_plan": "pro"}, intercomecho.Data(c, echo.Map{"intercom_plan": "pro"}))
				var b strings.Builder
				require.NoError(t, intercomecho.Component().Render(c.Request().Context(), &b))
				assert.Empty(t, b.String())
				require.NoError(t, intercomecho.SettingsHandler()(c))
			})
			assert.Equal(t, "null", rec.Body.String())
			assert.Empty(t, rec.Header().Values("Set-Cookie"))
		})
	}
	t.Run("nil context", func(t *testing.T) {
		require.NotPanics(t, func() {
			intercomecho.Identify(nil, intercom.User{ID: "1"})
			intercomecho.Set(nil, "plan", "pro")
			intercomecho.Shutdown(nil)
			assert.Equal(t, template.HTML(""), intercomecho.Snippet(nil))
			assert.Equal(t, echo.Map{"Intercom": template.HTML("")}, intercomecho.Data(nil, nil))
			var b strings.Builder
			require.NoError(t, intercomecho.Renderer(&recordingRenderer{}).Render(&b, "page", echo.Map{}, nil))
			assert.Equal(t, "ok", b.String())
		})
	})
}

// TestMissingMiddlewareWarning checks that a forgotten middleware is logged
// once per process, and that a skipped request is not mistaken for one.
func TestMissingMiddlewareWarning(t *testing.T) {
	m, _ := newMessenger(t, nil)
	tests := []struct {
		name string
		mw   echo.MiddlewareFunc
		want string
	}{
		{"no middleware", nil, noMiddlewareWarning},
		{"skipped", intercomecho.Middleware(m, intercomecho.WithSkipper(func(echo.Context) bool { return true })), ""},
		{"middleware", intercomecho.Middleware(m), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf strings.Builder
			captureWarnings(t, &buf)
			e := app()
			if tt.mw != nil {
				e.Use(tt.mw)
			}
			e.GET("/", func(c echo.Context) error {
				intercomecho.Snippet(c)
				intercomecho.Data(c, nil)
				return render(c)
			})
			for range 3 {
				assert.Equal(t, http.StatusOK, serve(e, nil).Code)
			}
			assert.Equal(t, tt.want, buf.String())
		})
	}
}

// TestMiddlewareTwice installs Middleware on the Echo instance and again on
// a route: the second keeps the first one's state and options.
func TestMiddlewareTwice(t *testing.T) {
	m, log := newMessenger(t, nil)
	other, _ := newMessenger(t, func(c *intercom.Config) { c.AppID = "other1" })
	e := app()
	e.Use(intercomecho.Middleware(m, intercomecho.WithAttributes(func(echo.Context) intercom.Attributes {
		return intercom.Attributes{"from": "first"}
	})))
	setPlan := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			intercomecho.Set(c, "plan", "pro") // between the two
			return next(c)
		}
	}
	e.GET("/", render, setPlan, intercomecho.Middleware(other, intercomecho.WithAttributes(func(echo.Context) intercom.Attributes {
		return intercom.Attributes{"from": "second"}
	})), intercomecho.Inject())

	rec := serve(e, nil)
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, string(m.Render(intercom.Visitor{Attributes: intercom.Attributes{"from": "first", "plan": "pro"}})), rec.Body.String())
	assert.Empty(t, log.all())
}

// TestComponent renders the templ component with the request's context, as
// a templ handler does, and with contexts that carry no request state.
func TestComponent(t *testing.T) {
	m, _ := newMessenger(t, nil)
	var buf strings.Builder
	captureWarnings(t, &buf)
	tests := []struct {
		name string
		ctx  func(c echo.Context) context.Context
		want string
	}{
		{"the request's context", func(c echo.Context) context.Context { return c.Request().Context() },
			string(m.Render(intercom.Visitor{User: user("jane"), Attributes: intercom.Attributes{"plan": "pro"}}))},
		{"a context derived from it", func(c echo.Context) context.Context {
			ctx, cancel := context.WithCancel(c.Request().Context())
			defer cancel()
			return ctx
		}, string(m.Render(intercom.Visitor{User: user("jane"), Attributes: intercom.Attributes{"plan": "pro"}}))},
		{"context.Background", func(echo.Context) context.Context { return context.Background() }, ""},
		{"nil", func(echo.Context) context.Context { return nil }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := app()
			e.Use(signIn("jane"), intercomecho.Middleware(m))
			e.GET("/", func(c echo.Context) error {
				intercomecho.Set(c, "plan", "pro")
				c.Response().WriteHeader(http.StatusOK)
				return intercomecho.Component().Render(tt.ctx(c), c.Response())
			})
			rec := serve(e, nil)
			assert.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, tt.want, rec.Body.String())
		})
	}
	assert.Equal(t, noMiddlewareWarning, buf.String(), "warned once, for the contexts without state")
}

// TestData checks the template data Data returns.
func TestData(t *testing.T) {
	m, _ := newMessenger(t, nil)
	snippet := m.Render(intercom.Visitor{})
	withPlan := m.Render(intercom.Visitor{Attributes: intercom.Attributes{"plan": "pro"}})
	tests := []struct {
		name string
		data echo.Map
		want echo.Map
	}{
		{"nil data", nil, echo.Map{"Intercom": snippet}},
		{"empty data", echo.Map{}, echo.Map{"Intercom": snippet}},
		{"data is copied", echo.Map{"title": "Hi"}, echo.Map{"title": "Hi", "Intercom": snippet}},
		{"intercom_* keys are applied and kept", echo.Map{"title": "Hi", "intercom_plan": "pro"},
			echo.Map{"title": "Hi", "intercom_plan": "pro", "Intercom": withPlan}},
		{"an Intercom key is replaced", echo.Map{"Intercom": "<b>mine</b>"}, echo.Map{"Intercom": snippet}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := maps.Clone(tt.data)
			var got echo.Map
			e := app()
			e.Use(intercomecho.Middleware(m))
			e.GET("/", func(c echo.Context) error { got = intercomecho.Data(c, tt.data); return nil })
			serve(e, nil)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, before, tt.data, "Data modified its argument")
		})
	}
}
