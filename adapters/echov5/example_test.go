package intercomecho_test

import (
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"

	intercomecho "github.com/goanalytical/intercom/adapters/echov5"
	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

// get serves GET path from 203.0.113.9 and returns the response body.
func get(e *echo.Echo, path string, prepare ...func(*http.Request)) string {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.RemoteAddr = "203.0.113.9:4711"
	for _, p := range prepare {
		p(req)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec.Body.String()
}

// settings returns the window.intercomSettings object of the snippets in a
// page, or "(no snippet)".
func settings(page string) string {
	_, s, ok := strings.Cut(page, "window.intercomSettings=")
	if !ok {
		return "(no snippet)"
	}
	s, _, _ = strings.Cut(s, ";(function()")
	return s
}

func Example() {
	m, err := intercom.New(intercom.Config{
		AppID:      "abc12345",        // INTERCOM_APP_ID
		HMACSecret: "identity-secret", // INTERCOM_HMAC_SECRET_KEY
	})
	if err != nil {
		panic(err) // a configuration error: fail at start-up
	}

	// No IPExtractor: with no proxy in front, Echo v5's default, the peer
	// address, is the client IP (see the package documentation for apps
	// behind a proxy).
	e := echo.New()
	e.Renderer = intercomecho.Renderer(&echo.TemplateRenderer{
		Template: template.Must(template.New("home").Parse(
			`<html><body><h1>{{ .Title }}</h1>{{ .Intercom }}</body></html>`)),
	})

	// The app's auth stores the signed-in user under "user"...
	e.Use(middleware.BasicAuth(func(c *echo.Context, name, password string) (bool, error) {
		if name == "jane" && password == "correct horse" {
			c.Set("user", name)
			return true, nil
		}
		return false, nil
	}))
	// ...and the Intercom middleware, installed after it, identifies them.
	e.Use(intercomecho.Middleware(m))

	e.GET("/", func(c *echo.Context) error {
		return c.Render(http.StatusOK, "home", map[string]any{"Title": "Welcome", "intercom_plan": "pro"})
	})

	page := get(e, "/", func(r *http.Request) { r.SetBasicAuth("jane", "correct horse") })
	fmt.Println(settings(page))
	// Output:
	// {"api_base":"https://api-iam.intercom.io","app_id":"abc12345","name":"jane","plan":"pro","user_hash":"548a5601c3ed8e7b6731320ef6632311cc981e6c954bff3589b0afbef5c44e64","user_id":"jane"}
}

func ExampleRenderer() {
	m, _ := intercom.New(intercom.Config{AppID: "abc12345"})

	e := echo.New()
	// Wrap the app's own renderer; templates write {{ .Intercom }}.
	e.Renderer = intercomecho.Renderer(&echo.TemplateRenderer{
		Template: template.Must(template.New("cart").Parse(`<p>{{ .Items }} items</p>{{ .Intercom }}`)),
	})
	e.Use(intercomecho.Middleware(m))
	e.GET("/cart", func(c *echo.Context) error {
		// intercom_* keys become custom attributes, as in django-analytical.
		return c.Render(http.StatusOK, "cart", map[string]any{"Items": 3, "intercom_cart_value": 99.5})
	})

	page := get(e, "/cart")
	before, _, _ := strings.Cut(page, "<script")
	fmt.Println(before)
	fmt.Println(settings(page))
	// Output:
	// <p>3 items</p>
	// {"api_base":"https://api-iam.intercom.io","app_id":"abc12345","cart_value":99.5}
}

func ExampleRender() {
	m, _ := intercom.New(intercom.Config{AppID: "abc12345"})

	e := echo.New()
	e.Renderer = intercomecho.Renderer(&echo.TemplateRenderer{
		Template: template.Must(template.New("cart").Parse(`<p>{{ .Items }} items</p>{{ .Intercom }}`)),
	})
	e.Use(intercomecho.Middleware(m))
	e.GET("/cart", func(c *echo.Context) error {
		// c.Render's page, from a pooled buffer instead of a fresh one.
		return intercomecho.Render(c, http.StatusOK, "cart", map[string]any{"Items": 3})
	})

	page := get(e, "/cart")
	before, _, _ := strings.Cut(page, "<script")
	fmt.Println(before)
	fmt.Println(settings(page))
	// Output:
	// <p>3 items</p>
	// {"api_base":"https://api-iam.intercom.io","app_id":"abc12345"}
}

func ExampleSnippet() {
	m, _ := intercom.New(intercom.Config{AppID: "abc12345"})

	// Struct data reaches the template unchanged: give it the snippet in a
	// template.HTML field. No template FuncMap is needed.
	type page struct {
		Title    string
		Intercom template.HTML
	}
	e := echo.New()
	e.Renderer = &echo.TemplateRenderer{
		Template: template.Must(template.New("page").Parse(`<h1>{{ .Title }}</h1>{{ .Intercom }}`)),
	}
	e.Use(intercomecho.Middleware(m))
	e.GET("/", func(c *echo.Context) error {
		return c.Render(http.StatusOK, "page", page{Title: "Hello", Intercom: intercomecho.Snippet(c)})
	})

	out := get(e, "/")
	fmt.Println(strings.HasPrefix(out, `<h1>Hello</h1><script id="IntercomSettingsScriptTag">`))
	fmt.Println(settings(out))
	// Output:
	// true
	// {"api_base":"https://api-iam.intercom.io","app_id":"abc12345"}
}

func ExampleIdentify() {
	m, _ := intercom.New(intercom.Config{AppID: "abc12345"})

	e := echo.New()
	e.Use(intercomecho.Middleware(m))
	e.GET("/account", func(c *echo.Context) error {
		// A handler that has loaded the user identifies them for this page...
		intercomecho.Identify(c, intercom.User{ID: "42", Email: "jane@example.com", Name: "Jane"})
		// ...and adds custom data.
		intercomecho.Set(c, "plan", "pro")
		return c.HTML(http.StatusOK, string(intercomecho.Snippet(c)))
	})

	fmt.Println(settings(get(e, "/account")))
	// Output:
	// {"api_base":"https://api-iam.intercom.io","app_id":"abc12345","email":"jane@example.com","name":"Jane","plan":"pro","user_id":"42"}
}

func ExampleWithUser() {
	m, _ := intercom.New(intercom.Config{AppID: "abc12345"})

	// Look the user up from the app's own session; the lookup runs once per
	// request, and only when a page renders the snippet.
	sessions := map[string]intercom.User{"s1": {ID: "7", Name: "Ann"}}
	e := echo.New()
	e.Use(intercomecho.Middleware(m, intercomecho.WithUser(func(c *echo.Context) (intercom.User, bool) {
		cookie, err := c.Cookie("session")
		if err != nil {
			return intercom.User{}, false
		}
		u, ok := sessions[cookie.Value]
		return u, ok
	})))
	e.GET("/", func(c *echo.Context) error { return c.HTML(http.StatusOK, string(intercomecho.Snippet(c))) })

	fmt.Println(settings(get(e, "/", func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "session", Value: "s1"}) })))
	fmt.Println(settings(get(e, "/")))
	// Output:
	// {"api_base":"https://api-iam.intercom.io","app_id":"abc12345","name":"Ann","user_id":"7"}
	// {"api_base":"https://api-iam.intercom.io","app_id":"abc12345"}
}

