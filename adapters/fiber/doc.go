// Package intercomfiber puts the Intercom Messenger on the pages of a Fiber v2
// app. It is glue only: the Messenger from package intercom renders, escapes
// and signs; this package tells it, per request, who the visitor is and where
// the request came from.
//
// Install the middleware with the Messenger, then render the snippet into
// your pages:
//
//	cfg, err := intercom.ConfigFromEnv()
//	if err != nil {
//		log.Fatal(err)
//	}
//	m, err := intercom.New(cfg)
//	if err != nil {
//		log.Fatal(err)
//	}
//	app := fiber.New(fiber.Config{Views: html.New("./views", ".html")})
//	app.Use(intercomfiber.New(m))
//
//	app.Get("/", func(c *fiber.Ctx) error {
//		intercomfiber.Identify(c, intercom.User{ID: "42", Email: "jane@example.com"})
//		intercomfiber.Set(c, "plan", "pro")
//		return c.Render("index", intercomfiber.Bind(c, fiber.Map{"Title": "Home"}))
//	})
//
// and in views/index.html, before </body>:
//
//	{{ .Intercom }}
//
// Snippet(c) returns the same template.HTML for other uses.
//
// # Who the visitor is
//
// Identify in a handler comes first, then Config.User, then the user that
// Fiber's own auth middleware stored (auto-identification, off with
// intercom.Config.DisableAutoIdentify): c.Locals("username") from
// middleware/basicauth, then c.Locals("user"), where gofiber/contrib jwt
// stores its *jwt.Token and many apps their own user. A string there is the
// user's id and name; a type implementing intercom.Identifier gives its own
// User; anything else, a *jwt.Token included, is reported to
// intercom.Config.ErrorHandler and ignored, so with jwt map the claims in
// Config.User:
//
//	intercomfiber.New(m, intercomfiber.Config{
//		User: func(c *fiber.Ctx) (intercom.User, bool) {
//			tok, ok := c.Locals("user").(*jwt.Token)
//			if !ok {
//				return intercom.User{}, false
//			}
//			sub, err := tok.Claims.GetSubject()
//			return intercom.User{ID: sub}, err == nil && sub != ""
//		},
//	})
//
// The callbacks run once per request, when the snippet is first rendered.
// Strings that fiber returns from the request (c.Get, c.Params, ...) live in
// buffers that fasthttp reuses after the handler returns; a callback that
// keeps one beyond the request must copy it with utils.CopyString, or the app
// can set fiber.Config{Immutable: true}.
//
// # Templates
//
// Fiber's template engines render without the request, so there are two
// ways to hand them the snippet.
//
// Bind, as above, copies the handler's fiber.Map and adds "Intercom". Its
// keys that start with intercom_ are custom attributes, as in the seed's
// templates: Bind(c, fiber.Map{"intercom_plan": "pro"}) sets "plan".
//
// Views wraps the engine for apps that set fiber.Config{PassLocalsToViews:
// true}; every c.Render with a fiber.Map then gets "Intercom" without
// touching the handlers. The wrapper finds the request through the locals
// that fiber merges into the map (LocalsKey) and renders the snippet when
// c.Render runs, after the handler's Identify and Set:
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
// # Whole-page install
//
// Inject adds the snippet to pages that do not render it themselves, like
// the seed's "generic tags": before the last </body> of every text/html
// response, after the handler has run, so Identify and Set count:
//
//	app.Use(intercomfiber.New(m))
//	app.Use(intercomfiber.Inject())
//
// It leaves alone everything else (see intercom.ShouldInject): other content types, HEAD, 1xx, 204, 206 and 3xx,
// compressed bodies, pages that already carry the snippet, and body streams
// (c.SendFile, app.Static, c.SendStream), which fasthttp cannot hand over.
// Install fiber's compress middleware before Inject so that it compresses
// the page with the snippet.
//
// # Logout
//
// Expiring the Messenger's cookies does not end its session at Intercom; the
// page must call Intercom('shutdown'). Shutdown in the logout handler does
// both: it expires every intercom-* cookie of the workspace (with
// intercom.Config.CookieDomain as their Domain, which must match how the
// Messenger set them) and sets a short-lived flag cookie,
// intercom.ShutdownCookie, so that the next page that renders the snippet,
// after the usual redirect, shuts the old session down before booting, and
// clears the flag:
//
//	app.Post("/logout", func(c *fiber.Ctx) error {
//		sess.Destroy()
//		intercomfiber.Shutdown(c)
//		return c.Redirect("/")
//	})
//
// # Single-page apps
//
// SettingsHandler serves the visitor's settings as JSON (with Cache-Control:
// no-store), for apps that boot the Messenger from JavaScript with
// Intercom("boot", settings):
//
//	app.Get("/intercom/settings", intercomfiber.SettingsHandler())
//
// # Client IP and internal addresses
//
// intercom.Config.InternalIPs hides the Messenger from staff by client IP.
// The middleware takes the client IP from c.IP() (override with
// Config.ClientIP). c.IP() is the peer address unless fiber.Config.ProxyHeader
// is set. With ProxyHeader set, c.IP() trusts that header from any peer, so a
// client can claim an internal address; also set EnableTrustedProxyCheck and
// TrustedProxies so that only your proxies are believed:
//
//	fiber.New(fiber.Config{
//		ProxyHeader:             fiber.HeaderXForwardedFor,
//		EnableTrustedProxyCheck: true,
//		TrustedProxies:          []string{"10.0.0.0/8"},
//	})
//
// Fiber takes the header value as it is, not walking X-Forwarded-For from the
// right: the whole value, or with EnableIPValidation its left-most valid
// address, which the client wrote. A list of several addresses is not an IP
// address and is never internal. So the proxy must overwrite
// X-Forwarded-For with the address it saw rather than append to it, or set
// X-Real-IP and use that as the ProxyHeader.
//
// # Skipping
//
// Config.Next skips the middleware for a request: its pages render no
// snippet, quietly; Inject leaves it alone and SettingsHandler answers null,
// but Shutdown still logs the visitor out. On a route without the
// middleware, Snippet, Bind, the Views wrapper, Inject, Shutdown and
// SettingsHandler do nothing (SettingsHandler answers null), and
// intercom.ErrNoMiddleware is logged once with fiber's logger
// (github.com/gofiber/fiber/v2/log).
package intercomfiber
