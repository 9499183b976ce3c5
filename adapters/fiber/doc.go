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
// Engines that escape every value they do not know to be safe (django/v3's
// pongo2, jet, mustache, handlebars, slim) need their raw tag for Data's
// snippet, such as {{ Intercom|safe }}; under Views they take either, as
// the engine gets a placeholder its escaping leaves alone. The README lists
// each engine's tags. The snippet is built to be safe in an HTML body.
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
// not text/html, bodies compressed before it sees them, 1xx, 204, 206 and 3xx
// responses (HEAD gets the headers GET gets), and body streams (c.SendFile,
// app.Static, c.SendStream), which fasthttp cannot hand over. Install fiber's
// compress middleware before Inject, so that it compresses the page with the
// snippet.
//
// # Messenger calls
//
// Call queues a call of the Messenger's JavaScript API (trackEvent,
// showNewMessage, startTour, ...) for the page that renders the snippet:
// this response's, or, after a redirect, a fragment or JSON, the next one's,
// carried there by a short-lived cookie and run once:
//
//	app.Post("/invoices/:id/pay", func(c *fiber.Ctx) error {
//		_ = intercomfiber.Call(c, "trackEvent", "invoice-paid", fiber.Map{"amount": 42})
//		return c.Redirect("/invoices", fiber.StatusSeeOther)
//	})
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
// intercom.Config.InternalIPs, and the client address is c.IP() unless
// Config.ClientIP replaces it. With fiber's default config, c.IP() is the
// peer address, which no header changes: right with no proxy in front of
// the app, and the proxy's address behind one.
//
// fiber.Config.ProxyHeader makes c.IP() that header's value as it is (with
// EnableIPValidation, its left-most valid address; only the first line of
// it): Fiber never walks X-Forwarded-For from the right. Without
// EnableTrustedProxyCheck it believes the header from ANY peer; with it,
// only from TrustedProxies, but a proxy that appends to X-Forwarded-For
// passes on what the client wrote, so ProxyHeader X-Forwarded-For lets a
// client claim an internal address, or hide one. Use ProxyHeader only for
// a header your proxy sets itself, replacing any the client sent, such as
// X-Real-IP with nginx's proxy_set_header X-Real-IP $remote_addr:
//
//	fiber.New(fiber.Config{
//		ProxyHeader:             "X-Real-IP",
//		EnableTrustedProxyCheck: true,
//		TrustedProxies:          []string{"10.0.0.10"}, // your proxy, which sets X-Real-IP
//	})
//
// (a request of the proxy's own, without the header, then has no client
// address: never internal). Behind load balancers that append to
// X-Forwarded-For (nginx's $proxy_add_x_forwarded_for, HAProxy's option
// forwardfor, cloud load balancers) or a chain of proxies, leave
// ProxyHeader unset and give Config.ClientIP intercom.ClientIP, which
// walks X-Forwarded-For, every line of it, from the right past your
// proxies, so what a client writes to the left never counts; TrustedProxies
// makes that function:
//
//	app.Use(intercomfiber.New(m, intercomfiber.Config{
//		ClientIP: intercomfiber.TrustedProxies("10.0.0.0/8"), // your load balancers
//	}))
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
