package adapter_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

const callsCookie = adapter.CallsCookiePrefix + "abc12345"

// web is a request/response pair of a net/http-based framework, glued with
// Hooks.WithRequestCookies.
type web struct {
	req  *http.Request
	resp http.Header // nil once the headers have gone out
}

func webHooks() adapter.Hooks[*web] {
	return adapter.Hooks[*web]{}.WithRequestCookies(
		func(x *web) *http.Request { return x.req },
		func(x *web) http.Header { return x.resp })
}

// newWeb is a request carrying cookies (name, value, name, value, ...).
func newWeb(cookies ...string) *web {
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	for i := 0; i+1 < len(cookies); i += 2 {
		r.AddCookie(&http.Cookie{Name: cookies[i], Value: cookies[i+1]})
	}
	return &web{req: r, resp: http.Header{}}
}

// cookieOf encodes calls JSON as the calls cookie's value.
func cookieOf(js string) string { return base64.RawURLEncoding.EncodeToString([]byte(js)) }

// queuedCalls returns the JSON of the calls a snippet runs.
func queuedCalls(t *testing.T, snippet string) string {
	t.Helper()
	if snippet == "" {
		return ""
	}
	_, after, ok := strings.Cut(snippet, ";(function(){var q=")
	if !ok {
		t.Fatalf("no loader in %s", snippet)
	}
	dec := json.NewDecoder(strings.NewReader(after))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		t.Fatalf("calls are not JSON: %v", err)
	}
	return string(raw)
}

// setCalls returns the calls cookie Set-Cookie lines of a response: the
// decoded JSON of each value, or "expired".
func setCalls(t *testing.T, h http.Header) []string {
	t.Helper()
	var out []string
	for _, line := range h.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil || c.Name != callsCookie {
			continue
		}
		if c.MaxAge < 0 {
			out = append(out, "expired")
			continue
		}
		if c.Path != "/" || c.MaxAge != 120 || c.SameSite != http.SameSiteLaxMode || c.HttpOnly {
			t.Errorf("calls cookie attributes: %s", line)
		}
		js, err := base64.RawURLEncoding.DecodeString(c.Value)
		if err != nil {
			t.Fatalf("calls cookie is not base64url: %s", line)
		}
		out = append(out, string(js))
	}
	return out
}

// TestCallQueue: calls queued by handlers render on the page, in order,
// once; each call sets the cookie again, replacing its line; the page that
// renders them deletes it.
func TestCallQueue(t *testing.T) {
	m, rec := newMessenger(t, intercom.Config{AppID: "abc12345"})
	x := newWeb()
	r := adapter.NewMiddleware("intercomtest.Middleware", m, webHooks()).Start(x)
	if err := r.Call("trackEvent", "checkout-completed", map[string]any{"order": 42}); err != nil {
		t.Fatal(err)
	}
	if got := setCalls(t, x.resp); !slices.Equal(got, []string{`[["trackEvent","checkout-completed",{"order":42}]]`}) {
		t.Errorf("after one call, Set-Cookie %q", got)
	}
	if err := r.Call("showSpace", "help"); err != nil {
		t.Fatal(err)
	}
	want := `[["trackEvent","checkout-completed",{"order":42}],["showSpace","help"]]`
	if got := setCalls(t, x.resp); !slices.Equal(got, []string{want}) {
		t.Errorf("after two calls, Set-Cookie %q", got)
	}
	if got := queuedCalls(t, string(r.Snippet())); got != want {
		t.Errorf("snippet runs %s, want %s", got, want)
	}
	if got := setCalls(t, x.resp); !slices.Equal(got, []string{"expired"}) {
		t.Errorf("after the snippet, Set-Cookie %q, want the calls cookie expired", got)
	}
	if got := queuedCalls(t, string(r.Snippet())); got != "[]" {
		t.Errorf("a second snippet runs %s again", got)
	}
	var ce *intercom.CallError
	if err := r.Call("show"); !errors.As(err, &ce) || ce.Reason != "the snippet has already rendered on this response; queue calls before rendering" {
		t.Errorf("Call after rendering: %v", err)
	}
	wantReports(t, rec.messages(), []string{`intercom: Messenger call "show" dropped: the snippet has already rendered on this response; queue calls before rendering`})
}

