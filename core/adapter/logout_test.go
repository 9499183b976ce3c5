package adapter_test

import (
	"slices"
	"strings"
	"testing"

	intercom "github.com/goanalytical/intercom/core"
)

func TestLogoutCookies(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345", CookieDomain: ".example.com"})
	cookies := m.LogoutCookies([]string{"session", "intercom-session-abc12345", "intercom-custom-abc12345", "intercom-id-other1", "intercom_shutdown"})
	var got []string
	for _, c := range cookies {
		got = append(got, c.String())
	}
	want := []string{
		"intercom-session-abc12345=; Path=/; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0",
		"intercom-id-abc12345=; Path=/; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0",
		"intercom-device-id-abc12345=; Path=/; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0",
		"intercom-custom-abc12345=; Path=/; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0",
		"intercom_shutdown=1; Path=/; Max-Age=600; SameSite=Lax",
	}
	if !slices.Equal(got, want) {
		t.Errorf("LogoutCookies:\n%q\nwant\n%q", got, want)
	}
	if got, want := m.ShutdownDoneCookie().String(), "intercom_shutdown=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; SameSite=Lax"; got != want {
		t.Errorf("ShutdownDoneCookie = %s, want %s", got, want)
	}
	off, _ := newMessenger(t, intercom.Config{})
	if off.LogoutCookies(nil) != nil {
		t.Errorf("disabled Messenger must not touch cookies")
	}
}

// TestShutdownFlagRendersOnce: the page after a logout shuts the Messenger
// down and clears the flag exactly once, however often it renders.
func TestShutdownFlagRendersOnce(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	type reqCtx struct {
		flag    bool
		cleared int
	}
	hooks := &intercom.Hooks[*reqCtx]{
		ShutdownPending: func(c *reqCtx) bool { return c.flag },
		ShutdownDone:    func(c *reqCtx) { c.cleared++ },
	}
	c := &reqCtx{flag: true}
	r := intercom.NewRequest(m, hooks, c)
	for range 2 {
		out := string(r.Snippet())
		if _, _, _, err := parseSnippet(out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, `i("shutdown");i("boot",s);`) {
			t.Fatalf("no shutdown call: %s", out)
		}
	}
	if c.cleared != 1 || !r.Rendered() {
		t.Errorf("flag cleared %d times (want 1), rendered=%v", c.cleared, r.Rendered())
	}
	plain := intercom.NewRequest(m, hooks, &reqCtx{})
	if out := string(plain.Snippet()); strings.Contains(out, "shutdown") {
		t.Errorf("no flag, yet shutdown: %s", out)
	}
}
