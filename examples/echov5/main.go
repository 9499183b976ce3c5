// Command echov5 is the Intercom example app for Echo v5: a public page, an
// identified page behind basic auth with custom data, a plain HTML page that
// gets the Messenger by whole-page install, and a sign-out that shuts the
// Messenger down, all under a strict nonce-based Content-Security-Policy.
//
//	go run ./examples/echov5
//
// It listens on :8080 (PORT) and reads INTERCOM_APP_ID,
// INTERCOM_HMAC_SECRET_KEY and INTERCOM_INTERNAL_IPS; without them it uses a
// demo app id and a demo secret, and says so.
package main

import (
	"context"
	"errors"
	"html/template"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"

	intercomecho "github.com/goanalytical/intercom/adapters/echov5"
	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/examples/internal/demo"
)

const framework = "Echo v5"

func main() {
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

func run() error {
	cfg, err := demo.Config(os.Stdout)
	if err != nil {
		return err
	}
	users := demo.DefaultUsers()
	e, err := newApp(cfg, users)
	if err != nil {
		return err
	}
	addr := demo.Addr()
	demo.Banner(os.Stdout, framework, addr, users)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sc := echo.StartConfig{Address: addr, HideBanner: true, HidePort: true}
	if err := sc.Start(ctx, e); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newApp builds the app; main serves it, the tests serve it on loopback.
func newApp(cfg intercom.Config, users demo.Users) (*echo.Echo, error) {
	m, err := intercom.New(cfg) // a bad setting fails here, at start-up
	if err != nil {
		return nil, err
	}
	csp := demo.NewCSP(cfg.Region)

	e := echo.New()
	// No proxy in front: Echo v5's default, without an IPExtractor, makes
	// c.RealIP() the peer address (see the intercomecho docs for proxies).
	// intercomecho.Renderer adds the snippet as "Intercom" to map data.
	e.Renderer = intercomecho.Renderer(&templates{demo.Templates()})

	e.Use(middleware.Recover())
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			nonce := intercom.NewNonce()
			c.Set(demo.NonceKey, nonce)
			c.Response().Header().Set("Content-Security-Policy", csp.Header(nonce))
			return next(c)
		}
	})
	e.Use(intercomecho.Middleware(m,
		intercomecho.WithNonce(func(c *echo.Context) string {
			nonce, _ := c.Get(demo.NonceKey).(string)
			return nonce
		}),
		// The basic-auth validator below stores the login under "user";
		// the Messenger gets the full account.
		intercomecho.WithUser(func(c *echo.Context) (intercom.User, bool) {
			login, _ := c.Get("user").(string)
			u, ok := users.Lookup(login)
			return u.Intercom(), ok
		}),
	))

	e.GET("/", func(c *echo.Context) error {
		return c.Render(http.StatusOK, "public.html", demo.PublicData(framework, users))
	})

	// Whole-page install: the handler writes plain HTML, Inject adds the snippet.
	e.GET("/about", func(c *echo.Context) error {
		return c.HTML(http.StatusOK, demo.AboutPage)
	}, intercomecho.Inject())

	auth := middleware.BasicAuth(func(c *echo.Context, login, password string) (bool, error) {
		if !users.Valid(login, password) {
			return false, nil
		}
		c.Set("user", login) // where intercomecho looks for the user
		return true, nil
	})
	e.GET("/account", func(c *echo.Context) error {
		u, _ := users.Lookup(c.Get("user").(string))
		intercomecho.Set(c, "plan", u.Plan) // custom data for this page
		return c.Render(http.StatusOK, "account.html", demo.AccountData(framework, u))
	}, auth)

	e.POST("/logout", func(c *echo.Context) error {
		intercomecho.Shutdown(c)
		return c.Redirect(http.StatusSeeOther, "/")
	})
	return e, nil
}

// templates is an echo.Renderer over html/template.
type templates struct{ t *template.Template }

func (r *templates) Render(_ *echo.Context, w io.Writer, name string, data any) error {
	return r.t.ExecuteTemplate(w, name, data)
}
