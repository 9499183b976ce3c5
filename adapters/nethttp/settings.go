package intercomhttp

import "net/http"

// SettingsHandler returns a handler that responds with the visitor's
// settings as JSON: the object a page's snippet assigns to
// window.intercomSettings, identity (user_hash or the JWT) included, for
// single-page apps that boot the Messenger from JavaScript:
//
//	r.Method(http.MethodGet, "/intercom/settings", intercomhttp.SettingsHandler())
//
// and in the browser, with Intercom's loader on the page:
//
//	const settings = await (await fetch("/intercom/settings")).json();
//	if (settings) Intercom("boot", settings);
//
// The route needs Middleware, which resolves the visitor as for a page. The
// response is 200, application/json, with Cache-Control: no-store, as it
// holds the visitor's identity. The body is null when the Messenger is
// disabled, the client IP is internal, the skipper excluded the request, or
// Middleware is missing.
func SettingsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A failed write means the client went away. The JSON is escaped for
		// HTML by construction and served as application/json.
		_, _ = w.Write(lookup(r).WriteSettings(w.Header().Set)) //nolint:gosec // see above
	})
}
