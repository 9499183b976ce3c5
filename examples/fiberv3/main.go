// Command fiberv3 is the Intercom example app for Fiber v3: a home page that
// shows who is signed in, an identified account page with custom data, an
// order form that queues Messenger calls across a redirect, a plain HTML
// page that gets the Messenger by whole-page install, a single-page demo
// booting from the settings endpoint, Turbo and htmx navigation, and a
// sign-out that shuts the Messenger down, all under a strict nonce-based
// Content-Security-Policy.
//
//	go run ./examples/fiberv3
//
// It listens on :8080 (PORT) and reads INTERCOM_APP_ID,
// INTERCOM_HMAC_SECRET_KEY and INTERCOM_INTERNAL_IPS; without them it uses a
// demo app id, a demo secret and a local stand-in Messenger, and says so.
package main

import (
	"log"
	"net/http"
	"os"

	"github.com/gofiber/fiber/v3"
	"github.com/gofiber/fiber/v3/middleware/adaptor"
	"github.com/gofiber/fiber/v3/middleware/recover"
	"github.com/gofiber/template/html/v2"

	intercomfiber "github.com/goanalytical/intercom/adapters/fiberv3"
	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/examples/internal/demo"
)

const framework = "Fiber v3"

func main() {
	s, err := demo.Load(os.Stdout)
	if err != nil {
		log.Fatal(err)
	}
	app, err := newApp(s)
	if err != nil {
		log.Fatal(err)
	}
	addr := demo.Addr()
	demo.Banner(os.Stdout, framework, addr, s)
	log.Fatal(app.Listen(addr, fiber.ListenConfig{DisableStartupMessage: true}))
}

// loginKey is where the sign-in middleware keeps the login (c.Locals).
type loginKey struct{}

// newApp builds the app; main serves it, the tests serve it on loopback.
func newApp(s demo.Setup) (*fiber.App, error) {
	m, err := intercom.New(s.Intercom) // a bad setting fails here, at start-up
	if err != nil {
		return nil, err
	}
	site := demo.NewSite(framework, s)

	// c.IP() is the peer address: no TrustProxy, as no proxy is in front
	// (see the intercomfiber docs before setting one).
	app := fiber.New(fiber.Config{
		Views: html.NewFileSystem(http.FS(demo.TemplateFS), ".html"),
	})
	app.Use(recover.New())
	app.Use(func(c fiber.Ctx) error {
		nonce := intercom.NewNonce()
		c.Locals(demo.NonceKey, nonce)
		c.Set(fiber.HeaderContentSecurityPolicy, site.CSP(nonce))
		// The demo's sign-in: the session cookie's login.
		if login := site.Login(c.Cookies(demo.SessionCookie)); login != "" {
			c.Locals(loginKey{}, login)
		}
		return c.Next()
	})
	login := func(c fiber.Ctx) string { return fiber.Locals[string](c, loginKey{}) }
	app.Use(intercomfiber.New(m, intercomfiber.Config{
		Nonce: func(c fiber.Ctx) string { return fiber.Locals[string](c, demo.NonceKey) },
		// The Messenger gets the full account of the signed-in login.
		User: func(c fiber.Ctx) (intercom.User, bool) { return site.User(login(c)) },
	}))

	page := func(c fiber.Ctx, title string) map[string]any {
		return site.Page(title, fiber.Locals[string](c, demo.NonceKey), c.Cookies(demo.NavCookie), login(c))
	}

	app.Get("/", func(c fiber.Ctx) error {
		// Data adds the snippet as "Intercom" to the template data. (Or wrap
		// the engine with intercomfiber.Views and set PassLocalsToViews.)
		return c.Render("home", intercomfiber.Data(c, page(c, "Welcome")))
	})

	app.Get("/account", func(c fiber.Ctx) error {
		u, ok := site.Account(login(c))
		if !ok {
			return c.Redirect().Status(fiber.StatusSeeOther).To("/") // the sign-in form
		}
		intercomfiber.Set(c, "plan", u.Plan) // custom data for this page
		return c.Render("account", intercomfiber.Data(c, page(c, "Your account")))
	})

	// Whole-page install: the handler writes plain HTML, Inject adds the snippet.
	app.Get("/about", intercomfiber.Inject(), func(c fiber.Ctx) error {
		c.Type("html", "utf-8")
		return c.SendString(demo.AboutPage)
	})

	// The single-page demo renders no snippet: it boots from the settings endpoint.
	app.Get("/spa", func(c fiber.Ctx) error { return c.Render("spa", page(c, "Single-page app")) })
	app.Get("/intercom/settings", intercomfiber.SettingsHandler())

	app.Post("/login", func(c fiber.Ctx) error {
		cookie, ok := site.SignIn(c.FormValue("login"), c.FormValue("password"))
		if !ok {
			// 422: Turbo and htmx render a failed form's page only with an error status.
			return c.Status(fiber.StatusUnprocessableEntity).Render("home", intercomfiber.Data(c, demo.SignInFailed(page(c, "Welcome"))))
		}
		c.Response().Header.Add(fiber.HeaderSetCookie, cookie)
		return c.Redirect().Status(fiber.StatusSeeOther).To("/account")
	})

	app.Post("/order", func(c fiber.Ctx) error {
		// Run on the page after the redirect (a cookie carries them there):
		// Intercom("trackEvent", "order-placed", {...}), then
		// Intercom("showNewMessage", "..."). A refused call is also reported to
		// Config.ErrorHandler.
		_ = intercomfiber.Call(c, "trackEvent", demo.OrderEvent, demo.OrderMetadata())
		_ = intercomfiber.Call(c, "showNewMessage", demo.OrderMessage)
		return c.Redirect().Status(fiber.StatusSeeOther).To("/")
	})

	app.Post("/logout", func(c fiber.Ctx) error {
		intercomfiber.Shutdown(c)
		c.Response().Header.Add(fiber.HeaderSetCookie, site.SignOut())
		return c.Redirect().Status(fiber.StatusSeeOther).To("/")
	})

	app.All("/demo/*", adaptor.HTTPHandler(site.Assets()))
	return app, nil
}
