// Package conformance is the conformance suite of the Intercom integrations:
// it checks that a framework adapter behaves exactly as the core library
// specifies, the way testing/fstest checks a file system. The Gin, Echo and
// Fiber adapters run it, and so can any third-party adapter (chi, Fiber v3,
// Echo v5, ...): the suite never imports an adapter.
//
// # Using it
//
// An adapter's test file implements a Harness, whose one method builds an app
// for a Scenario and serves it on a listener the suite provides, and passes
// it to Run:
//
//	func TestConformance(t *testing.T) {
//		conformance.Run(t, conformance.HarnessFunc(func(t testing.TB, ln net.Listener, s conformance.Scenario) {
//			app := newApp(t, s) // the framework's app, configured from s
//			go app.Serve(ln)
//			t.Cleanup(func() { app.Close() })
//		}))
//	}
//
// Run calls the harness once per case, each time with a fresh
// *intercom.Messenger in Scenario.Messenger, then requests PagePath and the
// other routes below over real TCP and checks the responses. Every case is a
// subtest ("group/case"), so one failure names the rule that broke, and go
// test -run 'TestConformance/client-ip' re-runs one group.
//
// # What a harness does
//
// Build the app with the adapter's middleware on Scenario.Messenger and map
// every Scenario field onto the framework's own mechanism:
//
//   - SignedIn: a stand-in auth middleware, installed before the Intercom
//     one, that stores the returned value (when not nil) exactly where the
//     framework's real auth middleware would (gin.AuthUserKey, echo "user",
//     fiber "username"), so auto-identification is tested through the same
//     key users rely on.
//   - WithUser, WithAttributes, WithNonce: the adapter's options of the same
//     names. Each callback takes a Header, which reads the request's headers.
//   - Skip: the adapter's skipper, returning true for every request.
//   - TrustedProxies: the framework's own trusted-proxy setting; empty means
//     trust no proxy, so X-Forwarded-For must be ignored. This is where the
//     frameworks' spoofable defaults are caught.
//   - PagePath: a GET route whose handler calls the adapter's Identify (when
//     Scenario.Identify returns true) and Set (for each Scenario.Set entry,
//     in order), then responds 200 with a text/html page rendered through the
//     adapter's template integration. The page must not mention
//     intercomSettings or IntercomSettingsScriptTag outside the snippet.
//   - RawPath: a GET and HEAD route whose handler calls Identify and Set as
//     on PagePath, then writes Scenario.Raw through the framework's own
//     response writer exactly as it is: status, headers, each chunk in
//     turn, flushing after each one when Raw.Flush is set.
//   - LogoutPath: a GET route whose handler calls the adapter's Shutdown,
//     then redirects (302 Found) to PagePath.
//   - Calls: the handlers of PagePath, RawPath, ComponentPath, RedirectPath
//     and UncoveredPath queue each call Scenario.Calls returns with the
//     adapter's Call, in order, after Identify and Set.
//   - RedirectPath: a GET and POST route whose handler calls Identify, Set
//     and Calls as on PagePath, then redirects (303 See Other) to PagePath.
//   - SettingsPath: a GET route served by the adapter's settings JSON
//     handler, behind the same middleware as PagePath.
//   - WholePage: the adapter's whole-page install middleware, after its
//     Intercom middleware, on every route, PagePath included.
//   - Twice: the Intercom middleware installed twice in a row (and, with
//     WholePage, the whole-page install twice after them).
//   - ComponentPath: a GET route like PagePath whose page is
//     ComponentPage.Head, the output of the adapter's templ component
//     (Component) rendered with the context a templ user passes, and
//     ComponentPage.Tail.
//   - UncoveredPath: a GET route WITHOUT the Intercom middleware (the
//     stand-in auth and, with WholePage, the whole-page install still run)
//     whose handler calls Identify, Set and Shutdown, then writes the page
//     as PagePath does followed by ComponentPage around the component's
//     output: every helper must do nothing, and the page must render.
//
// Serve must not block: it starts the server on the listener and registers
// its shutdown with t.Cleanup.
//
// # What it checks
//
// The groups of cases are: disabled, anonymous, auto-identify, precedence
// (Identify over WithUser over auto-identification; Set over WithAttributes
// over user fields over Config.Messenger), custom-data, identity (user_hash
// and JWT, verified independently), internal-ip, client-ip (trusted and
// spoofed X-Forwarded-For), escaping (hostile values in a script element and
// in the internal-IP comment), nonce, settings, skip, callbacks (each
// callback runs at most once per request), component (the templ component
// renders the template's snippet, once even with whole-page install),
// no-middleware (helpers on a route the middleware does not cover do
// nothing and the page renders), twice (the middleware installed twice keeps
// one state), concurrency (200 concurrent
// requests, each with its own user), whole-page (the snippet inserted
// exactly once, right before the last </body>, for the handler's visitor,
// into text/html pages however they are written; everything else left byte
// for byte as the handler wrote it; an injected page private to the visitor
// unless the handler set a caching policy), head (HEAD of an injected page
// answers the headers GET gets, and uses up no pending logout), logout
// (exactly this workspace's intercom-* cookies expired with the configured
// Domain, and the next page, only that one, shutting the Messenger down) and
// settings-json (the JSON of
// the settings endpoint is the object the page's snippet carries, or null,
// and is not cacheable). Pages are read with an HTML5 tokenizer and the
// settings are compared as parsed JSON, with exact values; errors the
// Messenger reports to Config.ErrorHandler are checked too: present where a
// rule says so, absent everywhere else.
//
// The logout cases keep cookies as a browser on the site would, including
// those set for Config.CookieDomain, and look at the redirect rather than
// follow it.
//
// Real client addresses need no headers: the suite dials from chosen
// loopback addresses such as 127.0.0.7, which Linux routes to loopback. On
// systems where only 127.0.0.1 is configured the cases that need another
// address are skipped, as is the IPv6 case without an IPv6 loopback.
//
// # Helpers for an adapter's own tests
//
// FindSnippet extracts and parses the snippet of a page, returning an error
// rather than failing a test, so adapters' unit tests (an httptest recorder,
// a rendered template) can check snippets the way the suite does.
//
// CheckClientIPRecipes attacks an adapter's documented client-IP recipes
// (a ClientIPRecipe each: the app as the recipe sets it up, and whether it
// trusts the proxies at RecipeLoadBalancer and RecipeEdge) with the
// client-IP headers a client can send, directly and through appending
// proxies, and checks the client IP the Messenger sees through
// Config.InternalIPs; CheckClientIP checks one request, for an adapter's
// own cases. StrictPolicy and CheckStrictPolicy are the README's strict
// nonce policy and its check, for an adapter's CSP recipe test.
//
// Paired is the loop of an adapter's BenchmarkOverhead: the same route
// without and with the adapter, served alternately, reporting the time
// Intercom adds per request (added-ns/req). UserNames gives a new signed-in
// user for every request, for the cost of a user's first page view.
package conformance