// TestCallsAcrossRedirects: POST → 303 → GET → page. Each request reads the
// calls its cookie carries; calls queued on a redirect are added after
// them, so two redirects lose nothing; the page runs them all, once.
func TestCallsAcrossRedirects(t *testing.T) {
	m, rec := newMessenger(t, intercom.Config{AppID: "abc12345"})
	mw := adapter.NewMiddleware("intercomtest.Middleware", m, webHooks())

	post := newWeb()
	if err := mw.Start(post).Call("trackEvent", "invoice-paid"); err != nil {
		t.Fatal(err)
	}
	jar := setCalls(t, post.resp)[0]

	second := newWeb(callsCookie, cookieOf(jar), "session", "s")
	if err := mw.Start(second).Call("showNewMessage", "Thanks!"); err != nil {
		t.Fatal(err)
	}
	want := `[["trackEvent","invoice-paid"],["showNewMessage","Thanks!"]]`
	if got := setCalls(t, second.resp); !slices.Equal(got, []string{want}) {
		t.Fatalf("second redirect sets %q, want %s", got, want)
	}

	// A JSON or fragment response in between reads nothing and sets nothing.
	between := newWeb(callsCookie, cookieOf(want))
	mw.Start(between).Set("k", "v")
	if got := between.resp.Values("Set-Cookie"); len(got) != 0 {
		t.Errorf("a response without calls or snippet sets %q", got)
	}

	page := newWeb(callsCookie, cookieOf(want))
	pr := mw.Start(page)
	if got := queuedCalls(t, string(pr.Snippet())); got != want {
		t.Errorf("the page runs %s, want %s", got, want)
	}
	if got := setCalls(t, page.resp); !slices.Equal(got, []string{"expired"}) {
		t.Errorf("the page sets %q, want the calls cookie expired", got)
	}

	// Headers gone (a streamed page): the snippet still runs the calls and
	// its script deletes the cookie.
	late := newWeb(callsCookie, cookieOf(want))
	late.resp = nil
	out := string(mw.Start(late).Snippet())
	if got := queuedCalls(t, out); got != want || !strings.Contains(out, `d.cookie="`+callsCookie+`=; Max-Age=0; path=/; SameSite=Lax";`) {
		t.Errorf("a streamed page runs %s and its script does not delete the cookie: %s", got, out)
	}
	wantReports(t, rec.messages(), nil)
}

