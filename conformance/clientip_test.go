package conformance_test

import (
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/goanalytical/intercom/conformance"
	intercom "github.com/goanalytical/intercom/core"
)

// clientIPApp is an app whose page is the snippet for the client IP that
// clientIP gives.
func clientIPApp(clientIP func(r *http.Request) string) func(t *testing.T, m *intercom.Messenger, req *http.Request) string {
	return func(t *testing.T, m *intercom.Messenger, req *http.Request) string {
		return string(m.Render(intercom.Visitor{ClientIP: clientIP(req)}))
	}
}

// clientIPRecipes are a right recipe of each kind: the peer alone (a Serve
// func), and intercom.ClientIP behind the load balancers of 10.0.0.0/8 (an
// http.Handler).
func clientIPRecipes() []conformance.ClientIPRecipe {
	lbs := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	return []conformance.ClientIPRecipe{
		{Name: "peer", Serve: clientIPApp(func(r *http.Request) string { return intercom.ClientIP(r, nil) })},
		{Name: "proxied", Proxied: true, Handler: func(_ *testing.T, m *intercom.Messenger) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(m.Render(intercom.Visitor{ClientIP: intercom.ClientIP(r, lbs)})))
			})
		}},
	}
}

func TestCheckClientIPRecipes(t *testing.T) {
	conformance.CheckClientIPRecipes(t, clientIPRecipes()...)
}

// brokenClientIP are recipes with the bugs CheckClientIPRecipes is there to
// catch, each with the part of the check (a subtest of a recipe) it must
// fail.
var brokenClientIP = map[string]struct {
	recipe   conformance.ClientIPRecipe
	mustFail string
}{
	"believes X-Forwarded-For from anyone": {
		conformance.ClientIPRecipe{Name: "spoofable", Serve: clientIPApp(func(r *http.Request) string {
			if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
				first, _, _ := strings.Cut(xff, ",")
				return strings.TrimSpace(first)
			}
			return intercom.ClientIP(r, nil)
		})},
		"spoofable/untrusted_peer",
	},
	"takes the left-most X-Forwarded-For entry behind its proxy": {
		conformance.ClientIPRecipe{Name: "leftmost", Proxied: true, Serve: clientIPApp(func(r *http.Request) string {
			host, _, _ := net.SplitHostPort(r.RemoteAddr)
			if xff := r.Header.Values("X-Forwarded-For"); strings.HasPrefix(host, "10.") && len(xff) > 0 {
				first, _, _ := strings.Cut(xff[0], ",")
				return strings.TrimSpace(first)
			}
			return host
		})},
		"leftmost/appending_proxy",
	},
	"does not trust its proxy": {
		conformance.ClientIPRecipe{Name: "untrusting", Proxied: true, Serve: clientIPApp(func(r *http.Request) string { return intercom.ClientIP(r, nil) })},
		"untrusting/trusted_proxy",
	},
}

const brokenClientIPEnv = "CONFORMANCE_BROKEN_CLIENT_IP"

// TestBrokenClientIPRecipe runs CheckClientIPRecipes on one broken recipe;
// it only runs as the child process of TestCheckClientIPRecipesCatchesBugs.
func TestBrokenClientIPRecipe(t *testing.T) {
	name := os.Getenv(brokenClientIPEnv)
	if name == "" {
		t.Skip("runs only as a child of TestCheckClientIPRecipesCatchesBugs")
	}
	conformance.CheckClientIPRecipes(t, brokenClientIP[name].recipe)
}

// TestCheckClientIPRecipesCatchesBugs: each broken recipe fails the part of
// the check its bug breaks.
func TestCheckClientIPRecipesCatchesBugs(t *testing.T) {
	for name, b := range brokenClientIP {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenClientIPRecipe$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), brokenClientIPEnv+"="+name)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("CheckClientIPRecipes passed a recipe that %s; output:\n%.2000s", name, out)
			}
			if want := "--- FAIL: TestBrokenClientIPRecipe/" + b.mustFail + " "; !strings.Contains(string(out), want) {
				t.Errorf("no %q in the child's output:\n%.3000s", want, out)
			}
		})
	}
}
