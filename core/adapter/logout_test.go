package adapter_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

const (
	expired      = "; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0"
	flagCookie   = "intercom_shutdown=1; Path=/; Max-Age=600; SameSite=Lax"
	doneCookie   = "intercom_shutdown=; Path=/" + expired + "; SameSite=Lax"
	shutdownCall = `i("shutdown");i("boot",s);`
)

func TestShutdownCookieName(t *testing.T) {
	if adapter.ShutdownCookie != "intercom_shutdown" {
		t.Errorf("ShutdownCookie = %q", adapter.ShutdownCookie)
	}
}

func TestShutdown(t *testing.T) {
	const domain = "; Path=/; Domain=example.com" + expired
	tests := []struct {
		name     string
		cfg      intercom.Config
		hooks    func(h *adapter.Hooks[*ctx])
		cookies  []string // the request's
		want     []string // the response's Set-Cookie values, in order
		after    []string // and those the snippet rendered next adds
		reports  []string // hooks reported as panicking
		shutdown bool     // the snippet on this response shuts down
	}{
		{
			name:    "the Messenger's cookies, the request's other intercom-* cookies of this app, and the flag",
			cfg:     intercom.Config{AppID: "abc12345", CookieDomain: ".example.com"},
			cookies: []string{"session", "intercom-session-abc12345", "intercom-custom-abc12345", "intercom-id-other1", "intercom_shutdown", "xintercom-x-abc12345"},
			want: []string{
				"intercom-session-abc12345=" + domain,
				"intercom-id-abc12345=" + domain,
				"intercom-device-id-abc12345=" + domain,
				"intercom-custom-abc12345=" + domain,
				flagCookie,
			},
			// The request carried a flag of an earlier logout: the snippet,
			// which shuts down itself, clears it.
			after:    []string{doneCookie},
			shutdown: true,
		},
		{
			name: "without a cookie domain",
			cfg:  intercom.Config{AppID: "abc12345"},
			want: []string{
				"intercom-session-abc12345=; Path=/" + expired,
				"intercom-id-abc12345=; Path=/" + expired,
				"intercom-device-id-abc12345=; Path=/" + expired,
				flagCookie,
			},
			shutdown: true,
		},
		{
			name:  "without a CookieNames hook",
			cfg:   intercom.Config{AppID: "abc12345", CookieDomain: "example.com"},
			hooks: func(h *adapter.Hooks[*ctx]) { h.CookieNames = nil },
			// The request's extra cookie goes unseen.
			cookies: []string{"intercom-custom-abc12345"},
			want: []string{
				"intercom-session-abc12345=" + domain,
				"intercom-id-abc12345=" + domain,
				"intercom-device-id-abc12345=" + domain,
				flagCookie,
			},
			shutdown: true,
		},
		{
			name:    "a panicking CookieNames hook: the Messenger's own cookies still go",
			cfg:     intercom.Config{AppID: "abc12345"},
			hooks:   func(h *adapter.Hooks[*ctx]) { h.CookieNames = func(*ctx) []string { panic("x") } },
			cookies: []string{"intercom-custom-abc12345"},
			want: []string{
				"intercom-session-abc12345=; Path=/" + expired,
				"intercom-id-abc12345=; Path=/" + expired,
				"intercom-device-id-abc12345=; Path=/" + expired,
				flagCookie,
			},
			reports:  []string{"CookieNames"},
			shutdown: true,
		},
		{
			name:    "a skipped request still logs out",
			cfg:     intercom.Config{AppID: "abc12345"},
			hooks:   func(h *adapter.Hooks[*ctx]) { h.Skip = skipAll },
			cookies: []string{"intercom-custom-abc12345"},
			want: []string{
				"intercom-session-abc12345=; Path=/" + expired,
				"intercom-id-abc12345=; Path=/" + expired,
				"intercom-device-id-abc12345=; Path=/" + expired,
				"intercom-custom-abc12345=; Path=/" + expired,
				flagCookie,
			},
		},
		{
			name:    "a disabled Messenger touches no cookie",
			cfg:     intercom.Config{CookieDomain: "example.com"},
			cookies: []string{"intercom-session-abc12345"},
		},
		{
			name:    "a panicking SetCookie hook is reported for each cookie",
			cfg:     intercom.Config{AppID: "abc12345"},
			hooks:   func(h *adapter.Hooks[*ctx]) { h.SetCookie = func(*ctx, *http.Cookie) { panic("x") } },
			reports: []string{"SetCookie", "SetCookie", "SetCookie", "SetCookie"},
			// The snippet on this response shuts down all the same.
			shutdown: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, rec := newMessenger(t, tt.cfg)
			hooks := glue()
			if tt.hooks != nil {
				tt.hooks(&hooks)
			}
			c := &ctx{cookies: tt.cookies}
			r := start(m, hooks, c)
			r.Shutdown()
			if !slices.Equal(c.set, tt.want) {
				t.Errorf("Set-Cookie:\n%q\nwant\n%q", c.set, tt.want)
			}
			wantHookErrors(t, rec.errors(), tt.reports...)
			if tt.cfg.AppID == "" && len(c.calls) != 0 {
				t.Errorf("hooks ran for a disabled Messenger: %v", c.calls)
			}
			c.set = nil
			out := string(r.Snippet())
			if tt.shutdown != strings.Contains(out, shutdownCall) {
				t.Errorf("snippet shuts down: %v, want %v; snippet %s", !tt.shutdown, tt.shutdown, out)
			}
			if want := tt.cfg.AppID != ""; r.Visitor().Shutdown != want {
				t.Errorf("Visitor().Shutdown = %v, want %v", !want, want)
			}
			if tt.shutdown {
				mustParse(t, out)
			}
			if !slices.Equal(c.set, tt.after) {
				t.Errorf("rendering after Shutdown set %q, want %q", c.set, tt.after)
			}
		})
	}
}

