// Command chi is the Intercom example app for net/http with the chi router:
// a home page that shows who is signed in, an identified account page with
// custom data, an order form that queues Messenger calls across a redirect,
// a plain HTML page that gets the Messenger by whole-page install, a
// single-page demo booting from the settings endpoint, Turbo and htmx
// navigation, and a sign-out that shuts the Messenger down, all under a
// strict nonce-based Content-Security-Policy.
//
//	go run ./examples/chi
//
// It listens on :8080 (PORT) and reads INTERCOM_APP_ID,
// INTERCOM_HMAC_SECRET_KEY and INTERCOM_INTERNAL_IPS; without them it uses a
// demo app id, a demo secret and a local stand-in Messenger, and says so.
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
	s, err := demo.Load(os.Stdout)
	if err != nil {
		log.Fatal(err)
	}
	h, err := newApp(s)
	if err != nil {
		log.Fatal(err)
	}
	addr := demo.Addr()
	demo.Banner(os.Stdout, framework, addr, s)
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

// Context keys of the example's own middlewares.
type (
	nonceKey struct{}
	loginKey struct{}
)

// newApp builds the app; main serves it, the tests serve it on loopback.
func newApp(s demo.Setup) (http.Handler, error) {
	m, err := intercom.New(s.Intercom) // a bad setting fails here, at start-up
	if err != nil {
		return nil, err
	}
	site := demo.NewSite(framework, s)
	pages := site.Templates()

	r := chi.NewRouter()
	// No proxy in front, so no middleware.RealIP: it would believe any
	// client's X-Forwarded-For. intercomhttp uses the peer address unless
	// told which proxies to trust (WithTrustedProxies).
	r.Use(middleware.Logger, middleware.Recoverer)
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			nonce := intercom.NewNonce()
			w.Header().Set("Content-Security-Policy", site.CSP(nonce))
			ctx := context.WithValue(req.Context(), nonceKey{}, nonce)
			// The demo's sign-in: the session cookie's login.
			if c, err := req.Cookie(demo.SessionCookie); err == nil {
				ctx = context.WithValue(ctx, loginKey{}, site.Login(c.Value))
			}
			next.ServeHTTP(w, req.WithContext(ctx))
		})
	})
	login := func(req *http.Request) string {
		l, _ := req.Context().Value(loginKey{}).(string)
		return l
	}
	r.Use(intercomhttp.Middleware(m,
		intercomhttp.WithNonce(func(req *http.Request) string {
			nonce, _ := req.Context().Value(nonceKey{}).(string)
			return nonce
		}),
		// The Messenger gets the full account of the signed-in login.
		intercomhttp.WithUser(func(req *http.Request) (intercom.User, bool) { return site.User(login(req)) }),
	))

	render := func(w http.ResponseWriter, req *http.Request, status int, name string, data map[string]any) {
		// Data adds the snippet as "Intercom" to the template data; before the
		// headers go out, so that it can also expire the cookie of the queued
		// calls it renders.
		data = intercomhttp.Data(req, data)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		if err := pages.ExecuteTemplate(w, name, data); err != nil {
			log.Printf("rendering %s: %v", name, err)
		}
	}
	page := func(req *http.Request, title string) map[string]any {
		nav := ""
		if c, err := req.Cookie(demo.NavCookie); err == nil {
			nav = c.Value
		}
		nonce, _ := req.Context().Value(nonceKey{}).(string)
		return site.Page(title, nonce, nav, login(req))
	}

	r.Get("/", func(w http.ResponseWriter, req *http.Request) {
		render(w, req, http.StatusOK, "home.html", page(req, "Welcome"))
	})

	r.Get("/account", func(w http.ResponseWriter, req *http.Request) {
		u, ok := site.Account(login(req))
		if !ok {
			http.Redirect(w, req, "/", http.StatusSeeOther) // the sign-in form
			return
		}
		intercomhttp.Set(req, "plan", u.Plan) // custom data for this page
		render(w, req, http.StatusOK, "account.html", page(req, "Your account"))
	})

	// Whole-page install: the handler writes plain HTML, Inject adds the snippet.
	r.With(intercomhttp.Inject()).Get("/about", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(demo.AboutPage))
	})

	// The single-page demo renders no snippet: it boots from the settings endpoint.
	r.Get("/spa", func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := pages.ExecuteTemplate(w, "spa.html", page(req, "Single-page app")); err != nil {
			log.Printf("rendering spa.html: %v", err)
		}
	})
	r.Method(http.MethodGet, "/intercom/settings", intercomhttp.SettingsHandler())

	r.Post("/login", func(w http.ResponseWriter, req *http.Request) {
		cookie, ok := site.SignIn(req.PostFormValue("login"), req.PostFormValue("password"))
		if !ok {
			// 422: Turbo and htmx render a failed form's page only with an error status.
			render(w, req, http.StatusUnprocessableEntity, "home.html", demo.SignInFailed(page(req, "Welcome")))
			return
		}
		w.Header().Add("Set-Cookie", cookie)
		http.Redirect(w, req, "/account", http.StatusSeeOther)
	})

	r.Post("/order", func(w http.ResponseWriter, req *http.Request) {
		// Run on the page after the redirect (a cookie carries them there):
		// Intercom("trackEvent", "order-placed", {...}), then
		// Intercom("showNewMessage", "..."). A refused call is also reported to
		// Config.ErrorHandler.
		_ = intercomhttp.Call(w, req, "trackEvent", demo.OrderEvent, demo.OrderMetadata())
		_ = intercomhttp.Call(w, req, "showNewMessage", demo.OrderMessage)
		http.Redirect(w, req, "/", http.StatusSeeOther)
	})

	r.Post("/logout", func(w http.ResponseWriter, req *http.Request) {
		intercomhttp.Shutdown(w, req)
		w.Header().Add("Set-Cookie", site.SignOut())
		http.Redirect(w, req, "/", http.StatusSeeOther)
	})

	r.Mount("/demo/", site.Assets())
	return r, nil
}
