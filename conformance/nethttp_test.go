package conformance_test

// This file is the suite's reference harness: a complete, minimal Intercom
// integration for plain net/http built on the adapter kit
// (adapter.Hooks and adapter.Request), and the Harness that runs it
// through conformance.Run. A third-party adapter's test looks the same: map
// each Scenario field onto the framework's own mechanism and call Run.

import (
	"bytes"
	"context"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/goanalytical/intercom/conformance"
	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

// TestConformance runs the whole suite against the net/http integration.
func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.HarnessFunc(serveNetHTTP))
}

// ---- The integration: a minimal net/http adapter on the kit. ----

// exchange is one request and its response: the framework context the
// kit's hooks receive (the C of adapter.Hooks[C]), as gin's is *gin.Context.
// The response is needed to set the logout cookies.
type exchange struct {
	w http.ResponseWriter
	r *http.Request
}

// options are the integration's options, one per adapter option.
type options struct {
	user       func(*http.Request) (intercom.User, bool) // WithUser
	attributes func(*http.Request) intercom.Attributes   // WithAttributes
	nonce      func(*http.Request) string                // WithNonce
	authUser   func(*http.Request) any                   // where the auth middleware keeps the user
	skip       func(*http.Request) bool                  // skipper
	trusted    []netip.Prefix                            // proxies trusted for X-Forwarded-For
}

// middleware attaches the Intercom state to every request. The hooks run
// lazily, at most once, when the page renders the snippet.
func middleware(m *intercom.Messenger, o options) func(http.Handler) http.Handler {
	mw := adapter.NewMiddleware("conformance reference", m, adapter.Hooks[*exchange]{
		User:       onRequest2(o.user),
		AuthUser:   onRequest(o.authUser),
		Attributes: onRequest(o.attributes),
		Nonce:      onRequest(o.nonce),
		Skip:       onRequest(o.skip),
		ClientIP:   func(x *exchange) string { return intercom.ClientIP(x.r, o.trusted) },
	}.WithRequestCookies(
		func(x *exchange) *http.Request { return x.r },
		func(x *exchange) http.Header { return x.w.Header() },
	))
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if state(r) != nil { // installed twice: keep the first one's state
				next.ServeHTTP(w, r)
				return
			}
			ic := mw.Start(&exchange{w, r})
			next.ServeHTTP(w, r.WithContext(adapter.NewContext(r.Context(), ic)))
		})
	}
}

// onRequest turns an option's callback into a hook; nil stays nil, so that
// the kit skips it.
func onRequest[T any](f func(*http.Request) T) func(*exchange) T {
	if f == nil {
		return nil
	}
	return func(x *exchange) T { return f(x.r) }
}

func onRequest2[T any](f func(*http.Request) (T, bool)) func(*exchange) (T, bool) {
	if f == nil {
		return nil
	}
	return func(x *exchange) (T, bool) { return f(x.r) }
}

// component is the integration's templ component: it finds the state in
// the context templ renders with.
var component = adapter.NewComponent[*exchange](nil, nil)

// state returns the request's Intercom state, nil without the middleware.
func state(r *http.Request) *adapter.Request[*exchange] {
	return adapter.FromContext[*exchange](r.Context())
}

// inject is the integration's whole-page install, a middleware that goes
// after middleware (see adapter.Request.Inject).
func inject(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// An error here is a failed write to the client, as the handler's
		// own writes would have reported: nothing is left to do.
		_, _ = state(r).Inject(w, r.Method, func(w http.ResponseWriter, _ *adapter.InjectWriter) { next.ServeHTTP(w, r) })
	})
}

// settings is the integration's settings handler, for single-page apps that
// boot the Messenger from JavaScript.
func settings(w http.ResponseWriter, r *http.Request) {
	_, _ = w.Write(state(r).WriteSettings(w.Header().Set))
}

// ---- The harness: build that integration's app for a Scenario. ----

// authUserKey is where the stand-in auth middleware stores the signed-in
// user, as a real one would under its own key.
type authUserKey struct{}

var pageTemplate = template.Must(template.New("page").Parse(
	`<!DOCTYPE html><html><head><title>conformance</title></head><body><p>Hello</p>` +
		`{{ .` + adapter.TemplateKey + ` }}</body></html>`))

func serveNetHTTP(t testing.TB, ln net.Listener, s conformance.Scenario) {
	serve(t, ln, newApp(t, s))
}

// serve serves h on ln until the test ends.
func serve(t testing.TB, ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
}

