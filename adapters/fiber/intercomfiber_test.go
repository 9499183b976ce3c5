package intercomfiber_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/basicauth"
	"github.com/gofiber/template/django/v3"
	"github.com/gofiber/template/html/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	intercomfiber "github.com/goanalytical/intercom/adapters/fiber"
	intercom "github.com/goanalytical/intercom/core"
)

// recorder is an intercom.Config.ErrorHandler that keeps what it is given.
type recorder struct {
	mu   sync.Mutex
	errs []error
}

func (r *recorder) handle(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
}

func (r *recorder) got() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.errs
}

// newMessenger returns an enabled Messenger with identity verification that
// reports to rec; edit changes its Config.
func newMessenger(t testing.TB, rec *recorder, edit ...func(*intercom.Config)) *intercom.Messenger {
	t.Helper()
	cfg := intercom.Config{
		AppID:       "abc12345",
		HMACSecret:  "s3cr3t",
		InternalIPs: []string{"10.1.2.3", "127.0.0.7"},
		Now:         func() time.Time { return time.Unix(1700000000, 0) },
	}
	if rec != nil {
		cfg.ErrorHandler = rec.handle
	}
	for _, e := range edit {
		e(&cfg)
	}
	m, err := intercom.New(cfg)
	require.NoError(t, err)
	return m
}

