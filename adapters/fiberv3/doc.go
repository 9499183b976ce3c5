// Package intercomfiber puts the Intercom Messenger on the pages of a Fiber v3
// app. It is glue only: the Messenger from package intercom renders, escapes
// and signs; this package tells it, per request, who the visitor is and where
// the request came from. (For Fiber v2, use the sibling module
// github.com/goanalytical/intercom/adapters/fiber, same package name and
// API.)
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
//	app.Use(basicauth.New(basicauth.Config{Users: accounts})) // hashed passwords; or the app's own auth
//	app.Use(intercomfiber.New(m))
//	app.Get("/pricing", func(c fiber.Ctx) error {
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
// The html engine (html/template) writes the snippet with {{ .Intercom }}.
// Engines that escape every value they do not know to be safe (django's
// pongo2, jet, mustache, handlebars, slim) need their raw tag for Data's
// snippet, such as {{ Intercom|safe }}; under Views they take either, as
// the engine gets a placeholder its escaping leaves alone. The README lists
// each engine's tags. The snippet is built to be safe in an HTML body. Views hands the engine a fiber.Map binding as a
// map[string]any, so that engines of gofiber/template's Fiber v2 line work
// too: django/v3 reads fiber v2's Map type and drops the data of fiber
// v3's. With such an engine and no Views, pass c.Render a map[string]any.
//
// For templ, @intercomfiber.Component() writes the snippet of the request
// whose context the page renders with: the fiber.Ctx itself, or
// c.Context().
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
// the static middleware, c.SendStream), which fasthttp cannot hand over.
// Install fiber's compress middleware before Inject, so that it compresses
// the page with the snippet.
//
// # Messenger calls
//
// Call queues a call of the Messenger's JavaScript API (trackEvent,
// showNewMessage, startTour, ...) for the page that renders the snippet:
// this response's, or, after a redirect, a fragment or JSON, the next one's,
// carried there by a short-lived cookie and run once:
//
//	app.Post("/invoices/:id/pay", func(c fiber.Ctx) error {
//		_ = intercomfiber.Call(c, "trackEvent", "invoice-paid", fiber.Map{"amount": 42})
//		return c.Redirect().Status(fiber.StatusSeeOther).To("/invoices")
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
//	app.Post("/logout", func(c fiber.Ctx) error {
//		// ... end the app's own session ...
//		intercomfiber.Shutdown(c)
//		return c.Redirect().Status(fiber.StatusSeeOther).To("/")
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
//  3. the user Fiber's own auth middleware stored: the user name of
//     middleware/basicauth (basicauth.UsernameFromContext; identified by id
//     and name), else the verified *jwt.Token of gofiber/contrib's jwt
//     middleware for Fiber v3 (github.com/gofiber/contrib/v3/jwt, what its
//     jwtware.FromContext returns; identified by its claims' sub, email and
//     name). A value of another type there (an intercom.Identifier counts)
//     is reported to the Messenger's ErrorHandler and ignored.
//     intercom.Config.DisableAutoIdentify turns this step off.
//
// Unlike the Fiber v2 adapter, this one reads no "username" or "user"
// locals: no Fiber v3 auth middleware stores the user there. An app whose
// own session middleware stores its user in the locals maps it in
// Config.User:
//
//	intercomfiber.New(m, intercomfiber.Config{
//		User: func(c fiber.Ctx) (intercom.User, bool) {
//			acct := fiber.Locals[*Account](c, "account") // the app's own
//			if acct == nil {
//				return intercom.User{}, false
//			}
//			return intercom.User{ID: acct.ID, Email: acct.Email}, true
//		},
//	})
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
// Config.ClientIP replaces it. c.IP() is the peer address, which no header
// changes, unless fiber.Config.TrustProxy is set and the peer is one of
// TrustProxyConfig's proxies; only then does it read ProxyHeader. Trust
// only your own proxies: TrustProxyConfig.Private, Loopback or a wide
// Proxies range believe the header from every peer in that range, and any
// of them can then claim an internal address.
//
// Fiber takes the ProxyHeader's value as it is (with EnableIPValidation,
// its left-most valid address; only the first line of it): it never walks
// X-Forwarded-For from the right, and a trusted proxy that appends to
// X-Forwarded-For passes on what the client wrote, so ProxyHeader
// X-Forwarded-For lets a client claim an internal address, or hide one.
// Use ProxyHeader only for a header your proxy sets itself, replacing any
// the client sent, such as X-Real-IP with nginx's proxy_set_header
// X-Real-IP $remote_addr:
//
//	fiber.New(fiber.Config{
//		ProxyHeader:      "X-Real-IP",
//		TrustProxy:       true,
//		TrustProxyConfig: fiber.TrustProxyConfig{Proxies: []string{"10.0.0.10"}}, // your proxy, which sets X-Real-IP
//	})
//
// (a request of the proxy's own, without the header, then has no client
// address: never internal). Behind load balancers that append to
// X-Forwarded-For (nginx's $proxy_add_x_forwarded_for, HAProxy's option
// forwardfor, cloud load balancers) or a chain of proxies, leave
// TrustProxy unset and give Config.ClientIP intercom.ClientIP, which walks
// X-Forwarded-For, every line of it, from the right past your proxies, so
// what a client writes to the left never counts; TrustedProxies makes that
// function:
//
//	app.Use(intercomfiber.New(m, intercomfiber.Config{
//		ClientIP: intercomfiber.TrustedProxies("10.0.0.0/8"), // your load balancers
//	}))
//
// # Errors
//
// Nothing here fails a request. Problems (a panicking Config callback, a
// value of the wrong type where the jwt middleware keeps its token, an
// invalid nonce) go
// to intercom.Config.ErrorHandler and the page renders without the affected
// part. Snippet, Data, Component, Inject, Shutdown and SettingsHandler on a
// route New does not cover do nothing (SettingsHandler answers null); with
// no Messenger to report to, they log adapter.ErrNoMiddleware with fiber's
// logger (github.com/gofiber/fiber/v3/log), once per process. New panics on
// a nil Messenger: that is a start-up error.
package intercomfiber
