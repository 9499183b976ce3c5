// Command gin is the Intercom example app for Gin: a home page that shows
// who is signed in, an identified account page with custom data, an order
// form that queues Messenger calls across a redirect, a plain HTML page that
// gets the Messenger by whole-page install, a single-page demo booting from
// the settings endpoint, Turbo and htmx navigation, and a sign-out that
// shuts the Messenger down, all under a strict nonce-based
// Content-Security-Policy.
//
//	go run ./examples/gin
//
// It listens on :8080 (PORT) and reads INTERCOM_APP_ID,
// INTERCOM_HMAC_SECRET_KEY and INTERCOM_INTERNAL_IPS; without them it uses a
// demo app id, a demo secret and a local stand-in Messenger, and says so.
package main

import (
	"log"
	"net/http"
	"os"

	"github.com/gin-gonic/gin"

	intercomgin "github.com/goanalytical/intercom/adapters/gin"
	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/examples/internal/demo"
)

const framework = "Gin"

func main() {
	s, err := demo.Load(os.Stdout)
	if err != nil {
		log.Fatal(err)
	}
	r, err := newApp(s)
	if err != nil {
		log.Fatal(err)
	}
	addr := demo.Addr()
	demo.Banner(os.Stdout, framework, addr, s)
	if err := r.Run(addr); err != nil {
		log.Fatal(err)
	}
}

// newApp builds the app; main serves it, the tests serve it on loopback.
func newApp(s demo.Setup) (*gin.Engine, error) {
	m, err := intercom.New(s.Intercom) // a bad setting fails here, at start-up
	if err != nil {
		return nil, err
	}
	site := demo.NewSite(framework, s)

	r := gin.New()
	r.Use(gin.Logger(), gin.Recovery())
	// No proxy in front: c.ClientIP() is the peer address. Gin's default
	// trusts every proxy, so any client could pick its IP (see the
	// intercomgin docs).
	if err := r.SetTrustedProxies(nil); err != nil {
		return nil, err
	}
	r.SetHTMLTemplate(site.Templates())

	r.Use(func(c *gin.Context) {
		nonce := intercom.NewNonce()
		c.Set(demo.NonceKey, nonce)
		c.Header("Content-Security-Policy", site.CSP(nonce))
		// The demo's sign-in: the session cookie's login goes where
		// gin.BasicAuth would put it.
		if v, err := c.Cookie(demo.SessionCookie); err == nil {
			if login := site.Login(v); login != "" {
				c.Set(gin.AuthUserKey, login)
			}
		}
		c.Next()
	})
	r.Use(intercomgin.Middleware(m,
		intercomgin.WithNonce(func(c *gin.Context) string { return c.GetString(demo.NonceKey) }),
		// The Messenger gets the full account of the signed-in login.
		intercomgin.WithUser(func(c *gin.Context) (intercom.User, bool) { return site.User(c.GetString(gin.AuthUserKey)) }),
	))

	page := func(c *gin.Context, title string) map[string]any {
		nav, _ := c.Cookie(demo.NavCookie)
		return site.Page(title, c.GetString(demo.NonceKey), nav, c.GetString(gin.AuthUserKey))
	}

	r.GET("/", func(c *gin.Context) {
		// Data adds the snippet as "Intercom" to the template data.
		c.HTML(http.StatusOK, "home.html", intercomgin.Data(c, page(c, "Welcome")))
	})

	r.GET("/account", func(c *gin.Context) {
		u, ok := site.Account(c.GetString(gin.AuthUserKey))
		if !ok {
			c.Redirect(http.StatusSeeOther, "/") // the sign-in form
			return
		}
		intercomgin.Set(c, "plan", u.Plan) // custom data for this page
		c.HTML(http.StatusOK, "account.html", intercomgin.Data(c, page(c, "Your account")))
	})

	// Whole-page install: the handler writes plain HTML, Inject adds the snippet.
	r.GET("/about", intercomgin.Inject(), func(c *gin.Context) {
		c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(demo.AboutPage))
	})

	// The single-page demo renders no snippet: it boots from the settings endpoint.
	r.GET("/spa", func(c *gin.Context) { c.HTML(http.StatusOK, "spa.html", page(c, "Single-page app")) })
	r.GET("/intercom/settings", intercomgin.SettingsHandler())

	r.POST("/login", func(c *gin.Context) {
		cookie, ok := site.SignIn(c.PostForm("login"), c.PostForm("password"))
		if !ok {
			// 422: Turbo and htmx render a failed form's page only with an error status.
			c.HTML(http.StatusUnprocessableEntity, "home.html", intercomgin.Data(c, demo.SignInFailed(page(c, "Welcome"))))
			return
		}
		c.Writer.Header().Add("Set-Cookie", cookie)
		c.Redirect(http.StatusSeeOther, "/account")
	})

	r.POST("/order", func(c *gin.Context) {
		// Run on the page after the redirect (a cookie carries them there):
		// Intercom("trackEvent", "order-placed", {...}), then
		// Intercom("showNewMessage", "..."). A refused call is also reported to
		// Config.ErrorHandler.
		_ = intercomgin.Call(c, "trackEvent", demo.OrderEvent, demo.OrderMetadata())
		_ = intercomgin.Call(c, "showNewMessage", demo.OrderMessage)
		c.Redirect(http.StatusSeeOther, "/")
	})

	r.POST("/logout", func(c *gin.Context) {
		intercomgin.Shutdown(c)
		c.Writer.Header().Add("Set-Cookie", site.SignOut())
		c.Redirect(http.StatusSeeOther, "/")
	})

	r.Any("/demo/*path", gin.WrapH(site.Assets()))
	return r, nil
}