// do serves req with app and returns the status and body.
func do(t testing.TB, app *fiber.App, req *http.Request) (int, string) {
	t.Helper()
	resp, err := app.Test(req, -1)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func get(t testing.TB, app *fiber.App, target string) string {
	t.Helper()
	status, body := do(t, app, httptest.NewRequest(fiber.MethodGet, target, nil))
	require.Equal(t, fiber.StatusOK, status, body)
	return body
}

// sendSnippet responds with the request's snippet alone.
func sendSnippet(c *fiber.Ctx) error {
	c.Type("html")
	return c.SendString(string(intercomfiber.Snippet(c)))
}

// settingsOf parses the window.intercomSettings object of a page.
func settingsOf(t testing.TB, page string) map[string]any {
	t.Helper()
	const open, end = "window.intercomSettings=", ";(function(){"
	i := strings.Index(page, open)
	require.GreaterOrEqual(t, i, 0, "no intercomSettings in %q", page)
	rest := page[i+len(open):]
	j := strings.Index(rest, end)
	require.GreaterOrEqual(t, j, 0)
	var s map[string]any
	require.NoError(t, json.Unmarshal([]byte(rest[:j]), &s))
	return s
}

// withLocals stands in for an app's auth middlewares: it stores each of
// locals in the request's Locals and calls the next handler.
func withLocals(locals map[string]any) fiber.Handler {
	return func(c *fiber.Ctx) error {
		for k, v := range locals {
			c.Locals(k, v)
		}
		return c.Next()
	}
}

// appUser is an app's own user type stored by its session middleware.
type appUser struct{ id, email string }

func (u appUser) IntercomUser() intercom.User { return intercom.User{ID: u.id, Email: u.email} }

// jwtToken stands in for gofiber/contrib jwt's *jwt.Token under "user".
type jwtToken struct{ Raw string }

func TestBasicAuthIdentifies(t *testing.T) {
	rec := &recorder{}
	m := newMessenger(t, rec)
	app := fiber.New()
	app.Use(basicauth.New(basicauth.Config{Users: map[string]string{"jane": "pw"}}))
	app.Use(intercomfiber.New(m))
	app.Get("/", sendSnippet)

	req := httptest.NewRequest(fiber.MethodGet, "/", nil)
	req.SetBasicAuth("jane", "pw")
	status, body := do(t, app, req)

	require.Equal(t, fiber.StatusOK, status)
	assert.Equal(t, string(m.Render(intercom.Visitor{User: &intercom.User{ID: "jane", Name: "jane"}})), body)
	s := settingsOf(t, body)
	assert.Equal(t, "jane", s["user_id"])
	assert.Equal(t, "jane", s["name"])
	assert.Contains(t, s, "user_hash")
	assert.Empty(t, rec.got())
}

// kv is one Set call.
type kv struct {
	key   string
	value any
}

func TestPrecedence(t *testing.T) {
	jane := intercom.User{ID: "jane", Name: "jane"}
	cfgUser := intercom.User{ID: "7", Email: "seven@example.com"}
	handlerUser := intercom.User{ID: "42", Email: "jane@example.com", Name: "Jane"}

	tests := []struct {
		name      string
		messenger func(*intercom.Config)
		locals    map[string]any // what auth middlewares stored
		config    intercomfiber.Config
		identify  *intercom.User
		set       []kv
		bind      fiber.Map // non-nil: render through Bind
		want      intercom.Visitor
		wantErrs  []error
	}{
		{name: "anonymous"},
		{
			name:   "basicauth username",
			locals: map[string]any{"username": "jane"},
			want:   intercom.Visitor{User: &jane},
		},
		{
			name:   "app user under user",
			locals: map[string]any{"user": appUser{"9", "nine@example.com"}},
			want:   intercom.Visitor{User: &intercom.User{ID: "9", Email: "nine@example.com"}},
		},
		{
			name:   "username before user",
			locals: map[string]any{"username": "jane", "user": appUser{"9", "nine@example.com"}},
			want:   intercom.Visitor{User: &jane},
		},
		{
			name:     "jwt token under user is reported and ignored",
			locals:   map[string]any{"user": &jwtToken{Raw: "x.y.z"}},
			wantErrs: []error{&intercom.UserError{Type: "*intercomfiber_test.jwtToken", Reason: "not a string or an intercom.Identifier"}},
		},
		{
			name:   "Config.User over auth middleware",
			locals: map[string]any{"username": "jane"},
			config: intercomfiber.Config{User: func(*fiber.Ctx) (intercom.User, bool) { return cfgUser, true }},
			want:   intercom.Visitor{User: &cfgUser},
		},
		{
			name:   "Config.User without a user falls back to auth middleware",
			locals: map[string]any{"username": "jane"},
			config: intercomfiber.Config{User: func(*fiber.Ctx) (intercom.User, bool) { return cfgUser, false }},
			want:   intercom.Visitor{User: &jane},
		},
		{
			name:     "Identify over Config.User",
			locals:   map[string]any{"username": "jane"},
			config:   intercomfiber.Config{User: func(*fiber.Ctx) (intercom.User, bool) { return cfgUser, true }},
			identify: &handlerUser,
			want:     intercom.Visitor{User: &handlerUser},
		},
		{
			name:      "DisableAutoIdentify",
			messenger: func(c *intercom.Config) { c.DisableAutoIdentify = true },
			locals:    map[string]any{"username": "jane"},
		},
		{
			name:   "Config.Attributes",
			config: intercomfiber.Config{Attributes: func(*fiber.Ctx) intercom.Attributes { return intercom.Attributes{"plan": "free", "seats": 1} }},
			want:   intercom.Visitor{Attributes: intercom.Attributes{"plan": "free", "seats": 1}},
		},
		{
			name:   "Set over Config.Attributes",
			config: intercomfiber.Config{Attributes: func(*fiber.Ctx) intercom.Attributes { return intercom.Attributes{"plan": "free", "seats": 1} }},
			set:    []kv{{"plan", "pro"}, {"cart", 99.5}},
			want:   intercom.Visitor{Attributes: intercom.Attributes{"plan": "pro", "seats": 1, "cart": 99.5}},
		},
		{
			name:     "Set overrides a user field",
			identify: &handlerUser,
			set:      []kv{{"name", "J."}},
			want:     intercom.Visitor{User: &handlerUser, Attributes: intercom.Attributes{"name": "J."}},
		},
		{
			name: "Bind intercom_ keys over Set",
			set:  []kv{{"plan", "pro"}, {"cart", 99.5}},
			bind: fiber.Map{"Title": "Home", "intercom_plan": "team", "intercom_": "not a key"},
			want: intercom.Visitor{Attributes: intercom.Attributes{"plan": "team", "cart": 99.5}},
		},
		{
			name:   "Nonce and ClientIP",
			config: intercomfiber.Config{Nonce: func(*fiber.Ctx) string { return "bm9uY2U" }, ClientIP: func(*fiber.Ctx) string { return "10.1.2.3" }},
			want:   intercom.Visitor{Nonce: "bm9uY2U", ClientIP: "10.1.2.3"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			var edit []func(*intercom.Config)
			if tt.messenger != nil {
				edit = append(edit, tt.messenger)
			}
			m := newMessenger(t, rec, edit...)
			app := fiber.New()
			app.Use(withLocals(tt.locals))
			app.Use(intercomfiber.New(m, tt.config))
			app.Get("/", func(c *fiber.Ctx) error {
				if tt.identify != nil {
					intercomfiber.Identify(c, *tt.identify)
				}
				for _, a := range tt.set {
					intercomfiber.Set(c, a.key, a.value)
				}
				if tt.bind != nil {
					return c.JSON(intercomfiber.Bind(c, tt.bind)[intercom.TemplateKey])
				}
				return c.JSON(intercomfiber.Snippet(c))
			})

			var got string
			require.NoError(t, json.Unmarshal([]byte(get(t, app, "/")), &got))
			assert.Equal(t, string(m.Render(tt.want)), got)
			assert.Equal(t, tt.wantErrs, rec.got())
		})
	}
}

func TestHooksResolveOnce(t *testing.T) {
	m := newMessenger(t, nil)
	var users, attrs int
	app := fiber.New()
	app.Use(intercomfiber.New(m, intercomfiber.Config{
		User:       func(*fiber.Ctx) (intercom.User, bool) { users++; return intercom.User{ID: "1"}, true },
		Attributes: func(*fiber.Ctx) intercom.Attributes { attrs++; return nil },
	}))
	app.Get("/", func(c *fiber.Ctx) error {
		_ = intercomfiber.Snippet(c)
		_ = intercomfiber.Bind(c, nil)
		return sendSnippet(c)
	})
	get(t, app, "/")
	assert.Equal(t, 1, users)
	assert.Equal(t, 1, attrs)
}

func TestBind(t *testing.T) {
	m := newMessenger(t, nil)
	tests := []struct {
		name  string
		data  fiber.Map
		want  fiber.Map // without the snippet
		attrs intercom.Attributes
	}{
		{name: "nil", data: nil, want: fiber.Map{}},
		{name: "empty", data: fiber.Map{}, want: fiber.Map{}},
		{
			name: "plain keys",
			data: fiber.Map{"Title": "Home", "Items": []int{1, 2}},
			want: fiber.Map{"Title": "Home", "Items": []int{1, 2}},
		},
		{
			name:  "intercom_ keys",
			data:  fiber.Map{"Title": "Home", "intercom_plan": "pro", "intercom_seats": 3, "intercom_": "ignored", "Intercom_x": 1},
			want:  fiber.Map{"Title": "Home", "intercom_plan": "pro", "intercom_seats": 3, "intercom_": "ignored", "Intercom_x": 1},
			attrs: intercom.Attributes{"plan": "pro", "seats": 3},
		},
		{
			name: "an Intercom key is replaced",
			data: fiber.Map{"Intercom": "mine"},
			want: fiber.Map{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before fiber.Map
			if tt.data != nil {
				before = fiber.Map{}
				for k, v := range tt.data {
					before[k] = v
				}
			}
			app := fiber.New()
			app.Use(intercomfiber.New(m))
			var got fiber.Map
			app.Get("/", func(c *fiber.Ctx) error {
				got = intercomfiber.Bind(c, tt.data)
				return nil
			})
			get(t, app, "/")

			want := fiber.Map{intercom.TemplateKey: m.Render(intercom.Visitor{Attributes: tt.attrs})}
			for k, v := range tt.want {
				want[k] = v
			}
			assert.Equal(t, want, got)
			assert.Equal(t, before, tt.data, "Bind changed the caller's map")
		})
	}
}

// pageEngines are the two engines the Views wrapper is tested with, each
// with the tag its template language needs.
var pageEngines = []struct {
	name string
	new  func() fiber.Views
}{
	{"html", func() fiber.Views {
		return html.NewFileSystem(http.FS(fstest.MapFS{
			"page.html":   {Data: []byte("<p>{{ .Title }}</p>{{ .Intercom }}")},
			"layout.html": {Data: []byte("<body>{{ embed }}</body>")},
		}), ".html")
	}},
	{"django", func() fiber.Views {
		return django.NewFileSystem(http.FS(fstest.MapFS{
			"page.django":   {Data: []byte("<p>{{ Title }}</p>{{ Intercom|safe }}")},
			"layout.django": {Data: []byte("<body>{{ embed }}</body>")},
		}), ".django")
	}},
}

func TestViews(t *testing.T) {
	jane := intercom.User{ID: "42", Email: "jane@example.com", Name: "Jane <script>"}
	tests := []struct {
		name       string
		noLocals   bool // PassLocalsToViews off
		middleware bool
		config     intercomfiber.Config
		handler    func(c *fiber.Ctx) error
		want       func(m *intercom.Messenger) string
	}{
		{
			name:       "Identify and Set in the handler",
			middleware: true,
			handler: func(c *fiber.Ctx) error {
				intercomfiber.Identify(c, jane)
				intercomfiber.Set(c, "cart", 3)
				return c.Render("page", fiber.Map{"Title": "Home", "intercom_plan": "pro"})
			},
			want: func(m *intercom.Messenger) string {
				return "<p>Home</p>" + string(m.Render(intercom.Visitor{User: &jane, Attributes: intercom.Attributes{"cart": 3, "plan": "pro"}}))
			},
		},
		{
			name:       "with a layout",
			middleware: true,
			handler: func(c *fiber.Ctx) error {
				intercomfiber.Identify(c, jane)
				return c.Render("page", fiber.Map{"Title": "Home"}, "layout")
			},
			want: func(m *intercom.Messenger) string {
				return "<body><p>Home</p>" + string(m.Render(intercom.Visitor{User: &jane})) + "</body>"
			},
		},
		{
			name:       "nil binding",
			middleware: true,
			handler:    func(c *fiber.Ctx) error { return c.Render("page", nil) },
			want:       func(m *intercom.Messenger) string { return "<p></p>" + string(m.Render(intercom.Visitor{})) },
		},
		{
			name:       "Bind and Views render once",
			middleware: true,
			handler: func(c *fiber.Ctx) error {
				b := intercomfiber.Bind(c, fiber.Map{"Title": "Home"})
				intercomfiber.Set(c, "late", true) // after Bind: not on the page
				return c.Render("page", b)
			},
			want: func(m *intercom.Messenger) string { return "<p>Home</p>" + string(m.Render(intercom.Visitor{})) },
		},
		{
			name:       "PassLocalsToViews off",
			noLocals:   true,
			middleware: true,
			handler:    func(c *fiber.Ctx) error { return c.Render("page", fiber.Map{"Title": "Home"}) },
			want:       func(*intercom.Messenger) string { return "<p>Home</p>" },
		},
		{
			name:    "no middleware",
			handler: func(c *fiber.Ctx) error { return c.Render("page", fiber.Map{"Title": "Home"}) },
			want:    func(*intercom.Messenger) string { return "<p>Home</p>" },
		},
		{
			name:       "skipped",
			middleware: true,
			config:     intercomfiber.Config{Next: func(*fiber.Ctx) bool { return true }},
			handler: func(c *fiber.Ctx) error {
				intercomfiber.Identify(c, jane)
				return c.Render("page", fiber.Map{"Title": "Home"})
			},
			want: func(*intercom.Messenger) string { return "<p>Home</p>" },
		},
		{
			name:       "wrong type under LocalsKey",
			middleware: true,
			handler: func(c *fiber.Ctx) error {
				c.Locals(intercomfiber.LocalsKey, "not a request")
				intercomfiber.Identify(c, jane)
				intercomfiber.Set(c, "plan", "pro")
				return c.Render("page", fiber.Map{"Title": "Home"})
			},
			want: func(*intercom.Messenger) string { return "<p>Home</p>" },
		},
	}
	for _, engine := range pageEngines {
		for _, tt := range tests {
			t.Run(engine.name+"/"+tt.name, func(t *testing.T) {
				rec := &recorder{}
				m := newMessenger(t, rec)
				app := fiber.New(fiber.Config{
					Views:             intercomfiber.Views(engine.new()),
					PassLocalsToViews: !tt.noLocals,
				})
				if tt.middleware {
					app.Use(intercomfiber.New(m, tt.config))
				}
				app.Get("/", tt.handler)

				body := get(t, app, "/")
				assert.Equal(t, tt.want(m), body)
				assert.Empty(t, rec.got())
			})
		}
	}
}

// The settings on a page rendered through the wrapper are those the handler
// set, identity included.
func TestViewsSettings(t *testing.T) {
	for _, engine := range pageEngines {
		t.Run(engine.name, func(t *testing.T) {
			m := newMessenger(t, nil)
			app := fiber.New(fiber.Config{Views: intercomfiber.Views(engine.new()), PassLocalsToViews: true})
			app.Use(withLocals(map[string]any{"username": "someone-else"}))
			app.Use(intercomfiber.New(m))
			app.Get("/", func(c *fiber.Ctx) error {
				intercomfiber.Identify(c, intercom.User{ID: "42", Email: "jane@example.com"})
				intercomfiber.Set(c, "plan", "pro")
				return c.Render("page", fiber.Map{"Title": "Home", "intercom_seats": 3})
			})
			mac := hmac.New(sha256.New, []byte("s3cr3t"))
			mac.Write([]byte("42"))
			assert.Equal(t, map[string]any{
				"api_base":  "https://api-iam.intercom.io",
				"app_id":    "abc12345",
				"email":     "jane@example.com",
				"plan":      "pro",
				"seats":     float64(3),
				"user_hash": hex.EncodeToString(mac.Sum(nil)),
				"user_id":   "42",
			}, settingsOf(t, get(t, app, "/")))
		})
	}
}

// recordingViews is an engine that keeps the binding it is given.
type recordingViews struct {
	loaded  bool
	binding any
}

func (r *recordingViews) Load() error { r.loaded = true; return nil }

func (r *recordingViews) Render(w io.Writer, _ string, binding any, _ ...string) error {
	r.binding = binding
	_, err := io.WriteString(w, "ok")
	return err
}

func TestViewsPassThrough(t *testing.T) {
	type page struct{ Title string }
	skipped := (*intercom.Request[*fiber.Ctx])(nil)
	structBinding := &page{"Home"}
	mapNoLocal := fiber.Map{"Title": "Home"}
	mapWithSnippet := fiber.Map{intercomfiber.LocalsKey: skipped, "Intercom": template.HTML("mine")}
	mapWrongType := fiber.Map{intercomfiber.LocalsKey: "oops"}
	plainNoLocal := map[string]any{"Title": "Home"}

	same := []struct {
		name    string
		binding any
	}{
		{"nil", nil},
		{"struct pointer", structBinding},
		{"struct", page{"Home"}},
		{"string", "Home"},
		{"fiber.Map without the local", mapNoLocal},
		{"map[string]any without the local", plainNoLocal},
		{"map that has Intercom", mapWithSnippet},
		{"wrong type under LocalsKey", mapWrongType},
	}
	for _, tt := range same {
		t.Run(tt.name, func(t *testing.T) {
			rv := &recordingViews{}
			var buf strings.Builder
			require.NoError(t, intercomfiber.Views(rv).Render(&buf, "page", tt.binding))
			assert.Equal(t, "ok", buf.String())
			assert.Equal(t, tt.binding, rv.binding)
			if reflect.ValueOf(tt.binding).Kind() == reflect.Map {
				assert.Equal(t, reflect.ValueOf(tt.binding).Pointer(), reflect.ValueOf(rv.binding).Pointer(), "map was copied")
			}
		})
	}
	assert.Equal(t, fiber.Map{"Title": "Home"}, mapNoLocal, "changed the caller's map")

	// A skipped request: the map is copied, its type kept, and the snippet
	// is empty.
	for _, in := range []any{
		fiber.Map{intercomfiber.LocalsKey: skipped, "Title": "Home"},
		map[string]any{intercomfiber.LocalsKey: skipped, "Title": "Home"},
	} {
		rv := &recordingViews{}
		require.NoError(t, intercomfiber.Views(rv).Render(io.Discard, "page", in))
		switch in := in.(type) {
		case fiber.Map:
			assert.Equal(t, fiber.Map{intercomfiber.LocalsKey: skipped, "Title": "Home", "Intercom": template.HTML("")}, rv.binding)
			assert.Len(t, in, 2)
		case map[string]any:
			assert.Equal(t, map[string]any{intercomfiber.LocalsKey: skipped, "Title": "Home", "Intercom": template.HTML("")}, rv.binding)
			assert.Len(t, in, 2)
		}
	}

	rv := &recordingViews{}
	require.NoError(t, intercomfiber.Views(rv).Load())
	assert.True(t, rv.loaded)
	assert.Nil(t, intercomfiber.Views(nil))
}

func TestWithoutMiddleware(t *testing.T) {
	app := fiber.New()
	var bound fiber.Map
	app.Get("/", func(c *fiber.Ctx) error {
		intercomfiber.Identify(c, intercom.User{ID: "1"})
		intercomfiber.Set(c, "plan", "pro")
		bound = intercomfiber.Bind(c, fiber.Map{"Title": "Home"})
		return sendSnippet(c)
	})
	assert.Empty(t, get(t, app, "/"))
	assert.Equal(t, fiber.Map{"Title": "Home", "Intercom": template.HTML("")}, bound)

	assert.NotPanics(t, func() {
		intercomfiber.Identify(nil, intercom.User{ID: "1"})
		intercomfiber.Set(nil, "plan", "pro")
		assert.Equal(t, template.HTML(""), intercomfiber.Snippet(nil))
		assert.Equal(t, fiber.Map{"Intercom": template.HTML("")}, intercomfiber.Bind(nil, nil))
	})
}

func TestSkipAndDisabled(t *testing.T) {
	healthz := func(c *fiber.Ctx) bool { return c.Path() == "/healthz" }
	tests := []struct {
		name     string
		disabled bool
		next     func(*fiber.Ctx) bool
		path     string
		want     bool // the snippet is rendered
		wantErrs []error
	}{
		{name: "no Next", path: "/", want: true},
		{name: "Next false", next: func(*fiber.Ctx) bool { return false }, path: "/", want: true},
		{name: "Next true", next: func(*fiber.Ctx) bool { return true }, path: "/"},
		{name: "Next by path, skipped", next: healthz, path: "/healthz"},
		{name: "Next by path, not skipped", next: healthz, path: "/", want: true},
		{
			name:     "panicking Next is reported and treated as unset",
			next:     func(*fiber.Ctx) bool { panic("boom") },
			path:     "/",
			want:     true,
			wantErrs: []error{&intercom.HookError{Hook: "Next"}},
		},
		{name: "disabled Messenger", disabled: true, path: "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			m := newMessenger(t, rec, func(c *intercom.Config) {
				if tt.disabled {
					c.AppID = ""
				}
			})
			app := fiber.New()
			app.Use(intercomfiber.New(m, intercomfiber.Config{Next: tt.next}))
			handler := func(c *fiber.Ctx) error {
				intercomfiber.Identify(c, intercom.User{ID: "1"})
				intercomfiber.Set(c, "plan", "pro")
				return sendSnippet(c)
			}
			app.Get("/", handler)
			app.Get("/healthz", handler)

			want := ""
			if tt.want {
				want = string(m.Render(intercom.Visitor{User: &intercom.User{ID: "1"}, Attributes: intercom.Attributes{"plan": "pro"}}))
			}
			assert.Equal(t, want, get(t, app, tt.path))
			assert.Equal(t, tt.wantErrs, rec.got())
		})
	}
}

