package conformance_test

// The suite's test of itself: every case must be able to fail. Each mutant
// below is the reference harness with one bug an adapter could plausibly
// have; TestSuiteCatchesBrokenAdapters runs the suite against each mutant in
// a child process and checks that the cases the bug breaks do fail, and
// TestMutantsCoverEveryCase checks that every case is failed by some mutant.

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/goanalytical/intercom/conformance"
	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

type mutant struct {
	name string
	// scenario rewrites the Scenario before the reference harness sees it.
	scenario func(conformance.Scenario) conformance.Scenario
	// conn wraps each connection the reference harness accepts.
	conn func(net.Conn) net.Conn
	// handler wraps the reference harness's app; it gets the Scenario as
	// the suite wrote it, before scenario rewrote it.
	handler func(s conformance.Scenario, app http.Handler) http.Handler
	// mustFail lists the "group/case" names the bug must fail.
	mustFail []string
}

// autoIdentifies reports whether m identifies the user an auth middleware
// stored, by asking the kit to resolve a probe request.
func autoIdentifies(m *intercom.Messenger) bool {
	mw := adapter.NewMiddleware("probe", m, adapter.Hooks[struct{}]{AuthUser: func(struct{}) any { return "probe" }})
	return mw.Start(struct{}{}).Visitor().User != nil
}

// userFrom is auto-identification as the kit does it for a string or an
// intercom.Identifier, the values the suite signs in with.
func userFrom(v any) (intercom.User, bool) {
	switch v := v.(type) {
	case string:
		return intercom.User{ID: v, Name: v}, v != ""
	case intercom.Identifier:
		u := v.IntercomUser()
		return u, u.ID != "" || u.Email != ""
	}
	return intercom.User{}, false
}

// harness is the reference harness with the mutant's bug.
func (m mutant) harness() conformance.Harness {
	return conformance.HarnessFunc(func(t testing.TB, ln net.Listener, s conformance.Scenario) {
		orig := s
		if m.scenario != nil {
			s = m.scenario(s)
		}
		if m.conn != nil {
			ln = wrappedListener{ln, m.conn}
		}
		app := newApp(t, s)
		if m.handler != nil {
			app = m.handler(orig, app)
		}
		serve(t, ln, app)
	})
}

