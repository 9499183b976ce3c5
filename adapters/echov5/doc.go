// Package intercomecho puts the Intercom Messenger on the pages of an Echo v5
// app. It has the API of the Echo v4 adapter
// (github.com/goanalytical/intercom/adapters/echo), in Echo v5's terms: the
// context is a *echo.Context, and template data is a map[string]any, as
// Echo v5 has no echo.Map.
//
// Build one intercom.Messenger at start-up, install Middleware, and wrap the
// app's renderer with Renderer:
//
//	m, err := intercom.New(intercom.Config{
//		AppID:      os.Getenv("INTERCOM_APP_ID"),
//		HMACSecret: os.Getenv("INTERCOM_HMAC_SECRET_KEY"),
//	})
//	if err != nil {
//		log.Fatal(err) // a bad setting fails here, never on a request
//	}
//
//	e := echo.New() // no IPExtractor: the peer address, see "Client IP" below
//	e.Renderer = intercomecho.Renderer(&echo.TemplateRenderer{Template: tmpl})
//	e.Use(middleware.BasicAuth(validate)) // or a JWT middleware, or the app's own auth
//	e.Use(intercomecho.Middleware(m))
//	e.GET("/pricing", func(c *echo.Context) error {
//		return c.Render(http.StatusOK, "pricing.html", map[string]any{
//			"title":         "Pricing",
//			"intercom_plan": "pro", // custom data, sent as "plan"
//		})
//	})
//
// and in the template, anywhere in the body:
//
//	{{ .Intercom }}
//
// # Templates
//
// Renderer adds the snippet under "Intercom" to map[string]any data, and
// turns the map's intercom_* keys into custom data, as django-analytical's
// template variables did; the caller's map is not modified. Struct data
// reaches the app's renderer unchanged: give it a template.HTML field set
// from Snippet(c). Data does what Renderer does for a map, for templates
// rendered some other way, and Component is the snippet as a templ
// component. All of them render nothing when the Messenger is disabled (no
// app id) and on requests the WithSkipper function excludes.
//
// Render(c, code, name, data) sends a page as c.Render does, through the
// same renderer, from a pooled buffer: c.Render allocates a buffer for
// every page, which behind Renderer holds the whole page and the snippet.
//
// # Pages without a template
//
// Inject, installed after Middleware, puts the snippet into text/html
// responses that do not render it themselves (c.HTML, static files, pages
// of other libraries), right before their last </body>:
//
//	e.Use(intercomecho.Middleware(m))
//	e.Use(intercomecho.Inject())
//
// It leaves alone pages that rendered the snippet already, everything that
// is not text/html, bodies already compressed when they reach it, and 1xx,
// 204, 206 and 3xx responses; HEAD gets the headers GET gets. Install
// middleware.Gzip before Inject, so that it compresses the page with the
// snippet. Pages stream through it with bounded memory, and the
// *echo.Response's Size counts the snippet for echo's request logger.
//
// # Messenger calls
//
// Call queues a call of the Messenger's JavaScript API (trackEvent,
// showNewMessage, startTour, ...) for the page that renders the snippet:
// this response's, or, after a redirect, a fragment or JSON, the next one's,
// carried there by a short-lived cookie and run once:
//
//	e.POST("/invoices/:id/pay", func(c *echo.Context) error {
//		_ = intercomecho.Call(c, "trackEvent", "invoice-paid", map[string]any{"amount": 42})
//		return c.Redirect(http.StatusSeeOther, "/invoices")
//	})
//
// # Logout
//
// Expiring Intercom's cookies does not end the visitor's session at
// Intercom: the next page must call Intercom('shutdown'). A logout handler
// calls Shutdown, which expires the cookies (with
// intercom.Config.CookieDomain) and leaves a flag for the next page that
// renders the snippet:
//
//	e.POST("/logout", func(c *echo.Context) error {
//		// ... end the app's own session ...
//		intercomecho.Shutdown(c)
//		return c.Redirect(http.StatusSeeOther, "/")
//	})
//
// # Single-page apps
//
// SettingsHandler serves the visitor's settings as JSON, with
// Cache-Control: no-store, for apps that boot the Messenger from JavaScript:
//
//	e.GET("/intercom/settings", intercomecho.SettingsHandler())
//
// # Who the visitor is
//
// The user is decided once per request, when a page first renders the
// snippet, from the first of:
//
//  1. Identify, called by a handler (for example right after sign-up);
//  2. the WithUser function, for apps with their own sessions;
//  3. what the app's auth middleware stored under the context key "user",
//     echo-jwt's convention: a golang-jwt *jwt.Token
//     (github.com/golang-jwt/jwt, as a JWT middleware stores it with
//     c.Set("user", token)), identified by its claims' "sub", with "email"
//     and "name" when present (a token not marked Valid is reported and
//     ignored); a user name, identified by id and name, as a
//     middleware.BasicAuth validator stores it with c.Set("user", name)
//     (Echo v5's BasicAuth stores nothing itself, and Echo v5 ships no JWT
//     middleware); or an app type implementing intercom.Identifier. Any
//     other type is reported to the Messenger's ErrorHandler and ignored.
//     intercom.Config.DisableAutoIdentify turns this step off.
//
// Custom data comes from WithAttributes for every page, overridden by Set
// and by the intercom_* keys of the template data for one page.
//
// # Client IP
//
// The snippet is commented out for visitors inside
// intercom.Config.InternalIPs, and the client address is c.RealIP(), so
// Echo's own Echo#IPExtractor applies. Echo v5's default, without an
// IPExtractor, is the peer address: right with no proxy in front of the
// app, and the proxy's address behind one. Two settings are spoofable:
// echo.LegacyIPExtractor() (Echo v4's default) believes the X-Forwarded-For
// and X-Real-IP headers of ANY client, and echo.ExtractIPFromXFFHeader()
// with no options trusts the header from every loopback, link-local and
// private peer, so a client that reaches the app from such an address
// (another container, a VPN) can claim an internal address (and hide from
// Intercom) or another visitor's. Behind load balancers that append to
// X-Forwarded-For, trust them and nothing else:
//
//	_, lb, _ := net.ParseCIDR("10.0.0.0/24") // your load balancers
//	e.IPExtractor = echo.ExtractIPFromXFFHeader(
//		echo.TrustIPRange(lb),
//		echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false),
//	)
//
// WithClientIP replaces c.RealIP() altogether.
//
// # Errors
//
// Nothing here fails a request. Problems (a panicking WithUser function, a
// value of the wrong type under "user", an invalid nonce) go to
// intercom.Config.ErrorHandler and the page renders without the affected
// part. Renderer, Data, Snippet, Component, Inject, Shutdown and
// SettingsHandler on a route the middleware does not cover do nothing
// (SettingsHandler responds null); with no Messenger to report to, they log
// adapter.ErrNoMiddleware with log/slog, once per process.
package intercomecho
