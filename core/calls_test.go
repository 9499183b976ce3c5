package intercom_test

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	intercom "github.com/goanalytical/intercom/core"
)

// callsOf returns the JSON text of the queued calls in a snippet (the
// array the loader starts with) and the loader after it.
func callsOf(t testing.TB, snippet string) (calls, rest string) {
	t.Helper()
	_, after, ok := strings.Cut(snippet, ";(function(){var q=")
	if !ok {
		t.Fatalf("no loader in %s", snippet)
	}
	dec := json.NewDecoder(strings.NewReader(after))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		t.Fatalf("queued calls are not JSON: %v: %s", err, after)
	}
	return string(raw), after[dec.InputOffset():]
}

// mustCall is Messenger.Call for calls a test expects to be valid.
func mustCall(t testing.TB, m *intercom.Messenger, method string, args ...any) intercom.Call {
	t.Helper()
	c, err := m.Call(method, args...)
	if err != nil {
		t.Fatalf("Call(%q): %v", method, err)
	}
	return c
}

// TestCallsRender: each call renders as the JSON array the loader applies,
// Intercom(method, args...), exactly as @intercom/messenger-js-sdk's
// function of that name calls it.
func TestCallsRender(t *testing.T) {
	m, rec := newMessenger(t, intercom.Config{AppID: "abc12345"})
	tests := []struct {
		method string
		args   []any
		want   string
	}{
		{"trackEvent", []any{"checkout-completed"}, `["trackEvent","checkout-completed"]`},
		{"trackEvent", []any{"checkout-completed", map[string]any{"order": 42, "paid": time.Unix(1700000000, 0), "total": 9.5}},
			`["trackEvent","checkout-completed",{"order":42,"paid":1700000000,"total":9.5}]`},
		{"trackEvent", []any{"invited", intercom.Attributes{"invitee_email": "pi@example.org", "invite_code": "ADDAFRIEND"}},
			`["trackEvent","invited",{"invite_code":"ADDAFRIEND","invitee_email":"pi@example.org"}]`},
		{"trackEvent", []any{"typed", map[string]int{"b": 2, "a": 1}}, `["trackEvent","typed",{"a":1,"b":2}]`},
		{"trackEvent", []any{"nil metadata", nil}, `["trackEvent","nil metadata"]`},
		{"trackEvent", []any{"nil map", map[string]any(nil)}, `["trackEvent","nil map"]`},
		{"trackEvent", []any{"ünïcødé ✓ 🎉"}, `["trackEvent","ünïcødé ✓ 🎉"]`},
		{"showNewMessage", nil, `["showNewMessage"]`},
		{"showNewMessage", []any{"Need help with your invoice?"}, `["showNewMessage","Need help with your invoice?"]`},
		{"showNewMessage", []any{""}, `["showNewMessage",""]`},
		{"showSpace", []any{"help"}, `["showSpace","help"]`},
		{"showSpace", []any{"tickets"}, `["showSpace","tickets"]`},
		{"showArticle", []any{"456"}, `["showArticle","456"]`},
		{"showArticle", []any{456}, `["showArticle","456"]`},
		{"startTour", []any{int64(123)}, `["startTour","123"]`},
		{"startSurvey", []any{uint64(18446744073709551615)}, `["startSurvey","18446744073709551615"]`},
		{"startChecklist", []any{int32(7)}, `["startChecklist","7"]`},
		{"showTicket", []any{"ticket_9-A"}, `["showTicket","ticket_9-A"]`},
		{"showConversation", []any{uint(0)}, `["showConversation","0"]`},
		{"showNews", []any{uint32(31)}, `["showNews","31"]`},
		{"show", nil, `["show"]`},
		{"hide", nil, `["hide"]`},
		{"showMessages", nil, `["showMessages"]`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			c := mustCall(t, m, tt.method, tt.args...)
			js, err := c.MarshalJSON()
			if err != nil || string(js) != tt.want {
				t.Errorf("MarshalJSON = %s, %v; want %s", js, err, tt.want)
			}
			out := string(m.Render(intercom.Visitor{Calls: []intercom.Call{c}}))
			got, rest := callsOf(t, out)
			if got != "["+tt.want+"]" {
				t.Errorf("queued calls %s, want [%s]", got, tt.want)
			}
			if !strings.HasPrefix(rest, `,w=window,d=document,s=w.intercomSettings,ic=w.Intercom,k;d.cookie="intercom_calls_abc12345=; Max-Age=0; path=/; SameSite=Lax";if(`) {
				t.Errorf("the loader does not delete the calls cookie before booting: %s", rest)
			}
		})
	}
	wantReports(t, rec.messages(), nil)
}