// TestCallsCookieForged: a cookie anyone could have written is data only:
// it can at most queue the allowed calls with plain data, each validated as
// the app's own are; anything else is dropped and reported, never run.
func TestCallsCookieForged(t *testing.T) {
	many := "[" + strings.Repeat(`["show"],`, adapter.MaxCalls) + `["hide"]]`
	tests := []struct {
		name    string
		cookie  string // the cookie value
		want    string // the calls the page runs
		reports []string
	}{
		{"valid", cookieOf(`[["showArticle","456"],["trackEvent","e",{"a":[1,"</script>"]}]]`),
			`[["showArticle","456"],["trackEvent","e",{"a":[1,"\u003c/script\u003e"]}]]`, nil},
		{"script in strings stays a string", cookieOf(`[["showNewMessage","\u003c/script\u003e\u003cscript\u003ealert(1)//"],["trackEvent","</script><!--"]]`),
			`[["showNewMessage","\u003c/script\u003e\u003cscript\u003ealert(1)//"],["trackEvent","\u003c/script\u003e\u003c!--"]]`, nil},
		{"methods outside the list", cookieOf(`[["boot",{"app_id":"evil"}],["shutdown"],["eval","alert(1)"],["constructor"],["__proto__"],["show"]]`),
			`[["show"]]`, []string{
				`intercom: Messenger call "boot" dropped: not a Messenger method a page can be asked to call`,
				`intercom: Messenger call "shutdown" dropped: not a Messenger method a page can be asked to call`,
				`intercom: Messenger call "eval" dropped: not a Messenger method a page can be asked to call`,
				`intercom: Messenger call "constructor" dropped: not a Messenger method a page can be asked to call`,
				`intercom: Messenger call "__proto__" dropped: not a Messenger method a page can be asked to call`,
			}},
		{"argument shapes", cookieOf(`[["startTour",123],["startTour",{"id":1}],["showSpace","admin"],["trackEvent","e","meta"],["trackEvent","e",{"__proto__":{"x":1}}],["hide",1],["startTour","1"]]`),
			`[["startTour","1"]]`, []string{
				`intercom: Messenger call "startTour" dropped: the id is a adapter.rawJSON, want a string or an integer`,
				`intercom: Messenger call "startTour" dropped: the id is a adapter.rawJSON, want a string or an integer`,
				`intercom: Messenger call "showSpace" dropped: takes one space name: "home", "messages", "help", "news", "tasks" or "tickets"`,
				`intercom: Messenger call "trackEvent" dropped: metadata must encode as a JSON object, not "meta"`,
				`intercom: Messenger call "trackEvent" dropped: metadata: `,
				`intercom: Messenger call "hide" dropped: takes no arguments, got 1`,
			}},
		{"entries that are not calls", cookieOf(`["show",{"m":"show"},[],[1],null,["show"]]`), `[["show"]]`, []string{
			"intercom: queued-calls cookie ignored: entry 0 is not [method, args...]",
			"intercom: queued-calls cookie ignored: entry 1 is not [method, args...]",
			"intercom: queued-calls cookie ignored: entry 2 is not [method, args...]",
			"intercom: queued-calls cookie ignored: entry 3 is not [method, args...]",
			"intercom: queued-calls cookie ignored: entry 4 is not [method, args...]",
		}},
		{"truncated", cookieOf(`[["show"],["trackEvent","e",{"a":`), "[]", []string{"intercom: queued-calls cookie ignored: not a JSON array of calls"}},
		{"not base64url", "W1sic2hvdyJdXQ==", "[]", []string{"intercom: queued-calls cookie ignored: not unpadded base64url"}},
		{"std base64", base64.RawStdEncoding.EncodeToString([]byte(`[["showNewMessage","??>"]]`)), "[]", []string{"intercom: queued-calls cookie ignored: not unpadded base64url"}},
		{"plain JSON", `[["show"]]`, "[]", []string{"intercom: queued-calls cookie ignored: not unpadded base64url"}},
		{"an object", cookieOf(`{"0":["show"]}`), "[]", []string{"intercom: queued-calls cookie ignored: not a JSON array of calls"}},
		{"too many calls", cookieOf(many), "[]", []string{"intercom: queued-calls cookie ignored: more than 32 calls"}},
		{"too long", strings.Repeat("A", adapter.MaxCallsCookie+1), "[]", []string{"intercom: queued-calls cookie ignored: longer than 3072 bytes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, rec := newMessenger(t, intercom.Config{AppID: "abc12345"})
			x := newWeb(callsCookie, tt.cookie)
			out := string(adapter.NewMiddleware("intercomtest.Middleware", m, webHooks()).Start(x).Snippet())
			if got := queuedCalls(t, out); got != tt.want {
				t.Errorf("the page runs %s, want %s", got, tt.want)
			}
			if got := setCalls(t, x.resp); !slices.Equal(got, []string{"expired"}) {
				t.Errorf("Set-Cookie %q, want the cookie expired", got)
			}
			got := rec.messages()
			if len(got) != len(tt.reports) {
				t.Fatalf("reported %q, want %q", got, tt.reports)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.reports[i]) || (!strings.HasSuffix(tt.reports[i], ": ") && got[i] != tt.reports[i]) {
					t.Errorf("report %d: %s, want %s", i, got[i], tt.reports[i])
				}
			}
		})
	}
}

