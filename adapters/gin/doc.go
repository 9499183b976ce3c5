// Package intercomgin puts the Intercom Messenger on the pages of a Gin app.
//
// Build one intercom.Messenger at start-up, install Middleware, and pass each
// page's template data through Data:
//
//	m, err := intercom.New(intercom.Config{
//		AppID:      os.Getenv("INTERCOM_APP_ID"),
//		HMACSecret: os.Getenv("INTERCOM_HMAC_SECRET_KEY"),
//	})
//	if err != nil {
//		log.Fatal(err) // a bad setting fails here, never on a request
//	}
//
//	r := gin.Default()
//	if err := r.SetTrustedProxies(nil); err != nil { // see "Client IP" below
//		log.Fatal(err)
//	}
//	r.Use(gin.BasicAuth(accounts)) // or the app's own auth middleware
//	r.Use(intercomgin.Middleware(m))
//	r.GET("/pricing", func(c *gin.Context) {
//		c.HTML(http.StatusOK, "pricing.tmpl", intercomgin.Data(c, gin.H{
//			"title":         "Pricing",
//			"intercom_plan": "pro", // custom data, sent as "plan"
//		}))
//	})
//
// and in the template, anywhere in the body:
//
//	{{ .Intercom }}
//
// Data adds the snippet under the key "Intercom"; Snippet returns it for
// other uses. Both render nothing when the Messenger is disabled (no app id)
// and on requests the WithSkipper function excludes.
//
// # templ
//
// Component returns a templ component (no templ import is needed here) that
// renders the snippet of the request whose context it renders with;
// Middleware puts the request's state in c.Request.Context():
//
//	templ Layout() {
//		<body>
//			{ children... }
//			@intercomgin.Component()
//		</body>
//	}
//
// and in the handler, page().Render(c.Request.Context(), c.Writer).
//
// # Pages without a template
//
// Inject, installed after Middleware, puts the snippet into text/html
// responses that do not render it themselves (static HTML, c.Data, pages of
// other libraries), right before their last real </body> end tag:
//
//	r.Use(intercomgin.Middleware(m))
//	r.Use(intercomgin.Inject())
//
// It leaves alone pages that rendered the snippet through Data, Snippet or
// Component, everything that is not text/html, bodies already compressed
// when they reach it, and 1xx, 204, 206 and 3xx responses; HEAD gets the
// headers GET gets. Install gin-contrib/gzip before Inject, so that it
// compresses the page with the snippet. Pages stream through it with
// bounded memory.
//
// # Messenger calls
//
// Call queues a call of the Messenger's JavaScript API (trackEvent,
// showNewMessage, startTour, ...) for the page that renders the snippet:
// this response's, or, after a redirect, a fragment or JSON, the next one's,
// carried there by a short-lived cookie and run once:
//
//	r.POST("/invoices/:id/pay", func(c *gin.Context) {
//		_ = intercomgin.Call(c, "trackEvent", "invoice-paid", gin.H{"amount": 42})
//		c.Redirect(http.StatusSeeOther, "/invoices")
//	})
//
// # Logout
//
// Expiring Intercom's cookies does not end the visitor's session at
// Intercom: the next page must call Intercom('shutdown'). A logout handler
// calls Shutdown, which expires the cookies (with
// intercom.Config.CookieDomain) and leaves a flag for the next page that
// renders the snippet, through Data, Snippet, Component or Inject:
//
//	r.POST("/logout", func(c *gin.Context) {
//		// ... end the app's own session ...
//		intercomgin.Shutdown(c)
//		c.Redirect(http.StatusFound, "/")
//	})
//
// # Single-page apps
//
// SettingsHandler serves the visitor's settings as JSON, with
// Cache-Control: no-store, for apps that boot the Messenger from JavaScript:
//
//	r.GET("/intercom/settings", intercomgin.SettingsHandler())
//
// # Who the visitor is
//
// The user is decided once per request, when a page first renders the
// snippet, from the first of:
//
//  1. Identify, called by a handler (for example right after sign-up);
//  2. the WithUser function, for apps with their own sessions;
//  3. the value gin.BasicAuth stored under gin.AuthUserKey: a user name
//     (identified by id and name), an app type implementing
//     intercom.Identifier, or a golang-jwt token (its sub, email and name
//     claims). Any other type is reported to the Messenger's ErrorHandler
//     and ignored. intercom.Config.DisableAutoIdentify turns
//     this step off.
//
// Custom data comes from WithAttributes for every page, overridden by Set
// and by the intercom_* keys of Data's map for one page.
//
// # Client IP
//
// The snippet is commented out for visitors inside
// intercom.Config.InternalIPs, and the client address is c.ClientIP(), so
// the engine's own proxy settings apply. Gin's default is to trust ALL
// proxies: any client can then pick its own c.ClientIP() by sending an
// X-Forwarded-For header. Tell the engine which proxies are yours, or that
// there are none:
//
//	r.SetTrustedProxies([]string{"10.0.0.0/8"}) // your load balancers
//	r.SetTrustedProxies(nil)                    // no proxy: the peer address
//
// With no proxy, no header changes c.ClientIP(). With your load balancers
// trusted, c.ClientIP() is the peer address unless the peer is one of them;
// then X-Forwarded-For, every line of it, is walked from the right past
// them, so behind load balancers that append the address they saw (nginx's
// $proxy_add_x_forwarded_for, HAProxy's option forwardfor, cloud load
// balancers) what a client writes to the left of it never counts.
//
// r.TrustedPlatform (gin.PlatformCloudflare, ...) is not such a check:
// c.ClientIP() is then that header's value from every peer, so set it only
// when nothing but the platform can reach the app. WithClientIP replaces
// c.ClientIP() altogether.
//
// # Errors
//
// Nothing here fails a request. Problems (a panicking WithUser function, a
// value of the wrong type under gin.AuthUserKey, an invalid nonce) go to
// intercom.Config.ErrorHandler and the page renders without the affected
// part. Snippet, Data, Component, Inject, Shutdown and SettingsHandler on a
// route the middleware does not cover do nothing (SettingsHandler responds
// null); with no Messenger to report to, they write adapter.ErrNoMiddleware
// to gin.DefaultErrorWriter, once per process.
package intercomgin
