package browsertest

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/goanalytical/intercom/core/adapter"
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

// checkSnippet checks that p carries exactly one snippet, whose nonce (on
// the element and on the widget script the loader creates) is the one of the
// response's Content-Security-Policy, and whose settings are want. It
// returns the nonce.
func checkSnippet(t *testing.T, p response, want map[string]any) string {
	t.Helper()
	if p.status != http.StatusOK {
		t.Fatalf("status %d, want 200:\n%s", p.status, p.body)
	}
	nonce := nonceOf(t, p.header.Get("Content-Security-Policy"))
	if n := strings.Count(p.body, `id="`+adapter.SnippetMarker+`"`); n != 1 {
		t.Fatalf("the page has %d snippets, want 1:\n%s", n, p.body)
	}
	for _, s := range []string{
		`<script id="IntercomSettingsScriptTag" nonce="` + nonce + `">`,
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

// RunHTTP checks an example app over HTTP, without a browser: the public
// page carries the snippet for an anonymous visitor, the account page needs
// a sign-in and then identifies the user, the plain page gets the snippet
// by whole-page install, every page's nonce matches its CSP header, and
// logout expires the Messenger's cookies and shuts it down on the next page.
func RunHTTP(t *testing.T, serve Server) {
	users := Users()
	base := serve(t, Config(t), users)
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
			"no credentials":     nil,
			"wrong password":     func(r *http.Request) { r.SetBasicAuth(jane.Login, "wrong") },
			"unknown user":       func(r *http.Request) { r.SetBasicAuth("nobody", "") },
			"another's password": func(r *http.Request) { r.SetBasicAuth(jane.Login, users["joe"].Password) },
		} {
			p := fetch(t, http.MethodGet, base+"/account", edit)
			if p.status != http.StatusUnauthorized {
				t.Errorf("%s: status %d, want 401", name, p.status)
			}
			if !strings.HasPrefix(strings.ToLower(p.header.Get("WWW-Authenticate")), "basic ") {
				t.Errorf("%s: WWW-Authenticate %q, want a basic-auth challenge", name, p.header.Get("WWW-Authenticate"))
			}
			if strings.Contains(p.body, "user_hash") || strings.Contains(p.body, jane.Email) {
				t.Errorf("%s: the 401 page shows the user:\n%s", name, p.body)
			}
		}
	})

	t.Run("account identifies the user", func(t *testing.T) {
		for _, u := range []string{"jane", "joe", Mallory.Login} {
			p := fetch(t, http.MethodGet, base+"/account", func(r *http.Request) { r.SetBasicAuth(u, users[u].Password) })
			checkSnippet(t, p, IdentifiedSettings(users[u]))
		}
	})

	t.Run("whole-page install", func(t *testing.T) {
		p := fetch(t, http.MethodGet, base+"/about", nil)
		checkSnippet(t, p, AnonymousSettings())
		if cl := p.header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(p.body)) {
			t.Errorf("Content-Length %s, body %d bytes", cl, len(p.body))
		}
	})

	t.Run("logout", func(t *testing.T) {
		p := fetch(t, http.MethodPost, base+"/logout", nil)
		if p.status/100 != 3 || p.header.Get("Location") != "/" {
			t.Fatalf("logout: status %d Location %q, want a redirect to /", p.status, p.header.Get("Location"))
		}
		set := map[string]*http.Cookie{}
		for _, c := range (&http.Response{Header: p.header}).Cookies() {
			set[c.Name] = c
		}
		for _, name := range []string{"intercom-session-" + AppID, "intercom-id-" + AppID, "intercom-device-id-" + AppID} {
			if c := set[name]; c == nil || c.MaxAge >= 0 {
				t.Errorf("logout does not expire %s (Set-Cookie: %v)", name, p.header.Values("Set-Cookie"))
			}
		}
		flag := set[adapter.ShutdownCookie]
		if flag == nil || flag.MaxAge <= 0 {
			t.Fatalf("logout does not set %s (Set-Cookie: %v)", adapter.ShutdownCookie, p.header.Values("Set-Cookie"))
		}

		next := fetch(t, http.MethodGet, base+"/", func(r *http.Request) { r.Header.Add("Cookie", flag.Name+"="+flag.Value) })
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
}