var mutants = []mutant{
	{
		name: "renders-when-disabled",
		scenario: func(s conformance.Scenario) conformance.Scenario {
			if !s.Messenger.Enabled() {
				s.Messenger, _ = intercom.New(intercom.Config{AppID: "abc12345"})
			}
			return s
		},
		mustFail: []string{"disabled/renders-nothing", "calls/disabled"},
	},
	{
		name:     "always-skips",
		scenario: func(s conformance.Scenario) conformance.Scenario { s.Skip = true; return s },
		mustFail: []string{"anonymous/app-id-and-api-base-only", "settings/comprehensive"},
	},
	{
		name:     "ignores-skip",
		scenario: func(s conformance.Scenario) conformance.Scenario { s.Skip = false; return s },
		mustFail: []string{"skip/no-snippet", "skip/handler-calls", "calls/skipped"},
	},
	{
		name:     "ignores-auth-user",
		scenario: func(s conformance.Scenario) conformance.Scenario { s.SignedIn = nil; return s },
		mustFail: []string{
			"auto-identify/string", "auto-identify/identifier", "auto-identify/wrong-type-int",
			"auto-identify/wrong-type-struct", "auto-identify/identifier-panics", "precedence/with-user-declines",
		},
	},
	{
		name: "reports-empty-auth-user",
		scenario: func(s conformance.Scenario) conformance.Scenario {
			s.SignedIn = mapSignedIn(s.SignedIn, func(v any) any {
				if v == "" {
					return struct{}{}
				}
				return v
			})
			return s
		},
		mustFail: []string{"auto-identify/empty-string"},
	},
	{
		name: "ignores-disable-auto-identify",
		scenario: func(s conformance.Scenario) conformance.Scenario {
			if signed := s.SignedIn; signed != nil && s.WithUser == nil && !autoIdentifies(s.Messenger) {
				s.WithUser = func(h conformance.Header) (intercom.User, bool) { return userFrom(signed(h)) }
			}
			return s
		},
		mustFail: []string{"auto-identify/disabled-by-config"},
	},
	{
		name: "wrong-type-unreported",
		scenario: func(s conformance.Scenario) conformance.Scenario {
			s.SignedIn = mapSignedIn(s.SignedIn, func(v any) any {
				switch v.(type) {
				case string, intercom.Identifier:
					return v
				}
				return nil
			})
			return s
		},
		mustFail: []string{"auto-identify/wrong-type-int", "auto-identify/wrong-type-struct"},
	},
	{
		name: "bypasses-user-from",
		scenario: func(s conformance.Scenario) conformance.Scenario {
			if signed := s.SignedIn; signed != nil && s.WithUser == nil {
				s.WithUser = func(h conformance.Header) (intercom.User, bool) {
					if id, ok := signed(h).(intercom.Identifier); ok {
						return id.IntercomUser(), true
					}
					return intercom.User{}, false
				}
			}
			return s
		},
		mustFail: []string{"auto-identify/identifier-without-id"},
	},
	{
		name: "identifier-unguarded",
		scenario: func(s conformance.Scenario) conformance.Scenario {
			s.SignedIn = mapSignedIn(s.SignedIn, func(v any) any {
				if id, ok := v.(intercom.Identifier); ok {
					_ = id.IntercomUser()
				}
				return v
			})
			return s
		},
		mustFail: []string{"auto-identify/identifier-panics"},
	},
	{
		name: "auth-over-with-user",
		scenario: func(s conformance.Scenario) conformance.Scenario {
			if signed, wu := s.SignedIn, s.WithUser; signed != nil && wu != nil {
				s.WithUser = func(h conformance.Header) (intercom.User, bool) {
					if signed(h) != nil {
						return intercom.User{}, false
					}
					return wu(h)
				}
			}
			return s
		},
		mustFail: []string{"precedence/with-user-over-auth", "settings/comprehensive"},
	},
	{
		name: "with-user-over-identify",
		scenario: func(s conformance.Scenario) conformance.Scenario {
			if id, wu := s.Identify, s.WithUser; id != nil && wu != nil {
				s.Identify = nil
				s.WithUser = func(h conformance.Header) (intercom.User, bool) {
					if u, ok := wu(h); ok {
						return u, true
					}
					return id(h)
				}
			}
			return s
		},
		mustFail: []string{"precedence/identify-over-all"},
	},
	{
		name: "attributes-over-set",
		scenario: func(s conformance.Scenario) conformance.Scenario {
			if set, wa := s.Set, s.WithAttributes; len(set) > 0 {
				s.Set = nil
				s.WithAttributes = func(h conformance.Header) intercom.Attributes {
					a := intercom.Attributes{}
					for _, kv := range set {
						a[kv.Key] = kv.Value
					}
					if wa != nil {
						maps.Copy(a, wa(h))
					}
					return a
				}
			}
			return s
		},
		mustFail: []string{"precedence/set-over-attributes-and-user"},
	},
	{
		name:     "ignores-with-attributes",
		scenario: func(s conformance.Scenario) conformance.Scenario { s.WithAttributes = nil; return s },
		mustFail: []string{"precedence/attributes-over-config", "settings/comprehensive", "callbacks/once-per-request"},
	},
	{
		name: "unguarded-callbacks",
		scenario: func(s conformance.Scenario) conformance.Scenario {
			signed, wu, wa := s.SignedIn, s.WithUser, s.WithAttributes
			s.SignedIn = func(h conformance.Header) any {
				if wu != nil {
					wu(h)
				}
				if wa != nil {
					wa(h)
				}
				if signed != nil {
					return signed(h)
				}
				return nil
			}
			return s
		},
		mustFail: []string{"precedence/panicking-callback"},
	},
	{
		name: "calls-callbacks-twice",
		scenario: func(s conformance.Scenario) conformance.Scenario {
			if wu := s.WithUser; wu != nil {
				s.WithUser = func(h conformance.Header) (intercom.User, bool) { wu(h); return wu(h) }
			}
			if wn := s.WithNonce; wn != nil {
				s.WithNonce = func(h conformance.Header) string { wn(h); return wn(h) }
			}
			return s
		},
		mustFail: []string{"callbacks/once-per-request"},
	},
	{
		name:     "ignores-set",
		scenario: func(s conformance.Scenario) conformance.Scenario { s.Set = nil; return s },
		mustFail: []string{"custom-data/supported-types", "custom-data/unsupported-dropped", "custom-data/reserved-keys"},
	},
	{
		name:     "ignores-identify",
		scenario: func(s conformance.Scenario) conformance.Scenario { s.Identify = nil; return s },
		mustFail: []string{"precedence/identify-over-all", "escaping/script"},
	},
	{
		name:     "ignores-with-user",
		scenario: func(s conformance.Scenario) conformance.Scenario { s.WithUser = nil; return s },
		mustFail: []string{
			"identity/user-hash-over-user-id", "identity/user-hash-over-email", "identity/jwt",
			"identity/jwt-email-only-falls-back", "settings/comprehensive",
		},
	},
	{
		name:     "ignores-nonce",
		scenario: func(s conformance.Scenario) conformance.Scenario { s.WithNonce = nil; return s },
		mustFail: []string{"nonce/base64url", "nonce/base64-padded", "nonce/invalid"},
	},
	{
		name: "trusts-every-proxy",
		scenario: func(s conformance.Scenario) conformance.Scenario {
			s.TrustedProxies = []string{"0.0.0.0/0", "::/0"}
			return s
		},
		mustFail: []string{"client-ip/spoofed-header-ignored", "client-ip/untrusted-peer"},
	},
	{
		name:     "ignores-trusted-proxies",
		scenario: func(s conformance.Scenario) conformance.Scenario { s.TrustedProxies = nil; return s },
		mustFail: []string{"client-ip/trusted-proxy", "client-ip/trusted-proxy-cidr"},
	},
	{
		name: "trusts-addresses-not-ranges",
		scenario: func(s conformance.Scenario) conformance.Scenario {
			s.TrustedProxies = slices.DeleteFunc(slices.Clone(s.TrustedProxies), func(p string) bool {
				return strings.Contains(p, "/")
			})
			return s
		},
		mustFail: []string{"client-ip/trusted-proxy-cidr"},
	},
	{
		name:     "wrong-peer-address",
		conn:     fixedPeer("127.0.0.200"),
		mustFail: []string{"internal-ip/exact-address", "internal-ip/cidr", "internal-ip/ipv6", "client-ip/trusted-proxy"},
	},
	{
		name:     "internal-peer-address",
		conn:     fixedPeer("127.0.0.7"),
		mustFail: []string{"internal-ip/other-address", "internal-ip/cidr"},
	},
	{
		name: "shares-user-across-requests",
		scenario: func(s conformance.Scenario) conformance.Scenario {
			if signed := s.SignedIn; signed != nil {
				var once sync.Once
				var first any
				s.SignedIn = func(h conformance.Header) any {
					once.Do(func() { first = signed(h) })
					return first
				}
			}
			return s
		},
		mustFail: []string{"concurrency/distinct-users"},
	},
	{
		// A response filter that undoes the escaping of "</script" and "-->",
		// keeping the length so Content-Length stays right.
		name: "breaks-escaping",
		conn: func(c net.Conn) net.Conn {
			return rewriteConn{c, strings.NewReplacer(`\u003c/script`, `</script     `, `--\u003e`, `-->     `)}
		},
		mustFail: []string{"escaping/script", "escaping/internal-comment"},
	},

	// Whole-page install.
	{
		name: "injects-before-first-body-close",
		handler: rewrite(func(_ conformance.Scenario, r *http.Request, rec *recording) {
			if raw, at := snippetIn(rec.body); at >= 0 && r.URL.Path == conformance.RawPath {
				body := cut(rec.body, at, len(raw))
				if loc := bodyClose.FindIndex(body); loc != nil {
					rec.body = insert(body, loc[0], raw)
				}
			}
		}),
		mustFail: []string{
			"whole-page/before-last-body-close", "whole-page/content-length",
			"whole-page/three-byte-writes", "whole-page/three-byte-writes-flushed",
		},
	},
	{
		name: "matches-lower-case-body-close-only",
		handler: rewrite(func(_ conformance.Scenario, r *http.Request, rec *recording) {
			if raw, at := snippetIn(rec.body); at >= 0 && r.URL.Path == conformance.RawPath {
				body := cut(rec.body, at, len(raw))
				rec.body = body
				if i := bytes.LastIndex(body, []byte("</body>")); i >= 0 {
					rec.body = insert(body, i, raw)
				}
			}
		}),
		mustFail: []string{"whole-page/upper-case-body-close"},
	},
	{
		name: "renders-before-the-handler",
		handler: rewrite(func(s conformance.Scenario, r *http.Request, rec *recording) {
			if raw, at := snippetIn(rec.body); at >= 0 && r.URL.Path == conformance.RawPath {
				rec.body = insert(cut(rec.body, at, len(raw)), at, anonymousSnippet(s))
			}
		}),
		mustFail: []string{
			"whole-page/before-last-body-close", "whole-page/upper-case-body-close", "whole-page/charset-parameter",
		},
	},
	{
		name: "requires-exact-text-html",
		handler: rewrite(func(_ conformance.Scenario, r *http.Request, rec *recording) {
			if raw, at := snippetIn(rec.body); at >= 0 && r.URL.Path == conformance.RawPath &&
				rec.header.Get("Content-Type") != "text/html" {
				rec.body = cut(rec.body, at, len(raw))
			}
		}),
		mustFail: []string{"whole-page/charset-parameter"},
	},
	{
		name: "injects-into-any-content-type",
		handler: rewrite(func(s conformance.Scenario, r *http.Request, rec *recording) {
			if r.URL.Path == conformance.RawPath && !isHTML(rec.header) && rec.header.Get("Content-Encoding") == "" {
				rec.body = injectLast(rec.body, anonymousSnippet(s))
			}
		}),
		mustFail: []string{"whole-page/json-untouched"},
	},
	{
		name: "injects-into-encoded-body",
		handler: rewrite(func(s conformance.Scenario, r *http.Request, rec *recording) {
			if r.URL.Path != conformance.RawPath || !isHTML(rec.header) || rec.header.Get("Content-Encoding") != "gzip" {
				return
			}
			zr, err := gzip.NewReader(bytes.NewReader(rec.body))
			if err != nil {
				return
			}
			page, _ := io.ReadAll(zr)
			var out bytes.Buffer
			zw := gzip.NewWriter(&out)
			_, _ = zw.Write(injectLast(page, anonymousSnippet(s)))
			_ = zw.Close()
			rec.body = out.Bytes()
		}),
		mustFail: []string{"whole-page/gzip-untouched"},
	},
	{
		// Rendering the snippet (which clears the logout flag) for responses
		// that cannot show it.
		name: "ignores-method-and-status",
		handler: rewrite(func(s conformance.Scenario, r *http.Request, rec *recording) {
			if _, err := r.Cookie(adapter.ShutdownCookie); err == nil && isHTML(rec.header) &&
				(r.Method == http.MethodHead || rec.status == http.StatusNoContent || rec.status == http.StatusNotModified) {
				http.SetCookie(rec, &http.Cookie{Name: adapter.ShutdownCookie, Path: "/", MaxAge: -1, SameSite: http.SameSiteLaxMode})
			}
		}),
		mustFail: []string{
			"whole-page/head-untouched", "whole-page/status-204-untouched", "whole-page/status-304-untouched",
			"head/keeps-logout",
		},
	},
	{
		// Whole-page install that leaves HEAD alone: HEAD answers the
		// headers of the page as the handler wrote it, GET those of the
		// injected page.
		name: "head-left-alone",
		handler: rewrite(func(s conformance.Scenario, r *http.Request, rec *recording) {
			if r.Method != http.MethodHead || r.URL.Path != conformance.RawPath {
				return
			}
			if raw, at := snippetIn(rec.body); at >= 0 {
				rec.body = cut(rec.body, at, len(raw))
				for _, k := range []string{"Cache-Control", "Etag", "Accept-Ranges", "Content-Length"} {
					if v, ok := s.Raw.Header[k]; ok {
						rec.header.Set(k, v)
					} else {
						rec.header.Del(k)
					}
				}
			}
		}),
		mustFail: []string{"head/same-headers-as-get", "head/content-length-set-by-handler", "head/keeps-logout", "head/keeps-calls"},
	},
	{
		// A HEAD that uses up the calls a redirect's cookie carries: the
		// GET after it runs none of them.
		name: "head-uses-up-calls",
		handler: rewrite(func(s conformance.Scenario, r *http.Request, rec *recording) {
			if r.Method != http.MethodHead {
				return
			}
			name := adapter.CallsCookiePrefix + conformance.AppID
			if _, err := r.Cookie(name); err == nil {
				http.SetCookie(rec, &http.Cookie{Name: name, Path: "/", MaxAge: -1, SameSite: http.SameSiteLaxMode})
			}
		}),
		mustFail: []string{"head/keeps-calls"},
	},
	{
		// A templ component that finds no state in the context templ
		// renders with.
		name: "component-renders-nothing",
		handler: rewrite(func(_ conformance.Scenario, r *http.Request, rec *recording) {
			if r.URL.Path == conformance.ComponentPath {
				if raw, at := snippetIn(rec.body); at >= 0 {
					rec.body = cut(rec.body, at, len(raw))
				}
			}
		}),
		mustFail: []string{"component/same-as-template", "component/whole-page-once"},
	},
	{
		// Whole-page install that does not see the component's snippet.
		name: "component-not-rendered-for-inject",
		handler: rewrite(func(s conformance.Scenario, r *http.Request, rec *recording) {
			if r.URL.Path == conformance.ComponentPath && s.WholePage {
				rec.body = injectLast(rec.body, anonymousSnippet(s))
			}
		}),
		mustFail: []string{"component/whole-page-once"},
	},
	{
		// A helper that fails the request without the middleware, as a
		// panic caught by a recovering middleware would.
		name: "uncovered-route-fails",
		handler: rewrite(func(_ conformance.Scenario, r *http.Request, rec *recording) {
			if r.URL.Path == conformance.UncoveredPath {
				rec.status, rec.body = http.StatusInternalServerError, []byte("panic: nil state")
			}
		}),
		mustFail: []string{"no-middleware/page-renders", "no-middleware/whole-page-untouched"},
	},
	{
		// Shutdown without the middleware still setting cookies.
		name: "uncovered-shutdown-sets-cookies",
		handler: rewrite(func(_ conformance.Scenario, r *http.Request, rec *recording) {
			if r.URL.Path == conformance.UncoveredPath {
				http.SetCookie(rec, &http.Cookie{Name: "intercom-session-" + conformance.AppID, Path: "/", MaxAge: -1})
			}
		}),
		mustFail: []string{"no-middleware/page-renders"},
	},
	{
		// Whole-page install that renders a snippet of its own where the
		// middleware is missing.
		name: "uncovered-inject-renders",
		handler: rewrite(func(s conformance.Scenario, r *http.Request, rec *recording) {
			if r.URL.Path == conformance.UncoveredPath && s.WholePage {
				rec.body = injectLast(rec.body, anonymousSnippet(s))
			}
		}),
		mustFail: []string{"no-middleware/whole-page-untouched"},
	},
	{
		// The second middleware starting a state of its own: the
		// handler's Identify and Set go to one, the page renders the
		// other's visitor.
		name: "twice-forgets-state",
		handler: rewrite(func(s conformance.Scenario, r *http.Request, rec *recording) {
			if s.Twice && r.URL.Path == conformance.PagePath {
				if raw, at := snippetIn(rec.body); at >= 0 {
					rec.body = insert(cut(rec.body, at, len(raw)), at, anonymousSnippet(s))
				}
			}
		}),
		mustFail: []string{"twice/one-state"},
	},
	{
		// Whole-page install installed twice injecting twice.
		name: "twice-injects-twice",
		handler: rewrite(func(s conformance.Scenario, r *http.Request, rec *recording) {
			if s.Twice && r.URL.Path == conformance.RawPath {
				if raw, at := snippetIn(rec.body); at >= 0 {
					rec.body = insert(rec.body, at, raw)
				}
			}
		}),
		mustFail: []string{"twice/whole-page-once"},
	},
	{
		// Leaving an injected page cacheable, with its old validators.
		name: "injected-page-cacheable",
		handler: rewrite(func(_ conformance.Scenario, r *http.Request, rec *recording) {
			if r.URL.Path == conformance.RawPath && rec.header.Get("Cache-Control") == "private" {
				rec.header.Del("Cache-Control")
				rec.header.Set("Etag", `"v1"`)
			}
		}),
		mustFail: []string{"whole-page/cache-private"},
	},
	{
		// Marking every injected page private, over the handler's policy.
		name: "injected-page-policy-replaced",
		handler: rewrite(func(_ conformance.Scenario, r *http.Request, rec *recording) {
			if r.URL.Path == conformance.RawPath && rec.header.Get("Cache-Control") != "" {
				rec.header.Set("Cache-Control", "private")
			}
		}),
		mustFail: []string{"whole-page/cache-policy-kept"},
	},
	{
		name: "appends-without-body-close",
		handler: rewrite(func(s conformance.Scenario, r *http.Request, rec *recording) {
			if r.URL.Path == conformance.RawPath && isHTML(rec.header) && rec.status == http.StatusOK &&
				rec.header.Get("Content-Encoding") == "" && !bodyClose.Match(rec.body) {
				rec.body = append(rec.body, anonymousSnippet(s)...)
			}
		}),
		mustFail: []string{"whole-page/no-body-close-untouched"},
	},
	{
		name: "keeps-content-length",
		handler: rewrite(func(s conformance.Scenario, r *http.Request, rec *recording) {
			if cl := s.Raw.Header["Content-Length"]; cl != "" && r.URL.Path == conformance.RawPath {
				rec.header.Set("Content-Length", cl)
			}
		}),
		mustFail: []string{"whole-page/content-length"},
	},
	{
		// A whole-page install that looks for </body> in each write alone.
		name:     "searches-each-write",
		scenario: func(s conformance.Scenario) conformance.Scenario { s.WholePage = false; return s },
		handler: func(s conformance.Scenario, app http.Handler) http.Handler {
			if !s.WholePage {
				return app
			}
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == conformance.RawPath {
					w = &perWriteInjector{ResponseWriter: w, snippet: anonymousSnippet(s)}
				}
				app.ServeHTTP(w, r)
			})
		},
		mustFail: []string{"whole-page/three-byte-writes", "whole-page/three-byte-writes-flushed"},
	},
	{
		name: "injects-despite-template",
		handler: rewrite(func(s conformance.Scenario, r *http.Request, rec *recording) {
			if s.WholePage && r.URL.Path == conformance.PagePath {
				rec.body = injectLast(rec.body, anonymousSnippet(s))
			}
		}),
		mustFail: []string{"whole-page/template-already-rendered"},
	},
	{
		name: "gives-up-on-large-pages",
		handler: rewrite(func(_ conformance.Scenario, r *http.Request, rec *recording) {
			if raw, at := snippetIn(rec.body); at >= 0 && r.URL.Path == conformance.RawPath && len(rec.body) > 1<<20 {
				rec.body = cut(rec.body, at, len(raw))
			}
		}),
		mustFail: []string{"whole-page/large-page"},
	},

	// Queued calls.
	{
		name:     "ignores-calls",
		scenario: func(s conformance.Scenario) conformance.Scenario { s.Calls = nil; return s },
		mustFail: []string{
			"calls/every-method-as-the-sdk", "calls/component", "calls/post-redirect-get-once",
			"calls/two-redirects-keep-both", "calls/fragment-keeps-calls", "calls/json-keeps-calls",
			"calls/whole-page-once", "calls/hostile-data", "calls/invalid-reported", "calls/bounds", "calls/skipped",
			"calls/internal-ip",
		},
	},
	{
		name: "drops-event-metadata",
		scenario: func(s conformance.Scenario) conformance.Scenario {
			if calls := s.Calls; calls != nil {
				s.Calls = func(h conformance.Header) []conformance.Call {
					out := slices.Clone(calls(h))
					for i, c := range out {
						if c.Method == "trackEvent" && len(c.Args) > 1 {
							out[i].Args = c.Args[:1]
						}
					}
					return out
				}
			}
			return s
		},
		mustFail: []string{"calls/every-method-as-the-sdk", "calls/post-redirect-get-once", "calls/hostile-data"},
	},
	{
		name: "calls-cookie-never-cleared",
		// Neither the response nor the page's script deletes the cookie.
		handler: rewrite(func(_ conformance.Scenario, _ *http.Request, rec *recording) {
			dropSetCookies(rec.header, func(c *http.Cookie) bool { return c.Name == callsCookie && c.MaxAge < 0 })
			rec.body = callsDeletion.ReplaceAll(rec.body, nil)
			rec.header.Del("Content-Length")
		}),
		mustFail: []string{"calls/post-redirect-get-once", "calls/whole-page-once", "calls/forged-cookie", "calls/internal-ip"},
	},
	{
		name: "calls-not-carried",
		// Responses without a snippet drop the cookie their calls need.
		handler: rewrite(func(_ conformance.Scenario, _ *http.Request, rec *recording) {
			if _, at := snippetIn(rec.body); at < 0 {
				dropSetCookies(rec.header, func(c *http.Cookie) bool { return c.Name == callsCookie })
			}
		}),
		mustFail: []string{
			"calls/post-redirect-get-once", "calls/two-redirects-keep-both", "calls/fragment-keeps-calls",
			"calls/json-keeps-calls", "calls/whole-page-once", "calls/hostile-data", "calls/bounds",
		},
	},
	{
		name: "calls-cookie-not-merged",
		// A redirect's calls replace those the cookie carried.
		handler: func(_ conformance.Scenario, app http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == conformance.RedirectPath {
					r = withoutCookie(r, callsCookie)
				}
				app.ServeHTTP(w, r)
			})
		},
		mustFail: []string{"calls/two-redirects-keep-both"},
	},
	{
		name: "trusts-calls-cookie",
		// The page runs whatever JSON the cookie holds, unvalidated.
		handler: rewrite(func(_ conformance.Scenario, r *http.Request, rec *recording) {
			c, err := r.Cookie(callsCookie)
			if err != nil {
				return
			}
			js, err := base64.RawURLEncoding.DecodeString(c.Value)
			if err != nil || !json.Valid(js) {
				return
			}
			const at = ";(function(){var q="
			i := bytes.Index(rec.body, []byte(at))
			if i < 0 {
				return
			}
			i += len(at)
			dec := json.NewDecoder(bytes.NewReader(rec.body[i:]))
			var q json.RawMessage
			if dec.Decode(&q) != nil {
				return
			}
			rec.body = slices.Concat(rec.body[:i], js, rec.body[i+int(dec.InputOffset()):])
			rec.header.Del("Content-Length")
		}),
		mustFail: []string{"calls/forged-cookie"},
	},
	{
		name: "reads-other-app-calls-cookie",
		handler: func(_ conformance.Scenario, app http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if c, err := r.Cookie(adapter.CallsCookiePrefix + "xyz98765"); err == nil {
					r = withoutCookie(r, callsCookie)
					r.AddCookie(&http.Cookie{Name: callsCookie, Value: c.Value})
				}
				app.ServeHTTP(w, r)
			})
		},
		mustFail: []string{"calls/other-app-cookie-ignored"},
	},

	// Logout.
	{
		name: "logout-without-shutdown-flag",
		handler: rewrite(func(_ conformance.Scenario, r *http.Request, rec *recording) {
			if r.URL.Path == conformance.LogoutPath {
				dropSetCookies(rec.header, func(c *http.Cookie) bool { return c.Name == adapter.ShutdownCookie })
			}
		}),
		mustFail: []string{
			"logout/expires-intercom-cookies", "logout/expires-with-cookie-domain",
			"logout/next-page-shuts-down-once", "logout/whole-page-shuts-down-once",
		},
	},
	{
		name: "shutdown-flag-never-cleared",
		// Neither the response nor the page's script clears the flag.
		handler: rewrite(func(_ conformance.Scenario, r *http.Request, rec *recording) {
			if r.URL.Path != conformance.LogoutPath {
				dropSetCookies(rec.header, func(c *http.Cookie) bool { return c.Name == adapter.ShutdownCookie })
				rec.body = flagDeletion.ReplaceAll(rec.body, nil)
			}
		}),
		mustFail: []string{"logout/next-page-shuts-down-once", "logout/whole-page-shuts-down-once"},
	},
	{
		// Clears the logout flag on every response, snippet or not.
		name: "clears-flag-on-every-response",
		handler: rewrite(func(_ conformance.Scenario, r *http.Request, rec *recording) {
			if r.URL.Path == conformance.LogoutPath {
				return
			}
			if _, err := r.Cookie(adapter.ShutdownCookie); err == nil {
				rec.header.Add("Set-Cookie", (&http.Cookie{Name: adapter.ShutdownCookie, Path: "/", MaxAge: -1}).String())
			}
		}),
		mustFail: []string{"logout/fragment-keeps-flag", "logout/redirect-keeps-flag"},
	},
	{
		// ShutdownPending not wired: the page never sees the flag.
		name: "ignores-shutdown-flag",
		handler: func(_ conformance.Scenario, app http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				cookies := r.Cookies()
				r = r.Clone(r.Context())
				r.Header.Del("Cookie")
				for _, c := range cookies {
					if c.Name != adapter.ShutdownCookie {
						r.AddCookie(c)
					}
				}
				app.ServeHTTP(w, r)
			})
		},
		mustFail: []string{"logout/next-page-shuts-down-once", "logout/whole-page-shuts-down-once"},
	},
	{
		name: "logout-ignores-cookie-domain",
		handler: rewrite(func(_ conformance.Scenario, r *http.Request, rec *recording) {
			if r.URL.Path == conformance.LogoutPath {
				lines := rec.header.Values("Set-Cookie")
				rec.header.Del("Set-Cookie")
				for _, line := range lines {
					rec.header.Add("Set-Cookie", domainAttr.ReplaceAllString(line, ""))
				}
			}
		}),
		mustFail: []string{"logout/expires-with-cookie-domain"},
	},
	{
		// intercom-rails: only the session cookie.
		name: "logout-expires-session-only",
		handler: rewrite(func(s conformance.Scenario, r *http.Request, rec *recording) {
			if r.URL.Path == conformance.LogoutPath {
				dropSetCookies(rec.header, func(c *http.Cookie) bool {
					return strings.HasPrefix(c.Name, "intercom-") && c.Name != "intercom-session-"+conformance.AppID
				})
			}
		}),
		mustFail: []string{"logout/expires-intercom-cookies", "logout/expires-with-cookie-domain"},
	},
	{
		// Shutdown passing no request cookies to LogoutCookies.
		name: "logout-ignores-request-cookies",
		handler: rewrite(func(s conformance.Scenario, r *http.Request, rec *recording) {
			if r.URL.Path == conformance.LogoutPath {
				id := conformance.AppID
				known := []string{"intercom-session-" + id, "intercom-id-" + id, "intercom-device-id-" + id, adapter.ShutdownCookie}
				dropSetCookies(rec.header, func(c *http.Cookie) bool { return !slices.Contains(known, c.Name) })
			}
		}),
		mustFail: []string{"logout/expires-intercom-cookies", "logout/expires-with-cookie-domain"},
	},
	{
		name: "logout-expires-every-cookie",
		handler: rewrite(func(_ conformance.Scenario, r *http.Request, rec *recording) {
			if r.URL.Path != conformance.LogoutPath {
				return
			}
			set := map[string]bool{}
			for _, c := range readSetCookies(rec.header) {
				set[c.Name] = true
			}
			for _, c := range r.Cookies() {
				if !set[c.Name] {
					http.SetCookie(rec, &http.Cookie{Name: c.Name, Path: "/", MaxAge: -1})
				}
			}
		}),
		mustFail: []string{"logout/expires-intercom-cookies", "logout/expires-with-cookie-domain"},
	},

	// A placeholder left on the page, as RenderTemplate once left one an
	// engine had escaped.
	{
		name: "leaves-placeholder",
		handler: rewrite(func(_ conformance.Scenario, r *http.Request, rec *recording) {
			if r.URL.Path == conformance.PagePath {
				rec.body = injectLast(rec.body, "\ufffdintercom-snippet-0123456789abcdef0123456789abcdef")
			}
		}),
		mustFail: []string{"anonymous/app-id-and-api-base-only", "custom-data/supported-types"},
	},

	// Caching of an identified visitor's page.
	{
		name: "identified-page-cacheable",
		handler: rewrite(func(_ conformance.Scenario, r *http.Request, rec *recording) {
			if r.URL.Path == conformance.PagePath && rec.header.Get("Cache-Control") == "private" {
				rec.header.Del("Cache-Control")
			}
		}),
		mustFail: []string{"cache/identified-private", "cache/signed-in-private"},
	},
	{
		name: "every-page-private",
		handler: rewrite(func(_ conformance.Scenario, r *http.Request, rec *recording) {
			if r.URL.Path == conformance.PagePath && rec.header.Get("Cache-Control") == "" {
				rec.header.Set("Cache-Control", "private")
			}
		}),
		mustFail: []string{"cache/anonymous-untouched"},
	},
	{
		name: "overrides-app-cache-policy",
		handler: rewrite(func(_ conformance.Scenario, r *http.Request, rec *recording) {
			if cc := rec.header.Get("Cache-Control"); r.URL.Path == conformance.PagePath && cc != "" && cc != "private" {
				rec.header.Set("Cache-Control", "private")
			}
		}),
		mustFail: []string{"cache/policy-kept"},
	},

	// The settings JSON.
	{
		name: "settings-without-no-store",
		handler: rewrite(func(_ conformance.Scenario, r *http.Request, rec *recording) {
			if r.URL.Path == conformance.SettingsPath {
				rec.header.Del("Cache-Control")
			}
		}),
		mustFail: []string{
			"settings-json/same-as-snippet-with-user", "settings-json/same-as-snippet-signed-in",
			"settings-json/disabled-null", "settings-json/internal-ip-null",
		},
	},
	{
		name: "settings-for-anonymous-visitor",
		handler: rewrite(func(s conformance.Scenario, r *http.Request, rec *recording) {
			if r.URL.Path == conformance.SettingsPath {
				rec.body = s.Messenger.Settings(intercom.Visitor{})
			}
		}),
		mustFail: []string{
			"settings-json/same-as-snippet-with-user", "settings-json/same-as-snippet-signed-in",
			"settings-json/internal-ip-null",
		},
	},
	{
		name: "settings-object-when-disabled",
		handler: rewrite(func(s conformance.Scenario, r *http.Request, rec *recording) {
			if r.URL.Path == conformance.SettingsPath && !s.Messenger.Enabled() {
				rec.body = []byte("{}")
			}
		}),
		mustFail: []string{"settings-json/disabled-null"},
	},
}

