// Command echo is the Intercom example app for Echo: a public page, an
// identified page behind basic auth with custom data, a plain HTML page that
// gets the Messenger by whole-page install, and a sign-out that shuts the
// Messenger down, all under a strict nonce-based Content-Security-Policy.
//
//	go run ./examples/echo
//
// It listens on :8080 (PORT) and reads INTERCOM_APP_ID,
// INTERCOM_HMAC_SECRET_KEY and INTERCOM_INTERNAL_IPS; without them it uses a
// demo app id and a demo secret, and says so.
package main

import (
	"errors"
	"html/template"
	"io"
	"log"
	"net/http"
	"os"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	intercomecho "github.com/goanalytical/intercom/adapters/echo"
	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/examples/internal/demo"
)

const framework = "Echo"

func main() {
	cfg, err := demo.Config(os.Stdout)
	if err != nil {
		log.Fatal(err)
	}
	users := demo.DefaultUsers()
	e, err := newApp(cfg, users)
	if err != nil {
		log.Fatal(err)
	}
	addr := demo.Addr()
	demo.Banner(os.Stdout, framework, addr, users)
	if err := e.Start(addr); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

// newApp builds the app; main serves it, the tests serve it on loopback.
func newApp(cfg intercom.Config, users demo.Users) (*echo.Echo, error) {
	m, err := intercom.New(cfg) // a bad setting fails here, at start-up
	if err != nil {
		return nil, err
	}
	csp := demo.NewCSP(cfg.Region)

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	// No proxy in front: c.RealIP() is the peer address. Echo's default
	// believes X-Forwarded-For from anyone (see the intercomecho docs).
	e.IPExtractor = echo.ExtractIPDirect()
	// intercomecho.Renderer adds the snippet as "Intercom" to map data.
	e.Renderer = intercomecho.Renderer(&templates{demo.Templates()})

	e.Use(middleware.Recover())
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			nonce := intercom.NewNonce()
			c.Set(demo.NonceKey, nonce)
			c.Response().Header().Set("Content-Security-Policy", csp.Header(nonce))
			return next(c)
		}
	})
	e.Use(intercomecho.Middleware(m,
		intercomecho.WithNonce(func(c echo.Context) string {
			nonce, _ := c.Get(demo.NonceKey).(string)
			return nonce
		}),
		// The basic-auth validator below stores the login under "user";
		// the Messenger gets the full account.
		intercomecho.WithUser(func(c echo.Context) (intercom.User, bool) {
			login, _ := c.Get("user").(string)
			u, ok := users.Lookup(login)
			return u.Intercom(), ok
		}),
	))

	e.GET("/", func(c echo.Context) error {
		return c.Render(http.StatusOK, "public.html", echo.Map(demo.PublicData(framework, users)))
	})

	// Whole-page install: the handler writes plain HTML, Inject adds the snippet.
	e.GET("/about", func(c echo.Context) error {
		return c.HTML(http.StatusOK, demo.AboutPage)
	}, intercomecho.Inject())

	auth := middleware.BasicAuth(func(login, password string, c echo.Context) (bool, error) {
		if !users.Valid(login, password) {
			return false, nil
		}
		c.Set("user", login) // where intercomecho looks for the user
		return true, nil
	})
	e.GET("/account", func(c echo.Context) error {
		u, _ := users.Lookup(c.Get("user").(string))
		intercomecho.Set(c, "plan", u.Plan) // custom data for this page
		return c.Render(http.StatusOK, "account.html", echo.Map(demo.AccountData(framework, u)))
	}, auth)

	e.POST("/logout", func(c echo.Context) error {
		intercomecho.Shutdown(c)
		return c.Redirect(http.StatusSeeOther, "/")
	})
	return e, nil
}

// templates is an echo.Renderer over html/template.
type templates struct{ t *template.Template }

func (r *templates) Render(w io.Writer, name string, data any, _ echo.Context) error {
	return r.t.ExecuteTemplate(w, name, data)
}
