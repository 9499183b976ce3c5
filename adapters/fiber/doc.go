// Package intercomfiber puts the Intercom Messenger on the pages of a Fiber v2
// app. It is glue only: the Messenger from package intercom renders, escapes
// and signs; this package tells it, per request, who the visitor is and where
// the request came from. (For Fiber v3, use the sibling module
// github.com/goanalytical/intercom/adapters/fiberv3, same package name.)
//
// Build one intercom.Messenger at start-up, install New, and pass each page's
// template data through Data:
//
//	m, err := intercom.New(intercom.Config{
//		AppID:      os.Getenv("INTERCOM_APP_ID"),
//		HMACSecret: os.Getenv("INTERCOM_HMAC_SECRET_KEY"),
//	})
//	if err != nil {
//		log.Fatal(err) // a bad setting fails here, never on a request
//	}
//
//	app := fiber.New(fiber.Config{Views: html.New("./views", ".html")})
//	app.Use(basicauth.New(basicauth.Config{Users: accounts})) // or the app's own auth
//	app.Use(intercomfiber.New(m))
//	app.Get("/pricing", func(c *fiber.Ctx) error {
//		return c.Render("pricing", intercomfiber.Data(c, fiber.Map{
//			"Title":         "Pricing",
//			"intercom_plan": "pro", // custom data, sent as "plan"
//		}))
//	})
//
// and in views/pricing.html, anywhere in the body:
//
//	{{ .Intercom }}
//
// Data adds the snippet under the key "Intercom" (adapter.TemplateKey);
// Snippet returns it for other uses, Component for templ. All render nothing
// when the Messenger is disabled (no app id) and on requests Config.Next
// skips.
//
// # Templates
//
// Fiber's engines render without the request, so there are two ways to hand
// them the snippet. Data, as above, copies the handler's fiber.Map and adds
// "Intercom"; its keys that start with intercom_ are custom attributes, as
// django-analytical's template variables were. Views wraps the engine for
// apps that set fiber.Config{PassLocalsToViews: true}: every c.Render with a
// fiber.Map then gets "Intercom" with no change to the handlers, rendered
// when c.Render runs, after the handler's Identify and Set:
//
//	app := fiber.New(fiber.Config{
//		Views:             intercomfiber.Views(django.New("./views", ".django")),
//		PassLocalsToViews: true,
//	})
//
// The html/v2 engine (html/template) writes the snippet with {{ .Intercom }}.
// The django/v3 engine (pongo2) escapes every value it does not know to be
// safe, so there the tag is {{ Intercom|safe }}; the snippet is built to be
// safe in an HTML body.
//
// For templ, @intercomfiber.Component() writes the snippet of the request
// whose context the page renders with: c.UserContext() or c.Context().
//
// # Pages without a template
//
// Inject adds the snippet to text/html pages that do not render it
// themselves (static HTML, c.SendString, pages of other libraries), right
// before their last </body>, after the handler has run, so Identify and Set
// count:
//
//	app.Use(intercomfiber.New(m))
//	app.Use(intercomfiber.Inject())
//
// It leaves alone pages that rendered the snippet already, everything that is
// not text/html, compressed bodies, HEAD requests, 1xx, 204, 206 and 3xx
// responses, and body streams (c.SendFile, app.Static, c.SendStream), which
// fasthttp cannot hand over. Install fiber's compress middleware before
// Inject, so that it compresses the page with the snippet.
//
// # Logout
//
// Expiring Intercom's cookies does not end the visitor's session at
// Intercom: the next page must call Intercom('shutdown'). A logout handler
// calls Shutdown, which expires the cookies (with
// intercom.Config.CookieDomain) and leaves a flag for the next page that
// renders the snippet, through Data, Views, Snippet, Component or Inject:
//
//	app.Post("/logout", func(c *fiber.Ctx) error {
//		// ... end the app's own session ...
//		intercomfiber.Shutdown(c)
//		return c.Redirect("/", fiber.StatusSeeOther)
//	})
//
// # Single-page apps
//
// SettingsHandler serves the visitor's settings as JSON, with
// Cache-Control: no-store, for apps that boot the Messenger from JavaScript:
//
//	app.Get("/intercom/settings", intercomfiber.SettingsHandler())
//
// # Who the visitor is
//
// The user is decided once per request, when a page first renders the
// snippet, from the first of:
//
//  1. Identify, called by a handler (for example right after sign-up);
//  2. Config.User, for apps with their own sessions;
//  3. the user Fiber's own auth middleware stored: c.Locals("username")
//     from middleware/basicauth (a user name, identified by id and name),
//     else c.Locals("user"), where gofiber/contrib jwt stores its verified
//     *jwt.Token (identified by its claims' sub, email and name) and many
//     apps their own user type (identified when it implements
//     intercom.Identifier). Any other type is reported to the Messenger's
//     ErrorHandler and ignored. intercom.Config.DisableAutoIdentify turns
//     this step off.
//
// Custom data comes from Config.Attributes for every page, overridden by Set
// and by the intercom_* keys of the template data for one page.
//
// The callbacks of Config run once per request. Strings that fiber returns
// from the request (c.Get, c.Params, ...) live in buffers that fasthttp
// reuses after the handler returns; a callback that keeps one beyond the
// request must copy it with utils.CopyString, or the app sets
// fiber.Config{Immutable: true}.
//
// # Client IP
//
// The snippet is commented out for visitors inside
// intercom.Config.InternalIPs, and the client address is c.IP() (replace it
// with Config.ClientIP). c.IP() is the peer address unless
// fiber.Config.ProxyHeader is set. With ProxyHeader set, c.IP() trusts that
// header from ANY peer, so a client can claim an internal address; also set
// EnableTrustedProxyCheck and TrustedProxies, so that only your proxies are
// believed:
//
//	fiber.New(fiber.Config{
//		ProxyHeader:             fiber.HeaderXForwardedFor,
//		EnableTrustedProxyCheck: true,
//		TrustedProxies:          []string{"10.0.0.0/8"}, // your load balancers
//	})
//
// Fiber takes the header value as it is, not walking X-Forwarded-For from the
// right: the whole value, or with EnableIPValidation its left-most valid
// address, which the client wrote. A list of several addresses is not an IP
// address and is never internal. So the proxy must overwrite
// X-Forwarded-For with the address it saw rather than append to it, or set
// X-Real-IP and use that as the ProxyHeader.
//
// # Errors
//
// Nothing here fails a request. Problems (a panicking Config callback, a
// value of the wrong type under "username" or "user", an invalid nonce) go
// to intercom.Config.ErrorHandler and the page renders without the affected
// part. Snippet, Data, Component, Inject, Shutdown and SettingsHandler on a
// route New does not cover do nothing (SettingsHandler answers null); with
// no Messenger to report to, they log adapter.ErrNoMiddleware with fiber's
// logger (github.com/gofiber/fiber/v2/log), once per process. New panics on
// a nil Messenger: that is a start-up error.
package intercomfiber