func TestPanickingHooks(t *testing.T) {
	jane := intercom.User{ID: "jane", Name: "jane"}
	tests := []struct {
		name     string
		locals   map[string]any
		config   intercomfiber.Config
		want     intercom.Visitor
		wantErrs []error
	}{
		{
			name:     "User falls back to the auth middleware's user",
			locals:   map[string]any{"username": "jane"},
			config:   intercomfiber.Config{User: func(*fiber.Ctx) (intercom.User, bool) { panic("db down") }},
			want:     intercom.Visitor{User: &jane},
			wantErrs: []error{&intercom.HookError{Hook: "User"}},
		},
		{
			name:   "Attributes, Nonce and ClientIP",
			locals: map[string]any{"username": "jane"},
			config: intercomfiber.Config{
				Attributes: func(*fiber.Ctx) intercom.Attributes { panic("x") },
				Nonce:      func(*fiber.Ctx) string { panic("x") },
				ClientIP:   func(*fiber.Ctx) string { panic("x") },
			},
			want:     intercom.Visitor{User: &jane},
			wantErrs: []error{&intercom.HookError{Hook: "ClientIP"}, &intercom.HookError{Hook: "Nonce"}, &intercom.HookError{Hook: "Attributes"}},
		},
		{
			name:     "Identifier under user",
			locals:   map[string]any{"user": panicky{}},
			wantErrs: []error{&intercom.UserError{Type: "intercomfiber_test.panicky", Reason: "IntercomUser panicked"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			m := newMessenger(t, rec)
			app := fiber.New()
			app.Use(withLocals(tt.locals))
			app.Use(intercomfiber.New(m, tt.config))
			app.Get("/", sendSnippet)
			assert.Equal(t, string(m.Render(tt.want)), get(t, app, "/"))
			assert.Equal(t, tt.wantErrs, rec.got())
		})
	}
}

// panicky is an app user type whose IntercomUser panics.
type panicky struct{}

func (panicky) IntercomUser() intercom.User { panic("nil session") }

func TestNewPanicsOnNilMessenger(t *testing.T) {
	assert.PanicsWithValue(t, "intercomfiber: New called with a nil *intercom.Messenger", func() { intercomfiber.New(nil) })
}
