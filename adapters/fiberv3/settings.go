package intercomfiber

import "github.com/gofiber/fiber/v3"

// SettingsHandler returns a handler that responds with the visitor's
// settings as JSON: the object a page's snippet assigns to
// window.intercomSettings, identity (user_hash or the JWT) included, for
// single-page apps that boot the Messenger from JavaScript:
//
//	app.Get("/intercom/settings", intercomfiber.SettingsHandler())
//
// and in the browser, with Intercom's loader on the page:
//
//	const settings = await (await fetch("/intercom/settings")).json();
//	if (settings) Intercom("boot", settings);
//
// The route needs New, which resolves the visitor as for a page (Identify
// and Set from an earlier handler, Config.User, auto-identification,
// Config.Attributes). The response is 200, application/json, with
// Cache-Control: no-store, as it holds the visitor's identity. The body is
// null when the Messenger is disabled, the client IP is internal,
// Config.Next skipped the request, or New is missing (which is logged
// once).
func SettingsHandler() fiber.Handler {
	return func(c fiber.Ctx) error {
		body := lookup(c).WriteSettings(c.Set)
		return c.Status(fiber.StatusOK).Send(body)
	}
}
