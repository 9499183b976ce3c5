package intercomgin_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	intercomgin "github.com/goanalytical/intercom/adapters/gin"
	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

const (
	flagSet   = "intercom_shutdown=1; Path=/; Max-Age=600; SameSite=Lax"
	flagClear = "intercom_shutdown=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; SameSite=Lax"
)

// expired is the Set-Cookie value that expires the cookie name, with a
// Domain attribute when domain is not empty.
func expired(name, domain string) string {
	if domain != "" {
		domain = "; Domain=" + domain
	}
	return name + "=; Path=/" + domain + "; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0"
}

func TestShutdownCookies(t *testing.T) {
	quietWarnings(t)
	all := func(domain string) []string {
		return []string{
			expired("intercom-session-"+appID, domain),
			expired("intercom-id-"+appID, domain),
			expired("intercom-device-id-"+appID, domain),
			expired("intercom-custom-"+appID, domain), // present in the request
			flagSet,
		}
	}
	tests := []struct {
		name string
		cfg  func(*intercom.Config)
		opts []intercomgin.Option
		noMW bool
		want []string
	}{
		{name: "host-only cookies", want: all("")},
		{name: "Config.CookieDomain", cfg: func(c *intercom.Config) { c.CookieDomain = ".example.com" }, want: all("example.com")},
		{
			name: "skipped request",
			opts: []intercomgin.Option{intercomgin.WithSkipper(func(*gin.Context) bool { return true })},
			want: all(""),
		},
		{name: "disabled Messenger", cfg: func(c *intercom.Config) { c.AppID = "" }},
		{name: "without Middleware", noMW: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, log := newMessenger(t, tt.cfg)
			engine := gin.New()
			if !tt.noMW {
				engine.Use(intercomgin.Middleware(m, tt.opts...))
			}
			engine.GET("/logout", func(c *gin.Context) {
				intercomgin.Shutdown(c)
				c.Redirect(http.StatusFound, "/")
			})
			req := httptest.NewRequest(http.MethodGet, "/logout", nil)
			for _, name := range []string{"session", "intercom-session-" + appID, "intercom-custom-" + appID, "intercom-id-other1"} {
				req.AddCookie(&http.Cookie{Name: name, Value: "v"})
			}
			rec := httptest.NewRecorder()
			engine.ServeHTTP(rec, req)

			assert.Equal(t, http.StatusFound, rec.Code)
			assert.Equal(t, tt.want, rec.Header().Values("Set-Cookie"))
			assert.Empty(t, log.got())
		})
	}
}

func TestShutdownNilContext(t *testing.T) {
	assert.NotPanics(t, func() { intercomgin.Shutdown(nil) })
}

// TestShutdownFlag follows a browser through logouts and pages: the first
// page rendered after a logout shuts the Messenger down, and the flag is
// gone after it, whether the snippet comes from H (whose response clears
// the flag) or from Inject (whose snippet's script deletes it), and
// whatever responses come in between.
func TestShutdownFlag(t *testing.T) {
	m, log := newMessenger(t, nil)
	engine := gin.New()
	engine.SetHTMLTemplate(testPage)
	engine.Use(intercomgin.Middleware(m), intercomgin.Inject())
	engine.GET("/logout", func(c *gin.Context) {
		intercomgin.Shutdown(c)
		c.Redirect(http.StatusFound, "/page")
	})
	engine.GET("/logout-page", func(c *gin.Context) { // logs out and renders a page
		intercomgin.Shutdown(c)
		c.HTML(http.StatusOK, "page", intercomgin.Data(c, nil))
	})
	engine.GET("/page", func(c *gin.Context) { c.HTML(http.StatusOK, "page", intercomgin.Data(c, nil)) })
	engine.GET("/raw", func(c *gin.Context) { c.Data(http.StatusOK, "text/html", []byte(injPage)) })
	engine.GET("/home", func(c *gin.Context) { c.Redirect(http.StatusFound, "/page") })
	engine.GET("/fragment", func(c *gin.Context) { c.Data(http.StatusOK, "text/html", []byte("<div>3 items</div>")) })
	engine.GET("/json", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"ok": true}) })
	engine.GET("/settings", intercomgin.SettingsHandler())

	srv := httptest.NewServer(engine)
	defer srv.Close()
	client := srv.Client()
	// Each step is one response: the client does not follow redirects.
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	type step struct {
		path     string
		shutdown bool     // the response's snippet calls Intercom('shutdown')
		flag     []string // the response's intercom_shutdown Set-Cookie headers
	}
	set, cleared := []string{flagSet}, []string{flagClear}
	tests := []struct {
		name  string
		steps []step
	}{
		{"logout then pages", []step{
			{"/logout", false, set},
			{"/page", true, cleared},
			{"/page", false, nil},
			{"/raw", false, nil},
		}},
		{"logout then an injected page", []step{
			{"/logout", false, set},
			{"/raw", true, nil}, // its script deletes the flag
			{"/raw", false, nil},
			{"/page", false, nil},
		}},
		{"responses without a snippet keep the flag", []step{
			{"/logout", false, set},
			{"/json", false, nil},
			{"/settings", false, nil},
			{"/home", false, nil},     // c.Redirect writes text/html without </body>
			{"/fragment", false, nil}, // an htmx or Turbo partial
			{"/page", true, cleared},
			{"/page", false, nil},
		}},
		{"logout twice", []step{
			{"/logout", false, set},
			{"/logout", false, set},
			{"/raw", true, nil},
			{"/page", false, nil},
		}},
		{"logout page renders a snippet", []step{
			{"/logout-page", true, set},
			{"/page", false, nil},
		}},
		{"logout page after a logout", []step{
			{"/logout", false, set},
			// The page's own shutdown consumes the flag its Shutdown set: one
			// Set-Cookie line per cookie, the last word.
			{"/logout-page", true, cleared},
			{"/raw", false, nil},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jar := &cookieJar{}
			for i, s := range tt.steps {
				req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+s.path, nil)
				require.NoError(t, err)
				jar.addTo(req)
				resp, err := client.Do(req)
				require.NoError(t, err)
				b, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				require.NoError(t, resp.Body.Close())
				page := string(b)
				jar.update(resp, page)

				var flag []string
				for _, v := range resp.Header.Values("Set-Cookie") {
					if strings.HasPrefix(v, adapter.ShutdownCookie+"=") {
						flag = append(flag, v)
					}
				}
				assert.Equal(t, s.flag, flag, "step %d %s: intercom_shutdown cookies", i+1, s.path)
				assert.Equal(t, s.shutdown, strings.Contains(page, `i("shutdown")`), "step %d %s: shutdown call in %s", i+1, s.path, page)
				if strings.Contains(page, adapter.SnippetMarker) {
					assert.Equal(t, 1, strings.Count(page, adapter.SnippetMarker), "step %d %s: snippets", i+1, s.path)
				}
			}
		})
	}
	assert.Empty(t, log.got())
}

