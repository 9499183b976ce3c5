package conformance

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

// callsHeader names the set of calls (a key of callSets) the handlers of a
// request queue; without it they queue none.
const callsHeader = "X-Conformance-Calls"

// callsCookie is the cookie that carries the suite's workspace's calls.
const callsCookie = adapter.CallsCookiePrefix + appID

// hostileText holds what could end a script element, a comment, a
// JavaScript string or a template literal.
const hostileText = "</script><script>window.__pwned=1</script><!-- --> \"]);alert(1);// '`${x}` \u2028"

// callSets are the calls the suite's handlers queue, by callsHeader value;
// wantCalls are what the page runs for each, as the SDK's functions call
// Intercom(method, args...): JSON decoded with UseNumber.
var (
	callSets = map[string][]Call{
		"every-method": {
			{"trackEvent", []any{"checkout-completed", map[string]any{"order": 42, "plan": "pro"}}},
			{"trackEvent", []any{"signed-up"}},
			{"showNewMessage", []any{"Need help with your invoice?"}},
			{"showNewMessage", nil},
			{"showSpace", []any{"help"}},
			{"showArticle", []any{456}},
			{"startTour", []any{"123"}},
			{"startSurvey", []any{7}},
			{"startChecklist", []any{int64(8)}},
			{"showTicket", []any{"9"}},
			{"showConversation", []any{uint(10)}},
			{"showNews", []any{"11"}},
			{"show", nil},
			{"hide", nil},
			{"showMessages", nil},
		},
		"event":   {{"trackEvent", []any{"invoice-paid", map[string]any{"amount": 42}}}},
		"second":  {{"showNewMessage", []any{"Thanks!"}}, {"startTour", []any{77}}},
		"hostile": {{"trackEvent", []any{hostileText, map[string]any{hostileText: []any{hostileText}}}}, {"showNewMessage", []any{hostileText}}},
		"invalid": {{"boot", nil}, {"startTour", []any{-1}}, {"show", nil}},
	}
	wantCalls = map[string]string{
		"every-method": `[["trackEvent","checkout-completed",{"order":42,"plan":"pro"}],["trackEvent","signed-up"],` +
			`["showNewMessage","Need help with your invoice?"],["showNewMessage"],["showSpace","help"],["showArticle","456"],` +
			`["startTour","123"],["startSurvey","7"],["startChecklist","8"],["showTicket","9"],["showConversation","10"],` +
			`["showNews","11"],["show"],["hide"],["showMessages"]]`,
		"event":  `[["trackEvent","invoice-paid",{"amount":42}]]`,
		"second": `[["showNewMessage","Thanks!"],["startTour","77"]]`,
		"hostile": func() string {
			h, _ := json.Marshal(hostileText)
			return `[["trackEvent",` + string(h) + `,{` + string(h) + `:[` + string(h) + `]}],["showNewMessage",` + string(h) + `]]`
		}(),
		"invalid": `[["show"]]`,
	}
)

// decodeCalls decodes a want string as Snippet.Calls holds calls.
func decodeCalls(t *testing.T, js string) []any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(js))
	dec.UseNumber()
	var v []any
	require.NoError(t, dec.Decode(&v), "the suite's own expectation %s", js)
	if v == nil {
		v = []any{}
	}
	return v
}

// thousands is the calls header value of a request that queues 1,000 events.
const thousands = "thousands"

// callsScenario queues the calls the callsHeader names.
func callsScenario() Scenario {
	return Scenario{Calls: scenarioCalls}
}

func scenarioCalls(h Header) []Call {
	name := h(callsHeader)
	if name == thousands {
		calls := make([]Call, 1000)
		for i := range calls {
			calls[i] = Call{"trackEvent", []any{"event-" + strconv.Itoa(i)}}
		}
		return calls
	}
	return callSets[name]
}

// queue is the header of a request whose handler queues callSets[name].
func queue(name string) map[string]string { return map[string]string{callsHeader: name} }

