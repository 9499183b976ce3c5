package intercomgin_test

import (
	"fmt"
	"html/template"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gin-gonic/gin"

	intercomgin "github.com/goanalytical/intercom/adapters/gin"
	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

// settingsOf returns the window.intercomSettings object of a page.
func settingsOf(page string) string {
	_, s, _ := strings.Cut(page, "window.intercomSettings=")
	s, _, _ = strings.Cut(s, ";(function")
	return s
}

// An app whose users sign in with gin.BasicAuth: the middleware identifies
// them, and the page template shows the Messenger with {{ .Intercom }}.
func ExampleMiddleware() {
	m, err := intercom.New(intercom.Config{
		AppID:      "abc12345",       // os.Getenv("INTERCOM_APP_ID")
		HMACSecret: "example-secret", // os.Getenv("INTERCOM_HMAC_SECRET_KEY")
	})
	if err != nil {
		log.Fatal(err)
	}

	r := gin.New()
	_ = r.SetTrustedProxies(nil) // no proxy in front: c.ClientIP() is the peer
	r.SetHTMLTemplate(template.Must(template.New("page.tmpl").Parse(
		`<html><body><h1>{{ .title }}</h1>{{ .Intercom }}</body></html>`)))
	r.Use(gin.BasicAuth(gin.Accounts{"jane": "pa55word"}))
	r.Use(intercomgin.Middleware(m))
	r.GET("/", func(c *gin.Context) {
		c.HTML(http.StatusOK, "page.tmpl", intercomgin.Data(c, gin.H{
			"title":         "Pricing",
			"intercom_plan": "pro", // custom data: "plan":"pro"
		}))
	})

	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.SetBasicAuth("jane", "pa55word")
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)

	fmt.Println(settingsOf(rec.Body.String()))
	// Output:
	// {"api_base":"https://api-iam.intercom.io","app_id":"abc12345","name":"jane","plan":"pro","user_hash":"ae3527f047ec1eff84beb83a4eba724c5eb79e5e24c1baf2f308af564cf3cdb4","user_id":"jane"}
}

// Apps with their own sessions tell the middleware how to find the user. The
// lookup runs only on pages that show the Messenger, once per request.
func ExampleWithUser() {
	m, err := intercom.New(intercom.Config{AppID: "abc12345"})
	if err != nil {
		log.Fatal(err)
	}
	type account struct {
		ID, Email string
	}
	sessions := map[string]account{"s3ss10n": {ID: "42", Email: "jane@example.com"}}

	r := gin.New()
	r.Use(intercomgin.Middleware(m,
		intercomgin.WithUser(func(c *gin.Context) (intercom.User, bool) {
			cookie, err := c.Cookie("session")
			a, ok := sessions[cookie]
			if err != nil || !ok {
				return intercom.User{}, false
			}
			return intercom.User{ID: a.ID, Email: a.Email}, true
		}),
		intercomgin.WithAttributes(func(c *gin.Context) intercom.Attributes {
			return intercom.Attributes{"page": c.FullPath()}
		}),
	))
	r.GET("/account", func(c *gin.Context) {
		c.String(http.StatusOK, string(intercomgin.Snippet(c)))
	})

	for _, cookie := range []string{"s3ss10n", "expired"} {
		req := httptest.NewRequest(http.MethodGet, "/account", nil)
		req.AddCookie(&http.Cookie{Name: "session", Value: cookie})
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		fmt.Println(settingsOf(rec.Body.String()))
	}
	// Output:
	// {"api_base":"https://api-iam.intercom.io","app_id":"abc12345","email":"jane@example.com","page":"/account","user_id":"42"}
	// {"api_base":"https://api-iam.intercom.io","app_id":"abc12345","page":"/account"}
}

