package browsertest

import (
	"encoding/json"
	"html"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/goanalytical/intercom/core/adapter"
	"github.com/goanalytical/intercom/examples/internal/demo"
)

// response is one response of the app under test.
type response struct {
	status int
	header http.Header
	body   string
}

// fetch sends a request to the app without following redirects.
func fetch(t *testing.T, method, url string, edit func(*http.Request)) response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(req)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, url, err)
	}
	return response{resp.StatusCode, resp.Header, string(body)}
}

// checkSnippet checks that p is a 200 page that carries exactly one
// snippet, whose nonce (on the element and on the widget script the loader
// creates) is the one of the response's Content-Security-Policy, and whose
// settings are want. It returns the nonce.
func checkSnippet(t *testing.T, p response, want map[string]any) string {
	t.Helper()
	return checkSnippetStatus(t, p, http.StatusOK, want)
}

// checkSnippetStatus is checkSnippet for a page with the given status.
func checkSnippetStatus(t *testing.T, p response, status int, want map[string]any) string {
	t.Helper()
	if p.status != status {
		t.Fatalf("status %d, want %d:\n%s", p.status, status, p.body)
	}
	nonce := nonceOf(t, p.header.Get("Content-Security-Policy"))
	if n := strings.Count(p.body, `id="`+adapter.SnippetMarker+`"`); n != 1 {
		t.Fatalf("the page has %d snippets, want 1:\n%s", n, p.body)
	}
	open := `<script id="IntercomSettingsScriptTag" nonce="`
	if len(snippetCalls(t, p.body)) != 0 {
		// Turbo must not run the calls again from its copy of the page.
		open = `<script id="IntercomSettingsScriptTag" data-turbo-temporary nonce="`
	}
	for _, s := range []string{
		open + nonce + `">`,
		`e.src="` + WidgetURL + `";e.setAttribute("nonce","` + nonce + `");`,
	} {
		if !strings.Contains(p.body, s) {
			t.Errorf("the page lacks %s; it is:\n%s", s, p.body)
		}
	}
	if i, j := strings.Index(p.body, adapter.SnippetMarker), strings.LastIndex(strings.ToLower(p.body), "</body>"); j < 0 || i > j {
		t.Errorf("the snippet is not inside the body:\n%s", p.body)
	}
	equalJSON(t, "window.intercomSettings", snippetSettings(t, p.body), want)
	for _, bad := range []string{ScriptPayload, "<img src=x"} {
		if strings.Contains(p.body, bad) {
			t.Errorf("the page contains %q unescaped:\n%s", bad, p.body)
		}
	}
	return nonce
}

// cookies returns the cookies a response sets, by name.
func (p response) cookies() map[string]*http.Cookie {
	set := map[string]*http.Cookie{}
	for _, c := range (&http.Response{Header: p.header}).Cookies() {
		set[c.Name] = c
	}
	return set
}

// withCookies returns a request edit that sends the cookies (their names
// and values).
func withCookies(cs ...*http.Cookie) func(*http.Request) {
	return func(r *http.Request) {
		for _, c := range cs {
			r.Header.Add("Cookie", c.Name+"="+c.Value)
		}
	}
}

// withCookie returns a request edit that sends the cookie name=value.
func withCookie(name, value string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Add("Cookie", name+"="+value) }
}

// postForm returns a request edit that sends form as the body.
func postForm(form url.Values) func(*http.Request) {
	return func(r *http.Request) {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		body := form.Encode()
		r.Body = io.NopCloser(strings.NewReader(body))
		r.ContentLength = int64(len(body))
	}
}

// signIn signs u in through the sign-in form and returns the session
// cookie.
func signIn(t *testing.T, base string, u demo.User) *http.Cookie {
	t.Helper()
	p := fetch(t, http.MethodPost, base+"/login", postForm(url.Values{"login": {u.Login}, "password": {u.Password}}))
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/account" {
		t.Fatalf("signing %s in: status %d Location %q, want 303 to /account:\n%s", u.Login, p.status, p.header.Get("Location"), p.body)
	}
	c := p.cookies()[demo.SessionCookie]
	if c == nil || c.Value == "" || !c.HttpOnly {
		t.Fatalf("signing %s in set no HttpOnly %s cookie: %v", u.Login, demo.SessionCookie, p.header.Values("Set-Cookie"))
	}
	return c
}