func ExampleWithSkipper() {
	m, _ := intercom.New(intercom.Config{AppID: "abc12345"})

	e := echo.New()
	e.Use(intercomecho.Middleware(m, intercomecho.WithSkipper(func(c *echo.Context) bool {
		return strings.HasPrefix(c.Path(), "/admin/")
	})))
	page := func(c *echo.Context) error { return c.HTML(http.StatusOK, string(intercomecho.Snippet(c))) }
	e.GET("/admin/users", page)
	e.GET("/", page)

	fmt.Println(settings(get(e, "/admin/users")))
	fmt.Println(settings(get(e, "/")))
	// Output:
	// (no snippet)
	// {"api_base":"https://api-iam.intercom.io","app_id":"abc12345"}
}

func ExampleWithNonce() {
	m, _ := intercom.New(intercom.Config{AppID: "abc12345"})

	e := echo.New()
	// A CSP middleware stores a fresh nonce per response (intercom.NewNonce
	// makes one); the snippet's script elements carry it.
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			c.Set("nonce", "bm9uY2UtMTIz")
			return next(c)
		}
	})
	e.Use(intercomecho.Middleware(m, intercomecho.WithNonce(func(c *echo.Context) string {
		nonce, _ := c.Get("nonce").(string)
		return nonce
	})))
	e.GET("/", func(c *echo.Context) error { return c.HTML(http.StatusOK, string(intercomecho.Snippet(c))) })

	page := get(e, "/")
	open, _, _ := strings.Cut(page, ">")
	fmt.Println(open + ">")
	fmt.Println(strings.Contains(page, `e.setAttribute("nonce","bm9uY2UtMTIz")`))
	// Output:
	// <script id="IntercomSettingsScriptTag" nonce="bm9uY2UtMTIz">
	// true
}

