package conformance_test

// The suite's test of itself: every case must be able to fail. Each mutant
// below is the reference harness with one bug an adapter could plausibly
// have; TestSuiteCatchesBrokenAdapters runs the suite against each mutant in
// a child process and checks that the cases the bug breaks do fail, and
// TestMutantsCoverEveryCase checks that every case is failed by some mutant.

import (
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/goanalytical/intercom/conformance"
	intercom "github.com/goanalytical/intercom/core"
)

type mutant struct {
	name string
	// scenario rewrites the Scenario before the reference harness sees it.
	scenario func(conformance.Scenario) conformance.Scenario
	// conn wraps each connection the reference harness accepts.
	conn func(net.Conn) net.Conn
	// mustFail lists the "group/case" names the bug must fail.
	mustFail []string
}

// harness is the reference harness with the mutant's bug.
func (m mutant) harness() conformance.Harness {
	return conformance.HarnessFunc(func(t testing.TB, ln net.Listener, s conformance.Scenario) {
		if m.scenario != nil {
			s = m.scenario(s)
		}
		if m.conn != nil {
			ln = wrappedListener{ln, m.conn}
		}
		serveNetHTTP(t, ln, s)
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
		mustFail: []string{"disabled/renders-nothing"},
	},
	{
		name:     "always-skips",
		scenario: func(s conformance.Scenario) conformance.Scenario { s.Skip = true; return s },
		mustFail: []string{"anonymous/app-id-and-api-base-only", "settings/comprehensive"},
	},
	{
		name:     "ignores-skip",
		scenario: func(s conformance.Scenario) conformance.Scenario { s.Skip = false; return s },
		mustFail: []string{"skip/no-snippet", "skip/handler-calls"},
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
			if signed, m := s.SignedIn, s.Messenger; signed != nil && s.WithUser == nil && !m.AutoIdentify() {
				s.WithUser = func(h conformance.Header) (intercom.User, bool) { return m.UserFrom(signed(h)) }
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
}

// mapSignedIn returns a SignedIn callback that passes what signed returns
// through f; nil stays nil.
func mapSignedIn(signed func(conformance.Header) any, f func(any) any) func(conformance.Header) any {
	if signed == nil {
		return nil
	}
	return func(h conformance.Header) any { return f(signed(h)) }
}

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
