// Package intercom renders the Intercom Messenger for server-rendered Go web
// apps: the Go port of django-analytical's {% intercom %} tag.
//
// A Messenger is built once from a Config and validated at start-up; it then
// renders, for each page view described by a Visitor, one
// <script id="IntercomSettingsScriptTag"> element that sets
// window.intercomSettings and loads the Messenger:
//
//	m, err := intercom.New(intercom.Config{
//		AppID:      os.Getenv("INTERCOM_APP_ID"),
//		HMACSecret: os.Getenv("INTERCOM_HMAC_SECRET_KEY"),
//	})
//	...
//	snippet := m.Render(intercom.Visitor{User: &intercom.User{ID: "42", Email: "jane@example.com"}})
//
// The settings JSON has sorted keys and is escaped for a script context (and
// for the HTML comment the snippet is wrapped in for internal IP addresses),
// so no user data can end the element. Identified visitors get a user_hash
// (HMAC-SHA256, remembered for recent users in a fixed table so that a
// signed-in user's later pages skip it) or, with Config.JWT, a signed
// intercom_user_jwt. Values that
// cannot be encoded are dropped and reported to Config.ErrorHandler; the page
// always renders.
//
// The package depends on the standard library only. Framework adapters
// live in sibling modules and add the per-request glue (who the user is, the
// client IP, templates, whole-page install, logout): intercomgin (Gin),
// intercomecho (Echo v4 and v5), intercomfiber (Fiber v2 and v3) and
// intercomhttp (net/http: ServeMux, chi, gorilla/mux). They are built on
// package adapter in this module, the kit a third-party adapter uses too.
package intercom
