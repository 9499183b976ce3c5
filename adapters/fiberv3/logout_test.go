package intercomfiber_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"

	"github.com/gofiber/fiber/v3"
	"github.com/gofiber/template/html/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	intercomfiber "github.com/goanalytical/intercom/adapters/fiberv3"
	intercom "github.com/goanalytical/intercom/core"
)

const (
	expired  = "Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0"
	flagSet  = "intercom_shutdown=1; Path=/; Max-Age=600; SameSite=Lax"
	flagDone = "intercom_shutdown=; Path=/; " + expired + "; SameSite=Lax"
)

// exchange is one request's response as the tests look at it.
type exchange struct {
	status   int
	body     string
	cookies  []string // Set-Cookie lines, in order
	location string
	header   http.Header
}

func send(t *testing.T, app *fiber.App, method, target, cookie string) exchange {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	if cookie != "" {
		req.Header.Set(fiber.HeaderCookie, cookie)
	}
	resp, err := app.Test(req, noTimeout)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return exchange{
		status:   resp.StatusCode,
		body:     string(body),
		cookies:  resp.Header.Values(fiber.HeaderSetCookie),
		location: resp.Header.Get(fiber.HeaderLocation),
		header:   resp.Header,
	}
}

// clearedCookies is the Set-Cookie list Shutdown writes, in order: the
// Messenger's four cookies expired, with a Domain attribute when domain is
// set, then the flag.
func clearedCookies(domain string) []string {
	attr := ""
	if domain != "" {
		attr = "Domain=" + domain + "; "
	}
	return []string{
		"intercom-session-abc12345=; Path=/; " + attr + expired,
		"intercom-id-abc12345=; Path=/; " + attr + expired,
		"intercom-device-id-abc12345=; Path=/; " + attr + expired,
		"intercom-custom-abc12345=; Path=/; " + attr + expired,
		flagSet,
	}
}

func TestShutdownCookies(t *testing.T) {
	const cookie = "sid=1; intercom-session-abc12345=s; intercom-custom-abc12345=c; intercom-id-other1=o; intercom_shutdown=1"
	tests := []struct {
		name     string
		domain   string
		disabled bool
		skip     bool
		noNew    bool
		want     []string
	}{
		{
			name: "no CookieDomain",
			want: clearedCookies(""),
		},
		{
			name:   "CookieDomain",
			domain: "example.com",
			want:   clearedCookies("example.com"),
		},
		{
			// A leading dot is how the Messenger's JavaScript sets it;
			// net/http writes the same cookie without it.
			name:   "CookieDomain with a leading dot",
			domain: ".example.com",
			want:   clearedCookies("example.com"),
		},
		{
			name: "skipped by New's Next: logs out all the same",
			skip: true,
			want: clearedCookies(""),
		},
		{name: "disabled Messenger: nothing", disabled: true},
		{name: "no New: nothing", noNew: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMessenger(t, nil, func(c *intercom.Config) {
				c.CookieDomain = tt.domain
				if tt.disabled {
					c.AppID = ""
				}
			})
			app := fiber.New()
			if !tt.noNew {
				cfg := intercomfiber.Config{}
				if tt.skip {
					cfg.Next = func(fiber.Ctx) bool { return true }
				}
				app.Use(intercomfiber.New(m, cfg))
			}
			app.Get("/logout", func(c fiber.Ctx) error {
				intercomfiber.Shutdown(c)
				return c.Redirect().Status(fiber.StatusFound).To("/")
			})
			got := send(t, app, fiber.MethodGet, "/logout", cookie)
			assert.Equal(t, fiber.StatusFound, got.status)
			assert.Equal(t, "/", got.location)
			assert.Equal(t, tt.want, got.cookies)
		})
	}
	assert.NotPanics(t, func() { intercomfiber.Shutdown(nil) })
}