// mapSignedIn returns a SignedIn callback that passes what signed returns
// through f; nil stays nil.
func mapSignedIn(signed func(conformance.Header) any, f func(any) any) func(conformance.Header) any {
	if signed == nil {
		return nil
	}
	return func(h conformance.Header) any { return f(signed(h)) }
}

// recording is a response the reference app wrote, held back for a mutant
// to rewrite.
type recording struct {
	header http.Header
	status int
	body   []byte
}

func (r *recording) Header() http.Header { return r.header }

func (r *recording) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recording) Write(p []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	r.body = append(r.body, p...)
	return len(p), nil
}

// rewrite returns a mutant handler that holds back each response of the
// app and lets f change it before it is sent.
func rewrite(f func(s conformance.Scenario, r *http.Request, rec *recording)) func(conformance.Scenario, http.Handler) http.Handler {
	return func(s conformance.Scenario, app http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := &recording{header: w.Header()}
			app.ServeHTTP(rec, r)
			f(s, r, rec)
			w.WriteHeader(cmp.Or(rec.status, http.StatusOK))
			_, _ = w.Write(rec.body)
		})
	}
}

// callsCookie is the suite's workspace's calls cookie.
const callsCookie = adapter.CallsCookiePrefix + "abc12345"

// callsDeletion matches the snippet's deletion of the calls cookie.
var callsDeletion = regexp.MustCompile(`d\.cookie="` + callsCookie + `=[^"]*";`)