// carried returns the calls the browser's calls cookie holds, decoded, or
// nil without one.
func carried(t *testing.T, b *browser) []any {
	t.Helper()
	v, ok := b.cookies[callsCookie]
	if !ok {
		return nil
	}
	js, err := base64.RawURLEncoding.DecodeString(v)
	require.NoError(t, err, "the calls cookie %q is not unpadded base64url", v)
	return decodeCalls(t, string(js))
}

// scriptClearsCalls is how the snippet's own script deletes the calls
// cookie.
var scriptClearsCalls = `d.cookie="` + callsCookie + `=; Max-Age=0; path=/`

// mustRunCalls checks a page's snippet: it runs want (a wantCalls JSON), it
// is data-turbo-temporary exactly when want has calls, and when it runs any,
// the cookie that may have carried them is cleared, by the response or by
// the page's script (the browser then drops it, as a real
// one would on running the script). A page whose headers went out before
// its snippet rendered (a streamed component or whole-page install) may set
// the cookie for its own calls, as long as its script deletes it.
func mustRunCalls(t *testing.T, b *browser, r *response, s *Snippet, want string) {
	t.Helper()
	assert.Equal(t, decodeCalls(t, want), s.Calls, "the calls the page runs after booting, as Intercom(method, args...)")
	assert.Equal(t, len(s.Calls) != 0, s.Temporary,
		"data-turbo-temporary on the snippet (Turbo must not run its calls again from its cache), for calls %s", want)
	byScript := strings.Contains(s.Loader, scriptClearsCalls)
	set := r.setCookies(callsCookie)
	cleared := false
	for _, c := range set {
		assert.Equal(t, "/", c.Path, "Set-Cookie %q: Path", c.String())
		if expired(c) {
			cleared = true
		} else {
			assert.True(t, byScript, "Set-Cookie %q sets the calls cookie on a page whose script does not delete it", c.String())
		}
	}
	if len(s.Calls) == 0 {
		assert.False(t, byScript, "a page without calls deletes the calls cookie in its script")
		return
	}
	assert.True(t, byScript || cleared, "the page that runs the calls must clear their cookie, in its response or its script")
	if byScript {
		delete(b.cookies, callsCookie)
	}
	assert.NotContains(t, b.cookies, callsCookie, "the browser still holds the calls cookie after the page ran them")
}

// mustCarry checks a response without a snippet that queued calls: it sets
// the calls cookie (Path "/", not HttpOnly, short-lived) and the browser now
// holds want.
func mustCarry(t *testing.T, b *browser, r *response, want string) {
	t.Helper()
	set := r.setCookies(callsCookie)
	require.Len(t, set, 1, "a response without a snippet that queued calls sets their cookie once")
	c := set[0]
	assert.False(t, expired(c), "Set-Cookie %q", c.String())
	assert.Equal(t, "/", c.Path, "Set-Cookie %q: Path", c.String())
	assert.False(t, c.HttpOnly, "Set-Cookie %q: the page's script must be able to delete it", c.String())
	assert.True(t, c.MaxAge > 0 && c.MaxAge <= 600, "Set-Cookie %q: short-lived (Max-Age up to 10 minutes)", c.String())
	assert.Equal(t, decodeCalls(t, want), carried(t, b), "the calls the cookie carries")
}

func testCallsEveryMethod(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{AppID: appID}, callsScenario())
	b := a.browser("", nil)
	r := b.do(t, http.MethodGet, PagePath, queue("every-method"))
	mustRunCalls(t, b, r, r.page(t).mustSnippet(t), wantCalls["every-method"])
	a.noErrors(t)
}

func testCallsComponent(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{AppID: appID}, callsScenario())
	b := a.browser("", nil)
	r := b.do(t, http.MethodGet, ComponentPath, queue("second"))
	mustRunCalls(t, b, r, r.page(t).mustSnippet(t), wantCalls["second"])
	a.noErrors(t)
}