// TestCallsCookieOtherWorkspace: the calls cookie of another app id on the
// same site is neither read nor touched.
func TestCallsCookieOtherWorkspace(t *testing.T) {
	m, rec := newMessenger(t, intercom.Config{AppID: "abc12345"})
	x := newWeb(adapter.CallsCookiePrefix+"xyz98765", cookieOf(`[["showNewMessage","from another app"]]`))
	r := adapter.NewMiddleware("intercomtest.Middleware", m, webHooks()).Start(x)
	if got := queuedCalls(t, string(r.Snippet())); got != "[]" {
		t.Errorf("another workspace's calls ran: %s", got)
	}
	if got := x.resp.Values("Set-Cookie"); len(got) != 0 {
		t.Errorf("Set-Cookie %q", got)
	}
	wantReports(t, rec.messages(), nil)
}

// TestCallsBounds: thousands of calls fill the queue at MaxCalls, or at
// MaxCallsCookie bytes, and the rest are refused and reported; what was
// queued still fits the cookie.
func TestCallsBounds(t *testing.T) {
	m, rec := newMessenger(t, intercom.Config{AppID: "abc12345"})
	x := newWeb()
	r := adapter.NewMiddleware("intercomtest.Middleware", m, webHooks()).Start(x)
	refused := 0
	for i := range 5000 {
		if err := r.Call("trackEvent", "e"+strconv.Itoa(i)); err != nil {
			refused++
		}
	}
	if refused != 5000-adapter.MaxCalls {
		t.Errorf("%d calls refused, want %d", refused, 5000-adapter.MaxCalls)
	}
	msgs := rec.messages()
	if len(msgs) != refused || msgs[0] != `intercom: Messenger call "trackEvent" dropped: more than 32 calls queued for one page` {
		t.Errorf("%d reports, first %q", len(msgs), msgs[:1])
	}
	if got := x.resp.Values("Set-Cookie"); len(got) != 1 || len(got[0]) > adapter.MaxCallsCookie+100 {
		t.Errorf("%d Set-Cookie lines, the first %d bytes", len(got), len(got[0]))
	}
	var calls []any
	if err := json.Unmarshal([]byte(queuedCalls(t, string(r.Snippet()))), &calls); err != nil || len(calls) != adapter.MaxCalls {
		t.Errorf("the page runs %d calls, want %d (%v)", len(calls), adapter.MaxCalls, err)
	}

	// Big metadata: the cookie bound comes first.
	m2, rec2 := newMessenger(t, intercom.Config{AppID: "abc12345"})
	y := newWeb()
	r2 := adapter.NewMiddleware("intercomtest.Middleware", m2, webHooks()).Start(y)
	big := map[string]any{"note": strings.Repeat("n", 1900)}
	if err := r2.Call("trackEvent", "big", big); err != nil {
		t.Fatal(err)
	}
	err := r2.Call("trackEvent", "big-again", big)
	var ce *intercom.CallError
	if !errors.As(err, &ce) || ce.Reason != "the calls queued for one page would exceed 3072 bytes of cookie" {
		t.Errorf("second big call: %v", err)
	}
	if err := r2.Call("trackEvent", "huge", map[string]any{"note": strings.Repeat("n", 5000)}); !errors.As(err, &ce) || ce.Reason != "longer than 2048 bytes encoded" {
		t.Errorf("huge call: %v", err)
	}
	if got := len(rec2.messages()); got != 2 {
		t.Errorf("%d reports, want 2: %q", got, rec2.messages())
	}
	if got := setCalls(t, y.resp); len(got) != 1 || !strings.Contains(got[0], `"big"`) || strings.Contains(got[0], "big-again") {
		t.Errorf("cookie %q", got)
	}
}