// withoutCookie returns a copy of r without the cookie name.
func withoutCookie(r *http.Request, name string) *http.Request {
	cookies := r.Cookies()
	r = r.Clone(r.Context())
	r.Header.Del("Cookie")
	for _, c := range cookies {
		if c.Name != name {
			r.AddCookie(c)
		}
	}
	return r
}

// flagDeletion matches the shutdown snippet's deletion of the logout flag.
var flagDeletion = regexp.MustCompile(`d\.cookie="` + adapter.ShutdownCookie + `=[^"]*";`)

// bodyClose matches an end tag of the body element.
var bodyClose = regexp.MustCompile(`(?i)</body[\t\n\f\r />]`)

// domainAttr matches a Set-Cookie line's Domain attribute.
var domainAttr = regexp.MustCompile(`(?i);\s*domain=[^;]*`)

// snippetIn returns the snippet in body and where it starts; -1 without one.
func snippetIn(body []byte) (string, int) {
	s, err := conformance.FindSnippet(body)
	if err != nil {
		return "", -1
	}
	return s.Raw, bytes.Index(body, []byte(s.Raw))
}

// cut returns body without the n bytes at at.
func cut(body []byte, at, n int) []byte {
	return slices.Concat(body[:at], body[at+n:])
}

// insert returns body with s inserted at at.
func insert(body []byte, at int, s string) []byte {
	return slices.Concat(body[:at], []byte(s), body[at:])
}

