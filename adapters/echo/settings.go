package intercomecho

import (
	"net/http"

	"github.com/labstack/echo/v4"

	intercom "github.com/goanalytical/intercom/core"
)

// SettingsHandler returns a handler that responds with the visitor's
// settings as JSON: the object a page's snippet assigns to
// window.intercomSettings, identity (user_hash or the JWT) included, for
// single-page apps that boot the Messenger from JavaScript:
//
//	e.GET("/intercom/settings", intercomecho.SettingsHandler())
//
// and in the browser, with the loader of intercom.Messenger's snippet (or
// Intercom's own) on the page:
//
//	const settings = await (await fetch("/intercom/settings")).json();
//	if (settings) Intercom("boot", settings);
//
// The route needs Middleware, which resolves the visitor as for a page
// (WithUser, auto-identification, WithAttributes; Identify and Set from an
// earlier middleware). The response carries intercom.SettingsHeaders:
// application/json and Cache-Control: no-store, as it holds the visitor's
// identity. The body is null when the Messenger is disabled, the client IP
// is internal, the skipper skipped the request, or Middleware is missing
// (which is logged once).
func SettingsHandler() echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		for _, kv := range intercom.SettingsHeaders {
			h.Set(kv[0], kv[1])
		}
		r, seen := lookup(c)
		if !seen {
			warnNoMiddleware()
		}
		return c.JSONBlob(http.StatusOK, r.Settings())
	}
}
