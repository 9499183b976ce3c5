package intercomfiber_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gofiber/fiber/v3"
	"github.com/gofiber/fiber/v3/log"
	"github.com/gofiber/fiber/v3/middleware/basicauth"
	"github.com/gofiber/template/django/v3"
	"github.com/gofiber/template/html/v2"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	intercomfiber "github.com/goanalytical/intercom/adapters/fiberv3"
	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

// noTimeout is app.Test's config for requests that may take long.
var noTimeout = fiber.TestConfig{Timeout: 0}

// contribJWTPackage is where the adapter looks for gofiber/contrib's v3
// jwt key type when no test has redirected it.
var contribJWTPackage string

func TestMain(m *testing.M) {
	// Cases without New log the missing-middleware warning; keep it out of
	// the examples' output.
	log.SetOutput(io.Discard)
	contribJWTPackage = intercomfiber.UseContribJWTPackage(reflect.TypeOf(tokenKey).PkgPath())
	os.Exit(m.Run())
}

// redirectWarnings sends fiber's log, where the missing-middleware warning
// goes, to w until the test ends.
func redirectWarnings(t *testing.T, w io.Writer) {
	t.Helper()
	log.SetOutput(w)
	t.Cleanup(func() { log.SetOutput(io.Discard) })
}

// recorder is an intercom.Config.ErrorHandler that keeps the messages of
// what it is given.
type recorder struct {
	mu   sync.Mutex
	errs []string
}

func (r *recorder) handle(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err.Error())
}

func (r *recorder) got() []string {
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
	resp, err := app.Test(req, noTimeout)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	noPlaceholder(t, string(body))
	return resp.StatusCode, string(body)
}

func get(t testing.TB, app *fiber.App, target string) string {
	t.Helper()
	status, body := do(t, app, httptest.NewRequest(fiber.MethodGet, target, nil))
	require.Equal(t, fiber.StatusOK, status, body)
	return body
}