func ExampleInject() {
	m, _ := intercom.New(intercom.Config{AppID: "abc12345"})

	e := echo.New()
	e.Use(intercomecho.Middleware(m))
	// Whole-page install: every text/html page gets the snippet before its
	// last </body>, unless it rendered the snippet itself.
	e.Use(intercomecho.Inject())
	e.GET("/", func(c *echo.Context) error {
		intercomecho.Set(c, "plan", "pro")
		return c.HTML(http.StatusOK, "<html><body><h1>Welcome</h1></body></html>")
	})
	e.GET("/robots.txt", func(c *echo.Context) error {
		return c.String(http.StatusOK, "User-agent: *\n") // not HTML: untouched
	})

	page := get(e, "/")
	before, _, _ := strings.Cut(page, "<script")
	_, after, _ := strings.Cut(page, "</script>")
	fmt.Println(before + "…" + after)
	fmt.Println(settings(page))
	fmt.Print(get(e, "/robots.txt"))
	// Output:
	// <html><body><h1>Welcome</h1>…</body></html>
	// {"api_base":"https://api-iam.intercom.io","app_id":"abc12345","plan":"pro"}
	// User-agent: *
}

func ExampleShutdown() {
	m, _ := intercom.New(intercom.Config{AppID: "abc12345", CookieDomain: ".example.com"})

	e := echo.New()
	e.Use(intercomecho.Middleware(m))
	e.GET("/logout", func(c *echo.Context) error {
		// ... the app's own logout ...
		intercomecho.Shutdown(c)
		return c.Redirect(http.StatusFound, "/")
	})
	e.GET("/", func(c *echo.Context) error { return c.HTML(http.StatusOK, string(intercomecho.Snippet(c))) })

	// The logout response expires the Messenger's cookies and sets a flag...
	req := httptest.NewRequest(http.MethodGet, "/logout", nil)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		fmt.Printf("%s max-age=%d domain=%q\n", c.Name, c.MaxAge, c.Domain)
	}

	// ...which makes the next page end the session at Intercom, once.
	req = httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(&http.Cookie{Name: adapter.ShutdownCookie, Value: "1"})
	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	fmt.Println(strings.Contains(rec.Body.String(), `"shutdown"`), rec.Header().Get("Set-Cookie"))
	// Output:
	// intercom-session-abc12345 max-age=-1 domain="example.com"
	// intercom-id-abc12345 max-age=-1 domain="example.com"
	// intercom-device-id-abc12345 max-age=-1 domain="example.com"
	// intercom_shutdown max-age=600 domain=""
	// true intercom_shutdown=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; SameSite=Lax
}

func ExampleSettingsHandler() {
	m, _ := intercom.New(intercom.Config{AppID: "abc12345", HMACSecret: "identity-secret"})

	e := echo.New()
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			c.Set("user", "jane") // the app's auth
			return next(c)
		}
	})
	e.Use(intercomecho.Middleware(m))
	// A single-page app fetches this and calls Intercom("boot", settings).
	e.GET("/intercom/settings", intercomecho.SettingsHandler())

	req := httptest.NewRequest(http.MethodGet, "/intercom/settings", nil)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	fmt.Println(rec.Header().Get("Content-Type"), "|", rec.Header().Get("Cache-Control"))
	fmt.Println(rec.Body.String())
	// Output:
	// application/json; charset=utf-8 | no-store
	// {"api_base":"https://api-iam.intercom.io","app_id":"abc12345","name":"jane","user_hash":"548a5601c3ed8e7b6731320ef6632311cc981e6c954bff3589b0afbef5c44e64","user_id":"jane"}
}

func ExampleData() {
	m, _ := intercom.New(intercom.Config{AppID: "abc12345"})
	page := template.Must(template.New("page").Parse(`<h1>{{ .title }}</h1>{{ .Intercom }}`))

	e := echo.New()
	e.Use(intercomecho.Middleware(m))
	e.GET("/pricing", func(c *echo.Context) error {
		// A template executed by the handler, not through Renderer: Data
		// adds the snippet, and applies the intercom_* keys.
		var b strings.Builder
		if err := page.Execute(&b, intercomecho.Data(c, map[string]any{"title": "Pricing", "intercom_plan": "pro"})); err != nil {
			return err
		}
		return c.HTML(http.StatusOK, b.String())
	})

	out := get(e, "/pricing")
	before, _, _ := strings.Cut(out, "<script")
	fmt.Println(before)
	fmt.Println(settings(out))
	// Output:
	// <h1>Pricing</h1>
	// {"api_base":"https://api-iam.intercom.io","app_id":"abc12345","plan":"pro"}
}

func ExampleComponent() {
	m, _ := intercom.New(intercom.Config{AppID: "abc12345"})

	e := echo.New()
	e.Use(intercomecho.Middleware(m))
	e.GET("/", func(c *echo.Context) error {
		intercomecho.Set(c, "plan", "pro")
		// A templ page writes @intercomecho.Component() and is rendered with
		// the request's context; here the component is the whole page.
		c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
		c.Response().WriteHeader(http.StatusOK)
		return intercomecho.Component().Render(c.Request().Context(), c.Response())
	})

	fmt.Println(settings(get(e, "/")))
	// Output:
	// {"api_base":"https://api-iam.intercom.io","app_id":"abc12345","plan":"pro"}
}