// testCallsPostRedirectGet: a call queued by a form handler that redirects
// runs on the page after the redirect, exactly once.
func testCallsPostRedirectGet(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{AppID: appID}, callsScenario())
	b := a.browser("", nil)
	r := b.do(t, http.MethodPost, RedirectPath, queue("event"))
	require.Equal(t, http.StatusSeeOther, r.status, "POST %s", RedirectPath)
	assert.Equal(t, PagePath, r.location(t))
	assert.NotContains(t, string(r.body), "intercomSettings", "the redirect renders no snippet")
	mustCarry(t, b, r, wantCalls["event"])

	r = b.get(t, PagePath)
	mustRunCalls(t, b, r, r.page(t).mustSnippet(t), wantCalls["event"])
	r = b.get(t, PagePath)
	mustRunCalls(t, b, r, r.page(t).mustSnippet(t), `[]`)
	a.noErrors(t)
}

// testCallsTwoRedirects: calls queued on two redirects in a row all run, in
// order, on the page after them.
func testCallsTwoRedirects(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{AppID: appID}, callsScenario())
	b := a.browser("", nil)
	b.do(t, http.MethodPost, RedirectPath, queue("event"))
	r := b.do(t, http.MethodGet, RedirectPath, queue("second"))
	both := `[["trackEvent","invoice-paid",{"amount":42}],["showNewMessage","Thanks!"],["startTour","77"]]`
	mustCarry(t, b, r, both)
	r = b.get(t, PagePath)
	mustRunCalls(t, b, r, r.page(t).mustSnippet(t), both)
	a.noErrors(t)
}

// jsonResponse is an API response, which renders no snippet.
var jsonResponse = RawResponse{
	Header: map[string]string{"Content-Type": "application/json"},
	Chunks: [][]byte{[]byte(jsonBody)},
}

// testCallsKept: a response without a snippet (an htmx or Turbo fragment,
// JSON) that queues calls carries them to the next page, and one that
// queues none leaves the cookie alone.
func testCallsKept(raw RawResponse) func(*testing.T, Harness) {
	return func(t *testing.T, h Harness) {
		s := wholePageScenario(raw)
		s.Calls = scenarioCalls
		a := start(t, h, wholePageConfig, s)
		b := a.browser("", nil)
		r := b.do(t, http.MethodGet, RawPath, queue("event"))
		mustUntouched(t, r, bytes.Join(raw.Chunks, nil))
		mustCarry(t, b, r, wantCalls["event"])
		r = b.get(t, RawPath)
		mustUntouched(t, r, bytes.Join(raw.Chunks, nil))
		assert.Empty(t, r.setCookies(callsCookie), "a response without a snippet or calls touches the calls cookie")

		r = b.get(t, PagePath)
		mustRunCalls(t, b, r, r.page(t).mustSnippet(t), wantCalls["event"])
		a.noErrors(t)
	}
}

// testCallsWholePage: whole-page install runs the calls its handler queued,
// and those the cookie carried, once.
func testCallsWholePage(t *testing.T, h Harness) {
	s := wholePageScenario(htmlResponse(decoyPage))
	s.Calls = scenarioCalls
	a := start(t, h, wholePageConfig, s)
	b := a.browser("", nil)
	b.do(t, http.MethodPost, RedirectPath, queue("event"))
	r := b.do(t, http.MethodGet, RawPath, queue("second"))
	mustRunCalls(t, b, r, mustInjected(t, r, decoyPage),
		`[["trackEvent","invoice-paid",{"amount":42}],["showNewMessage","Thanks!"],["startTour","77"]]`)
	r = b.get(t, RawPath)
	mustRunCalls(t, b, r, mustInjected(t, r, decoyPage), `[]`)
	a.noErrors(t)
}

// testCallsHostile: strings that could end the script, a comment or a
// JavaScript string stay data, on the page and through the cookie.
func testCallsHostile(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{AppID: appID}, callsScenario())
	b := a.browser("", nil)
	r := b.do(t, http.MethodGet, PagePath, queue("hostile"))
	mustRunCalls(t, b, r, r.page(t).mustSnippet(t), wantCalls["hostile"])
	mustOneScript(t, r.body)

	b.do(t, http.MethodPost, RedirectPath, queue("hostile"))
	r = b.get(t, PagePath)
	mustRunCalls(t, b, r, r.page(t).mustSnippet(t), wantCalls["hostile"])
	mustOneScript(t, r.body)
	a.noErrors(t)
}

