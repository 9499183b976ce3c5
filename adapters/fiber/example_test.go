package intercomfiber_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing/fstest"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/basicauth"
	"github.com/gofiber/template/django/v3"
	"github.com/gofiber/template/html/v2"

	intercomfiber "github.com/goanalytical/intercom/adapters/fiber"
	intercom "github.com/goanalytical/intercom/core"
)

// Views of the examples; a real app would use html.New("./views", ".html").
var exampleViews = fstest.MapFS{
	"index.html":   {Data: []byte(`<h1>{{ .Title }}</h1>{{ .Intercom }}`)},
	"index.django": {Data: []byte(`<h1>{{ Title }}</h1>{{ Intercom|safe }}`)},
}

// fetch requests path from app and returns the body.
func fetch(app *fiber.App, path string, edit ...func(*http.Request)) string {
	req := httptest.NewRequest(fiber.MethodGet, path, nil)
	for _, e := range edit {
		e(req)
	}
	resp, err := app.Test(req, -1)
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

// Identify the user and add custom data in the handler; Bind hands the
// snippet to the template as {{ .Intercom }}.
func Example() {
	m, err := intercom.New(intercom.Config{AppID: "abc12345"})
	if err != nil {
		log.Fatal(err)
	}
	app := fiber.New(fiber.Config{Views: html.NewFileSystem(http.FS(exampleViews), ".html")})
	app.Use(intercomfiber.New(m))

	app.Get("/", func(c *fiber.Ctx) error {
		intercomfiber.Identify(c, intercom.User{ID: "42", Email: "jane@example.com"})
		intercomfiber.Set(c, "plan", "pro")
		return c.Render("index", intercomfiber.Bind(c, fiber.Map{
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

	app.Get("/", func(c *fiber.Ctx) error {
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

	app.Get("/", func(c *fiber.Ctx) error {
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
	app.Use(basicauth.New(basicauth.Config{Users: map[string]string{"jane": "secret"}}))
	app.Use(intercomfiber.New(m))

	app.Get("/", func(c *fiber.Ctx) error {
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
	app.Use(func(c *fiber.Ctx) error { // the app's session and CSP middlewares
		c.Locals("account", "acme")
		c.Locals("nonce", "cmFuZG9tMTI4Yml0cw")
		return c.Next()
	})
	app.Use(intercomfiber.New(m, intercomfiber.Config{
		Next: func(c *fiber.Ctx) bool { return strings.HasPrefix(c.Path(), "/api/") },
		User: func(c *fiber.Ctx) (intercom.User, bool) {
			// A real app looks the user up from its session.
			return intercom.User{ID: "7", Name: "Sam"}, true
		},
		Attributes: func(c *fiber.Ctx) intercom.Attributes {
			return intercom.Attributes{"account": c.Locals("account")}
		},
		Nonce: func(c *fiber.Ctx) string {
			s, _ := c.Locals("nonce").(string)
			return s
		},
	}))
	snippet := func(c *fiber.Ctx) error { return c.SendString(string(intercomfiber.Snippet(c))) }
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