// RunHTTP checks an example app over HTTP, without a browser: the home page
// carries the snippet for an anonymous visitor and, once signed in, for the
// user; the account page needs a sign-in and then identifies the user with
// custom data; the plain page gets the snippet by whole-page install; every
// page's nonce matches its CSP header; the settings endpoint answers the
// same settings as JSON; logout expires the Messenger's cookies and shuts it
// down on the next page; and the demo's own endpoints work.
func RunHTTP(t *testing.T, serve Server) {
	users := Users()
	base := start(t, serve, func(string) demo.Setup { return demo.Setup{Intercom: Config(t), Users: users} })
	jane := users["jane"]

	t.Run("public page", func(t *testing.T) {
		n1 := checkSnippet(t, fetch(t, http.MethodGet, base+"/", nil), AnonymousSettings())
		n2 := checkSnippet(t, fetch(t, http.MethodGet, base+"/", nil), AnonymousSettings())
		if n1 == n2 {
			t.Errorf("two responses share the nonce %q", n1)
		}
	})

	t.Run("account needs a sign-in", func(t *testing.T) {
		for name, edit := range map[string]func(*http.Request){
			"no session":     nil,
			"forged session": withCookie(demo.SessionCookie, "jane.forged"),
			"bare login":     withCookie(demo.SessionCookie, "jane"),
		} {
			p := fetch(t, http.MethodGet, base+"/account", edit)
			if p.status != http.StatusSeeOther || p.header.Get("Location") != "/" {
				t.Errorf("%s: status %d Location %q, want 303 to the sign-in form at /", name, p.status, p.header.Get("Location"))
			}
		}
		for name, form := range map[string]url.Values{
			"wrong password":     {"login": {jane.Login}, "password": {"wrong"}},
			"unknown user":       {"login": {"nobody"}, "password": {""}},
			"another's password": {"login": {jane.Login}, "password": {users["joe"].Password}},
			"no form":            {},
		} {
			p := fetch(t, http.MethodPost, base+"/login", postForm(form))
			// 422, so that Turbo and htmx render the form again.
			checkSnippetStatus(t, p, http.StatusUnprocessableEntity, AnonymousSettings())
			if c := p.cookies()[demo.SessionCookie]; c != nil {
				t.Errorf("%s: a failed sign-in sets %s", name, c)
			}
			if !strings.Contains(p.body, "Wrong login or password.") {
				t.Errorf("%s: the page does not say the sign-in failed:\n%s", name, p.body)
			}
		}
	})

	t.Run("signed in, the pages identify the user", func(t *testing.T) {
		for _, u := range []string{"jane", "joe", Mallory.Login} {
			session := signIn(t, base, users[u])
			checkSnippet(t, fetch(t, http.MethodGet, base+"/account", withCookies(session)), IdentifiedSettings(users[u]))
			home := fetch(t, http.MethodGet, base+"/", withCookies(session))
			checkSnippet(t, home, UserSettings(users[u]))
			if want := "Signed in as <strong>" + template.HTMLEscapeString(users[u].Name) + "</strong>"; !strings.Contains(home.body, want) {
				t.Errorf("the home page of %s does not say %s:\n%s", u, want, home.body)
			}
		}
	})

	t.Run("whole-page install", func(t *testing.T) {
		p := fetch(t, http.MethodGet, base+"/about", nil)
		checkSnippet(t, p, AnonymousSettings())
		if cl := p.header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(p.body)) {
			t.Errorf("Content-Length %s, body %d bytes", cl, len(p.body))
		}
	})

	t.Run("settings endpoint", func(t *testing.T) {
		for name, c := range map[string]struct {
			edit func(*http.Request)
			want map[string]any
		}{
			"anonymous": {nil, AnonymousSettings()},
			"signed in": {withCookies(signIn(t, base, jane)), UserSettings(jane)},
		} {
			p := fetch(t, http.MethodGet, base+"/intercom/settings", c.edit)
			if p.status != http.StatusOK || !strings.HasPrefix(p.header.Get("Content-Type"), "application/json") ||
				p.header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s: status %d, Content-Type %q, Cache-Control %q; want 200, application/json, no-store",
					name, p.status, p.header.Get("Content-Type"), p.header.Get("Cache-Control"))
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(p.body), &got); err != nil {
				t.Fatalf("%s: %v:\n%s", name, err, p.body)
			}
			equalJSON(t, name+": /intercom/settings", got, c.want)
		}
	})

	t.Run("single-page demo", func(t *testing.T) {
		p := fetch(t, http.MethodGet, base+"/spa", nil)
		if p.status != http.StatusOK {
			t.Fatalf("status %d:\n%s", p.status, p.body)
		}
		nonce := nonceOf(t, p.header.Get("Content-Security-Policy"))
		if strings.Contains(p.body, adapter.SnippetMarker) {
			t.Errorf("the single-page demo renders the snippet; it boots from /intercom/settings:\n%s", p.body)
		}
		// (html/template writes the nonce's + as &#43;, the same attribute value.)
		if want := `<script src="/demo/spa.js" nonce="` + nonce + `"`; !strings.Contains(html.UnescapeString(p.body), want) {
			t.Errorf("the page lacks %s:\n%s", want, p.body)
		}
	})

	t.Run("logout", func(t *testing.T) {
		p := fetch(t, http.MethodPost, base+"/logout", withCookies(signIn(t, base, jane)))
		if p.status != http.StatusSeeOther || p.header.Get("Location") != "/" {
			t.Fatalf("logout: status %d Location %q, want 303 to /", p.status, p.header.Get("Location"))
		}
		set := p.cookies()
		for _, name := range []string{"intercom-session-" + AppID, "intercom-id-" + AppID, "intercom-device-id-" + AppID, demo.SessionCookie} {
			if c := set[name]; c == nil || c.MaxAge >= 0 {
				t.Errorf("logout does not expire %s (Set-Cookie: %v)", name, p.header.Values("Set-Cookie"))
			}
		}
		flag := set[adapter.ShutdownCookie]
		if flag == nil || flag.MaxAge <= 0 {
			t.Fatalf("logout does not set %s (Set-Cookie: %v)", adapter.ShutdownCookie, p.header.Values("Set-Cookie"))
		}

		next := fetch(t, http.MethodGet, base+"/", withCookies(flag))
		checkSnippet(t, next, AnonymousSettings())
		if !strings.Contains(next.body, `i("shutdown");i("boot",s);`) {
			t.Errorf("the page after logout does not queue shutdown before boot:\n%s", next.body)
		}
		// Whether the flag is gone after that page (cleared by the response
		// or by the page's script) is for the browser test: it has a cookie jar.
		if again := fetch(t, http.MethodGet, base+"/", nil); strings.Contains(again.body, `"shutdown"`) {
			t.Errorf("a page without the flag shuts the Messenger down")
		}
	})

	t.Run("an order's calls ride the redirect", func(t *testing.T) {
		p := fetch(t, http.MethodPost, base+"/order", nil)
		if p.status != http.StatusSeeOther || p.header.Get("Location") != "/" {
			t.Fatalf("POST /order: status %d Location %q, want 303 to /", p.status, p.header.Get("Location"))
		}
		name := adapter.CallsCookiePrefix + AppID
		calls := p.cookies()[name]
		if calls == nil || calls.MaxAge <= 0 {
			t.Fatalf("POST /order does not set %s (Set-Cookie: %v)", name, p.header.Values("Set-Cookie"))
		}
		want := []any{[]any{"trackEvent", demo.OrderEvent, demo.OrderMetadata()}, []any{"showNewMessage", demo.OrderMessage}}
		next := fetch(t, http.MethodGet, base+"/", withCookies(calls))
		checkSnippet(t, next, AnonymousSettings())
		equalJSON(t, "the calls the page runs", snippetCalls(t, next.body), want)
		if c := next.cookies()[name]; c == nil || c.MaxAge >= 0 {
			t.Errorf("the page that runs the calls does not expire %s (Set-Cookie: %v)", name, next.header.Values("Set-Cookie"))
		}
		equalJSON(t, "the calls of a page without the cookie", snippetCalls(t, fetch(t, http.MethodGet, base+"/", nil).body), []any{})
	})

	t.Run("demo endpoints", func(t *testing.T) {
		js := fetch(t, http.MethodGet, base+demo.StandInPath, nil)
		if js.status != http.StatusOK || !strings.HasPrefix(js.header.Get("Content-Type"), "text/javascript") ||
			!strings.Contains(js.body, "window.__intercomStandIn") {
			t.Errorf("%s: status %d, Content-Type %q", demo.StandInPath, js.status, js.header.Get("Content-Type"))
		}
		hash := UserSettings(jane)["user_hash"].(string)
		for _, c := range []struct{ body, want string }{
			{`{"user_id":"1001","email":"jane@example.com","user_hash":"` + hash + `"}`, `{"verified":true,"subject":"user_id"}`},
			{`{"user_id":"1002","user_hash":"` + hash + `"}`, `{"verified":false,"subject":"user_id"}`},
			{`{"email":"jane@example.com","user_hash":"` + hash + `"}`, `{"verified":false,"subject":"email"}`},
			{`{"user_id":"1001","user_hash":"not hex"}`, `{"verified":false,"subject":"user_id"}`},
			{`{"user_hash":"` + hash + `"}`, `{"verified":false,"reason":"neither user_id nor email was sent"}`},
		} {
			p := fetch(t, http.MethodPost, base+demo.VerifyPath, func(r *http.Request) {
				r.Header.Set("Content-Type", "application/json")
				r.Body = io.NopCloser(strings.NewReader(c.body))
			})
			if p.status != http.StatusOK || strings.TrimSpace(p.body) != c.want {
				t.Errorf("POST %s %s: status %d %s, want 200 %s", demo.VerifyPath, c.body, p.status, p.body, c.want)
			}
		}
		nav := fetch(t, http.MethodGet, base+"/demo/nav?to=turbo", func(r *http.Request) { r.Header.Set("Referer", base+"/account") })
		if c := nav.cookies()[demo.NavCookie]; nav.status != http.StatusSeeOther || nav.header.Get("Location") != "/account" ||
			c == nil || c.Value != demo.NavTurbo {
			t.Errorf("/demo/nav?to=turbo: status %d Location %q Set-Cookie %v; want 303 back to /account and %s=turbo",
				nav.status, nav.header.Get("Location"), nav.header.Values("Set-Cookie"), demo.NavCookie)
		}
	})
}