// injectLast inserts s before body's last </body>, if it has one.
func injectLast(body []byte, s string) []byte {
	loc := bodyClose.FindAllIndex(body, -1)
	if loc == nil {
		return body
	}
	return insert(body, loc[len(loc)-1][0], s)
}

// anonymousSnippet is a snippet rendered without the request's visitor.
func anonymousSnippet(s conformance.Scenario) string {
	return string(s.Messenger.Render(intercom.Visitor{}))
}

func isHTML(h http.Header) bool {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return mt == "text/html"
}

// readSetCookies parses h's Set-Cookie lines.
func readSetCookies(h http.Header) []*http.Cookie {
	return (&http.Response{Header: h}).Cookies()
}

// dropSetCookies removes the Set-Cookie lines whose cookie drop reports.
func dropSetCookies(h http.Header, drop func(*http.Cookie) bool) {
	lines := h.Values("Set-Cookie")
	h.Del("Set-Cookie")
	for _, line := range lines {
		if c, err := http.ParseSetCookie(line); err != nil || !drop(c) {
			h.Add("Set-Cookie", line)
		}
	}
}

// perWriteInjector inserts a snippet before the last </body> of the first
// write that has one.
type perWriteInjector struct {
	http.ResponseWriter
	snippet string
	done    bool
}

