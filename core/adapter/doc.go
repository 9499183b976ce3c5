// Package adapter is the kit that framework adapters of the Intercom
// Messenger are built on. Applications do not import it: they use package
// intercom and their framework's adapter (intercomgin, intercomecho,
// intercomfiber, intercomhttp). A third-party adapter (Gin v2, Buffalo, a
// router of its own) is written against this package and checked with the
// conformance suite (github.com/goanalytical/intercom/conformance), the way
// the shipped adapters are.
//
// # The shape of an adapter
//
// At start-up the adapter's middleware constructor builds one Middleware
// from the application's *intercom.Messenger, the adapter's glue to its
// framework and the application's options, all as Hooks over the
// framework's per-request context type C (*gin.Context, echo.Context,
// *fiber.Ctx, ...):
//
//	mw := adapter.NewMiddleware("intercomgin.Middleware", m, adapter.Hooks[*gin.Context]{
//		ClientIP: (*gin.Context).ClientIP,                                       // trusted-proxy aware
//		AuthUser: func(c *gin.Context) any { return c.Value(gin.AuthUserKey) }, // auto-identify
//	}.WithRequestCookies(request, responseHeader), opts...)
//
// Per request, the middleware calls mw.Start(c) and keeps the *Request it
// returns where the framework keeps per-request data (and, with NewContext,
// in the request's context.Context, for the templ Component). Nothing is
// resolved then: the hooks run at most once, when a page first renders the
// snippet, so an auth middleware may run before or after the adapter's.
//
// The adapter's helpers are then one line each, because every method of a
// *Request works on nil, the state of a request the middleware did not see:
//
//	func Snippet(c *gin.Context) template.HTML { return lookup(c).Snippet() }
//
// where lookup fetches the stored value and passes it to Lookup, which logs
// ErrNoMiddleware once, through a Warning, when there is none. Identify,
// Set, Call (queued Messenger calls), Snippet, Settings (WriteSettings for a
// settings endpoint), Shutdown (logout), Data (map data for templates), RenderTemplate, RenderData and
// RenderBinding (engine wrappers), Inject (whole-page install on net/http
// writers), InjectBuffered (on fasthttp's in-memory responses) and
// Component (templ) are all here; an adapter only says where its framework
// keeps things.
//
// # Rules the kit enforces for every adapter
//
//   - A panicking hook (an application's WithUser, a broken cookie parser)
//     is reported to intercom.Config.ErrorHandler as a *HookError and
//     treated as unset; nothing panics on a request path.
//   - The skipper's requests render nothing, but Shutdown still works on
//     them.
//   - A response that renders an identified visitor's snippet (a user, or a
//     user_id or email in custom data), through any helper, becomes
//     Cache-Control: private where its headers are still open (the
//     DefaultHeader hook), unless the application set a Cache-Control.
//   - Whole-page install skips 1xx/204/206/3xx, non-HTML and encoded
//     responses (an encoding set outside it before the handler ran is a
//     compressor's that encodes what it writes, and does not count) and
//     pages that already carry the snippet; a page that gets it loses
//     Content-Length, Accept-Ranges and ETag and becomes Cache-Control:
//     private unless it set a policy. HEAD is decided as GET, so both carry
//     the same headers, and uses nothing up.
//   - Logout expires every intercom-* cookie of the workspace with the
//     configured cookie Domain and leaves ShutdownCookie, so the next page
//     that renders the snippet ends the session at Intercom, once.
//   - Queued Messenger calls reach the next page that renders the snippet,
//     once, through a cookie that is validated again on read, so a forged
//     one can only queue allowed calls with plain data.
package adapter
