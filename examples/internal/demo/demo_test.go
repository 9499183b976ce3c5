package demo

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSessions(t *testing.T) {
	s := NewSite("test", Setup{Users: DefaultUsers()})
	other := NewSite("test", Setup{Users: DefaultUsers()}) // another key
	setCookie, ok := s.SignIn("jane", "jane-demo")
	if !ok {
		t.Fatal("jane / jane-demo does not sign in")
	}
	c, err := http.ParseSetCookie(setCookie)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != SessionCookie || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
		t.Errorf("the session cookie is %s", setCookie)
	}
	login, mac, _ := strings.Cut(c.Value, ".")
	for _, tc := range []struct{ name, value, want string }{
		{"its own", c.Value, "jane"},
		{"another site's", othersValue(t, other), ""},
		{"another login with jane's mac", "joe." + mac, ""},
		{"no mac", login, ""},
		{"an empty mac", login + ".", ""},
		{"empty", "", ""},
		{"an unknown user", "nobody." + mac, ""},
	} {
		if got := s.Login(tc.value); got != tc.want {
			t.Errorf("%s: Login(%q) = %q, want %q", tc.name, tc.value, got, tc.want)
		}
	}
	for _, pw := range []string{"", "jane", "joe-demo", "jane-demo "} {
		if v, ok := s.SignIn("jane", pw); ok || v != "" {
			t.Errorf("jane signs in with %q: %q", pw, v)
		}
	}
	if out, _ := http.ParseSetCookie(s.SignOut()); out == nil || out.Name != SessionCookie || out.MaxAge >= 0 {
		t.Errorf("SignOut() = %q, want the session cookie expired", s.SignOut())
	}
}

// othersValue returns the session cookie value another site signs jane in with.
func othersValue(t *testing.T, other *Site) string {
	v, _ := other.SignIn("jane", "jane-demo")
	c, err := http.ParseSetCookie(v)
	if err != nil {
		t.Fatal(err)
	}
	return c.Value
}

func TestSetNav(t *testing.T) {
	h := NewSite("test", Setup{Users: DefaultUsers()}).Assets()
	for _, c := range []struct{ to, referer, wantMode, wantBack string }{
		{"turbo", "http://example.com/account", NavTurbo, "/account"},
		{"htmx", "http://example.com/", NavHTMX, "/"},
		{"plain", "", NavPlain, "/"},
		{"bogus", "http://example.com/about", NavPlain, "/about"},
		{"turbo", "http://evil.example/account", NavTurbo, "/"},
		{"turbo", "http://example.com//evil.example/x", NavTurbo, "/"},
		{"turbo", "http://example.com/demo/nav?to=htmx", NavTurbo, "/"},
	} {
		r := httptest.NewRequest(http.MethodGet, "http://example.com/demo/nav?to="+c.to, nil)
		if c.referer != "" {
			r.Header.Set("Referer", c.referer)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		cookie, _ := http.ParseSetCookie(w.Header().Get("Set-Cookie"))
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != c.wantBack || cookie == nil || cookie.Value != c.wantMode {
			t.Errorf("to=%s from %q: %d, Location %q, Set-Cookie %q; want 303 to %q and %s=%s",
				c.to, c.referer, w.Code, w.Header().Get("Location"), w.Header().Get("Set-Cookie"), c.wantBack, NavCookie, c.wantMode)
		}
	}
}

func TestVerifyWithoutSecret(t *testing.T) {
	h := NewSite("test", Setup{Users: DefaultUsers()}).Assets()
	for _, c := range []struct {
		body       string
		status     int
		wantAnswer string
	}{
		{`{"user_id":"1","user_hash":"00"}`, http.StatusOK, `{"verified":false,"reason":"the app has no identity verification secret"}`},
		{`not json`, http.StatusBadRequest, ""},
		{`{"user_id":"` + strings.Repeat("x", 9<<10) + `"}`, http.StatusBadRequest, ""},
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, VerifyPath, strings.NewReader(c.body)))
		if w.Code != c.status || (c.wantAnswer != "" && strings.TrimSpace(w.Body.String()) != c.wantAnswer) {
			t.Errorf("POST %.40s: %d %s, want %d %s", c.body, w.Code, w.Body, c.status, c.wantAnswer)
		}
	}
}

func TestLoad(t *testing.T) {
	for _, c := range []struct {
		name                            string
		env                             map[string]string
		wantApp, wantSecret, wantWidget string
		wantSays                        []string
		libs                            bool // the npm cache holds Turbo and htmx
	}{
		{"no set-up", nil, AppID, Secret, "http://localhost:8080" + StandInPath,
			[]string{"DEMO app id", "stand-in Messenger", "public DEMO secret"}, false},
		{"another port", map[string]string{"PORT": "9999"}, AppID, Secret, "http://localhost:9999" + StandInPath, nil, false},
		{"a widget mirror of one's own", map[string]string{"INTERCOM_WIDGET_URL": "https://mirror.example/w.js"}, AppID, Secret,
			"https://mirror.example/w.js", nil, false},
		{"a workspace", map[string]string{"INTERCOM_APP_ID": "abc12345"}, "abc12345", "", "",
			[]string{"no identity verification"}, false},
		{"a workspace and its secret", map[string]string{"INTERCOM_APP_ID": "abc12345", "INTERCOM_HMAC_SECRET_KEY": "s3cret"},
			"abc12345", "s3cret", "", nil, false},
		{"local Turbo and htmx", nil, AppID, Secret, "http://localhost:8080" + StandInPath, []string{"the local copies in"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, k := range []string{"INTERCOM_APP_ID", "INTERCOM_HMAC_SECRET_KEY", "INTERCOM_WIDGET_URL", "PORT"} {
				t.Setenv(k, c.env[k])
			}
			cache := t.TempDir()
			t.Setenv(LibCacheEnv, cache)
			if c.libs {
				for _, l := range Libraries() {
					if err := os.MkdirAll(filepath.Dir(l.Path(cache)), 0o750); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(l.Path(cache), []byte("//"), 0o600); err != nil {
						t.Fatal(err)
					}
				}
			}
			var out bytes.Buffer
			s, err := Load(&out)
			if err != nil {
				t.Fatal(err)
			}
			if s.Intercom.AppID != c.wantApp || s.Intercom.HMACSecret != c.wantSecret || s.Intercom.WidgetURL != c.wantWidget {
				t.Errorf("app id %q, secret set %v, widget %q; want %q, %v, %q", s.Intercom.AppID, s.Intercom.HMACSecret != "",
					s.Intercom.WidgetURL, c.wantApp, c.wantSecret != "", c.wantWidget)
			}
			for _, w := range c.wantSays {
				if !strings.Contains(out.String(), w) {
					t.Errorf("Load says %q, want it to mention %q", out.String(), w)
				}
			}
			if c.wantSecret != "" && c.wantSecret != Secret && strings.Contains(out.String(), c.wantSecret) {
				t.Errorf("Load printed the secret")
			}
			if want := map[bool]string{true: cache}[c.libs]; s.LibDir != want {
				t.Errorf("LibDir %q, want %q", s.LibDir, want)
			}
			if !c.libs && !strings.Contains(out.String(), "cdn.jsdelivr.net") {
				t.Errorf("Load does not say where Turbo and htmx come from: %q", out.String())
			}
			if got := NewSite("t", s).StandIn(); got != (c.wantWidget != "" && strings.HasSuffix(c.wantWidget, StandInPath)) {
				t.Errorf("StandIn() = %v", got)
			}
		})
	}
}
