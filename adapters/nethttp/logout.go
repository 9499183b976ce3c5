package intercomhttp

import "net/http"

// Shutdown ends the visitor's Messenger session, for logout handlers. Call
// it before the handler writes its response:
//
//	func logout(w http.ResponseWriter, r *http.Request) {
//		session.Destroy(w, r) // the app's own logout
//		intercomhttp.Shutdown(w, r)
//		http.Redirect(w, r, "/", http.StatusSeeOther)
//	}
//
// It expires every intercom-* cookie of the Messenger's workspace, with
// intercom.Config.CookieDomain as their Domain, and sets the
// adapter.ShutdownCookie flag. Expiring the cookies alone leaves the session
// alive at Intercom, so the next page that renders the snippet (through
// Data, Snippet, Component or Inject), after the redirect, calls
// Intercom('shutdown') before booting, and its script deletes the flag. A
// snippet rendered on the logout response itself shuts down too.
//
// Shutdown works on a request Middleware's skipper excluded too. With a
// disabled Messenger it sets no cookie; without Middleware it warns once.
func Shutdown(w http.ResponseWriter, r *http.Request) {
	if x := exchangeOf(r); x != nil && w != nil {
		x.w = w
	}
	lookup(r).Shutdown()
}
