// Command gin is the Intercom example app for Gin: a public page, an
// identified page behind basic auth with custom data, a plain HTML page that
// gets the Messenger by whole-page install, and a sign-out that shuts the
// Messenger down, all under a strict nonce-based Content-Security-Policy.
//
//	go run ./examples/gin
//
// It listens on :8080 (PORT) and reads INTERCOM_APP_ID,
// INTERCOM_HMAC_SECRET_KEY and INTERCOM_INTERNAL_IPS; without them it uses a
// demo app id and a demo secret, and says so.
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
	cfg, err := demo.Config(os.Stdout)
	if err != nil {
		log.Fatal(err)
	}
	users := demo.DefaultUsers()
	r, err := newApp(cfg, users)
	if err != nil {
		log.Fatal(err)
	}
	addr := demo.Addr()
	demo.Banner(os.Stdout, framework, addr, users)
	if err := r.Run(addr); err != nil {
		log.Fatal(err)
	}
}

// newApp builds the app; main serves it, the tests serve it on loopback.
func newApp(cfg intercom.Config, users demo.Users) (*gin.Engine, error) {
	m, err := intercom.New(cfg) // a bad setting fails here, at start-up
	if err != nil {
		return nil, err
	}
	csp := demo.NewCSP(cfg.Region)

	r := gin.New()
	r.Use(gin.Logger(), gin.Recovery())
	// No proxy in front: c.ClientIP() is the peer address. Gin's default
	// trusts every proxy, so any client could pick its IP (see the
	// intercomgin docs).
	if err := r.SetTrustedProxies(nil); err != nil {
		return nil, err
	}
	r.SetHTMLTemplate(demo.Templates())

	r.Use(func(c *gin.Context) {
		nonce := intercom.NewNonce()
		c.Set(demo.NonceKey, nonce)
		c.Header("Content-Security-Policy", csp.Header(nonce))
		c.Next()
	})
	r.Use(intercomgin.Middleware(m,
		intercomgin.WithNonce(func(c *gin.Context) string { return c.GetString(demo.NonceKey) }),
		// gin.BasicAuth stores the login under gin.AuthUserKey; the
		// Messenger gets the full account.
		intercomgin.WithUser(func(c *gin.Context) (intercom.User, bool) {
			u, ok := users.Lookup(c.GetString(gin.AuthUserKey))
			return u.Intercom(), ok
		}),
	))

	r.GET("/", func(c *gin.Context) {
		// Data adds the snippet as "Intercom" to the template data.
		c.HTML(http.StatusOK, "public.html", intercomgin.Data(c, demo.PublicData(framework, users)))
	})

	// Whole-page install: the handler writes plain HTML, Inject adds the snippet.
	r.GET("/about", intercomgin.Inject(), func(c *gin.Context) {
		c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(demo.AboutPage))
	})

	r.GET("/account", gin.BasicAuth(gin.Accounts(users.Accounts())), func(c *gin.Context) {
		u, _ := users.Lookup(c.GetString(gin.AuthUserKey))
		intercomgin.Set(c, "plan", u.Plan) // custom data for this page
		c.HTML(http.StatusOK, "account.html", intercomgin.Data(c, demo.AccountData(framework, u)))
	})

	r.POST("/logout", func(c *gin.Context) {
		intercomgin.Shutdown(c)
		c.Redirect(http.StatusSeeOther, "/")
	})
	return r, nil
}
