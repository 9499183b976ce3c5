// Command chi is the Intercom example app for net/http with the chi router:
// a public page, an identified page behind basic auth with custom data, a
// plain HTML page that gets the Messenger by whole-page install, and a
// sign-out that shuts the Messenger down, all under a strict nonce-based
// Content-Security-Policy.
//
//	go run ./examples/chi
//
// It listens on :8080 (PORT) and reads INTERCOM_APP_ID,
// INTERCOM_HMAC_SECRET_KEY and INTERCOM_INTERNAL_IPS; without them it uses a
// demo app id and a demo secret, and says so.
package main

import (
	"context"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	intercomhttp "github.com/goanalytical/intercom/adapters/nethttp"
	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/examples/internal/demo"
)

const framework = "chi"

func main() {
	cfg, err := demo.Config(os.Stdout)
	if err != nil {
		log.Fatal(err)
	}
	users := demo.DefaultUsers()
	h, err := newApp(cfg, users)
	if err != nil {
		log.Fatal(err)
	}
	addr := demo.Addr()
	demo.Banner(os.Stdout, framework, addr, users)
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

// Context keys of the example's own middlewares.
type (
	nonceKey struct{}
	loginKey struct{}
)

// newApp builds the app; main serves it, the tests serve it on loopback.
func newApp(cfg intercom.Config, users demo.Users) (http.Handler, error) {
	m, err := intercom.New(cfg) // a bad setting fails here, at start-up
	if err != nil {
		return nil, err
	}
	csp := demo.NewCSP(cfg.Region)
	pages := demo.Templates()

	r := chi.NewRouter()
	// No proxy in front, so no middleware.RealIP: it would believe any
	// client's X-Forwarded-For. intercomhttp uses the peer address unless
	// told which proxies to trust (WithTrustedProxies).
	r.Use(middleware.Logger, middleware.Recoverer)
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			nonce := intercom.NewNonce()
			w.Header().Set("Content-Security-Policy", csp.Header(nonce))
			next.ServeHTTP(w, req.WithContext(context.WithValue(req.Context(), nonceKey{}, nonce)))
		})
	})
	r.Use(intercomhttp.Middleware(m,
		intercomhttp.WithNonce(func(req *http.Request) string {
			nonce, _ := req.Context().Value(nonceKey{}).(string)
			return nonce
		}),
		// The sign-in middleware below keeps the login in the request's
		// context; the Messenger gets the full account. It runs after this
		// middleware, on one route only: the hooks see the handler's request.
		intercomhttp.WithUser(func(req *http.Request) (intercom.User, bool) {
			login, _ := req.Context().Value(loginKey{}).(string)
			u, ok := users.Lookup(login)
			return u.Intercom(), ok
		}),
	))

	render := func(w http.ResponseWriter, req *http.Request, name string, data map[string]any) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		// Data adds the snippet as "Intercom" to the template data.
		if err := pages.ExecuteTemplate(w, name, intercomhttp.Data(req, data)); err != nil {
			log.Printf("rendering %s: %v", name, err)
		}
	}

	r.Get("/", func(w http.ResponseWriter, req *http.Request) {
		render(w, req, "public.html", demo.PublicData(framework, users))
	})

	// Whole-page install: the handler writes plain HTML, Inject adds the snippet.
	r.With(intercomhttp.Inject()).Get("/about", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(demo.AboutPage))
	})

	signIn := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			login, _, _ := req.BasicAuth() // checked by middleware.BasicAuth before this
			next.ServeHTTP(w, req.WithContext(context.WithValue(req.Context(), loginKey{}, login)))
		})
	}
	r.With(middleware.BasicAuth("intercom demo", users.Accounts()), signIn).Get("/account",
		func(w http.ResponseWriter, req *http.Request) {
			u, _ := users.Lookup(req.Context().Value(loginKey{}).(string))
			intercomhttp.Set(req, "plan", u.Plan) // custom data for this page
			render(w, req, "account.html", demo.AccountData(framework, u))
		})

	r.Post("/logout", func(w http.ResponseWriter, req *http.Request) {
		intercomhttp.Shutdown(w, req)
		http.Redirect(w, req, "/", http.StatusSeeOther)
	})
	return r, nil
}