// mustOneScript checks, with an HTML tokenizer, that the page's only script
// element is the snippet: nothing from the calls became markup.
func mustOneScript(t *testing.T, page []byte) {
	t.Helper()
	z := html.NewTokenizer(bytes.NewReader(page))
	scripts := 0
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			require.ErrorIs(t, z.Err(), io.EOF)
			break
		}
		if name, hasAttr := z.TagName(); tt == html.StartTagToken && string(name) == "script" {
			scripts++
			id := ""
			for more := hasAttr; more; {
				var k, v []byte
				k, v, more = z.TagAttr()
				if string(k) == "id" {
					id = string(v)
				}
			}
			assert.Equal(t, scriptID, id, "a <script> element other than the snippet")
		}
	}
	assert.Equal(t, 1, scripts, "script elements in the page; page:\n%s", excerpt(string(page)))
}

// forgedCookies are calls cookies a visitor (or an attacker who can set
// cookies for the site) could send, and what the page may run for each.
var forgedCookies = []struct {
	name, value, want string
}{
	{"disallowed-methods", b64(`[["boot",{"app_id":"evil"}],["shutdown"],["eval","alert(1)"],["constructor"],["show"]]`), `[["show"]]`},
	{"markup-in-strings", b64(`[["showNewMessage","</script><script>window.__pwned=1</script>"],["trackEvent","x",{"k":"<!--","v":"-->"}]]`),
		`[["showNewMessage","</script><script>window.__pwned=1</script>"],["trackEvent","x",{"k":"<!--","v":"-->"}]]`},
	{"wrong-shapes", b64(`[["startTour",{"toString":"alert(1)"}],["trackEvent","e","not metadata"],["showSpace","admin"],"show",["hide",1]]`), `[]`},
	{"truncated", b64(`[["show"],["trackEvent","e",{"a":`), `[]`},
	{"not-base64url", `W1sic2hvdyJdXQ==`, `[]`},
	{"script-text", `</script><script>window.__pwned=1</script>`, `[]`},
	{"over-the-bound", strings.Repeat("A", adapter.MaxCallsCookie+128), `[]`}, // fasthttp's default read buffer holds 4 KiB of headers
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// testCallsForgedCookie: a forged or truncated calls cookie can at most
// queue allowed calls with plain data; everything else is dropped and
// reported, the page stays one intact snippet, and the cookie is deleted.
func testCallsForgedCookie(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{AppID: appID}, callsScenario())
	for _, f := range forgedCookies {
		t.Run(f.name, func(t *testing.T) {
			b := a.browser("", map[string]string{callsCookie: f.value})
			r := b.get(t, PagePath)
			s := r.page(t).mustSnippet(t)
			assert.Equal(t, decodeCalls(t, f.want), s.Calls, "the calls the page runs")
			mustOneScript(t, r.body)
			if len(s.Calls) == 0 {
				// Nothing runs, so no script deletes it: the response must.
				set := r.setCookies(callsCookie)
				if assert.Len(t, set, 1, "the response deletes the unusable calls cookie") {
					assert.True(t, expired(set[0]), "Set-Cookie %q", set[0].String())
				}
			} else {
				mustRunCalls(t, b, r, s, f.want)
			}
		})
	}
	var dropped int
	for _, err := range a.rec.list() {
		var ce *intercom.CallError
		var ke *adapter.CallsCookieError
		if errors.As(err, &ce) || errors.As(err, &ke) {
			dropped++
		}
	}
	assert.GreaterOrEqual(t, dropped, len(forgedCookies), "each forged cookie's dropped calls are reported")
}

// testCallsOtherApp: another workspace's calls cookie on the same site is
// neither run nor touched.
func testCallsOtherApp(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{AppID: appID}, callsScenario())
	other := adapter.CallsCookiePrefix + "xyz98765"
	b := a.browser("", map[string]string{other: b64(`[["showNewMessage","from another workspace"]]`)})
	r := b.get(t, PagePath)
	mustRunCalls(t, b, r, r.page(t).mustSnippet(t), `[]`)
	assert.Empty(t, r.cookies, "Set-Cookie on a page with another workspace's calls cookie")
	a.noErrors(t)
}

