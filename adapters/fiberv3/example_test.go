package intercomfiber_test

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing/fstest"

	"github.com/gofiber/fiber/v3"
	"github.com/gofiber/fiber/v3/middleware/basicauth"
	"github.com/gofiber/template/django/v3"
	"github.com/gofiber/template/html/v2"

	intercomfiber "github.com/goanalytical/intercom/adapters/fiberv3"
	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

// Views of the examples; a real app would use html.New("./views", ".html").
var exampleViews = fstest.MapFS{
	"index.html":   {Data: []byte(`<h1>{{ .Title }}</h1>{{ .Intercom }}`)},
	"index.django": {Data: []byte(`<h1>{{ Title }}</h1>{{ Intercom|safe }}`)},
}

// hashed is a password as fiber v3's basicauth wants it in Config.Users.
func hashed(password string) string {
	sum := sha256.Sum256([]byte(password))
	return "{SHA256}" + base64.StdEncoding.EncodeToString(sum[:])
}

// fetch requests path from app and returns the body.
func fetch(app *fiber.App, path string, edit ...func(*http.Request)) string {
	req := httptest.NewRequest(fiber.MethodGet, path, nil)
	for _, e := range edit {
		e(req)
	}
	resp, err := app.Test(req, noTimeout)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

// settings prints the window.intercomSettings object of a page, or what the
// page holds instead.
func settings(page string) string {
	_, s, ok := strings.Cut(page, "window.intercomSettings=")
	if !ok {
		return "no snippet in " + page
	}
	s, _, _ = strings.Cut(s, ";(function(){")
	return s
}

// Identify the user and add custom data in the handler; Data hands the
// snippet to the template as {{ .Intercom }}.
func Example() {
	m, err := intercom.New(intercom.Config{AppID: "abc12345"})
	if err != nil {
		log.Fatal(err)
	}
	app := fiber.New(fiber.Config{Views: html.NewFileSystem(http.FS(exampleViews), ".html")})
	app.Use(intercomfiber.New(m))

	app.Get("/", func(c fiber.Ctx) error {
		intercomfiber.Identify(c, intercom.User{ID: "42", Email: "jane@example.com"})
		intercomfiber.Set(c, "plan", "pro")
		return c.Render("index", intercomfiber.Data(c, fiber.Map{
			"Title":          "Home",
			"intercom_seats": 3, // intercom_* keys are custom data too
		}))
	})

	page := fetch(app, "/")
	fmt.Println(page[:strings.Index(page, "<script")])
	fmt.Println(settings(page))
	// Output:
	// <h1>Home</h1>
	// {"api_base":"https://api-iam.intercom.io","app_id":"abc12345","email":"jane@example.com","plan":"pro","seats":3,"user_id":"42"}
}

// With PassLocalsToViews, the Views wrapper adds the snippet to every page
// without changes to the handlers.
func ExampleViews() {
	m, err := intercom.New(intercom.Config{AppID: "abc12345"})
	if err != nil {
		log.Fatal(err)
	}
	app := fiber.New(fiber.Config{
		Views:             intercomfiber.Views(html.NewFileSystem(http.FS(exampleViews), ".html")),
		PassLocalsToViews: true,
	})
	app.Use(intercomfiber.New(m))

	app.Get("/", func(c fiber.Ctx) error {
		intercomfiber.Identify(c, intercom.User{ID: "42"})
		return c.Render("index", fiber.Map{"Title": "Home"})
	})

	fmt.Println(settings(fetch(app, "/")))
	// Output:
	// {"api_base":"https://api-iam.intercom.io","app_id":"abc12345","user_id":"42"}
}

// The django engine (pongo2) escapes the snippet unless the template marks
// it safe: {{ Intercom|safe }}.
func ExampleViews_django() {
	m, err := intercom.New(intercom.Config{AppID: "abc12345"})
	if err != nil {
		log.Fatal(err)
	}
	app := fiber.New(fiber.Config{
		Views:             intercomfiber.Views(django.NewFileSystem(http.FS(exampleViews), ".django")),
		PassLocalsToViews: true,
	})
	app.Use(intercomfiber.New(m))

	app.Get("/", func(c fiber.Ctx) error {
		return c.Render("index", fiber.Map{"Title": "Home"})
	})

	fmt.Println(settings(fetch(app, "/")))
	// Output:
	// {"api_base":"https://api-iam.intercom.io","app_id":"abc12345"}
}

// Behind middleware/basicauth the signed-in user name identifies the
// visitor, with no code in the handlers.
func ExampleNew_basicAuth() {
	m, err := intercom.New(intercom.Config{AppID: "abc12345"})
	if err != nil {
		log.Fatal(err)
	}
	app := fiber.New()
	app.Use(basicauth.New(basicauth.Config{Users: map[string]string{"jane": hashed("secret")}}))
	app.Use(intercomfiber.New(m))

	app.Get("/", func(c fiber.Ctx) error {
		c.Type("html")
		return c.SendString(string(intercomfiber.Snippet(c)))
	})

	fmt.Println(settings(fetch(app, "/", func(r *http.Request) { r.SetBasicAuth("jane", "secret") })))
	// Output:
	// {"api_base":"https://api-iam.intercom.io","app_id":"abc12345","name":"jane","user_id":"jane"}
}

// Config supplies the user, page-wide data and the CSP nonce from the app's
// own middlewares, and skips routes that are not pages.
func ExampleNew_config() {
	m, err := intercom.New(intercom.Config{AppID: "abc12345"})
	if err != nil {
		log.Fatal(err)
	}
	app := fiber.New()
	app.Use(func(c fiber.Ctx) error { // the app's session and CSP middlewares
		c.Locals("account", "acme")
		c.Locals("nonce", "cmFuZG9tMTI4Yml0cw")
		return c.Next()
	})
	app.Use(intercomfiber.New(m, intercomfiber.Config{
		Next: func(c fiber.Ctx) bool { return strings.HasPrefix(c.Path(), "/api/") },
		User: func(c fiber.Ctx) (intercom.User, bool) {
			// A real app looks the user up from its session.
			return intercom.User{ID: "7", Name: "Sam"}, true
		},
		Attributes: func(c fiber.Ctx) intercom.Attributes {
			return intercom.Attributes{"account": c.Locals("account")}
		},
		Nonce: func(c fiber.Ctx) string {
			s, _ := c.Locals("nonce").(string)
			return s
		},
	}))
	snippet := func(c fiber.Ctx) error { return c.SendString(string(intercomfiber.Snippet(c))) }
	app.Get("/", snippet)
	app.Get("/api/status", snippet)

	page := fetch(app, "/")
	fmt.Println(page[:strings.Index(page, ">")+1])
	fmt.Println(settings(page))
	fmt.Printf("%q\n", fetch(app, "/api/status"))
	// Output:
	// <script id="IntercomSettingsScriptTag" nonce="cmFuZG9tMTI4Yml0cw">
	// {"account":"acme","api_base":"https://api-iam.intercom.io","app_id":"abc12345","name":"Sam","user_id":"7"}
	// ""
}

// Inject adds the snippet to every HTML page, before its last </body>, with
// no change to the handlers or templates.
func ExampleInject() {
	m, err := intercom.New(intercom.Config{AppID: "abc12345"})
	if err != nil {
		log.Fatal(err)
	}
	app := fiber.New()
	app.Use(intercomfiber.New(m))
	app.Use(intercomfiber.Inject())

	app.Get("/", func(c fiber.Ctx) error {
		intercomfiber.Identify(c, intercom.User{ID: "42"})
		c.Type("html")
		return c.SendString("<html><body><h1>Home</h1></body></html>")
	})
	app.Get("/api/cart", func(c fiber.Ctx) error {
		return c.JSON(fiber.Map{"items": 3}) // not HTML: untouched
	})

	page := fetch(app, "/")
	fmt.Println(page[:strings.Index(page, "<script")])
	fmt.Println(settings(page))
	fmt.Println(page[strings.LastIndex(page, "</script>"):])
	fmt.Println(fetch(app, "/api/cart"))
	// Output:
	// <html><body><h1>Home</h1>
	// {"api_base":"https://api-iam.intercom.io","app_id":"abc12345","user_id":"42"}
	// </script></body></html>
	// {"items":3}
}

// Shutdown in the logout handler expires the Messenger's cookies and leaves
// a flag, so that the page after the redirect ends the session at Intercom.
func ExampleShutdown() {
	m, err := intercom.New(intercom.Config{AppID: "abc12345", CookieDomain: "example.com"})
	if err != nil {
		log.Fatal(err)
	}
	app := fiber.New()
	app.Use(intercomfiber.New(m))
	app.Get("/", func(c fiber.Ctx) error {
		c.Type("html")
		return c.SendString(string(intercomfiber.Snippet(c)))
	})
	app.Post("/logout", func(c fiber.Ctx) error {
		// ... the app's own logout ...
		intercomfiber.Shutdown(c)
		return c.Redirect().Status(fiber.StatusFound).To("/")
	})

	req := httptest.NewRequest(fiber.MethodPost, "/logout", nil)
	req.Header.Set("Cookie", "intercom-session-abc12345=s")
	resp, err := app.Test(req, noTimeout)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("Location"))
	for _, c := range resp.Header.Values("Set-Cookie") {
		fmt.Println(c)
	}

	// The browser follows the redirect with the flag: that page shuts the
	// Messenger down before booting it, once, and clears the flag.
	req = httptest.NewRequest(fiber.MethodGet, "/", nil)
	req.Header.Set("Cookie", adapter.ShutdownCookie+"=1")
	resp, err = app.Test(req, noTimeout)
	if err != nil {
		log.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(strings.Contains(string(page), `"shutdown"`), resp.Header.Get("Set-Cookie"))
	fmt.Println(strings.Contains(fetch(app, "/"), `"shutdown"`))
	// Output:
	// 302 /
	// intercom-session-abc12345=; Path=/; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0
	// intercom-id-abc12345=; Path=/; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0
	// intercom-device-id-abc12345=; Path=/; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0
	// intercom_shutdown=1; Path=/; Max-Age=600; SameSite=Lax
	// true intercom_shutdown=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; SameSite=Lax
	// false
}

// SettingsHandler serves the visitor's settings as JSON, for single-page
// apps that boot the Messenger from JavaScript.
func ExampleSettingsHandler() {
	m, err := intercom.New(intercom.Config{AppID: "abc12345", HMACSecret: "s3cr3t"})
	if err != nil {
		log.Fatal(err)
	}
	app := fiber.New()
	app.Use(basicauth.New(basicauth.Config{Users: map[string]string{"jane": hashed("secret")}}))
	app.Use(intercomfiber.New(m))
	app.Get("/intercom/settings", intercomfiber.SettingsHandler())

	req := httptest.NewRequest(fiber.MethodGet, "/intercom/settings", nil)
	req.SetBasicAuth("jane", "secret")
	resp, err := app.Test(req, noTimeout)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))
	fmt.Println(string(body))
	// Output:
	// 200 application/json; charset=utf-8 no-store
	// {"api_base":"https://api-iam.intercom.io","app_id":"abc12345","name":"jane","user_hash":"e76ef630b13d8f9719315814c378eb0272078c3962119cb6986308648eb21077","user_id":"jane"}
}

// Component is a templ component: it renders the snippet of the request
// whose context it gets, the fiber.Ctx itself or c.Context().
func ExampleComponent() {
	m, err := intercom.New(intercom.Config{AppID: "abc12345"})
	if err != nil {
		log.Fatal(err)
	}
	app := fiber.New()
	app.Use(intercomfiber.New(m))
	app.Get("/", func(c fiber.Ctx) error {
		intercomfiber.Identify(c, intercom.User{ID: "42"})
		c.Type("html")
		// A templ page would call @intercomfiber.Component() inside
		// page().Render(c, c.Response().BodyWriter()).
		return intercomfiber.Component().Render(c, c.Response().BodyWriter())
	})

	fmt.Println(settings(fetch(app, "/")))
	// Output:
	// {"api_base":"https://api-iam.intercom.io","app_id":"abc12345","user_id":"42"}
}
