package conformance_test

// This file is the suite's reference harness: a complete, minimal Intercom
// integration for plain net/http built on the core's generic glue
// (intercom.Hooks and intercom.Request), and the Harness that runs it
// through conformance.Run. A third-party adapter's test looks the same: map
// each Scenario field onto the framework's own mechanism and call Run.

import (
	"bytes"
	"context"
	"html/template"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/goanalytical/intercom/conformance"
	intercom "github.com/goanalytical/intercom/core"
)

// TestConformance runs the whole suite against the net/http integration.
func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.HarnessFunc(serveNetHTTP))
}

// ---- The integration: what an adapter for net/http would ship. ----

// requestKey is the context key of the per-request Intercom state.
type requestKey struct{}

// exchange is one request and its response: the framework context the
// integration's hooks receive (the C of intercom.Hooks[C]), as gin's is
// *gin.Context. The response is needed to clear the logout flag.
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

// middleware attaches the Intercom state to every request it does not skip.
// The hooks run lazily, at most once, when the page renders the snippet.
func middleware(m *intercom.Messenger, o options) func(http.Handler) http.Handler {
	hooks := &intercom.Hooks[*exchange]{
		AuthUser:   onRequest(o.authUser),
		Attributes: onRequest(o.attributes),
		Nonce:      onRequest(o.nonce),
		ClientIP:   func(x *exchange) string { return intercom.ClientIP(x.r, o.trusted) },
		// A logout (see shutdown) left the flag for this request's page ...
		ShutdownPending: func(x *exchange) bool {
			_, err := x.r.Cookie(intercom.ShutdownCookie)
			return err == nil
		},
		// ... which clears it as it renders the snippet that shuts down.
		ShutdownDone: func(x *exchange) { http.SetCookie(x.w, m.ShutdownDoneCookie()) },
	}
	if o.user != nil {
		hooks.User = func(x *exchange) (intercom.User, bool) { return o.user(x.r) }
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if o.skip != nil && o.skip(r) {
				next.ServeHTTP(w, r)
				return
			}
			ic := intercom.NewRequest(m, hooks, &exchange{w, r})
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestKey{}, ic)))
		})
	}
}

// onRequest turns an option's callback into a hook; nil stays nil, so that
// the core skips it.
func onRequest[T any](f func(*http.Request) T) func(*exchange) T {
	if f == nil {
		return nil
	}
	return func(x *exchange) T { return f(x.r) }
}

// state returns the request's Intercom state, nil on a skipped request.
func state(r *http.Request) *intercom.Request[*exchange] {
	ic, _ := r.Context().Value(requestKey{}).(*intercom.Request[*exchange])
	return ic
}

// identify is the integration's Identify: it sets the user for this request.
func identify(r *http.Request, u intercom.User) {
	if ic := state(r); ic != nil {
		ic.Identify(u)
	}
}

// set is the integration's Set: custom data from a handler.
func set(r *http.Request, key string, value any) {
	if ic := state(r); ic != nil {
		ic.Set(key, value)
	}
}

// snippet is the integration's Snippet; it renders nothing on a skipped
// request.
func snippet(r *http.Request) template.HTML {
	if ic := state(r); ic != nil {
		return ic.Snippet()
	}
	return ""
}

// inject is the integration's whole-page install, a middleware that goes
// after middleware: it inserts the snippet before the last </body> of
// text/html responses, as the page streams. The core decides which
// responses qualify (not HEAD, 204, 304, encoded bodies, or pages whose
// template rendered the snippet already) and renders the snippet once the
// handler has returned, so it sees the handler's identify and set.
func inject(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ic := state(r)
		if ic == nil || !ic.Messenger().Enabled() {
			next.ServeHTTP(w, r)
			return
		}
		iw := intercom.NewInjectWriter(w, r.Method, ic)
		next.ServeHTTP(iw, r)
		// An error here is a failed write to the client, as the handler's
		// own writes would have reported: nothing is left to do.
		_, _ = iw.Finish()
	})
}

// shutdown is the integration's Shutdown, for logout handlers: it expires
// the visitor's intercom-* cookies (with Config.CookieDomain) and leaves the
// flag that makes the next page's snippet end the session at Intercom.
func shutdown(w http.ResponseWriter, r *http.Request) {
	ic := state(r)
	if ic == nil {
		return
	}
	var names []string
	for _, c := range r.Cookies() {
		names = append(names, c.Name)
	}
	for _, c := range ic.Messenger().LogoutCookies(names) {
		http.SetCookie(w, c)
	}
	ic.SetShutdown() // a snippet rendered on this very response shuts down too
}

// settings is the integration's settings handler, for single-page apps that
// boot the Messenger from JavaScript: the visitor's settings as JSON, null
// when there are none to boot with (skipped request, disabled Messenger,
// internal client IP).
func settings(w http.ResponseWriter, r *http.Request) {
	body := []byte("null")
	if ic := state(r); ic != nil {
		body = ic.Settings()
	}
	for _, h := range intercom.SettingsHeaders {
		w.Header().Set(h[0], h[1])
	}
	_, _ = w.Write(body)
}

// ---- The harness: build that integration's app for a Scenario. ----

// authUserKey is where the stand-in auth middleware stores the signed-in
// user, as a real one would under its own key.
type authUserKey struct{}

var pageTemplate = template.Must(template.New("page").Parse(
	`<!DOCTYPE html><html><head><title>conformance</title></head><body><p>Hello</p>` +
		`{{ .` + intercom.TemplateKey + ` }}</body></html>`))

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
				identify(r, u)
			}
		}
		for _, a := range s.Set {
			set(r, a.Key, a.Value)
		}
	}

	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handlerCalls(r)
		var buf bytes.Buffer
		if err := pageTemplate.Execute(&buf, map[string]any{intercom.TemplateKey: snippet(r)}); err != nil {
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

	logout := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		shutdown(w, r)
		http.Redirect(w, r, conformance.PagePath, http.StatusFound)
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
		}
		return auth(intercomMiddleware(h))
	}

	// A GET pattern serves HEAD too.
	mux := http.NewServeMux()
	mux.Handle("GET "+conformance.PagePath, chain(page))
	mux.Handle("GET "+conformance.RawPath, chain(raw))
	mux.Handle("GET "+conformance.LogoutPath, chain(logout))
	mux.Handle("GET "+conformance.SettingsPath, chain(http.HandlerFunc(settings)))
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
