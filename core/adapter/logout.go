package adapter

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/goanalytical/intercom/core/internal/link"
)

// ShutdownCookie is the cookie that carries a logout to the next page: every
// snippet rendered while it is set calls Intercom('shutdown') before booting,
// and the first one that runs in the browser deletes it (and the server
// clears it too where the response headers are still open). A cookie, not
// the logout response itself, because logout handlers usually redirect, and
// the page that follows must end the Messenger session at Intercom (expiring
// its cookies alone does not). It is not HttpOnly, so that the page's script
// can delete it; it holds no secret. Its name does not start with
// "intercom-", the Messenger's own prefix.
const ShutdownCookie = link.ShutdownCookie

// shutdownFlagAge is how long a logout waits for a page to render.
const shutdownFlagAge = 10 * time.Minute

// shutdownDone clears ShutdownCookie once a page has shut the Messenger down.
var shutdownDone = &http.Cookie{
	Name: ShutdownCookie, Value: "", Path: "/", Expires: time.Unix(0, 0), MaxAge: -1, SameSite: http.SameSiteLaxMode}

// Shutdown ends the visitor's Messenger session, for an adapter's logout
// helper: through the SetCookie hook it expires every intercom-* cookie of
// the Messenger's workspace (the three the Messenger sets, plus any other
// the CookieNames hook reports), with Path "/" and
// intercom.Config.CookieDomain, and sets ShutdownCookie, so that the next
// page that renders the snippet calls Intercom('shutdown') before booting.
// A snippet rendered on this same response shuts down too.
//
// It works on a request the skipper excluded (a logout must not be lost to
// a skipper meant to keep the Messenger off some pages) and does nothing on
// a nil Request or with a disabled Messenger.
func (r *Request[C]) Shutdown() {
	if r == nil || r.mw.st.AppID == "" {
		return
	}
	var present []string
	if r.mw.hooks.CookieNames != nil {
		present, _ = guard(r.mw.st, "CookieNames", func() []string { return r.mw.hooks.CookieNames(r.ctx) })
	}
	for _, c := range logoutCookies(r.mw.st, present) {
		r.setCookie(c)
	}
	r.shutdown = true
}

// setCookie runs the SetCookie hook, guarded.
func (r *Request[C]) setCookie(c *http.Cookie) {
	if set := r.mw.hooks.SetCookie; set != nil {
		guard(r.mw.st, "SetCookie", func() struct{} { set(r.ctx, c); return struct{}{} })
	}
}

// logoutCookies returns the Set-Cookie values a logout response needs.
func logoutCookies(st *link.State, present []string) []*http.Cookie {
	id := st.AppID
	names := []string{"intercom-session-" + id, "intercom-id-" + id, "intercom-device-id-" + id}
	for _, n := range present {
		if strings.HasPrefix(n, "intercom-") && strings.HasSuffix(n, "-"+id) && validCookieName(n) && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	out := make([]*http.Cookie, 0, len(names)+1)
	for _, n := range names {
		// Secure/HttpOnly must not differ from how the Messenger set them for
		// the expiry to match; an expired cookie carries no data.
		out = append(out, &http.Cookie{ //nolint:gosec // expiring, see above
			Name: n, Value: "", Path: "/", Domain: st.CookieDomain,
			Expires: time.Unix(0, 0), MaxAge: -1,
		})
	}
	// Not Secure: the flag holds no secret and must work on http in development.
	return append(out, &http.Cookie{ //nolint:gosec // see above
		Name: ShutdownCookie, Value: "1", Path: "/",
		MaxAge: int(shutdownFlagAge / time.Second), SameSite: http.SameSiteLaxMode,
	})
}

// validCookieName reports whether a Set-Cookie line can name n: a token
// (RFC 6265 section 4.1.1, RFC 7230 section 3.2.6), as net/http's
// Cookie.String requires (it returns "" otherwise). A request can carry a
// cookie name that a response cannot set, such as one with a space, a
// quote or a non-ASCII letter; expiring it is impossible, so it is left out
// rather than sent as an empty Set-Cookie line.
func validCookieName(n string) bool {
	if n == "" {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c >= 0x80 || !tokenByte[c] {
			return false
		}
	}
	return true
}

// tokenByte marks the bytes of an HTTP token (tchar).
var tokenByte = func() (t [0x80]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()
