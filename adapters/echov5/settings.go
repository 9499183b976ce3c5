package intercomecho

import (
	"net/http"

	"github.com/labstack/echo/v5"
)

// SettingsHandler returns a handler that responds with the visitor's
// settings as JSON: the object a page's snippet assigns to
// window.intercomSettings, identity (user_hash or the JWT) included, for
// single-page apps that boot the Messenger from JavaScript:
//
//	e.GET("/intercom/settings", intercomecho.SettingsHandler())
//
// and in the browser, with Intercom's loader on the page:
//
//	const settings = await (await fetch("/intercom/settings")).json();
//	if (settings) Intercom("boot", settings);
//
// The route needs Middleware, which resolves the visitor as for a page
// (Identify and Set from an earlier middleware, WithUser, the user stored
// under "user", WithAttributes). The response is 200, application/json, with
// Cache-Control: no-store, as it holds the visitor's identity. The body is
// null when the Messenger is disabled, the client IP is internal, the
// skipper excluded the request, or Middleware is missing.
func SettingsHandler() echo.HandlerFunc {
	return func(c *echo.Context) error {
		return c.JSONBlob(http.StatusOK, lookup(c).WriteSettings(c.Response().Header().Set))
	}
}
