package intercomhttp_test

import (
	"context"
	"errors"
	"html/template"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	intercomhttp "github.com/goanalytical/intercom/adapters/nethttp"
	"github.com/goanalytical/intercom/conformance"
	intercom "github.com/goanalytical/intercom/core"
)

// pageTemplate is the page the conformance app renders with Data.
var pageTemplate = template.Must(template.New("page").Parse(
	`<!DOCTYPE html><html><head><title>conformance</title></head><body><p>page</p>{{ .Intercom }}</body></html>`))

// userKey is where the stand-in auth middleware keeps the signed-in user,
// as an app's own auth middleware would under its own key.
type userKey struct{}

// TestConformance runs the suite against the adapter on the standard
// ServeMux and on chi.
func TestConformance(t *testing.T) {
	for _, router := range []struct {
		name  string
		build func(s conformance.Scenario, h scenarioHandlers) http.Handler
	}{
		{"servemux", serveMux},
		{"chi", chiRouter},
	} {
		t.Run(router.name, func(t *testing.T) {
			conformance.Run(t, conformance.HarnessFunc(func(t testing.TB, ln net.Listener, s conformance.Scenario) {
				serve(t, ln, router.build(s, newScenarioHandlers(s)))
			}))
		})
	}
}

// scenarioHandlers are the suite's routes and middlewares for one scenario,
// for any router.
type scenarioHandlers struct {
	auth, intercom, inject                  func(http.Handler) http.Handler
	page, raw, logout, component, uncovered http.HandlerFunc
	redirect                                http.HandlerFunc
	settings                                http.Handler
}

func newScenarioHandlers(s conformance.Scenario) scenarioHandlers {
	identifyAndSet := func(w http.ResponseWriter, r *http.Request) {
		if s.CacheControl != "" { // the app's own caching policy
			w.Header().Set("Cache-Control", s.CacheControl)
		}
		if s.Identify != nil {
			if u, ok := s.Identify(r.Header.Get); ok {
				intercomhttp.Identify(r, u)
			}
		}
		for _, a := range s.Set {
			intercomhttp.Set(r, a.Key, a.Value)
		}
		if s.Calls != nil {
			for _, call := range s.Calls(r.Header.Get) {
				_ = intercomhttp.Call(w, r, call.Method, call.Args...)
			}
		}
	}
	h := scenarioHandlers{
		auth: func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if s.SignedIn != nil {
					if v := s.SignedIn(r.Header.Get); v != nil {
						r = r.WithContext(context.WithValue(r.Context(), userKey{}, v))
					}
				}
				next.ServeHTTP(w, r)
			})
		},
		intercom: intercomhttp.Middleware(s.Messenger, scenarioOptions(s)...),
		inject:   func(next http.Handler) http.Handler { return next },
		page: func(w http.ResponseWriter, r *http.Request) {
			identifyAndSet(w, r)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			if err := pageTemplate.Execute(w, intercomhttp.Data(r, nil)); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
			}
		},
		raw: func(w http.ResponseWriter, r *http.Request) {
			identifyAndSet(w, r)
			for k, v := range s.Raw.Header {
				w.Header().Set(k, v)
			}
			if s.Raw.Status != 0 {
				w.WriteHeader(s.Raw.Status)
			}
			for _, chunk := range s.Raw.Chunks {
				if _, err := w.Write(chunk); err != nil {
					return // the client went away
				}
				if s.Raw.Flush {
					_ = http.NewResponseController(w).Flush()
				}
			}
		},
		redirect: func(w http.ResponseWriter, r *http.Request) {
			identifyAndSet(w, r)
			http.Redirect(w, r, conformance.PagePath, http.StatusSeeOther)
		},
		logout: func(w http.ResponseWriter, r *http.Request) {
			intercomhttp.Shutdown(w, r)
			http.Redirect(w, r, conformance.PagePath, http.StatusFound)
		},
		component: func(w http.ResponseWriter, r *http.Request) {
			identifyAndSet(w, r)
			writeComponentPage(w, r)
		},
		uncovered: func(w http.ResponseWriter, r *http.Request) {
			identifyAndSet(w, r)
			intercomhttp.Shutdown(w, r)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			if err := pageTemplate.Execute(w, intercomhttp.Data(r, nil)); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			writeComponentPage(w, r)
		},
		settings: intercomhttp.SettingsHandler(),
	}
	mw := h.intercom
	if s.Twice {
		h.intercom = func(next http.Handler) http.Handler { return mw(mw(next)) }
	}
	if s.WholePage {
		h.inject = intercomhttp.Inject()
		if s.Twice {
			h.inject = func(next http.Handler) http.Handler { return intercomhttp.Inject()(intercomhttp.Inject()(next)) }
		}
	}
	return h
}