func (w *perWriteInjector) Write(p []byte) (int, error) {
	if loc := bodyClose.FindAllIndex(p, -1); !w.done && loc != nil {
		w.done = true
		if _, err := w.ResponseWriter.Write(insert(p, loc[len(loc)-1][0], w.snippet)); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

func (w *perWriteInjector) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type wrappedListener struct {
	net.Listener
	wrap func(net.Conn) net.Conn
}

func (l wrappedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return l.wrap(c), nil
}

// fixedPeer makes every connection appear to come from ip.
func fixedPeer(ip string) func(net.Conn) net.Conn {
	return func(c net.Conn) net.Conn {
		port := c.RemoteAddr().(*net.TCPAddr).Port
		return peerConn{c, &net.TCPAddr{IP: net.ParseIP(ip), Port: port}}
	}
}

type peerConn struct {
	net.Conn
	peer net.Addr
}

func (c peerConn) RemoteAddr() net.Addr { return c.peer }

type rewriteConn struct {
	net.Conn
	r *strings.Replacer
}

func (c rewriteConn) Write(p []byte) (int, error) {
	if _, err := c.Conn.Write([]byte(c.r.Replace(string(p)))); err != nil {
		return 0, err
	}
	return len(p), nil
}

const mutantEnv = "CONFORMANCE_MUTANT"

// TestBrokenHarness runs the suite against one mutant; it only runs as the
// child process of TestSuiteCatchesBrokenAdapters.
func TestBrokenHarness(t *testing.T) {
	name := os.Getenv(mutantEnv)
	if name == "" {
		t.Skip("runs only as a child of TestSuiteCatchesBrokenAdapters")
	}
	i := slices.IndexFunc(mutants, func(m mutant) bool { return m.name == name })
	if i < 0 {
		t.Fatalf("no mutant %q", name)
	}
	conformance.Run(t, mutants[i].harness())
}

var failLine = regexp.MustCompile(`(?m)^\s*--- FAIL: TestBrokenHarness/([^/\s]+/[^/\s]+) `)

func TestSuiteCatchesBrokenAdapters(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite once per mutant")
	}
	for _, m := range mutants {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			groups := map[string]bool{}
			for _, c := range m.mustFail {
				groups[strings.Split(c, "/")[0]] = true
			}
			run := fmt.Sprintf("^TestBrokenHarness$/^(%s)$", strings.Join(slices.Sorted(maps.Keys(groups)), "|"))
			cmd := exec.Command(os.Args[0], "-test.run="+run, "-test.v", "-test.count=1", "-test.timeout=5m")
			cmd.Env = append(os.Environ(), mutantEnv+"="+m.name)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed a harness that %s; output:\n%s", m.name, out)
			}
			failed := map[string]bool{}
			for _, match := range failLine.FindAllSubmatch(out, -1) {
				failed[string(match[1])] = true
			}
			for _, c := range m.mustFail {
				if !failed[c] {
					t.Errorf("case %s passed a harness that %s", c, m.name)
				}
			}
			if t.Failed() {
				t.Logf("child output:\n%s", out)
			}
		})
	}
}

func TestMutantsCoverEveryCase(t *testing.T) {
	covered := map[string]bool{}
	for _, m := range mutants {
		for _, c := range m.mustFail {
			covered[c] = true
		}
	}
	cases := conformance.CaseNames()
	for _, c := range cases {
		if !covered[c] {
			t.Errorf("no mutant shows that case %s can fail", c)
		}
	}
	for c := range covered {
		if !slices.Contains(cases, c) {
			t.Errorf("mutants name %s, which is not a case", c)
		}
	}
}
