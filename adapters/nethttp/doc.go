// Package intercomhttp puts the Intercom Messenger on the pages of a plain
// net/http app, with the standard library's ServeMux or any router whose
// middleware is func(http.Handler) http.Handler: chi, gorilla/mux, ...
//
// Build one intercom.Messenger at start-up, install Middleware, and pass
// each page's template data through Data:
//
//	m, err := intercom.New(intercom.Config{
//		AppID:      os.Getenv("INTERCOM_APP_ID"),
//		HMACSecret: os.Getenv("INTERCOM_HMAC_SECRET_KEY"),
//	})
//	if err != nil {
//		log.Fatal(err) // a bad setting fails here, never on a request
//	}
//
//	r := chi.NewRouter()
//	r.Use(intercomhttp.Middleware(m, intercomhttp.WithUser(currentUser)))
//	r.Get("/pricing", func(w http.ResponseWriter, r *http.Request) {
//		_ = page.Execute(w, intercomhttp.Data(r, map[string]any{
//			"Title":         "Pricing",
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
// Component returns a templ component that renders the snippet of the
// request whose context it is rendered with; no templ import is needed here:
//
//	templ Layout() {
//		<body>
//			{ children... }
//			@intercomhttp.Component()
//		</body>
//	}
//
// templ.Handler(page) renders with the request's context, so it just works.
//
// # Pages without a template
//
// Inject, installed after Middleware, puts the snippet into text/html
// responses that do not render it themselves (static HTML, other libraries'
// pages), right before their last </body>:
//
//	r.Use(intercomhttp.Middleware(m), intercomhttp.Inject())
//
// It leaves alone pages that rendered the snippet already, everything that
// is not text/html, bodies already compressed when they reach it, and 1xx,
// 204, 206 and 3xx responses; HEAD gets the headers GET gets. Wrap a
// compressing handler (such as klauspost/compress's gzhttp) around Inject,
// so that it compresses the page with the snippet. Pages stream through it with bounded memory.
//
// # Messenger calls
//
// Call queues a call of the Messenger's JavaScript API (trackEvent,
// showNewMessage, startTour, ...) for the page that renders the snippet:
// this response's, or, after a redirect, a fragment or JSON, the next one's,
// carried there by a short-lived cookie and run once:
//
//	mux.HandleFunc("POST /invoices/{id}/pay", func(w http.ResponseWriter, r *http.Request) {
//		_ = intercomhttp.Call(w, r, "trackEvent", "invoice-paid", map[string]any{"amount": 42})
//		http.Redirect(w, r, "/invoices", http.StatusSeeOther)
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
//	func logout(w http.ResponseWriter, r *http.Request) {
//		// ... end the app's own session ...
//		intercomhttp.Shutdown(w, r)
//		http.Redirect(w, r, "/", http.StatusSeeOther)
//	}
//
// # Single-page apps
//
// SettingsHandler serves the visitor's settings as JSON, with
// Cache-Control: no-store, for apps that boot the Messenger from JavaScript.
//
// # Who the visitor is
//
// net/http has no auth convention of its own, so the user comes, once per
// request when a page first renders the snippet, from the first of:
//
//  1. Identify, called by a handler (for example right after sign-up);
//  2. the WithUser function, typically reading the session or a value the
//     app's auth middleware put in the request's context;
//  3. the value WithAuthUser returns (auto-identification): a user name, an
//     app type implementing intercom.Identifier, or a golang-jwt token.
//     intercom.Config.DisableAutoIdentify turns this step off.
//
// The functions get the request the rendering helper was given, so context
// values added by middlewares after Middleware (route-level auth) are seen.
// Custom data comes from WithAttributes for every page, overridden by Set
// and by the intercom_* keys of Data's map for one page.
//
// # Client IP
//
// The snippet is commented out for visitors inside
// intercom.Config.InternalIPs. The client address is the peer address
// (r.RemoteAddr), which no header changes, unless WithTrustedProxies names
// your proxies:
//
//	r.Use(intercomhttp.Middleware(m, intercomhttp.WithTrustedProxies("10.0.0.0/8"))) // your load balancers
//
// Then the peer address is the client unless the peer is one of them, and
// X-Forwarded-For, every line of it, is walked from the right past them
// (intercom.ClientIP): behind load balancers that append the address they
// saw, what a client writes to the left of it never counts. Do not use
// chi's middleware.RealIP for this: it believes any peer's headers.
//
// # Errors
//
// Nothing here fails a request. Problems (a panicking WithUser function, a
// value of the wrong type from WithAuthUser, an invalid nonce) go to
// intercom.Config.ErrorHandler and the page renders without the affected
// part. The helpers on a request Middleware did not see do nothing
// (SettingsHandler responds null) and log adapter.ErrNoMiddleware with
// log/slog, once per process. A bad WithTrustedProxies entry panics at
// start-up, naming it.
package intercomhttp
