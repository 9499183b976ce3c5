package intercomhttp

import (
	"net/http"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

// Option configures Middleware.
type Option = adapter.Option[*http.Request]

// WithUser sets how to find the signed-in user of a request, typically from
// the session or a value the app's auth middleware put in the request's
// context. It runs at most once per request, and only when a page renders
// the snippet and no handler called Identify; ok false means f does not know
// the visitor. A panic in f is reported to the Messenger's ErrorHandler and
// treated as ok false.
func WithUser(f func(r *http.Request) (u intercom.User, ok bool)) Option { return adapter.WithUser(f) }

// WithAuthUser sets where the app's auth middleware keeps the signed-in
// user, for auto-identification: net/http has no convention of its own. f
// returns that value, typically r.Context().Value(userKey): a user name
// string (identified by id and name), an app type implementing
// intercom.Identifier, an intercom.User, or a golang-jwt *jwt.Token (its
// sub, email and name claims). Other values are reported and ignored;
// WithUser, when it knows the visitor, comes first, and
// intercom.Config.DisableAutoIdentify turns this off.
func WithAuthUser(f func(r *http.Request) any) Option {
	return func(h *adapter.Hooks[*http.Request]) { h.AuthUser = f }
}

// WithAttributes sets custom data for every page, such as the plan or
// company of the account (django-analytical's context processor). Values a
// handler sets with Set, or passes as intercom_* keys to Data, override it.
func WithAttributes(f func(r *http.Request) intercom.Attributes) Option {
	return adapter.WithAttributes(f)
}

// WithNonce sets how to find the response's CSP nonce, typically a value a
// security middleware put in the request's context. The snippet's script
// element and the widget script it loads then carry it.
func WithNonce(f func(r *http.Request) string) Option { return adapter.WithNonce(f) }

// WithClientIP replaces how the client address is found for
// intercom.Config.InternalIPs; a nil f keeps the default. The default is
// the peer address (r.RemoteAddr): no proxy is trusted, so no header can
// spoof it. Behind your own proxies, use WithTrustedProxies instead.
func WithClientIP(f func(r *http.Request) string) Option { return adapter.WithClientIP(f) }

// WithTrustedProxies makes the client address intercom.ClientIP's: the peer
// address unless it is one of proxies, then X-Forwarded-For walked from the
// right past the trusted hops. proxies are IP addresses and CIDR prefixes
// ("10.0.0.0/8", "2001:db8::1"). An entry that is neither panics here, at
// start-up, naming it: a proxy list is configuration, never request data.
// Do not also use chi's middleware.RealIP, which trusts the headers of any
// peer.
func WithTrustedProxies(proxies ...string) Option {
	ip, err := adapter.TrustedClientIP(proxies...)
	if err != nil {
		panic("intercomhttp.WithTrustedProxies: " + err.Error())
	}
	return adapter.WithClientIP(ip)
}

// WithSkipper sets a function that reports requests the middleware should
// leave alone, such as health checks or admin pages: on them Snippet, Data
// and Component render no snippet, Inject leaves the page alone,
// SettingsHandler responds null, and Identify and Set do nothing. Shutdown
// still logs the visitor out. A panic in f is reported and the request is
// not skipped.
func WithSkipper(f func(r *http.Request) bool) Option { return adapter.WithSkipper(f) }