// A handler that has just signed a user up identifies them and adds custom
// data for this page only.
func ExampleIdentify() {
	m, err := intercom.New(intercom.Config{AppID: "abc12345"})
	if err != nil {
		log.Fatal(err)
	}
	r := gin.New()
	r.Use(intercomgin.Middleware(m))
	r.POST("/signup", func(c *gin.Context) {
		// ... create the account ...
		intercomgin.Identify(c, intercom.User{ID: "43", Email: c.PostForm("email")})
		intercomgin.Set(c, "signed_up_from", "pricing")
		c.String(http.StatusOK, string(intercomgin.Snippet(c)))
	})

	req := httptest.NewRequest(http.MethodPost, "/signup", strings.NewReader("email=joe%40example.com"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	fmt.Println(settingsOf(rec.Body.String()))
	// Output:
	// {"api_base":"https://api-iam.intercom.io","app_id":"abc12345","email":"joe@example.com","signed_up_from":"pricing","user_id":"43"}
}

// H turns the data of any c.HTML call into data with the snippet. Keys
// starting with intercom_ are sent to Intercom as custom data.
func ExampleH() {
	m, err := intercom.New(intercom.Config{AppID: "abc12345"})
	if err != nil {
		log.Fatal(err)
	}
	r := gin.New()
	r.Use(intercomgin.Middleware(m))
	r.GET("/", func(c *gin.Context) {
		data := intercomgin.Data(c, gin.H{"title": "Home", "intercom_beta": true})
		fmt.Println(data["title"], data["intercom_beta"])
		fmt.Println(settingsOf(string(data[adapter.TemplateKey].(template.HTML))))
	})
	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	// Output:
	// Home true
	// {"api_base":"https://api-iam.intercom.io","app_id":"abc12345","beta":true}
}

// A skipper keeps the Messenger off some routes, such as an admin area.
func ExampleWithSkipper() {
	m, err := intercom.New(intercom.Config{AppID: "abc12345"})
	if err != nil {
		log.Fatal(err)
	}
	r := gin.New()
	r.Use(intercomgin.Middleware(m, intercomgin.WithSkipper(func(c *gin.Context) bool {
		return strings.HasPrefix(c.FullPath(), "/admin/")
	})))
	page := func(c *gin.Context) { c.String(http.StatusOK, string(intercomgin.Snippet(c))) }
	r.GET("/admin/users", page)
	r.GET("/help", page)

	for _, path := range []string{"/admin/users", "/help"} {
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		fmt.Printf("%s: Messenger %t\n", path, strings.Contains(rec.Body.String(), "IntercomSettingsScriptTag"))
	}
	// Output:
	// /admin/users: Messenger false
	// /help: Messenger true
}

// withoutSnippet replaces the snippet's script element in a page with
// [Intercom], to show where it went.
func withoutSnippet(page string) string {
	start := strings.Index(page, `<script id="IntercomSettingsScriptTag"`)
	if start < 0 {
		return page
	}
	end := start + strings.Index(page[start:], "</script>") + len("</script>")
	return page[:start] + "[Intercom]" + page[end:]
}

// Inject puts the Messenger on pages that do not render it themselves,
// such as static HTML, before their last </body>. The snippet is rendered
// when the handler returns, so the handler can still identify the user.
func ExampleInject() {
	m, err := intercom.New(intercom.Config{AppID: "abc12345"})
	if err != nil {
		log.Fatal(err)
	}
	r := gin.New()
	r.Use(intercomgin.Middleware(m))
	r.Use(intercomgin.Inject())
	r.GET("/", func(c *gin.Context) {
		c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(`<html><body><h1>Welcome</h1></body></html>`))
		intercomgin.Identify(c, intercom.User{ID: "42"})
	})
	r.GET("/api/status", func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"ok": true}) // not text/html: untouched
	})

	for _, path := range []string{"/", "/api/status"} {
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		page := rec.Body.String()
		fmt.Println(withoutSnippet(page))
		if strings.Contains(page, "IntercomSettingsScriptTag") {
			fmt.Println(settingsOf(page))
		}
	}
	// Output:
	// <html><body><h1>Welcome</h1>[Intercom]</body></html>
	// {"api_base":"https://api-iam.intercom.io","app_id":"abc12345","user_id":"42"}
	// {"ok":true}
}

// A logout handler calls Shutdown and redirects. The page after the redirect
// ends the visitor's Messenger session before booting, and only that page.
func ExampleShutdown() {
	m, err := intercom.New(intercom.Config{AppID: "abc12345", CookieDomain: ".example.com"})
	if err != nil {
		log.Fatal(err)
	}
	r := gin.New()
	r.Use(intercomgin.Middleware(m))
	r.POST("/logout", func(c *gin.Context) {
		// ... end the app's own session ...
		intercomgin.Shutdown(c)
		c.Redirect(http.StatusFound, "/")
	})
	r.GET("/", func(c *gin.Context) {
		c.String(http.StatusOK, string(intercomgin.Snippet(c)))
	})

	req := httptest.NewRequest(http.MethodPost, "/logout", nil)
	req.AddCookie(&http.Cookie{Name: "intercom-session-abc12345", Value: "s"})
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("Location"))
	for _, c := range rec.Header().Values("Set-Cookie") {
		fmt.Println(c)
	}

	// The browser follows the redirect with the flag cookie.
	req = httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(&http.Cookie{Name: adapter.ShutdownCookie, Value: "1"})
	rec = httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	fmt.Println(strings.Contains(rec.Body.String(), `i("shutdown")`), rec.Header().Get("Set-Cookie"))
	// Output:
	// 302 /
	// intercom-session-abc12345=; Path=/; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0
	// intercom-id-abc12345=; Path=/; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0
	// intercom-device-id-abc12345=; Path=/; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0
	// intercom_shutdown=1; Path=/; Max-Age=600; SameSite=Lax
	// true intercom_shutdown=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; SameSite=Lax
}

// A single-page app fetches the visitor's settings as JSON and boots the
// Messenger with them: Intercom("boot", settings).
func ExampleSettingsHandler() {
	m, err := intercom.New(intercom.Config{AppID: "abc12345", HMACSecret: "example-secret"})
	if err != nil {
		log.Fatal(err)
	}
	r := gin.New()
	r.Use(gin.BasicAuth(gin.Accounts{"jane": "pa55word"}))
	r.Use(intercomgin.Middleware(m))
	r.GET("/intercom/settings", intercomgin.SettingsHandler())

	req := httptest.NewRequest(http.MethodGet, "/intercom/settings", nil)
	req.SetBasicAuth("jane", "pa55word")
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	fmt.Println(rec.Header().Get("Content-Type"))
	fmt.Println(rec.Header().Get("Cache-Control"))
	fmt.Println(rec.Body.String())
	// Output:
	// application/json; charset=utf-8
	// no-store
	// {"api_base":"https://api-iam.intercom.io","app_id":"abc12345","name":"jane","user_hash":"ae3527f047ec1eff84beb83a4eba724c5eb79e5e24c1baf2f308af564cf3cdb4","user_id":"jane"}
}
