// Package browsertest holds the tests the six example apps share: quick
// HTTP checks (RunHTTP), real-browser checks with Chromium (RunBrowser), and
// the demo in Chromium with the stand-in Messenger, Turbo and htmx
// (RunDemo). Each example's test file only says how to serve its app.
package browsertest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/examples/internal/demo"
)

// The workspace the tests configure the apps with.
const (
	AppID  = "e2etest0"
	Secret = "browser-test-secret"
)

// Hostile values: a user name and a custom attribute that would run script
// if the snippet did not escape them.
const (
	ScriptPayload = `</script><script>window.__pwned=1</script>`
	AttrPayload   = `"><img src=x onerror=window.__pwned=1>`
)

// Mallory is the demo user whose name and plan carry the hostile values.
var Mallory = demo.User{Login: "mallory", Password: "mallory-demo", ID: "666", Name: ScriptPayload,
	Email: "mallory@example.com", SignedUp: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC), Plan: AttrPayload}

// Server serves the example app built from s on ln, a listener on
// 127.0.0.1, until t ends. (The listener comes first so that the
// configuration can name the app's own URL.)
type Server func(t *testing.T, ln net.Listener, s demo.Setup)

// ServeHTTP serves h on ln until t ends, for the apps that are an
// http.Handler.
func ServeHTTP(t *testing.T, ln net.Listener, h http.Handler) {
	srv := httptest.NewUnstartedServer(h)
	_ = srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
}

// start serves the app built from s and returns its base URL, such as
// "http://127.0.0.1:41234".
func start(t *testing.T, serve Server, s func(base string) demo.Setup) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	serve(t, ln, s(base))
	return base
}

// Users returns the demo users and Mallory.
func Users() demo.Users {
	us := demo.DefaultUsers()
	us[Mallory.Login] = Mallory
	return us
}

// Config returns the Intercom configuration the tests build the apps with.
// Every problem the Messenger reports (a dropped attribute, a bad nonce)
// fails t: the examples must render cleanly.
func Config(t *testing.T) intercom.Config {
	return intercom.Config{
		AppID:        AppID,
		HMACSecret:   Secret,
		ErrorHandler: func(err error) { t.Errorf("the Messenger reported: %v", err) }, // t.Errorf is safe for concurrent use
	}
}

// WidgetURL is the widget script URL the loader must request.
const WidgetURL = "https://widget.intercom.io/widget/" + AppID

// AnonymousSettings is what window.intercomSettings must be for a visitor
// nobody signed in.
func AnonymousSettings() map[string]any {
	return map[string]any{"app_id": AppID, "api_base": "https://api-iam.intercom.io"}
}

// UserSettings is what window.intercomSettings must be on a page of u
// without custom data: the user and a user_hash computed here,
// independently of the library.
func UserSettings(u demo.User) map[string]any {
	mac := hmac.New(sha256.New, []byte(Secret))
	mac.Write([]byte(u.ID))
	s := AnonymousSettings()
	s["user_id"] = u.ID
	s["email"] = u.Email
	s["name"] = u.Name
	s["created_at"] = u.SignedUp.Unix()
	s["user_hash"] = hex.EncodeToString(mac.Sum(nil))
	return s
}

// IdentifiedSettings is what window.intercomSettings must be on the account
// page of u: UserSettings and the plan the handler sets.
func IdentifiedSettings(u demo.User) map[string]any {
	s := UserSettings(u)
	s["plan"] = u.Plan
	return s
}

// canonical returns v as JSON with sorted keys, for comparing decoded JSON
// with expectations built in Go.
func canonical(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encode %v: %v", v, err)
	}
	var x any
	if err := json.Unmarshal(b, &x); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	b, err = json.Marshal(x)
	if err != nil {
		t.Fatalf("encode %v: %v", x, err)
	}
	return string(b)
}

// equalJSON fails t unless got and want encode to the same JSON.
func equalJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	if g, w := canonical(t, got), canonical(t, want); g != w {
		t.Errorf("%s:\n got  %s\n want %s", what, g, w)
	}
}

// cspPattern is the start of the policy the examples send.
var cspPattern = regexp.MustCompile(`^script-src 'nonce-([A-Za-z0-9+/_=-]+)' 'strict-dynamic'; object-src 'none'; base-uri 'none'(;|$)`)

// nonceOf returns the nonce of a Content-Security-Policy header value.
func nonceOf(t *testing.T, policy string) string {
	t.Helper()
	m := cspPattern.FindStringSubmatch(policy)
	if m == nil {
		t.Fatalf("Content-Security-Policy %q is not the strict nonce policy", policy)
	}
	return m[1]
}

// e2eRequired reports whether a missing Chromium is a failure.
func e2eRequired() bool { return os.Getenv("INTERCOM_E2E") == "1" }

// snippetSettings returns the settings object the page's snippet assigns.
func snippetSettings(t *testing.T, page string) map[string]any {
	t.Helper()
	const prefix = "window.intercomSettings="
	_, rest, ok := strings.Cut(page, prefix)
	if !ok {
		t.Fatalf("no %q in the page:\n%s", prefix, page)
	}
	var s map[string]any
	if err := json.NewDecoder(strings.NewReader(rest)).Decode(&s); err != nil {
		t.Fatalf("settings in the page: %v", err)
	}
	return s
}

// snippetCalls returns the queued calls the page's snippet runs: the JSON
// array the loader starts with.
func snippetCalls(t *testing.T, page string) []any {
	t.Helper()
	const prefix = ";(function(){var q="
	_, rest, ok := strings.Cut(page, prefix)
	if !ok {
		t.Fatalf("no %q in the page:\n%s", prefix, page)
	}
	var q []any
	if err := json.NewDecoder(strings.NewReader(rest)).Decode(&q); err != nil {
		t.Fatalf("the calls in the page: %v", err)
	}
	return q
}