// TestCallsSnippetExact pins a whole snippet with calls (data-turbo-temporary),
// in order, with a nonce and after a logout.
func TestCallsSnippetExact(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	calls := []intercom.Call{
		mustCall(t, m, "trackEvent", "checkout-completed", map[string]any{"order": 42}),
		{}, // the zero Call renders nothing
		mustCall(t, m, "showNewMessage", "Need help?"),
		mustCall(t, m, "startTour", 123),
	}
	q := `[["trackEvent","checkout-completed",{"order":42}],["showNewMessage","Need help?"],["startTour","123"]]`
	clear := `d.cookie="intercom_calls_abc12345=; Max-Age=0; path=/; SameSite=Lax";`
	want := `<script id="IntercomSettingsScriptTag" data-turbo-temporary>window.intercomSettings=` + anonSettings +
		strings.Replace(strings.Replace(wantLoader, `var q=[]`, `var q=`+q, 1), `ic=w.Intercom,k;`, `ic=w.Intercom,k;`+clear, 1)
	if got := string(m.Render(intercom.Visitor{Calls: calls})); got != want {
		t.Errorf("Render:\n got %s\nwant %s", got, want)
	}
	got := string(m.Render(intercom.Visitor{Calls: calls, Shutdown: true, Nonce: "YWJjZA=="}))
	for _, part := range []string{`<script id="IntercomSettingsScriptTag" data-turbo-temporary nonce="YWJjZA==">`, `var q=` + q + `,w=`, `k;` + clear + `d.cookie="intercom_shutdown=`, `ic("shutdown");ic("boot",s)`, `e.setAttribute("nonce","YWJjZA==")`} {
		if !strings.Contains(got, part) {
			t.Errorf("snippet after logout lacks %s:\n%s", part, got)
		}
	}
	// Only zero Calls: nothing to run, no cookie to delete, nothing for
	// Turbo to leave out of its cache.
	want = `<script id="IntercomSettingsScriptTag">window.intercomSettings=` + anonSettings + wantLoader
	if got := string(m.Render(intercom.Visitor{Calls: []intercom.Call{{}, {}}})); got != want {
		t.Errorf("zero Calls:\n got %s\nwant %s", got, want)
	}
	if js, _ := (intercom.Call{}).MarshalJSON(); string(js) != "null" {
		t.Errorf("zero Call MarshalJSON = %s, want null", js)
	}
}

func TestCallsInternalAndDisabled(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345", InternalIPs: []string{"10.0.0.0/8"}})
	c := mustCall(t, m, "trackEvent", "staff-only")
	out := string(m.Render(intercom.Visitor{ClientIP: "10.1.2.3", Calls: []intercom.Call{c}}))
	const open, end = "<!-- Intercom disabled on internal IP address\n", "\n-->"
	inner, ok1 := strings.CutPrefix(out, open)
	inner, ok2 := strings.CutSuffix(inner, end)
	if !ok1 || !ok2 || strings.Contains(inner, "-->") {
		t.Fatalf("an internal visitor's calls are not inside the comment: %s", out)
	}
	if got, _ := callsOf(t, inner); got != `[["trackEvent","staff-only"]]` {
		t.Errorf("calls %s", got)
	}
	off, _ := newMessenger(t, intercom.Config{})
	if got := off.Render(intercom.Visitor{Calls: []intercom.Call{c}}); got != "" {
		t.Errorf("disabled Messenger rendered %q", got)
	}
	if _, err := off.Call("show"); err != nil {
		t.Errorf("a disabled Messenger still validates calls: %v", err)
	}
}