// writeComponentPage writes conformance.ComponentPage around the templ
// component, as templ.Handler would render it: with the request's context.
func writeComponentPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = io.WriteString(w, conformance.ComponentPage.Head)
	_ = intercomhttp.Component().Render(r.Context(), w)
	_, _ = io.WriteString(w, conformance.ComponentPage.Tail)
}

// serveMux builds the app on the standard library's router; a GET pattern
// serves HEAD too.
func serveMux(_ conformance.Scenario, h scenarioHandlers) http.Handler {
	mux := http.NewServeMux()
	chain := func(next http.Handler) http.Handler { return h.auth(h.intercom(h.inject(next))) }
	mux.Handle("GET "+conformance.PagePath, chain(h.page))
	mux.Handle("GET "+conformance.RawPath, chain(h.raw))
	mux.Handle("GET "+conformance.LogoutPath, chain(h.logout))
	mux.Handle("GET "+conformance.RedirectPath, chain(h.redirect))
	mux.Handle("POST "+conformance.RedirectPath, chain(h.redirect))
	mux.Handle("GET "+conformance.SettingsPath, chain(h.settings))
	mux.Handle("GET "+conformance.ComponentPath, chain(h.component))
	mux.Handle("GET "+conformance.UncoveredPath, h.auth(h.inject(h.uncovered)))
	return mux
}

// chiRouter builds the app on chi, with the middlewares on the router.
func chiRouter(_ conformance.Scenario, h scenarioHandlers) http.Handler {
	r := chi.NewRouter()
	r.Use(h.auth)
	r.With(h.inject).Get(conformance.UncoveredPath, h.uncovered)
	r.Group(func(r chi.Router) {
		r.Use(h.intercom, h.inject)
		r.Get(conformance.PagePath, h.page)
		r.Get(conformance.ComponentPath, h.component)
		r.Get(conformance.RawPath, h.raw)
		r.Head(conformance.RawPath, h.raw)
		r.Get(conformance.LogoutPath, h.logout)
		r.Get(conformance.RedirectPath, h.redirect)
		r.Post(conformance.RedirectPath, h.redirect)
		r.Method(http.MethodGet, conformance.SettingsPath, h.settings)
	})
	return r
}

// scenarioOptions maps the scenario's header-based callbacks to options.
func scenarioOptions(s conformance.Scenario) []intercomhttp.Option {
	opts := []intercomhttp.Option{
		intercomhttp.WithAuthUser(func(r *http.Request) any { return r.Context().Value(userKey{}) }),
		intercomhttp.WithTrustedProxies(s.TrustedProxies...),
	}
	if s.WithUser != nil {
		opts = append(opts, intercomhttp.WithUser(func(r *http.Request) (intercom.User, bool) {
			return s.WithUser(r.Header.Get)
		}))
	}
	if s.WithAttributes != nil {
		opts = append(opts, intercomhttp.WithAttributes(func(r *http.Request) intercom.Attributes {
			return s.WithAttributes(r.Header.Get)
		}))
	}
	if s.WithNonce != nil {
		opts = append(opts, intercomhttp.WithNonce(func(r *http.Request) string {
			return s.WithNonce(r.Header.Get)
		}))
	}
	if s.Skip {
		opts = append(opts, intercomhttp.WithSkipper(func(*http.Request) bool { return true }))
	}
	return opts
}

// serve serves h on ln until the test ends.
func serve(t testing.TB, ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutting down the app: %v", err)
		}
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serving the app: %v", err)
		}
	})
}