// TestShutdownFlagRendersOnce: the page after a logout shuts the Messenger
// down and clears the flag exactly once, however often it renders.
func TestShutdownFlagRendersOnce(t *testing.T) {
	m, rec := newMessenger(t, intercom.Config{AppID: "abc12345"})
	var asked []string
	hooks := glue()
	hooks.HasCookie = func(c *ctx, name string) bool { asked = append(asked, name); return slices.Contains(c.cookies, name) }
	c := &ctx{cookies: []string{"session", adapter.ShutdownCookie}}
	r := start(m, hooks, c)
	for range 2 {
		out := string(r.Snippet())
		mustParse(t, out)
		if !strings.Contains(out, shutdownCall) {
			t.Fatalf("no shutdown call: %s", out)
		}
		// The page's own script deletes the flag too, where the headers
		// have gone out.
		if !strings.Contains(out, `d.cookie="intercom_shutdown=; Max-Age=0; path=/; SameSite=Lax";`) {
			t.Fatalf("the shutdown snippet does not delete the flag: %s", out)
		}
	}
	if !slices.Equal(c.set, []string{doneCookie}) || !r.Rendered() {
		t.Errorf("Set-Cookie %q (want the flag cleared once), rendered=%v", c.set, r.Rendered())
	}
	if !slices.Equal(asked, []string{"intercom_shutdown"}) {
		t.Errorf("HasCookie asked for %q, want intercom_shutdown once", asked)
	}
	wantReports(t, rec.messages(), nil)

	plain := start(m, hooks, &ctx{cookies: []string{"session"}})
	if out := string(plain.Snippet()); strings.Contains(out, "shutdown") || plain.Visitor().Shutdown {
		t.Errorf("no flag, yet shutdown: %s", out)
	}
}

// TestShutdownFlagWaitsForASnippet: a response that renders no snippet (a
// settings endpoint, a skipped page, a disabled Messenger) leaves the flag
// for the next page.
func TestShutdownFlagWaitsForASnippet(t *testing.T) {
	enabled, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	disabled, _ := newMessenger(t, intercom.Config{})
	tests := []struct {
		name string
		m    *intercom.Messenger
		skip bool
		do   func(r *adapter.Request[*ctx])
	}{
		{"settings only", enabled, false, func(r *adapter.Request[*ctx]) { _ = r.Settings(); _ = r.Visitor() }},
		{"skipped", enabled, true, func(r *adapter.Request[*ctx]) { _ = r.Snippet() }},
		{"disabled", disabled, false, func(r *adapter.Request[*ctx]) { _ = r.Snippet() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hooks := glue()
			if tt.skip {
				hooks.Skip = skipAll
			}
			c := &ctx{cookies: []string{adapter.ShutdownCookie}}
			r := start(tt.m, hooks, c)
			tt.do(r)
			if len(c.set) != 0 || r.Rendered() {
				t.Errorf("Set-Cookie %q, rendered %v: want the flag left alone", c.set, r.Rendered())
			}
		})
	}
}

func TestRequestShutdownAndNonce(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	r := start(m, adapter.Hooks[*ctx]{Nonce: func(*ctx) string { return "bm9uY2U" }}, &ctx{})
	r.Shutdown() // no SetCookie hook: nothing to set, the snippet still shuts down
	out := string(r.Snippet())
	if _, _, nonce, err := parseSnippet(out); err != nil || nonce != "bm9uY2U" || !strings.Contains(out, shutdownCall) {
		t.Errorf("want shutdown and nonce (err %v): %s", err, out)
	}
}

// TestShutdownSkipsNamesNoResponseCanSet: a request can carry intercom-*
// cookies whose names are not tokens; no Set-Cookie line can expire them,
// so Shutdown leaves them out instead of handing SetCookie a cookie whose
// String is "" (fiber wrote those as empty Set-Cookie lines).
func TestShutdownSkipsNamesNoResponseCanSet(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	odd := []string{
		"intercom-a b-abc12345", `intercom-"q"-abc12345`, "intercom-a,b-abc12345", "intercom-é-abc12345",
		"intercom-[x]-abc12345", "intercom-a;b-abc12345", "intercom-a=b-abc12345", "intercom-a\tb-abc12345",
		"intercom-a/b-abc12345", "intercom-a:b-abc12345", "intercom-a?b-abc12345", "intercom-{x}-abc12345",
		"intercom-a@b-abc12345", "intercom-\x7f-abc12345", "intercom-a\\b-abc12345",
	}
	fine := []string{"intercom-a.b-abc12345", "intercom-a!#$%&'*+^_`|~b-abc12345"}
	for _, n := range append(slices.Clone(odd), fine...) {
		if ok := (&http.Cookie{Name: n}).String() != ""; ok != slices.Contains(fine, n) {
			t.Fatalf("bad case %q: net/http can set it: %v", n, ok)
		}
	}
	c := &ctx{cookies: append(slices.Clone(odd), fine...)}
	start(m, glue(), c).Shutdown()
	want := []string{
		"intercom-session-abc12345=; Path=/" + expired,
		"intercom-id-abc12345=; Path=/" + expired,
		"intercom-device-id-abc12345=; Path=/" + expired,
		"intercom-a.b-abc12345=; Path=/" + expired,
		"intercom-a!#$%&'*+^_`|~b-abc12345=; Path=/" + expired,
		flagCookie,
	}
	if !slices.Equal(c.set, want) {
		t.Errorf("Set-Cookie\n%q\nwant\n%q", c.set, want)
	}
}
