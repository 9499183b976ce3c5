// Command fiberv3 is the Intercom example app for Fiber v3: a public page, an
// identified page behind basic auth with custom data, a plain HTML page that
// gets the Messenger by whole-page install, and a sign-out that shuts the
// Messenger down, all under a strict nonce-based Content-Security-Policy.
//
//	go run ./examples/fiberv3
//
// It listens on :8080 (PORT) and reads INTERCOM_APP_ID,
// INTERCOM_HMAC_SECRET_KEY and INTERCOM_INTERNAL_IPS; without them it uses a
// demo app id and a demo secret, and says so.
package main

import (
	"log"
	"net/http"
	"os"

	"github.com/gofiber/fiber/v3"
	"github.com/gofiber/fiber/v3/middleware/basicauth"
	"github.com/gofiber/fiber/v3/middleware/recover"
	"github.com/gofiber/template/html/v2"

	intercomfiber "github.com/goanalytical/intercom/adapters/fiberv3"
	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/examples/internal/demo"
)

const framework = "Fiber v3"

func main() {
	cfg, err := demo.Config(os.Stdout)
	if err != nil {
		log.Fatal(err)
	}
	users := demo.DefaultUsers()
	app, err := newApp(cfg, users)
	if err != nil {
		log.Fatal(err)
	}
	addr := demo.Addr()
	demo.Banner(os.Stdout, framework, addr, users)
	log.Fatal(app.Listen(addr, fiber.ListenConfig{DisableStartupMessage: true}))
}

// newApp builds the app; main serves it, the tests serve it on loopback.
func newApp(cfg intercom.Config, users demo.Users) (*fiber.App, error) {
	m, err := intercom.New(cfg) // a bad setting fails here, at start-up
	if err != nil {
		return nil, err
	}
	csp := demo.NewCSP(cfg.Region)

	// c.IP() is the peer address: no TrustProxy, as no proxy is in front
	// (see the intercomfiber docs before setting one).
	app := fiber.New(fiber.Config{
		Views: html.NewFileSystem(http.FS(demo.TemplateFS), ".html"),
	})
	app.Use(recover.New())
	app.Use(func(c fiber.Ctx) error {
		nonce := intercom.NewNonce()
		c.Locals(demo.NonceKey, nonce)
		c.Set(fiber.HeaderContentSecurityPolicy, csp.Header(nonce))
		return c.Next()
	})
	app.Use(intercomfiber.New(m, intercomfiber.Config{
		Nonce: func(c fiber.Ctx) string {
			return fiber.Locals[string](c, demo.NonceKey)
		},
		// basicauth keeps the login for basicauth.UsernameFromContext; the
		// Messenger gets the full account.
		User: func(c fiber.Ctx) (intercom.User, bool) {
			u, ok := users.Lookup(basicauth.UsernameFromContext(c))
			return u.Intercom(), ok
		},
	}))

	app.Get("/", func(c fiber.Ctx) error {
		// Data adds the snippet as "Intercom" to the template data. (Or wrap
		// the engine with intercomfiber.Views and set PassLocalsToViews.)
		return c.Render("public", intercomfiber.Data(c, demo.PublicData(framework, users)))
	})

	// Whole-page install: the handler writes plain HTML, Inject adds the snippet.
	app.Get("/about", intercomfiber.Inject(), func(c fiber.Ctx) error {
		c.Type("html", "utf-8")
		return c.SendString(demo.AboutPage)
	})

	signIn := basicauth.New(basicauth.Config{
		Authorizer: func(login, password string, _ fiber.Ctx) bool { return users.Valid(login, password) },
	})
	app.Get("/account", signIn, func(c fiber.Ctx) error {
		u, _ := users.Lookup(basicauth.UsernameFromContext(c))
		intercomfiber.Set(c, "plan", u.Plan) // custom data for this page
		return c.Render("account", intercomfiber.Data(c, demo.AccountData(framework, u)))
	})

	app.Post("/logout", func(c fiber.Ctx) error {
		intercomfiber.Shutdown(c)
		return c.Redirect().Status(fiber.StatusSeeOther).To("/")
	})
	return app, nil
}
