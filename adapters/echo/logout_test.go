package intercomecho_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	intercomecho "github.com/goanalytical/intercom/adapters/echo"
	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

func logout(c echo.Context) error {
	intercomecho.Shutdown(c)
	return c.Redirect(http.StatusFound, "/page")
}

func TestShutdownCookies(t *testing.T) {
	captureWarnings(t, io.Discard) // a case without the middleware warns
	const (
		expired  = "=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0"
		expiredD = "=; Path=/; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0"
	)
	const flag = "intercom_shutdown=1; Path=/; Max-Age=600; SameSite=Lax"
	// cleared is the Set-Cookie list of a logout: the Messenger's cookies
	// expired with the attributes attrs, then the flag.
	cleared := func(attrs string) []string {
		return []string{
			"intercom-session-abc12345" + attrs,
			"intercom-id-abc12345" + attrs,
			"intercom-device-id-abc12345" + attrs,
			"intercom-custom-abc12345" + attrs,
			flag,
		}
	}
	withDomain := func(c *intercom.Config) { c.CookieDomain = ".example.com" }
	tests := []struct {
		name  string
		setup func(t *testing.T, e *echo.Echo)
		want  []string
	}{
		{"without CookieDomain", func(t *testing.T, e *echo.Echo) {
			m, _ := newMessenger(t, nil)
			e.Use(intercomecho.Middleware(m))
		}, cleared(expired)},
		{"with CookieDomain", func(t *testing.T, e *echo.Echo) {
			m, _ := newMessenger(t, withDomain)
			e.Use(intercomecho.Middleware(m))
		}, cleared(expiredD)},
		{"skipped request", func(t *testing.T, e *echo.Echo) {
			m, _ := newMessenger(t, nil)
			e.Use(intercomecho.Middleware(m, intercomecho.WithSkipper(func(echo.Context) bool { return true })))
		}, cleared(expired)},
		{"disabled Messenger", func(t *testing.T, e *echo.Echo) {
			m, _ := newMessenger(t, func(c *intercom.Config) { c.AppID = "" })
			e.Use(intercomecho.Middleware(m))
		}, nil},
		{"without Middleware", func(*testing.T, *echo.Echo) {}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := app()
			tt.setup(t, e)
			e.GET("/logout", logout)
			req := httptest.NewRequest(http.MethodGet, "/logout", nil)
			for _, c := range []*http.Cookie{
				{Name: "intercom-session-abc12345", Value: "s"},
				{Name: "intercom-custom-abc12345", Value: "x"},
				{Name: "intercom-session-other1", Value: "o"}, // another workspace's
				{Name: "session", Value: "app"},               // the app's own
			} {
				req.AddCookie(c)
			}
			rec := serve(e, req)
			assert.Equal(t, http.StatusFound, rec.Code)
			assert.Equal(t, tt.want, rec.Header().Values("Set-Cookie"))
		})
	}
}

// TestShutdownFlow follows a browser through logout: the flag survives the
// redirect and requests that render no snippet, the next page shuts the
// Messenger down and clears it (in its response, or in its script under
// whole-page install), and the page after that boots normally.
func TestShutdownFlow(t *testing.T) {
	m, _ := newMessenger(t, nil)
	normal := string(m.Render(intercom.Visitor{}))
	shutdown := string(m.Render(intercom.Visitor{Shutdown: true}))
	const cleared = "intercom_shutdown=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; SameSite=Lax"
	tests := []struct {
		name string
		path string // the page
		want func(snippet string) string
		// clears reports whether the page's response clears the flag; if
		// not, the page's script does, in the browser.
		clears bool
	}{
		{"template", "/page", func(s string) string { return s }, true},
		{"whole-page install", "/plain", func(s string) string { return "<html><body>" + s + "</body></html>" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := app()
			e.Use(intercomecho.Middleware(m))
			e.Use(intercomecho.Inject())
			e.GET("/logout", logout)
			e.GET("/page", render)
			e.GET("/plain", func(c echo.Context) error { return c.HTML(http.StatusOK, "<html><body></body></html>") })
			e.GET("/text", func(c echo.Context) error { return c.String(http.StatusOK, "</body>") })
			e.GET("/settings", intercomecho.SettingsHandler())
			srv := httptest.NewServer(e)
			defer srv.Close()

			jar, err := cookiejar.New(nil)
			require.NoError(t, err)
			base, err := url.Parse(srv.URL)
			require.NoError(t, err)
			jar.SetCookies(base, []*http.Cookie{{Name: "intercom-session-abc12345", Value: "s", Path: "/"}})
			client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			}}
			get := func(path string) (status int, setCookie []string, body string) {
				t.Helper()
				resp, err := client.Get(srv.URL + path)
				require.NoError(t, err)
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				return resp.StatusCode, resp.Header.Values("Set-Cookie"), string(b)
			}
			cookies := func() map[string]string {
				out := map[string]string{}
				for _, c := range jar.Cookies(base) {
					out[c.Name] = c.Value
				}
				return out
			}

			_, _, body := get(tt.path)
			assert.Equal(t, tt.want(normal), body, "before logout")

			status, _, _ := get("/logout")
			assert.Equal(t, http.StatusFound, status)
			assert.Equal(t, map[string]string{adapter.ShutdownCookie: "1"}, cookies(), "after logout")

			_, _, body = get("/text")
			assert.Equal(t, "</body>", body)
			_, _, body = get("/settings")
			assert.Equal(t, string(m.Settings(intercom.Visitor{})), body)
			assert.Equal(t, map[string]string{adapter.ShutdownCookie: "1"}, cookies(), "after pages without a snippet")

			_, setCookie, body := get(tt.path)
			assert.Equal(t, tt.want(shutdown), body, "the page after logout")
			if tt.clears {
				assert.Equal(t, []string{cleared}, setCookie)
			} else {
				// The headers went out before the snippet was rendered.
				assert.Empty(t, setCookie)
				assert.Contains(t, body, `d.cookie="intercom_shutdown=; Max-Age=0; path=/; SameSite=Lax"`)
				jar.SetCookies(base, []*http.Cookie{{Name: adapter.ShutdownCookie, Path: "/", MaxAge: -1}}) // the script ran
			}
			assert.Empty(t, cookies(), "after the shutdown page")

			_, setCookie, body = get(tt.path)
			assert.Equal(t, tt.want(normal), body, "the page after that")
			assert.Empty(t, setCookie)
		})
	}
}

// TestShutdownSameResponse: a snippet on the logout response itself shuts
// the Messenger down.
func TestShutdownSameResponse(t *testing.T) {
	m, _ := newMessenger(t, nil)
	e := app()
	e.Use(intercomecho.Middleware(m))
	e.GET("/logout", func(c echo.Context) error {
		intercomecho.Shutdown(c)
		return render(c)
	})
	rec := serve(e, httptest.NewRequest(http.MethodGet, "/logout", nil))
	assert.Equal(t, string(m.Render(intercom.Visitor{Shutdown: true})), rec.Body.String())
}