// sendSnippet responds with the request's snippet alone.
func sendSnippet(c fiber.Ctx) error {
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

// withLocals stands in for an app's own middlewares: it stores each of
// locals in the request's Locals and calls the next handler.
func withLocals(locals map[string]any) fiber.Handler {
	return func(c fiber.Ctx) error {
		for k, v := range locals {
			c.Locals(k, v)
		}
		return c.Next()
	}
}

// signIn signs name in through fiber's own basicauth middleware (any
// password is right), as if the request carried the credentials.
func signIn(name string) fiber.Handler {
	auth := basicauth.New(basicauth.Config{Authorizer: func(string, string, fiber.Ctx) bool { return true }})
	return func(c fiber.Ctx) error {
		c.Request().Header.Set(fiber.HeaderAuthorization, "Basic "+base64.StdEncoding.EncodeToString([]byte(name+":pw")))
		return auth(c)
	}
}

// contextKey is the type of gofiber/contrib's v3 jwt middleware's
// unexported token key (github.com/gofiber/contrib/v3/jwt is not served to
// this module): TestMain makes the adapter look for it in this package.
type contextKey int

// tokenKey is that middleware's key: the contextKey iota 0.
const tokenKey contextKey = 0

// storeToken places v where gofiber/contrib's v3 jwt middleware places the
// token it verified: fiber.StoreInContext(c, tokenKey, token).
func storeToken(v any) fiber.Handler {
	return func(c fiber.Ctx) error {
		fiber.StoreInContext(c, tokenKey, v)
		return c.Next()
	}
}

// appUser is an app's own user type stored by its session middleware.
type appUser struct{ id, email string }

func (u appUser) IntercomUser() intercom.User { return intercom.User{ID: u.id, Email: u.email} }

func TestBasicAuthIdentifies(t *testing.T) {
	rec := &recorder{}
	m := newMessenger(t, rec)
	app := fiber.New()
	app.Use(basicauth.New(basicauth.Config{Users: map[string]string{"jane": sha256Password("pw")}}))
	app.Use(intercomfiber.New(m))
	app.Get("/", sendSnippet)

	for _, tt := range []struct {
		password string
		status   int
	}{
		{"pw", fiber.StatusOK},
		{"wrong", fiber.StatusUnauthorized},
	} {
		req := httptest.NewRequest(fiber.MethodGet, "/", nil)
		req.SetBasicAuth("jane", tt.password)
		status, body := do(t, app, req)
		require.Equal(t, tt.status, status)
		if tt.status != fiber.StatusOK {
			assert.NotContains(t, body, adapter.SnippetMarker)
			continue
		}
		assert.Equal(t, string(m.Render(intercom.Visitor{User: &intercom.User{ID: "jane", Name: "jane"}})), body)
		s := settingsOf(t, body)
		assert.Equal(t, "jane", s["user_id"])
		assert.Equal(t, "jane", s["name"])
		mac := hmac.New(sha256.New, []byte("s3cr3t"))
		mac.Write([]byte("jane"))
		assert.Equal(t, hex.EncodeToString(mac.Sum(nil)), s["user_hash"])
	}
	assert.Empty(t, rec.got())
}

// sha256Password is a password as fiber v3's basicauth wants it: hashed.
func sha256Password(pw string) string {
	sum := sha256.Sum256([]byte(pw))
	return "{SHA256}" + base64.StdEncoding.EncodeToString(sum[:])
}

// kv is one Set call.
type kv struct {
	key   string
	value any
}

func TestPrecedence(t *testing.T) {
	jane := intercom.User{ID: "jane", Name: "jane"}
	sam := intercom.User{ID: "7", Email: "seven@example.com", Name: "Sam"}
	cfgUser := intercom.User{ID: "8", Email: "eight@example.com"}
	handlerUser := intercom.User{ID: "42", Email: "jane@example.com", Name: "Jane"}
	token := signedToken(t, jwt.MapClaims{"sub": "7", "email": "seven@example.com", "name": "Sam"})

	tests := []struct {
		name      string
		messenger func(*intercom.Config)
		auth      []fiber.Handler // what signs the visitor in
		config    intercomfiber.Config
		identify  *intercom.User
		set       []kv
		bind      fiber.Map // non-nil: render through Data
		want      intercom.Visitor
		wantErrs  []string
	}{
		{name: "anonymous"},
		{
			name: "basicauth user name",
			auth: []fiber.Handler{signIn("jane")},
			want: intercom.Visitor{User: &jane},
		},
		{
			name: "contrib jwt token",
			auth: []fiber.Handler{storeToken(token)},
			want: intercom.Visitor{User: &sam},
		},
		{
			name: "basicauth before contrib jwt",
			auth: []fiber.Handler{storeToken(token), signIn("jane")},
			want: intercom.Visitor{User: &jane},
		},
		{
			name: "the v2 locals are no auth in v3",
			auth: []fiber.Handler{withLocals(map[string]any{"username": "jane", "user": appUser{"9", "nine@example.com"}})},
		},
		{
			name:     "wrong type where contrib jwt stores its token is reported and ignored",
			auth:     []fiber.Handler{storeToken(42)},
			wantErrs: []string{"intercom: cannot identify user from int: not a string, an intercom.Identifier or a golang-jwt token; use intercomfiber.Config.User to identify the visitor from it"},
		},
		{
			name: "a token under another key of that type is not contrib's",
			auth: []fiber.Handler{func(c fiber.Ctx) error { c.Locals(contextKey(1), token); return c.Next() }},
		},
		{
			name:   "Config.User over auth middleware",
			auth:   []fiber.Handler{signIn("jane")},
			config: intercomfiber.Config{User: func(fiber.Ctx) (intercom.User, bool) { return cfgUser, true }},
			want:   intercom.Visitor{User: &cfgUser},
		},
		{
			name:   "Config.User without a user falls back to auth middleware",
			auth:   []fiber.Handler{storeToken(token)},
			config: intercomfiber.Config{User: func(fiber.Ctx) (intercom.User, bool) { return cfgUser, false }},
			want:   intercom.Visitor{User: &sam},
		},
		{
			name:     "Identify over Config.User",
			auth:     []fiber.Handler{signIn("jane")},
			config:   intercomfiber.Config{User: func(fiber.Ctx) (intercom.User, bool) { return cfgUser, true }},
			identify: &handlerUser,
			want:     intercom.Visitor{User: &handlerUser},
		},
		{
			name:      "DisableAutoIdentify",
			messenger: func(c *intercom.Config) { c.DisableAutoIdentify = true },
			auth:      []fiber.Handler{signIn("jane"), storeToken(token)},
		},
		{
			name:   "Config.Attributes",
			config: intercomfiber.Config{Attributes: func(fiber.Ctx) intercom.Attributes { return intercom.Attributes{"plan": "free", "seats": 1} }},
			want:   intercom.Visitor{Attributes: intercom.Attributes{"plan": "free", "seats": 1}},
		},
		{
			name:   "Set over Config.Attributes",
			config: intercomfiber.Config{Attributes: func(fiber.Ctx) intercom.Attributes { return intercom.Attributes{"plan": "free", "seats": 1} }},
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
			name: "Data intercom_ keys over Set",
			set:  []kv{{"plan", "pro"}, {"cart", 99.5}},
			bind: fiber.Map{"Title": "Home", "intercom_plan": "team", "intercom_": "not a key"},
			want: intercom.Visitor{Attributes: intercom.Attributes{"plan": "team", "cart": 99.5}},
		},
		{
			name:   "Nonce and ClientIP",
			config: intercomfiber.Config{Nonce: func(fiber.Ctx) string { return "bm9uY2U" }, ClientIP: func(fiber.Ctx) string { return "10.1.2.3" }},
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
			for _, h := range tt.auth {
				app.Use(h)
			}
			app.Use(intercomfiber.New(m, tt.config))
			app.Get("/", func(c fiber.Ctx) error {
				if tt.identify != nil {
					intercomfiber.Identify(c, *tt.identify)
				}
				for _, a := range tt.set {
					intercomfiber.Set(c, a.key, a.value)
				}
				if tt.bind != nil {
					return c.JSON(intercomfiber.Data(c, tt.bind)[adapter.TemplateKey])
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
		User:       func(fiber.Ctx) (intercom.User, bool) { users++; return intercom.User{ID: "1"}, true },
		Attributes: func(fiber.Ctx) intercom.Attributes { attrs++; return nil },
	}))
	app.Get("/", func(c fiber.Ctx) error {
		_ = intercomfiber.Snippet(c)
		_ = intercomfiber.Data(c, nil)
		return sendSnippet(c)
	})
	get(t, app, "/")
	assert.Equal(t, 1, users)
	assert.Equal(t, 1, attrs)
}

func TestData(t *testing.T) {
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
			app.Get("/", func(c fiber.Ctx) error {
				got = intercomfiber.Data(c, tt.data)
				return nil
			})
			get(t, app, "/")

			want := fiber.Map{adapter.TemplateKey: m.Render(intercom.Visitor{Attributes: tt.attrs})}
			for k, v := range tt.want {
				want[k] = v
			}
			assert.Equal(t, want, got)
			assert.Equal(t, before, tt.data, "Data changed the caller's map")
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
		handler    func(c fiber.Ctx) error
		want       func(m *intercom.Messenger) string
	}{
		{
			name:       "Identify and Set in the handler",
			middleware: true,
			handler: func(c fiber.Ctx) error {
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
			handler: func(c fiber.Ctx) error {
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
			handler:    func(c fiber.Ctx) error { return c.Render("page", nil) },
			want:       func(m *intercom.Messenger) string { return "<p></p>" + string(m.Render(intercom.Visitor{})) },
		},
		{
			name:       "Data and Views: the snippet renders with c.Render",
			middleware: true,
			handler: func(c fiber.Ctx) error {
				b := intercomfiber.Data(c, fiber.Map{"Title": "Home"})
				intercomfiber.Set(c, "late", true) // after Data, before c.Render: on the page
				return c.Render("page", b)
			},
			want: func(m *intercom.Messenger) string {
				return "<p>Home</p>" + string(m.Render(intercom.Visitor{Attributes: intercom.Attributes{"late": true}}))
			},
		},
		{
			name:       "PassLocalsToViews off",
			noLocals:   true,
			middleware: true,
			handler:    func(c fiber.Ctx) error { return c.Render("page", fiber.Map{"Title": "Home"}) },
			want:       func(*intercom.Messenger) string { return "<p>Home</p>" },
		},
		{
			name:    "no middleware",
			handler: func(c fiber.Ctx) error { return c.Render("page", fiber.Map{"Title": "Home"}) },
			want:    func(*intercom.Messenger) string { return "<p>Home</p>" },
		},
		{
			name:       "skipped",
			middleware: true,
			config:     intercomfiber.Config{Next: func(fiber.Ctx) bool { return true }},
			handler: func(c fiber.Ctx) error {
				intercomfiber.Identify(c, jane)
				return c.Render("page", fiber.Map{"Title": "Home"})
			},
			want: func(*intercom.Messenger) string { return "<p>Home</p>" },
		},
		{
			name:       "wrong type under the state key",
			middleware: true,
			handler: func(c fiber.Ctx) error {
				c.Locals(intercomfiber.StateKey, "not a request")
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
			app.Use(signIn("someone-else"))
			app.Use(intercomfiber.New(m))
			app.Get("/", func(c fiber.Ctx) error {
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
	m := newMessenger(t, nil)
	skipped := adapter.NewMiddleware("test", m, adapter.Hooks[fiber.Ctx]{Skip: func(fiber.Ctx) bool { return true }}).Start(nil)
	structBinding := &page{"Home"}
	mapNoLocal := fiber.Map{"Title": "Home"}
	mapWrongType := fiber.Map{intercomfiber.StateKey: "oops"}
	mapNilState := fiber.Map{intercomfiber.StateKey: (*adapter.Request[fiber.Ctx])(nil)}
	otherFramework := fiber.Map{intercomfiber.StateKey: adapter.NewMiddleware("test", m, adapter.Hooks[*http.Request]{}).Start(nil)}
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
		{"wrong type under the state key", mapWrongType},
		{"a nil Request under the state key", mapNilState},
		{"another framework's Request under the state key", otherFramework},
	}
	for _, tt := range same {
		t.Run(tt.name, func(t *testing.T) {
			rv := &recordingViews{}
			var buf strings.Builder
			require.NoError(t, intercomfiber.Views(rv).Render(&buf, "page", tt.binding))
			assert.Equal(t, "ok", buf.String())
			want := tt.binding
			if b, ok := want.(fiber.Map); ok {
				want = map[string]any(b) // what every engine reads
			}
			assert.Equal(t, want, rv.binding)
			if reflect.ValueOf(tt.binding).Kind() == reflect.Map {
				assert.Equal(t, reflect.ValueOf(tt.binding).Pointer(), reflect.ValueOf(rv.binding).Pointer(), "map was copied")
			}
		})
	}
	assert.Equal(t, fiber.Map{"Title": "Home"}, mapNoLocal, "changed the caller's map")

	// A request New skipped: the map is copied, as a map[string]any, and
	// the snippet is empty, also in place of one the map has (from Data).
	for _, in := range []any{
		fiber.Map{intercomfiber.StateKey: skipped, "Title": "Home"},
		map[string]any{intercomfiber.StateKey: skipped, "Title": "Home"},
		fiber.Map{intercomfiber.StateKey: skipped, "Title": "Home", "Intercom": template.HTML("mine")},
	} {
		rv := &recordingViews{}
		n := reflect.ValueOf(in).Len()
		require.NoError(t, intercomfiber.Views(rv).Render(io.Discard, "page", in))
		assert.Equal(t, map[string]any{intercomfiber.StateKey: skipped, "Title": "Home", "Intercom": template.HTML("")}, rv.binding)
		assert.Equal(t, n, reflect.ValueOf(in).Len(), "changed the caller's map")
	}

	rv := &recordingViews{}
	require.NoError(t, intercomfiber.Views(rv).Load())
	assert.True(t, rv.loaded)
	assert.Nil(t, intercomfiber.Views(nil))
}

// TestNoMiddleware calls every helper where New's state is missing, of the
// wrong type, or the context itself is nil: nothing panics, nothing is
// rendered, and the page still renders.
func TestNoMiddleware(t *testing.T) {
	m := newMessenger(t, nil)
	tests := []struct {
		name  string
		setup func(c fiber.Ctx)
	}{
		{"nothing stored", func(fiber.Ctx) {}},
		{"a string under the key", func(c fiber.Ctx) { c.Locals(intercomfiber.StateKey, "junk") }},
		{"a typed nil Request under the key", func(c fiber.Ctx) {
			c.Locals(intercomfiber.StateKey, (*adapter.Request[fiber.Ctx])(nil))
		}},
		{"a Request for another framework", func(c fiber.Ctx) {
			c.Locals(intercomfiber.StateKey, adapter.NewMiddleware("test", m, adapter.Hooks[*http.Request]{}).Start(nil))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := fiber.New()
			app.Use(intercomfiber.Inject())
			var data fiber.Map
			var component string
			app.Get("/", func(c fiber.Ctx) error {
				tt.setup(c)
				intercomfiber.Identify(c, intercom.User{ID: "1"})
				intercomfiber.Set(c, "plan", "pro")
				intercomfiber.Shutdown(c)
				data = intercomfiber.Data(c, fiber.Map{"Title": "Home", "intercom_plan": "pro"})
				var sb strings.Builder
				require.NoError(t, intercomfiber.Component().Render(c, &sb))
				require.NoError(t, intercomfiber.Component().Render(c.Context(), &sb))
				component = sb.String()
				c.Type("html")
				return c.SendString("<html><body>" + string(intercomfiber.Snippet(c)) + "</body></html>")
			})
			app.Get("/settings", func(c fiber.Ctx) error {
				tt.setup(c)
				return intercomfiber.SettingsHandler()(c)
			})
			got := send(t, app, fiber.MethodGet, "/", "")
			assert.Equal(t, fiber.StatusOK, got.status)
			assert.Equal(t, "<html><body></body></html>", got.body)
			assert.Empty(t, got.cookies)
			assert.Equal(t, fiber.Map{"Title": "Home", "intercom_plan": "pro", "Intercom": template.HTML("")}, data)
			assert.Empty(t, component)
			assert.Equal(t, "null", send(t, app, fiber.MethodGet, "/settings", "").body)
		})
	}
	t.Run("nil context", func(t *testing.T) {
		require.NotPanics(t, func() {
			intercomfiber.Identify(nil, intercom.User{ID: "1"})
			intercomfiber.Set(nil, "plan", "pro")
			intercomfiber.Shutdown(nil)
			assert.Equal(t, template.HTML(""), intercomfiber.Snippet(nil))
			assert.Equal(t, fiber.Map{"Intercom": template.HTML("")}, intercomfiber.Data(nil, nil))
			var sb strings.Builder
			require.NoError(t, intercomfiber.Component().Render(nil, &sb)) //nolint:staticcheck // a nil context on purpose
			require.NoError(t, intercomfiber.Component().Render(context.Background(), &sb))
			assert.Empty(t, sb.String())
		})
	})
}

// TestMissingMiddlewareWarning checks that a forgotten New is logged with
// fiber's logger once per process, and that a skipped request is not
// mistaken for one.
func TestMissingMiddlewareWarning(t *testing.T) {
	m := newMessenger(t, nil)
	tests := []struct {
		name string
		mw   fiber.Handler
		want string
	}{
		{"no middleware", nil, "[Warn] [INTERCOM] " + adapter.ErrNoMiddleware.Error() + "\n"},
		{"skipped", intercomfiber.New(m, intercomfiber.Config{Next: func(fiber.Ctx) bool { return true }}), ""},
		{"middleware", intercomfiber.New(m), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf strings.Builder
			redirectWarnings(t, &buf)
			intercomfiber.ResetNoMiddlewareWarning()
			app := fiber.New()
			if tt.mw != nil {
				app.Use(tt.mw)
			}
			app.Get("/", func(c fiber.Ctx) error {
				_ = intercomfiber.Data(c, nil)
				return sendSnippet(c)
			})
			for range 3 {
				get(t, app, "/")
			}
			got := buf.String()
			if i := strings.Index(got, "[Warn]"); i > 0 {
				got = got[i:] // fiber's logger starts the line with the time
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestMiddlewareTwice installs New on the app and again on the route: the
// second keeps the first one's state (and Config), so the page has one
// snippet with what the handler set.
func TestMiddlewareTwice(t *testing.T) {
	m := newMessenger(t, nil)
	outer := intercomfiber.New(m, intercomfiber.Config{Attributes: func(fiber.Ctx) intercom.Attributes { return intercom.Attributes{"by": "outer"} }})
	inner := intercomfiber.New(m, intercomfiber.Config{Attributes: func(fiber.Ctx) intercom.Attributes { return intercom.Attributes{"by": "inner"} }})
	app := fiber.New()
	app.Use(signIn("jane"), outer)
	app.Use(func(c fiber.Ctx) error {
		intercomfiber.Set(c, "plan", "pro") // between the two
		return c.Next()
	})
	app.Get("/", inner, intercomfiber.Inject(), intercomfiber.Inject(), sendHTML(injectPage))
	body := get(t, app, "/")
	want := m.Render(intercom.Visitor{User: &jane, Attributes: intercom.Attributes{"by": "outer", "plan": "pro"}})
	assert.Equal(t, withSnippet(string(want)), body)
}

// otherKey is a context key of the app's.
type otherKey struct{}

// TestComponent renders the templ component with both contexts a fiber
// handler has: the fiber.Ctx itself and c.Context().
func TestComponent(t *testing.T) {
	m := newMessenger(t, nil)
	for _, tt := range []struct {
		name string
		ctx  func(c fiber.Ctx) context.Context
	}{
		{"the fiber.Ctx", func(c fiber.Ctx) context.Context { return c }},
		{"c.Context()", func(c fiber.Ctx) context.Context { return c.Context() }},
		{"a context derived from c.Context()", func(c fiber.Ctx) context.Context {
			return context.WithValue(c.Context(), otherKey{}, "x")
		}},
		{"a context derived from the fiber.Ctx", func(c fiber.Ctx) context.Context {
			return context.WithValue(c, otherKey{}, "x")
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			app := fiber.New()
			app.Use(intercomfiber.New(m, intercomfiber.Config{Nonce: func(fiber.Ctx) string { return "bm9uY2U" }}))
			app.Get("/", func(c fiber.Ctx) error {
				intercomfiber.Identify(c, jane)
				intercomfiber.Set(c, "plan", "pro")
				c.Type("html")
				return intercomfiber.Component().Render(tt.ctx(c), c.Response().BodyWriter())
			})
			want := m.Render(intercom.Visitor{User: &jane, Attributes: intercom.Attributes{"plan": "pro"}, Nonce: "bm9uY2U"})
			assert.Equal(t, string(want), get(t, app, "/"))
		})
	}
	t.Run("skipped", func(t *testing.T) {
		app := fiber.New()
		app.Use(intercomfiber.New(m, intercomfiber.Config{Next: func(fiber.Ctx) bool { return true }}))
		app.Get("/", func(c fiber.Ctx) error {
			return intercomfiber.Component().Render(c, c.Response().BodyWriter())
		})
		assert.Empty(t, get(t, app, "/"))
	})
}

// signedToken returns a token as gofiber/contrib's jwt middleware stores
// it: parsed and verified by golang-jwt.
func signedToken(t testing.TB, claims jwt.Claims) *jwt.Token {
	t.Helper()
	raw, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(jwtSecret))
	require.NoError(t, err)
	tok, err := jwt.ParseWithClaims(raw, emptyClaims(claims), func(*jwt.Token) (any, error) { return []byte(jwtSecret), nil })
	require.NoError(t, err)
	return tok
}

// emptyClaims returns a new claims value of claims' type, for parsing into.
func emptyClaims(claims jwt.Claims) jwt.Claims {
	if _, ok := claims.(jwt.MapClaims); ok {
		return jwt.MapClaims{}
	}
	return reflect.New(reflect.TypeOf(claims).Elem()).Interface().(jwt.Claims)
}

const jwtSecret = "jwt-s3cr3t"

// TestContribJWT identifies from a real golang-jwt token placed where
// gofiber/contrib's v3 jwt middleware places the one it verified (that
// module is not served to this one): its claims, MapClaims or a claims
// struct, whether or not PassLocalsToContext also puts it in c.Context().
func TestContribJWT(t *testing.T) {
	assert.Equal(t, "github.com/gofiber/contrib/v3/jwt", contribJWTPackage, "where the adapter looks by default")
	type claims struct {
		Email string `json:"email"`
		jwt.RegisteredClaims
	}
	tests := []struct {
		name   string
		claims jwt.Claims
		want   *intercom.User
	}{
		{
			name:   "MapClaims",
			claims: jwt.MapClaims{"sub": "42", "email": "jane@example.com", "name": "Jane"},
			want:   &intercom.User{ID: "42", Email: "jane@example.com", Name: "Jane"},
		},
		{
			name:   "a claims struct",
			claims: &claims{Email: "jane@example.com", RegisteredClaims: jwt.RegisteredClaims{Subject: "42"}},
			want:   &intercom.User{ID: "42", Email: "jane@example.com"},
		},
		{
			name:   "no subject: anonymous",
			claims: jwt.MapClaims{"admin": true},
		},
	}
	for _, tt := range tests {
		for _, toContext := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/PassLocalsToContext=%t", tt.name, toContext), func(t *testing.T) {
				rec := &recorder{}
				m := newMessenger(t, rec)
				app := fiber.New(fiber.Config{PassLocalsToContext: toContext})
				app.Use(storeToken(signedToken(t, tt.claims)), intercomfiber.New(m))
				app.Get("/", sendSnippet)
				assert.Equal(t, string(m.Render(intercom.Visitor{User: tt.want})), get(t, app, "/"))
				assert.Empty(t, rec.got())
			})
		}
	}
	t.Run("an unverified token is reported and ignored", func(t *testing.T) {
		rec := &recorder{}
		m := newMessenger(t, rec)
		tok := signedToken(t, jwt.MapClaims{"sub": "42"})
		tok.Valid = false
		app := fiber.New()
		app.Use(storeToken(tok), intercomfiber.New(m))
		app.Get("/", sendSnippet)
		assert.Equal(t, string(m.Render(intercom.Visitor{})), get(t, app, "/"))
		assert.Equal(t, []string{"intercom: cannot identify user from *jwt.Token: the golang-jwt token is not marked Valid; use intercomfiber.Config.User to identify the visitor from it"}, rec.got())
	})
}

func TestSkipAndDisabled(t *testing.T) {
	healthz := func(c fiber.Ctx) bool { return c.Path() == "/healthz" }
	tests := []struct {
		name     string
		disabled bool
		next     func(fiber.Ctx) bool
		path     string
		want     bool // the snippet is rendered
		wantErrs []string
	}{
		{name: "no Next", path: "/", want: true},
		{name: "Next false", next: func(fiber.Ctx) bool { return false }, path: "/", want: true},
		{name: "Next true", next: func(fiber.Ctx) bool { return true }, path: "/"},
		{name: "Next by path, skipped", next: healthz, path: "/healthz"},
		{name: "Next by path, not skipped", next: healthz, path: "/", want: true},
		{
			name:     "panicking Next is reported and treated as unset",
			next:     func(fiber.Ctx) bool { panic("boom") },
			path:     "/",
			want:     true,
			wantErrs: []string{"intercom: Skipper hook panicked; treated as unset"},
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
			handler := func(c fiber.Ctx) error {
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
		auth     fiber.Handler
		config   intercomfiber.Config
		want     intercom.Visitor
		wantErrs []string
	}{
		{
			name:     "User falls back to the auth middleware's user",
			auth:     signIn("jane"),
			config:   intercomfiber.Config{User: func(fiber.Ctx) (intercom.User, bool) { panic("db down") }},
			want:     intercom.Visitor{User: &jane},
			wantErrs: []string{"intercom: User hook panicked; treated as unset"},
		},
		{
			name: "Attributes, Nonce and ClientIP",
			auth: signIn("jane"),
			config: intercomfiber.Config{
				Attributes: func(fiber.Ctx) intercom.Attributes { panic("x") },
				Nonce:      func(fiber.Ctx) string { panic("x") },
				ClientIP:   func(fiber.Ctx) string { panic("x") },
			},
			want:     intercom.Visitor{User: &jane},
			wantErrs: []string{"intercom: ClientIP hook panicked; treated as unset", "intercom: Nonce hook panicked; treated as unset", "intercom: Attributes hook panicked; treated as unset"},
		},
		{
			name:     "Identifier where contrib jwt stores its token",
			auth:     storeToken(panicky{}),
			wantErrs: []string{"intercom: cannot identify user from intercomfiber_test.panicky: IntercomUser panicked"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			m := newMessenger(t, rec)
			app := fiber.New()
			if tt.auth != nil {
				app.Use(tt.auth)
			}
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
	assert.PanicsWithValue(t, "intercomfiber.New: needs a *intercom.Messenger from intercom.New, got nil", func() { intercomfiber.New(nil) })
}