// testCallsInvalid: an invalid call is refused and reported; the valid ones
// around it run.
func testCallsInvalid(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{AppID: appID}, callsScenario())
	b := a.browser("", nil)
	r := b.do(t, http.MethodGet, PagePath, queue("invalid"))
	mustRunCalls(t, b, r, r.page(t).mustSnippet(t), wantCalls["invalid"])
	var methods []string
	for _, e := range reported[*intercom.CallError](t, a) {
		methods = append(methods, e.Method)
	}
	assert.Equal(t, []string{"boot", "startTour"}, methods, "the refused calls reported")
}

// testCallsBounds: thousands of calls on one redirect: the queue keeps the
// first adapter.MaxCalls, within adapter.MaxCallsCookie bytes of cookie,
// and reports each one it refused.
func testCallsBounds(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{AppID: appID}, callsScenario())
	b := a.browser("", nil)
	r := b.do(t, http.MethodPost, RedirectPath, queue(thousands))
	require.Len(t, r.setCookies(callsCookie), 1, "the redirect sets the calls cookie once")
	assert.LessOrEqual(t, len(b.cookies[callsCookie]), adapter.MaxCallsCookie, "the calls cookie's length")
	want := make([]string, adapter.MaxCalls)
	for i := range want {
		want[i] = fmt.Sprintf(`["trackEvent","event-%d"]`, i)
	}
	r = b.get(t, PagePath)
	mustRunCalls(t, b, r, r.page(t).mustSnippet(t), "["+strings.Join(want, ",")+"]")
	assert.Len(t, reported[*intercom.CallError](t, a), 1000-adapter.MaxCalls, "calls refused and reported")
}

// testCallsSkipped: on a request the skipper excludes, calls are refused
// and reported: no snippet, no cookie.
func testCallsSkipped(t *testing.T, h Harness) {
	s := callsScenario()
	s.Skip = true
	a := start(t, h, intercom.Config{AppID: appID}, s)
	b := a.browser("", nil)
	r := b.do(t, http.MethodPost, RedirectPath, queue("event"))
	assert.Empty(t, r.cookies, "Set-Cookie on a skipped request")
	r = b.do(t, http.MethodGet, PagePath, queue("event"))
	r.page(t).mustNotHaveSnippet(t)
	assert.Empty(t, r.cookies, "Set-Cookie on a skipped request")
	assert.Len(t, reported[*intercom.CallError](t, a), 2, "the refused calls reported")
}

// testCallsDisabled: with a disabled Messenger valid calls are dropped
// quietly, like everything else.
func testCallsDisabled(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{}, callsScenario())
	b := a.browser("", nil)
	r := b.do(t, http.MethodPost, RedirectPath, queue("event"))
	assert.Empty(t, r.cookies, "Set-Cookie with a disabled Messenger")
	r = b.do(t, http.MethodGet, PagePath, queue("every-method"))
	r.page(t).mustNotHaveSnippet(t)
	assert.Empty(t, r.cookies, "Set-Cookie with a disabled Messenger")
	a.noErrors(t)
}

// testCallsInternal: an internal visitor's calls are inside the comment
// with the rest of the snippet, and consumed like anyone's.
func testCallsInternal(t *testing.T, h Harness) {
	needSource(t, "127.0.0.7")
	a := start(t, h, intercom.Config{AppID: appID, InternalIPs: []string{"127.0.0.7"}}, callsScenario())
	b := a.browser("127.0.0.7", nil)
	b.do(t, http.MethodPost, RedirectPath, queue("event"))
	r := b.get(t, PagePath)
	s := r.page(t).mustSnippet(t)
	assert.True(t, s.Internal, "the snippet of an internal visitor is commented out")
	assert.Equal(t, decodeCalls(t, wantCalls["event"]), s.Calls, "the calls inside the comment")
	set := r.setCookies(callsCookie)
	if assert.Len(t, set, 1, "the page deletes the calls cookie: its commented-out script cannot") {
		assert.True(t, expired(set[0]), "Set-Cookie %q", set[0].String())
	}
	a.noErrors(t)
}