func TestCallRejected(t *testing.T) {
	m, rec := newMessenger(t, intercom.Config{AppID: "abc12345"})
	type cyclic map[string]any
	cycle := cyclic{}
	cycle["self"] = cycle
	long := strings.Repeat("x", 2100)
	tests := []struct {
		method string
		args   []any
		reason string
	}{
		{"boot", []any{map[string]any{}}, "not a Messenger method a page can be asked to call"},
		{"shutdown", nil, "not a Messenger method a page can be asked to call"},
		{"update", nil, "not a Messenger method a page can be asked to call"},
		{"onShow", nil, "not a Messenger method a page can be asked to call"},
		{"TrackEvent", []any{"x"}, "not a Messenger method a page can be asked to call"},
		{"", nil, "not a Messenger method a page can be asked to call"},
		{"constructor", nil, "not a Messenger method a page can be asked to call"},
		{"trackEvent", nil, "takes an event name and optional metadata, got 0 arguments"},
		{"trackEvent", []any{"a", nil, nil}, "takes an event name and optional metadata, got 3 arguments"},
		{"trackEvent", []any{42}, "the event name is a int, want a string"},
		{"trackEvent", []any{""}, "want an event name of 1 to 255 bytes"},
		{"trackEvent", []any{strings.Repeat("e", 256)}, "want an event name of 1 to 255 bytes"},
		{"trackEvent", []any{"bad \xff utf8"}, "the event name is not valid UTF-8"},
		{"trackEvent", []any{"line\nbreak"}, "control characters are not allowed in an event name"},
		{"trackEvent", []any{"nul\x00"}, "control characters are not allowed in an event name"},
		{"trackEvent", []any{"c1\u0085"}, "control characters are not allowed in an event name"},
		{"trackEvent", []any{"e", "a string"}, `metadata must encode as a JSON object, not "a string"`},
		{"trackEvent", []any{"e", []any{1, 2}}, "metadata must encode as a JSON object, not [1,2]"},
		{"trackEvent", []any{"e", 42}, "metadata must encode as a JSON object, not 42"},
		{"trackEvent", []any{"e", map[string]any{"f": func() {}}}, "metadata: "},
		{"trackEvent", []any{"e", map[string]any{"nan": math.NaN()}}, "metadata: "},
		{"trackEvent", []any{"e", map[string]any{"__proto__": map[string]any{"admin": true}}}, "metadata: "},
		{"trackEvent", []any{"e", cycle}, "metadata: "},
		{"trackEvent", []any{"e", map[string]any{"big": long}}, "longer than 2048 bytes encoded"},
		{"showNewMessage", []any{long}, "longer than 2048 bytes encoded"},
		{"showNewMessage", []any{"a", "b"}, "takes an optional message text, got 2 arguments"},
		{"showNewMessage", []any{42}, "the message text is a int, want a string"},
		{"showSpace", []any{"settings"}, `takes one space name: "home", "messages", "help", "news", "tasks" or "tickets"`},
		{"showSpace", []any{"Help"}, `takes one space name: "home", "messages", "help", "news", "tasks" or "tickets"`},
		{"showSpace", nil, `takes one space name: "home", "messages", "help", "news", "tasks" or "tickets"`},
		{"showArticle", nil, "takes one id, got 0 arguments"},
		{"showArticle", []any{"1", "2"}, "takes one id, got 2 arguments"},
		{"showArticle", []any{""}, "want an id of 1 to 64 bytes"},
		{"showArticle", []any{strings.Repeat("9", 65)}, "want an id of 1 to 64 bytes"},
		{"showArticle", []any{`1");alert("x`}, "an id is ASCII letters, digits, '-' and '_'"},
		{"showArticle", []any{"12 34"}, "an id is ASCII letters, digits, '-' and '_'"},
		{"startTour", []any{-1}, "want a non-negative id, got -1"},
		{"startTour", []any{int64(math.MinInt64)}, "want a non-negative id, got -9223372036854775808"},
		{"startTour", []any{1.5}, "the id is a float64, want a string or an integer"},
		{"startTour", []any{nil}, "the id is a <nil>, want a string or an integer"},
		{"show", []any{true}, "takes no arguments, got 1"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.reason, func(t *testing.T) {
			c, err := m.Call(tt.method, tt.args...)
			var ce *intercom.CallError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *intercom.CallError", err)
			}
			if ce.Method != tt.method || !strings.HasPrefix(ce.Reason, tt.reason) || (!strings.HasSuffix(tt.reason, ": ") && ce.Reason != tt.reason) {
				t.Errorf("error %+v, want method %q, reason %q", *ce, tt.method, tt.reason)
			}
			if js, _ := c.MarshalJSON(); string(js) != "null" {
				t.Errorf("a rejected call is not the zero Call: %s", js)
			}
		})
	}
	wantReports(t, rec.messages(), nil)
}

func TestCallErrorMessage(t *testing.T) {
	tests := []struct {
		err  intercom.CallError
		want string
	}{
		{intercom.CallError{Method: "startTour", Reason: "takes one id, got 0 arguments"}, `intercom: Messenger call "startTour" dropped: takes one id, got 0 arguments`},
		{intercom.CallError{Method: "</script>\n", Reason: "r"}, `intercom: Messenger call "</script>\n" dropped: r`},
		{intercom.CallError{Method: strings.Repeat("m", 100), Reason: "r"}, `intercom: Messenger call "` + strings.Repeat("m", 64) + `..." dropped: r`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %s, want %s", got, tt.want)
		}
	}
}