// TestCallsNotQueued: a skipped request, a disabled Messenger and an
// internal visitor.
func TestCallsNotQueued(t *testing.T) {
	t.Run("skipped", func(t *testing.T) {
		m, rec := newMessenger(t, intercom.Config{AppID: "abc12345"})
		x := newWeb(callsCookie, cookieOf(`[["show"]]`))
		r := adapter.NewMiddleware("intercomtest.Middleware", m, webHooks(), adapter.WithSkipper(func(*web) bool { return true })).Start(x)
		var ce *intercom.CallError
		if err := r.Call("show"); !errors.As(err, &ce) || ce.Reason != "the request is skipped (WithSkipper), so no page of it runs calls" {
			t.Errorf("Call on a skipped request: %v", err)
		}
		if r.Snippet() != "" || len(x.resp.Values("Set-Cookie")) != 0 {
			t.Errorf("a skipped request rendered or set cookies: %q", x.resp.Values("Set-Cookie"))
		}
		if err := r.Call("nope"); !errors.As(err, &ce) || ce.Reason != "not a Messenger method a page can be asked to call" {
			t.Errorf("an invalid call on a skipped request: %v", err)
		}
		wantReports(t, rec.messages(), []string{
			`intercom: Messenger call "show" dropped: the request is skipped (WithSkipper), so no page of it runs calls`,
			`intercom: Messenger call "nope" dropped: not a Messenger method a page can be asked to call`,
		})
	})
	t.Run("disabled", func(t *testing.T) {
		m, rec := newMessenger(t, intercom.Config{})
		x := newWeb(adapter.CallsCookiePrefix, cookieOf(`[["show"]]`))
		r := adapter.NewMiddleware("intercomtest.Middleware", m, webHooks()).Start(x)
		if err := r.Call("show"); err != nil {
			t.Errorf("Call on a disabled Messenger: %v", err)
		}
		if err := r.Call("startTour", -1); err == nil {
			t.Error("a disabled Messenger does not validate calls")
		}
		if r.Snippet() != "" || len(x.resp.Values("Set-Cookie")) != 0 {
			t.Errorf("a disabled Messenger rendered or set cookies: %q", x.resp.Values("Set-Cookie"))
		}
		wantReports(t, rec.messages(), []string{`intercom: Messenger call "startTour" dropped: want a non-negative id, got -1`})
	})
	t.Run("internal visitor", func(t *testing.T) {
		m, rec := newMessenger(t, intercom.Config{AppID: "abc12345", InternalIPs: []string{"10.0.0.0/8"}})
		x := newWeb(callsCookie, cookieOf(`[["show"]]`))
		h := webHooks()
		h.ClientIP = func(*web) string { return "10.0.0.9" }
		r := adapter.NewMiddleware("intercomtest.Middleware", m, h).Start(x)
		if err := r.Call("hide"); err != nil {
			t.Fatal(err)
		}
		out := string(r.Snippet())
		if !strings.HasPrefix(out, "<!-- Intercom disabled on internal IP address\n") || queuedCalls(t, out) != `[["show"],["hide"]]` {
			t.Errorf("an internal visitor's calls are not in the comment: %s", out)
		}
		if got := setCalls(t, x.resp); !slices.Equal(got, []string{"expired"}) {
			t.Errorf("Set-Cookie %q: the commented-out page consumes the calls too", got)
		}
		wantReports(t, rec.messages(), nil)
	})
	t.Run("panicking Cookie hook", func(t *testing.T) {
		m, rec := newMessenger(t, intercom.Config{AppID: "abc12345"})
		h := webHooks()
		h.Cookie = func(*web, string) string { panic("x") }
		r := adapter.NewMiddleware("intercomtest.Middleware", m, h).Start(newWeb())
		if err := r.Call("show"); err != nil {
			t.Fatal(err)
		}
		if got := queuedCalls(t, string(r.Snippet())); got != `[["show"]]` {
			t.Errorf("calls %s", got)
		}
		wantReports(t, rec.messages(), []string{"intercom: Cookie hook panicked; treated as unset"})
	})
}
