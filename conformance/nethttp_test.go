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
	hooks := &intercom.Hooks[*http.Request]{
		User:       o.user,
		AuthUser:   o.authUser,
		Attributes: o.attributes,
		Nonce:      o.nonce,
		ClientIP:   func(r *http.Request) string { return intercom.ClientIP(r, o.trusted) },
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if o.skip != nil && o.skip(r) {
				next.ServeHTTP(w, r)
				return
			}
			ic := intercom.NewRequest(m, hooks, r)
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestKey{}, ic)))
		})
	}
}

// state returns the request's Intercom state, nil on a skipped request.
func state(r *http.Request) *intercom.Request[*http.Request] {
	ic, _ := r.Context().Value(requestKey{}).(*intercom.Request[*http.Request])
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

// ---- The harness: build that integration's app for a Scenario. ----

// authUserKey is where the stand-in auth middleware stores the signed-in
// user, as a real one would under its own key.
type authUserKey struct{}

var pageTemplate = template.Must(template.New("page").Parse(
	`<!DOCTYPE html><html><head><title>conformance</title></head><body><p>Hello</p>` +
		`{{ .` + intercom.TemplateKey + ` }}</body></html>`))

func serveNetHTTP(t testing.TB, ln net.Listener, s conformance.Scenario) {
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

	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.Identify != nil {
			if u, ok := s.Identify(r.Header.Get); ok {
				identify(r, u)
			}
		}
		for _, a := range s.Set {
			set(r, a.Key, a.Value)
		}
		var buf bytes.Buffer
		if err := pageTemplate.Execute(&buf, map[string]any{intercom.TemplateKey: snippet(r)}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(buf.Bytes())
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

	mux := http.NewServeMux()
	mux.Handle("GET "+conformance.PagePath, auth(middleware(s.Messenger, o)(page)))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
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