// cookieJar is the smallest browser the flag needs: cookies by name,
// deleted by Max-Age <= 0 or by the script of the page.
type cookieJar struct{ cookies map[string]string }

func (j *cookieJar) addTo(r *http.Request) {
	for k, v := range j.cookies {
		r.AddCookie(&http.Cookie{Name: k, Value: v})
	}
}

// scriptDeletesFlag is how the shutdown snippet's script deletes the flag.
const scriptDeletesFlag = `d.cookie="` + adapter.ShutdownCookie + `=; Max-Age=0`

// update keeps the cookies resp sets, then runs page's script as far as the
// flag goes.
func (j *cookieJar) update(resp *http.Response, page string) {
	if j.cookies == nil {
		j.cookies = map[string]string{}
	}
	defer func() {
		if strings.Contains(page, scriptDeletesFlag) {
			delete(j.cookies, adapter.ShutdownCookie)
		}
	}()
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 {
			delete(j.cookies, c.Name)
		} else {
			j.cookies[c.Name] = c.Value
		}
	}
}

// TestShutdownFlagHeadersSent checks that a snippet rendered after the
// headers went out does not touch them: its script deletes the flag.
func TestShutdownFlagHeadersSent(t *testing.T) {
	m, _ := newMessenger(t, nil)
	tests := []struct {
		name    string
		inject  bool
		handler gin.HandlerFunc
		flag    []string
	}{
		{
			name:    "H, before the headers",
			handler: func(c *gin.Context) { c.HTML(http.StatusOK, "page", intercomgin.Data(c, nil)) },
			flag:    []string{flagClear},
		},
		{
			name: "Snippet after the first write",
			handler: func(c *gin.Context) {
				c.Header("Content-Type", "text/html")
				_, _ = c.Writer.WriteString(injHead)
				_, _ = c.Writer.WriteString(string(intercomgin.Snippet(c)) + injTail)
			},
		},
		{
			name:    "Inject",
			inject:  true,
			handler: func(c *gin.Context) { c.Data(http.StatusOK, "text/html", []byte(injPage)) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			engine := gin.New()
			engine.SetHTMLTemplate(testPage)
			engine.Use(intercomgin.Middleware(m))
			if tt.inject {
				engine.Use(intercomgin.Inject())
			}
			engine.GET("/", tt.handler)
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.AddCookie(&http.Cookie{Name: adapter.ShutdownCookie, Value: "1"})
			rec := httptest.NewRecorder()
			engine.ServeHTTP(rec, req)

			assert.Contains(t, rec.Body.String(), scriptDeletesFlag)
			// rec.Header() is the handler's map, changed after the
			// headers went out or not.
			assert.Equal(t, tt.flag, rec.Header().Values("Set-Cookie"))
		})
	}
}