// newApp builds the app for s: every route of the suite behind the stand-in
// auth middleware, the integration's middleware and, with s.WholePage, its
// whole-page install.
func newApp(t testing.TB, s conformance.Scenario) http.Handler {
	trusted := make([]netip.Prefix, 0, len(s.TrustedProxies))
	for _, p := range s.TrustedProxies {
		prefix, err := parsePrefix(p)
		if err != nil {
			t.Fatalf("trusted proxy %q: %v", p, err)
		}
		trusted = append(trusted, prefix)
	}

	o := options{
		authUser: func(r *http.Request) any { return r.Context().Value(authUserKey{}) },
		trusted:  trusted,
	}
	if s.WithUser != nil {
		o.user = func(r *http.Request) (intercom.User, bool) { return s.WithUser(r.Header.Get) }
	}
	if s.WithAttributes != nil {
		o.attributes = func(r *http.Request) intercom.Attributes { return s.WithAttributes(r.Header.Get) }
	}
	if s.WithNonce != nil {
		o.nonce = func(r *http.Request) string { return s.WithNonce(r.Header.Get) }
	}
	if s.Skip {
		o.skip = func(*http.Request) bool { return true }
	}

	// What the page handlers do first: Identify, then Set, as s says.
	handlerCalls := func(r *http.Request) {
		if s.Identify != nil {
			if u, ok := s.Identify(r.Header.Get); ok {
				state(r).Identify(u)
			}
		}
		for _, a := range s.Set {
			state(r).Set(a.Key, a.Value)
		}
		if s.Calls != nil {
			for _, c := range s.Calls(r.Header.Get) {
				_ = state(r).Call(c.Method, c.Args...)
			}
		}
	}

	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handlerCalls(r)
		var buf bytes.Buffer
		if err := pageTemplate.Execute(&buf, map[string]any{adapter.TemplateKey: state(r).Snippet()}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(buf.Bytes())
	})

	raw := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handlerCalls(r)
		for k, v := range s.Raw.Header {
			w.Header().Set(k, v)
		}
		if s.Raw.Status != 0 {
			w.WriteHeader(s.Raw.Status)
		}
		for _, chunk := range s.Raw.Chunks {
			_, _ = w.Write(chunk)
			if s.Raw.Flush {
				_ = http.NewResponseController(w).Flush()
			}
		}
	})

	redirect := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handlerCalls(r)
		http.Redirect(w, r, conformance.PagePath, http.StatusSeeOther)
	})

	logout := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		state(r).Shutdown()
		http.Redirect(w, r, conformance.PagePath, http.StatusFound)
	})

	componentPage := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handlerCalls(r)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, conformance.ComponentPage.Head)
		_ = component.Render(r.Context(), w)
		_, _ = io.WriteString(w, conformance.ComponentPage.Tail)
	})

	uncovered := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handlerCalls(r)
		state(r).Shutdown()
		var buf bytes.Buffer
		if err := pageTemplate.Execute(&buf, map[string]any{adapter.TemplateKey: state(r).Snippet()}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(buf.Bytes())
		_, _ = io.WriteString(w, conformance.ComponentPage.Head)
		_ = component.Render(r.Context(), w)
		_, _ = io.WriteString(w, conformance.ComponentPage.Tail)
	})

	// The stand-in auth middleware runs before the Intercom one.
	auth := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if s.SignedIn != nil {
				if v := s.SignedIn(r.Header.Get); v != nil {
					r = r.WithContext(context.WithValue(r.Context(), authUserKey{}, v))
				}
			}
			next.ServeHTTP(w, r)
		})
	}
	intercomMiddleware := middleware(s.Messenger, o)
	chain := func(h http.Handler) http.Handler {
		if s.WholePage {
			h = inject(h)
			if s.Twice {
				h = inject(h)
			}
		}
		if s.Twice {
			h = intercomMiddleware(h)
		}
		return auth(intercomMiddleware(h))
	}
	uncoveredChain := func(h http.Handler) http.Handler {
		if s.WholePage {
			h = inject(h)
		}
		return auth(h)
	}

	// A GET pattern serves HEAD too.
	mux := http.NewServeMux()
	mux.Handle("GET "+conformance.PagePath, chain(page))
	mux.Handle("GET "+conformance.RawPath, chain(raw))
	mux.Handle("GET "+conformance.LogoutPath, chain(logout))
	mux.Handle("GET "+conformance.RedirectPath, chain(redirect))
	mux.Handle("POST "+conformance.RedirectPath, chain(redirect))
	mux.Handle("GET "+conformance.SettingsPath, chain(http.HandlerFunc(settings)))
	mux.Handle("GET "+conformance.ComponentPath, chain(componentPage))
	mux.Handle("GET "+conformance.UncoveredPath, uncoveredChain(uncovered))
	if s.CacheControl != "" {
		// The app's own caching policy, set before any handler runs.
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", s.CacheControl)
			mux.ServeHTTP(w, r)
		})
	}
	return mux
}

// parsePrefix parses an address or a CIDR as a prefix.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		return netip.ParsePrefix(s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}
