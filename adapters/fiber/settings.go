package intercomfiber

import (
	"github.com/gofiber/fiber/v2"

	intercom "github.com/goanalytical/intercom/core"
)

// SettingsHandler returns a handler that responds with the visitor's
// settings as JSON: the object a page's snippet assigns to
// window.intercomSettings, identity (user_hash or the JWT) included, for
// single-page apps that boot the Messenger from JavaScript:
//
//	app.Get("/intercom/settings", intercomfiber.SettingsHandler())
//
// and in the browser, with the loader of intercom.Messenger's snippet (or
// Intercom's own) on the page:
//
//	const settings = await (await fetch("/intercom/settings")).json();
//	if (settings) Intercom("boot", settings);
//
// The route needs New, which resolves the visitor as for a page
// (Config.User, auto-identification, Config.Attributes; Identify and Set
// from an earlier handler). The response is 200 with
// intercom.SettingsHeaders: application/json and Cache-Control: no-store, as
// it holds the visitor's identity. The body is null when the Messenger is
// disabled, the client IP is internal, Config.Next skipped the request, or
// New is missing (which is logged once).
func SettingsHandler() fiber.Handler {
	return func(c *fiber.Ctx) error {
		for _, kv := range intercom.SettingsHeaders {
			c.Set(kv[0], kv[1])
		}
		c.Status(fiber.StatusOK)
		r, ok := lookup(c)
		if !ok {
			noMiddleware()
		}
		return c.Send(r.Settings())
	}
}
