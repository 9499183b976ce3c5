package intercom

import (
	"net/http"
	"slices"
	"strings"
	"time"
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
const ShutdownCookie = "intercom_shutdown"

// shutdownFlagAge is how long a logout waits for a page to render.
const shutdownFlagAge = 10 * time.Minute

// LogoutCookies returns the Set-Cookie values a logout response needs: every
// intercom-* cookie of this workspace expired (the three the Messenger sets,
// plus any other in present, the names of the request's cookies), with Path
// "/" and Config.CookieDomain, and the ShutdownCookie set. It returns nil
// when the Messenger is disabled.
func (m *Messenger) LogoutCookies(present []string) []*http.Cookie {
	if m.appID == "" {
		return nil
	}
	names := []string{"intercom-session-" + m.appID, "intercom-id-" + m.appID, "intercom-device-id-" + m.appID}
	for _, n := range present {
		if strings.HasPrefix(n, "intercom-") && strings.HasSuffix(n, "-"+m.appID) && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	out := make([]*http.Cookie, 0, len(names)+1)
	for _, n := range names {
		// Secure/HttpOnly must not differ from how the Messenger set them for
		// the expiry to match; an expired cookie carries no data.
		out = append(out, &http.Cookie{ //nolint:gosec // expiring, see above
			Name: n, Value: "", Path: "/", Domain: m.cookieDomain,
			Expires: time.Unix(0, 0), MaxAge: -1,
		})
	}
	// Not Secure: the flag holds no secret and must work on http in development.
	return append(out, &http.Cookie{ //nolint:gosec // see above
		Name: ShutdownCookie, Value: "1", Path: "/",
		MaxAge: int(shutdownFlagAge / time.Second), SameSite: http.SameSiteLaxMode,
	})
}

// ShutdownDoneCookie returns the Set-Cookie value that clears ShutdownCookie
// once a page has shut the Messenger down.
func (m *Messenger) ShutdownDoneCookie() *http.Cookie {
	return &http.Cookie{ //nolint:gosec // matches LogoutCookies' flag
		Name: ShutdownCookie, Value: "", Path: "/", Expires: time.Unix(0, 0), MaxAge: -1, SameSite: http.SameSiteLaxMode}
}
