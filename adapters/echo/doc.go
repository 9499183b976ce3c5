// Package intercomecho puts the Intercom Messenger on pages served by Echo v4.
//
// The core package, github.com/goanalytical/intercom/core (package intercom),
// renders the snippet; this package only connects it to Echo: who the user
// is, the client IP, the CSP nonce and templates.
//
// # Setup
//
// Build one Messenger at start-up, install Middleware and wrap the app's
// renderer:
//
//	m, err := intercom.New(intercom.Config{
//		AppID:      os.Getenv("INTERCOM_APP_ID"),
//		HMACSecret: os.Getenv("INTERCOM_HMAC_SECRET_KEY"),
//	})
//	if err != nil {
//		log.Fatal(err)
//	}
//	e := echo.New()
//	e.IPExtractor = echo.ExtractIPDirect() // see "Client IP" below
//	e.Renderer = intercomecho.Renderer(&echo.TemplateRenderer{Template: tmpl})
//	e.Use(authMiddleware)
//	e.Use(intercomecho.Middleware(m))
//
// and place the snippet in the page template, before </body>:
//
//	{{ .Intercom }}
//
// Renderer adds the snippet to echo.Map (or map[string]any) data under
// "Intercom" and turns the map's intercom_* keys into custom attributes,
// like django-analytical's template variables:
//
//	return c.Render(http.StatusOK, "page.html", echo.Map{"Title": "Cart", "intercom_cart_value": 99.5})
//
// The caller's map is not modified. Struct (or any other non-map) data
// reaches the app's renderer unchanged; give it a template.HTML field set
// from Snippet, or a template function that calls Snippet:
//
//	return c.Render(http.StatusOK, "page.html", Page{Title: "Cart", Intercom: intercomecho.Snippet(c)})
//
// # Who the visitor is
//
// Auto-identification reads what the auth middleware stored under "user"
// (UserKey), which is off with intercom.Config.DisableAutoIdentify. A string
// is the user's id and name, as with a middleware.BasicAuth validator that
// calls c.Set("user", username) (echo's BasicAuth stores nothing by itself);
// an intercom.Identifier, intercom.User or *intercom.User gives its own. Any
// other value, such as the *jwt.Token echo-jwt stores there, is reported to
// Config.ErrorHandler and ignored: map it with WithUser. Handlers override
// both with Identify, and add custom data with Set. In short, for the user:
// Identify, then WithUser, then "user"; for custom data: intercom_* template
// keys and Set (the later wins), then WithAttributes.
//
// The option callbacks, and the read of "user", run at most once per
// request, when the first snippet is rendered (so the order of Middleware
// and the auth middleware does not matter); a panicking callback is reported and treated as
// unset, so it never takes a page down.
//
// # Client IP
//
// The internal-IP rule (intercom.Config.InternalIPs) uses c.RealIP(), so
// Echo's own Echo#IPExtractor applies. Without an IPExtractor, Echo v4's
// c.RealIP() believes the X-Forwarded-For and X-Real-IP headers of any
// client: anyone can claim an internal address and hide from Intercom, or
// pose as another address. Set the extractor that matches the deployment:
//
//	// No proxy in front of the app: the peer address is the client.
//	e.IPExtractor = echo.ExtractIPDirect()
//
//	// Behind proxies that append to X-Forwarded-For: trust only them.
//	e.IPExtractor = echo.ExtractIPFromXFFHeader(
//		echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false),
//		echo.TrustIPRange(proxyNet), // *net.IPNet of the proxies
//	)
//
// ExtractIPFromXFFHeader trusts loopback, link-local and private addresses
// unless told otherwise, which is right only when every such peer is a proxy
// of the app's own. WithClientIP replaces c.RealIP() for deployments whose
// proxy reports the client some other way.
//
// # Whole-page install
//
// Pages that do not use the template integration, such as static HTML or a
// third-party handler's pages, get the snippet from Inject, installed after
// Middleware (globally or on a group):
//
//	e.Use(intercomecho.Middleware(m))
//	e.Use(intercomecho.Inject())
//
// It inserts the snippet before the last </body> of text/html responses
// only, and leaves alone pages that rendered the snippet already, HEAD
// requests, 1xx, 204, 206 and 3xx responses and encoded bodies. It streams
// (memory stays bounded whatever the page size) and drops Content-Length
// from the pages it changes. Install echo's middleware.Gzip before Inject to
// compress the result; installed after Inject, Gzip hands it encoded bodies,
// which Inject passes on untouched. When Inject returns, c.Response().Size
// counts the snippet, so echo's request logger reports the bytes sent.
//
// # Logout
//
// Expiring Intercom's cookies alone leaves the visitor's session alive at
// Intercom. A logout handler calls Shutdown before responding:
//
//	e.POST("/logout", func(c echo.Context) error {
//		// ... the app's own logout ...
//		intercomecho.Shutdown(c)
//		return c.Redirect(http.StatusSeeOther, "/")
//	})
//
// It expires every intercom-* cookie of the workspace, with
// intercom.Config.CookieDomain as their Domain (set it when the Messenger's
// cookies live on a parent domain), and sets a short-lived flag cookie; the
// next page that renders the snippet, by template or Inject, calls
// Intercom('shutdown') before booting, and clears the flag.
//
// # Single-page apps
//
// Apps that boot the Messenger from JavaScript fetch the visitor's settings
// from SettingsHandler, behind Middleware:
//
//	e.GET("/intercom/settings", intercomecho.SettingsHandler())
//
// The JSON is the object a page's snippet would assign to
// window.intercomSettings, identity included, sent with Cache-Control:
// no-store; it is null when there is nothing to boot.
//
// A Messenger with an empty AppID renders nothing, so development and test
// setups need no special wiring. Snippet renders "" on a route the
// middleware does not cover, and logs that once.
package intercomecho