// TestCallsHostileData: strings that could end the script element, a
// comment, a JavaScript string or template literal stay data, and decode
// back exactly.
func TestCallsHostileData(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345", InternalIPs: []string{"10.0.0.0/8"}})
	hostile := []string{`</script><script>alert(1)</script>`, "<!-- x -->", "--!>", `"]);alert(1);//`, "'`${alert(1)}`'", "\u2028\u2029", "a&b", `\`, "</SCRIPT >"}
	for _, h := range hostile {
		calls := []intercom.Call{
			mustCall(t, m, "trackEvent", h, map[string]any{h: h, "nested": []any{h, map[string]any{"k": h}}}),
			mustCall(t, m, "showNewMessage", h),
		}
		for _, ip := range []string{"", "10.0.0.1"} {
			out := string(m.Render(intercom.Visitor{Calls: calls, ClientIP: ip}))
			if ip != "" {
				out = strings.TrimSuffix(strings.TrimPrefix(out, "<!-- Intercom disabled on internal IP address\n"), "\n-->")
			}
			if _, _, _, err := parseSnippet(out); err != nil {
				t.Fatalf("%q: %v: %s", h, err, out)
			}
			if strings.ContainsAny(out, "'`") {
				t.Errorf("%q: a quote or backtick in the snippet: %s", h, out)
			}
			js, _ := callsOf(t, out)
			var got []any
			if err := json.Unmarshal([]byte(js), &got); err != nil {
				t.Fatal(err)
			}
			want := []any{
				[]any{"trackEvent", h, map[string]any{h: h, "nested": []any{h, map[string]any{"k": h}}}},
				[]any{"showNewMessage", h},
			}
			if !jsonEqual(got, want) {
				t.Errorf("%q: calls decode to %v, want %v", h, got, want)
			}
		}
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// FuzzCalls: whatever the event name, metadata and message, the snippet is
// one intact script element whose calls decode to what was queued, or the
// call is rejected with a CallError.
func FuzzCalls(f *testing.F) {
	for _, s := range []string{"</script>", "<!--", "-->", "--!>", "\u2028", "\xff", "\"]);alert(1)//", "\\", "`${x}`", "'", "__proto__", "", "\x00"} {
		f.Add(s, s, s, s)
		f.Add("event", "k"+s, s, "text"+s)
	}
	m, _ := newMessenger(f, intercom.Config{AppID: "abc12345", InternalIPs: []string{"10.0.0.0/8"}})
	f.Fuzz(func(t *testing.T, name, key, value, text string) {
		var calls []intercom.Call
		var want []any
		ev, err := m.Call("trackEvent", name, map[string]any{key: value})
		if err == nil {
			calls = append(calls, ev)
			want = append(want, []any{"trackEvent", name, map[string]any{key: replaceInvalid(value)}})
		} else if !errors.As(err, new(*intercom.CallError)) {
			t.Fatalf("error %T", err)
		} else if utf8.ValidString(name) && name != "" && len(name) <= 255 && !strings.ContainsFunc(name, isControl) &&
			utf8.ValidString(key) && key != "" && key != "__proto__" && len(name)+len(key)+len(value) < 300 {
			t.Fatalf("a valid event rejected: %v", err)
		}
		msg, err := m.Call("showNewMessage", text)
		if err == nil {
			calls = append(calls, msg)
			want = append(want, []any{"showNewMessage", replaceInvalid(text)})
		}
		for _, ip := range []string{"", "10.0.0.1"} {
			out := string(m.Render(intercom.Visitor{Calls: calls, ClientIP: ip}))
			if ip != "" {
				const open, end = "<!-- Intercom disabled on internal IP address\n", "\n-->"
				if !strings.HasPrefix(out, open) || !strings.HasSuffix(out, end) {
					t.Fatalf("not one comment: %q", out)
				}
				out = out[len(open) : len(out)-len(end)]
			}
			if _, _, _, err := parseSnippet(out); err != nil {
				t.Fatalf("%v: %q", err, out)
			}
			if strings.ContainsAny(out, "'`") {
				t.Fatalf("a quote or backtick in the snippet: %q", out)
			}
			js, _ := callsOf(t, out)
			var got []any
			if err := json.Unmarshal([]byte(js), &got); err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 {
				want = []any{}
			}
			if !jsonEqual(got, want) {
				t.Fatalf("calls decode to %v, want %v", got, want)
			}
		}
	})
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }
