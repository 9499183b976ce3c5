package conformance_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/goanalytical/intercom/conformance"
	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
	"golang.org/x/net/html"
)

// FuzzCallsCookie: whatever a calls cookie holds (as sent, or as the JSON
// inside base64url), the page the kit renders for it has exactly one script
// element, the snippet, as an HTML tokenizer sees it, inside the
// internal-IP comment too; and the calls it runs are allowed methods with
// plain-data arguments.
func FuzzCallsCookie(f *testing.F) {
	for _, s := range []string{
		`[["show"]]`, `[["boot",{"app_id":"x"}]]`, `[["showNewMessage","</script><script>alert(1)</script>"]]`,
		`[["trackEvent","e",{"k":"<!--","v":"-->","__proto__":{}}]]`, `[["trackEvent","e",{"a":[1,{"b":"\u2028"}]}]]`,
		`[["startTour","1\");alert(1);//"]]`, `[["showSpace","help"],["hide"]]`, `[["show"],`, `"]);alert(1);//`, "\xff",
	} {
		f.Add(s, true, false)
		f.Add(s, false, true)
	}
	ok, _ := intercom.New(intercom.Config{AppID: conformance.AppID, InternalIPs: []string{"10.0.0.0/8"}, ErrorHandler: func(error) {}})
	mw := adapter.NewMiddleware("fuzz", ok, adapter.Hooks[*http.Request]{
		ClientIP: func(r *http.Request) string { return r.Header.Get("X-Client") },
	}.WithRequestCookies(func(r *http.Request) *http.Request { return r }, func(*http.Request) http.Header { return http.Header{} }))
	allowed := map[string]bool{"trackEvent": true, "showNewMessage": true, "showSpace": true, "showArticle": true, "startTour": true,
		"startSurvey": true, "startChecklist": true, "showTicket": true, "showConversation": true, "showNews": true,
		"show": true, "hide": true, "showMessages": true}
	f.Fuzz(func(t *testing.T, value string, encode, internal bool) {
		if encode {
			value = base64.RawURLEncoding.EncodeToString([]byte(value))
		}
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Cookie", adapter.CallsCookiePrefix+conformance.AppID+"="+value)
		if internal {
			r.Header.Set("X-Client", "10.1.2.3")
		}
		req := mw.Start(r)
		_ = req.Call("trackEvent", value, map[string]any{value: value})
		page := "<!DOCTYPE html><html><body><p>x</p>" + string(req.Snippet()) + "</body></html>"

		s, err := conformance.FindSnippet([]byte(page))
		if err != nil {
			t.Fatalf("%v\npage: %q", err, page)
		}
		if s.Internal != internal {
			t.Fatalf("Internal = %v", s.Internal)
		}
		if strings.Count(strings.ToLower(s.Raw), "</script") != 1 {
			t.Fatalf("the snippet holds </script more than once: %q", s.Raw)
		}
		for _, c := range s.Calls {
			call, isArray := c.([]any)
			if !isArray || len(call) == 0 {
				t.Fatalf("a call that is not [method, args...]: %v", c)
			}
			if m, _ := call[0].(string); !allowed[m] {
				t.Fatalf("a call of %v ran", call[0])
			}
			for _, a := range call[1:] {
				switch a.(type) {
				case string, map[string]any:
				default:
					t.Fatalf("an argument of type %T in %v", a, call)
				}
			}
		}
		if n := countScripts(t, page, internal); n != 1 {
			t.Fatalf("%d script elements, want 1; page: %q", n, page)
		}
	})
}

// countScripts counts the script start tags an HTML tokenizer finds in page,
// inside comments too (the internal-IP comment holds the snippet).
func countScripts(t *testing.T, page string, internal bool) int {
	t.Helper()
	n := 0
	z := html.NewTokenizer(strings.NewReader(page))
	for {
		switch z.Next() {
		case html.ErrorToken:
			if !errors.Is(z.Err(), io.EOF) {
				t.Fatal(z.Err())
			}
			return n
		case html.StartTagToken, html.SelfClosingTagToken:
			if name, _ := z.TagName(); bytes.Equal(name, []byte("script")) {
				n++
			}
		case html.CommentToken:
			if !internal {
				t.Fatalf("a comment in a page that has none: %q", z.Raw())
			}
			n += countScripts(t, string(z.Text()), false)
		}
	}
}