// The flag Shutdown sets survives the redirect; the next page shuts the
// Messenger down and clears it, exactly once, whichever way the page gets
// its snippet.
func TestShutdownFlag(t *testing.T) {
	views := html.NewFileSystem(http.FS(fstest.MapFS{
		"page.html": {Data: []byte("<html><body>{{ .Intercom }}</body></html>")},
	}), ".html")
	pages := []struct {
		name    string
		handler fiber.Handler
		wrap    func(snippet string) string
	}{
		{
			name: "Data",
			handler: func(c fiber.Ctx) error {
				intercomfiber.Identify(c, jane)
				return c.Render("page", intercomfiber.Data(c, nil))
			},
			wrap: func(s string) string { return "<html><body>" + s + "</body></html>" },
		},
		{
			name: "Snippet twice",
			handler: func(c fiber.Ctx) error {
				intercomfiber.Identify(c, jane)
				c.Type("html")
				return c.SendString(string(intercomfiber.Snippet(c)) + string(intercomfiber.Snippet(c)))
			},
			wrap: func(s string) string { return s + s },
		},
		{
			name:    "Inject",
			handler: sendHTML(injectPage),
			wrap:    withSnippet,
		},
	}
	m := newMessenger(t, nil)
	normal := string(m.Render(intercom.Visitor{User: &jane}))
	shutdown := string(m.Render(intercom.Visitor{User: &jane, Shutdown: true}))
	require.NotEqual(t, normal, shutdown)

	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			app := fiber.New(fiber.Config{Views: views})
			app.Use(intercomfiber.New(m), intercomfiber.Inject())
			app.Get("/page", p.handler)
			app.Get("/logout", func(c fiber.Ctx) error {
				intercomfiber.Shutdown(c)
				return c.Redirect().Status(fiber.StatusFound).To("/page")
			})

			logout := send(t, app, fiber.MethodGet, "/logout", "intercom-session-abc12345=s")
			require.Equal(t, fiber.StatusFound, logout.status)
			assert.Equal(t, "/page", logout.location)
			assert.Empty(t, logout.body)
			require.Contains(t, logout.cookies, flagSet)

			// The browser follows the redirect with the flag.
			next := send(t, app, fiber.MethodGet, "/page", "intercom_shutdown=1")
			assert.Equal(t, fiber.StatusOK, next.status)
			assert.Equal(t, p.wrap(shutdown), next.body)
			assert.Equal(t, []string{flagDone}, next.cookies)

			// The flag is gone: the page after boots normally.
			after := send(t, app, fiber.MethodGet, "/page", "")
			assert.Equal(t, p.wrap(normal), after.body)
			assert.Empty(t, after.cookies)
		})
	}

	t.Run("a snippet on the logout response shuts down too", func(t *testing.T) {
		app := fiber.New()
		app.Use(intercomfiber.New(m))
		app.Get("/logout", func(c fiber.Ctx) error {
			intercomfiber.Shutdown(c)
			return sendSnippet(c)
		})
		got := send(t, app, fiber.MethodGet, "/logout", "")
		assert.Equal(t, string(m.Render(intercom.Visitor{Shutdown: true})), got.body)
		assert.Contains(t, got.cookies, flagSet)
		assert.NotContains(t, got.cookies, flagDone)
	})

	// Responses that show no snippet leave the flag for the next page.
	for _, tt := range []struct {
		name    string
		handler fiber.Handler
		want    string
	}{
		{"JSON", func(c fiber.Ctx) error { return c.JSON(fiber.Map{"ok": true}) }, `{"ok":true}`},
		{"an HTML fragment", sendHTML("<div>3 items</div>"), "<div>3 items</div>"},
		{"a late </body>", sendHTML(lateTail(maxTail + 1)), lateTail(maxTail + 1)},
	} {
		t.Run(tt.name+" leaves the flag", func(t *testing.T) {
			app := fiber.New()
			app.Use(intercomfiber.New(m), intercomfiber.Inject())
			app.Get("/x", tt.handler)
			got := send(t, app, fiber.MethodGet, "/x", "intercom_shutdown=1")
			assert.Equal(t, tt.want, got.body)
			assert.Empty(t, got.cookies)
		})
	}
}

func TestSettingsHandler(t *testing.T) {
	attrs := func(fiber.Ctx) intercom.Attributes { return intercom.Attributes{"plan": "pro", "seats": 3} }
	tests := []struct {
		name     string
		noNew    bool
		disabled bool
		config   intercomfiber.Config
		null     bool
	}{
		{name: "identified, with attributes", config: intercomfiber.Config{Attributes: attrs}},
		{name: "no New", noNew: true, null: true},
		{name: "disabled Messenger", disabled: true, null: true},
		{name: "skipped by Next", config: intercomfiber.Config{Next: func(fiber.Ctx) bool { return true }}, null: true},
		{
			name:   "internal client IP",
			config: intercomfiber.Config{ClientIP: func(fiber.Ctx) string { return "10.1.2.3" }},
			null:   true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMessenger(t, nil, func(c *intercom.Config) {
				if tt.disabled {
					c.AppID = ""
				}
			})
			app := fiber.New()
			if !tt.noNew {
				app.Use(intercomfiber.New(m, tt.config))
			}
			identify := func(c fiber.Ctx) error {
				intercomfiber.Identify(c, jane)
				return c.Next()
			}
			app.Get("/page", identify, sendSnippet)
			app.Get("/settings", identify, intercomfiber.SettingsHandler())

			got := send(t, app, fiber.MethodGet, "/settings", "")
			assert.Equal(t, fiber.StatusOK, got.status)
			assert.Equal(t, "application/json; charset=utf-8", got.header.Get(fiber.HeaderContentType))
			assert.Equal(t, "no-store", got.header.Get(fiber.HeaderCacheControl))
			if tt.null {
				assert.Equal(t, "null", got.body)
				return
			}
			want := string(m.Settings(intercom.Visitor{User: &jane, Attributes: intercom.Attributes{"plan": "pro", "seats": 3}}))
			assert.Equal(t, want, got.body)

			// The same object the page's snippet assigns.
			var s map[string]any
			require.NoError(t, json.Unmarshal([]byte(got.body), &s))
			assert.Equal(t, settingsOf(t, send(t, app, fiber.MethodGet, "/page", "").body), s)
			assert.Contains(t, s, "user_hash")
		})
	}
}
