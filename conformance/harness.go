package conformance

import (
	"net"
	"testing"

	intercom "github.com/goanalytical/intercom/core"
)

// Header reads one request header by its canonical name; it is how scenario
// callbacks see the request without depending on any framework.
type Header func(name string) string

// Attr is one custom attribute a handler sets with the adapter's Set.
type Attr struct {
	Key   string
	Value any
}

// Scenario describes the app the suite wants built. Every callback may be
// nil, meaning the app does not use that feature. Callbacks receive the
// request's headers, so that concurrent requests can carry distinct users.
type Scenario struct {
	// Messenger is the Messenger the adapter's middleware is built with.
	Messenger *intercom.Messenger

	// SignedIn returns what the framework's own auth middleware would store
	// for this request under its own key (gin.AuthUserKey, echo "user", fiber
	// "username"): a string, an intercom.Identifier, or a value of any other
	// type, which the adapter must ignore. nil: nobody is signed in. The
	// harness installs a stand-in auth middleware before the Intercom one that
	// stores it exactly where the real middleware would.
	SignedIn func(Header) any

	// WithUser, WithAttributes and WithNonce, when set, are passed to the
	// adapter's options of the same names.
	WithUser       func(Header) (intercom.User, bool)
	WithAttributes func(Header) intercom.Attributes
	WithNonce      func(Header) string

	// Identify, when it returns true, makes the page handler call the
	// adapter's Identify with that user.
	Identify func(Header) (intercom.User, bool)

	// Set lists attributes the page handler sets with the adapter's Set, in
	// order, after Identify.
	Set []Attr

	// Calls, when set, returns the Messenger calls that the handlers of
	// PagePath, RawPath, ComponentPath, RedirectPath and UncoveredPath
	// queue with the adapter's Call, in order, after Identify and Set. The
	// harness passes each Method and Args to Call as they are and ignores
	// the error it returns (the suite reads the reports).
	Calls func(Header) []Call

	// CacheControl, when not empty, is the app's own caching policy: the
	// handlers that call Identify and Set (PagePath, RawPath, ComponentPath,
	// RedirectPath, UncoveredPath) set it as the response's Cache-Control
	// header before they call Identify and render anything.
	CacheControl string

	// TrustedProxies are the proxy addresses and CIDRs the framework is
	// configured to trust for X-Forwarded-For, using its own setting
	// (gin SetTrustedProxies, echo IPExtractor, fiber TrustedProxies).
	// Empty means trust no proxy: the peer address is the client IP.
	TrustedProxies []string

	// Skip makes the adapter's skipper skip every request: pages render no
	// snippet.
	Skip bool

	// WholePage installs the adapter's whole-page install middleware (Inject)
	// after its Intercom middleware on every route, PagePath included.
	WholePage bool

	// Twice installs the adapter's Intercom middleware twice in a row on
	// every route it covers (and, with WholePage, its whole-page install
	// twice after them), as an app that installs it globally and again on
	// a group does.
	Twice bool

	// Raw is what the handler at RawPath writes.
	Raw RawResponse
}

// Call is one call of the Messenger's JavaScript API that a handler queues
// with the adapter's Call.
type Call struct {
	Method string
	Args   []any
}

// RawResponse is a response the RawPath handler writes by hand, through the
// framework's own response writer, to exercise whole-page install.
type RawResponse struct {
	// Status is the status code; 0 means 200.
	Status int
	// Header holds response headers to set before writing (Content-Type,
	// Content-Encoding, Content-Length, ...).
	Header map[string]string
	// Chunks are written one after another; Body bytes, not strings, so a
	// gzip body survives.
	Chunks [][]byte
	// Flush flushes the response after each chunk, where the framework can
	// (net/http-based ones); a harness whose framework buffers the whole
	// body (fasthttp) may ignore it.
	Flush bool
}

// Routes an app built for a Scenario serves.
const (
	// PagePath serves GET: the page handler calls Identify and Set as the
	// scenario says, then responds 200 with a text/html page rendered by the
	// adapter's template integration, whose body holds the adapter's Snippet.
	PagePath = "/page"

	// RawPath serves GET and HEAD: after Identify and Set as on PagePath, the
	// handler writes Scenario.Raw as it is.
	RawPath = "/raw"

	// LogoutPath serves GET: the handler calls the adapter's Shutdown, then
	// redirects (302 Found) to PagePath.
	LogoutPath = "/logout"

	// RedirectPath serves GET and POST: after Identify, Set and Calls as on
	// PagePath, the handler responds 303 See Other to PagePath, as a form
	// handler does (POST, 303, GET), with no body of its own.
	RedirectPath = "/redirect"

	// SettingsPath serves GET with the adapter's settings JSON handler (for
	// single-page apps), behind the same middleware as PagePath.
	SettingsPath = "/settings"

	// ComponentPath serves GET like PagePath, but the page's snippet is
	// written by the adapter's templ component (its Component function),
	// rendered with the context.Context a templ user of the framework
	// passes: after Identify and Set, the handler responds 200 text/html
	// with ComponentPage's head, the component's output and its tail.
	ComponentPath = "/component"

	// UncoveredPath serves GET WITHOUT the adapter's Intercom middleware
	// (the stand-in auth still runs; with WholePage, the whole-page install
	// still wraps the route): a route the app forgot to cover. Its handler
	// calls Identify and Set as on PagePath, then Shutdown, then responds
	// 200 text/html with the page rendered through the adapter's template
	// integration as on PagePath, followed by the component's output
	// before its </body>. Nothing may fail, panic or be set: the page
	// renders, without a snippet or a cookie.
	UncoveredPath = "/uncovered"
)

// ComponentPage is the page of ComponentPath and UncoveredPath around the
// templ component's output: Head, the output, Tail.
var ComponentPage = struct{ Head, Tail string }{
	Head: "<!DOCTYPE html><html><head><title>component</title></head><body><p>component</p>",
	Tail: "</body></html>",
}

// Harness builds and serves apps for the suite. An adapter's test file
// implements it in a few lines per framework.
type Harness interface {
	// Serve builds an app for s and serves it on ln until the test ends; it
	// must not block, and must stop the app with t.Cleanup.
	//
	// Each scenario gets a fresh app, and the concurrency case's first
	// requests to it arrive together. A framework that sets something up
	// lazily, on the first request, without a lock (fiber v2 does on the
	// first c.Render) is reported by -race on every run; Serve should
	// trigger that setup once before serving (see the fiber adapter's
	// conformance_test.go).
	Serve(t testing.TB, ln net.Listener, s Scenario)
}

// HarnessFunc adapts a function to Harness.
type HarnessFunc func(t testing.TB, ln net.Listener, s Scenario)

// Serve calls f(t, ln, s).
func (f HarnessFunc) Serve(t testing.TB, ln net.Listener, s Scenario) { f(t, ln, s) }
