package conformance_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/goanalytical/intercom/conformance"
	intercom "github.com/goanalytical/intercom/core"
)

// An adapter's test builds the framework's app for each Scenario, serves it
// on the suite's listener and hands the harness to Run. nethttp_test.go in
// this package is a complete harness for plain net/http.
func ExampleRun() {
	harness := conformance.HarnessFunc(func(t testing.TB, ln net.Listener, s conformance.Scenario) {
		// appFor installs a stand-in auth middleware storing s.SignedIn, the
		// adapter's middleware with s.Messenger and options from s, and the
		// conformance.PagePath route (see the package documentation).
		srv := &http.Server{Handler: appFor(s)}
		go func() { _ = srv.Serve(ln) }()
		t.Cleanup(func() { _ = srv.Close() })
	})

	// In the adapter's _test.go file:
	//
	//	func TestConformance(t *testing.T) {
	//		conformance.Run(t, harness)
	//	}
	_ = harness
}

// appFor stands for the app an adapter's harness builds.
func appFor(conformance.Scenario) http.Handler { return http.NotFoundHandler() }

// An adapter's benchmark serves the same route without and with Intercom,
// one request each per iteration; go test -bench Overhead reports the
// added-ns/req that the adapter's budget is measured in.
func ExamplePaired() {
	benchmarkOverhead := func(b *testing.B) {
		bare, with := appFor(conformance.Scenario{}), appFor(conformance.Scenario{})
		req := httptest.NewRequest(http.MethodGet, conformance.PagePath, nil)
		serve := func(h http.Handler) func() {
			return func() { h.ServeHTTP(httptest.NewRecorder(), req) }
		}
		conformance.Paired(b, serve(bare), serve(with))
	}
	// In the adapter's _test.go file:
	//
	//	func BenchmarkOverhead(b *testing.B) { benchmarkOverhead(b) }
	_ = benchmarkOverhead
}

// FindSnippet reads the snippet back from a page, as a browser would see it.
func ExampleFindSnippet() {
	m, err := intercom.New(intercom.Config{AppID: "abc12345", InternalIPs: []string{"10.0.0.0/8"}})
	if err != nil {
		panic(err)
	}
	snippet := m.Render(intercom.Visitor{
		User:       &intercom.User{ID: "42", Name: "Jane </script>"},
		Attributes: intercom.Attributes{"cart_value": 99.5},
		ClientIP:   "10.1.2.3",
	})
	page := "<!DOCTYPE html><html><body>" + string(snippet) + "</body></html>"

	s, err := conformance.FindSnippet([]byte(page))
	if err != nil {
		panic(err)
	}
	fmt.Println(s.Settings["user_id"], s.Settings["name"], s.Settings["cart_value"])
	fmt.Println("commented out for an internal IP:", s.Internal)
	// Output:
	// 42 Jane </script> 99.5
	// commented out for an internal IP: true
}
