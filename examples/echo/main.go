// Command echo is the Intercom example app for Echo: a home page that shows
// who is signed in, an identified account page with custom data, an order
// form that queues Messenger calls across a redirect, a plain HTML page that
// gets the Messenger by whole-page install, a single-page demo booting from
// the settings endpoint, Turbo and htmx navigation, and a sign-out that
// shuts the Messenger down, all under a strict nonce-based
// Content-Security-Policy.
//
//	go run ./examples/echo
//
// It listens on :8080 (PORT) and reads INTERCOM_APP_ID,
// INTERCOM_HMAC_SECRET_KEY and INTERCOM_INTERNAL_IPS; without them it uses a
// demo app id, a demo secret and a local stand-in Messenger, and says so.
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
	s, err := demo.Load(os.Stdout)
	if err != nil {
		log.Fatal(err)
	}
	e, err := newApp(s)
	if err != nil {
		log.Fatal(err)
	}
	addr := demo.Addr()
	demo.Banner(os.Stdout, framework, addr, s)
	if err := e.Start(addr); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

// newApp builds the app; main serves it, the tests serve it on loopback.
func newApp(s demo.Setup) (*echo.Echo, error) {
	m, err := intercom.New(s.Intercom) // a bad setting fails here, at start-up
	if err != nil {
		return nil, err
	}
	site := demo.NewSite(framework, s)

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	// No proxy in front: c.RealIP() is the peer address. Echo's default
	// believes X-Forwarded-For from anyone (see the intercomecho docs).
	e.IPExtractor = echo.ExtractIPDirect()
	// intercomecho.Renderer adds the snippet as "Intercom" to map data.
	e.Renderer = intercomecho.Renderer(&templates{site.Templates()})

	e.Use(middleware.Recover())
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			nonce := intercom.NewNonce()
			c.Set(demo.NonceKey, nonce)
			c.Response().Header().Set("Content-Security-Policy", site.CSP(nonce))
			// The demo's sign-in: the session cookie's login goes under
			// "user", where Echo's auth middlewares put theirs.
			if ck, err := c.Cookie(demo.SessionCookie); err == nil {
				if login := site.Login(ck.Value); login != "" {
					c.Set("user", login)
				}
			}
			return next(c)
		}
	})
	login := func(c echo.Context) string {
		l, _ := c.Get("user").(string)
		return l
	}
	e.Use(intercomecho.Middleware(m,
		intercomecho.WithNonce(func(c echo.Context) string {
			nonce, _ := c.Get(demo.NonceKey).(string)
			return nonce
		}),
		// The Messenger gets the full account of the signed-in login.
		intercomecho.WithUser(func(c echo.Context) (intercom.User, bool) { return site.User(login(c)) }),
	))

	page := func(c echo.Context, title string) map[string]any {
		nav := ""
		if ck, err := c.Cookie(demo.NavCookie); err == nil {
			nav = ck.Value
		}
		nonce, _ := c.Get(demo.NonceKey).(string)
		return site.Page(title, nonce, nav, login(c))
	}

	e.GET("/", func(c echo.Context) error {
		return c.Render(http.StatusOK, "home.html", page(c, "Welcome"))
	})

	e.GET("/account", func(c echo.Context) error {
		u, ok := site.Account(login(c))
		if !ok {
			return c.Redirect(http.StatusSeeOther, "/") // the sign-in form
		}
		intercomecho.Set(c, "plan", u.Plan) // custom data for this page
		return c.Render(http.StatusOK, "account.html", page(c, "Your account"))
	})

	// Whole-page install: the handler writes plain HTML, Inject adds the snippet.
	e.GET("/about", func(c echo.Context) error {
		return c.HTML(http.StatusOK, demo.AboutPage)
	}, intercomecho.Inject())

	// The single-page demo renders no snippet: it boots from the settings
	// endpoint. (The Renderer adds it to map data only; Page is a map, so
	// render with the templates directly.)
	e.GET("/spa", func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
		return site.Templates().ExecuteTemplate(c.Response(), "spa.html", page(c, "Single-page app"))
	})
	e.GET("/intercom/settings", intercomecho.SettingsHandler())

	e.POST("/login", func(c echo.Context) error {
		cookie, ok := site.SignIn(c.FormValue("login"), c.FormValue("password"))
		if !ok {
			// 422: Turbo and htmx render a failed form's page only with an error status.
			return c.Render(http.StatusUnprocessableEntity, "home.html", demo.SignInFailed(page(c, "Welcome")))
		}
		c.Response().Header().Add("Set-Cookie", cookie)
		return c.Redirect(http.StatusSeeOther, "/account")
	})

	e.POST("/order", func(c echo.Context) error {
		// Run on the page after the redirect (a cookie carries them there):
		// Intercom("trackEvent", "order-placed", {...}), then
		// Intercom("showNewMessage", "..."). A refused call is also reported to
		// Config.ErrorHandler.
		_ = intercomecho.Call(c, "trackEvent", demo.OrderEvent, demo.OrderMetadata())
		_ = intercomecho.Call(c, "showNewMessage", demo.OrderMessage)
		return c.Redirect(http.StatusSeeOther, "/")
	})

	e.POST("/logout", func(c echo.Context) error {
		intercomecho.Shutdown(c)
		c.Response().Header().Add("Set-Cookie", site.SignOut())
		return c.Redirect(http.StatusSeeOther, "/")
	})

	e.Any("/demo/*", echo.WrapHandler(site.Assets()))
	return e, nil
}

// templates is an echo.Renderer over html/template.
type templates struct{ t *template.Template }

func (r *templates) Render(w io.Writer, name string, data any, _ echo.Context) error {
	return r.t.ExecuteTemplate(w, name, data)
}
