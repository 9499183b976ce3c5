package intercomhttp

import (
	"context"
	"log/slog"
	"net/http"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

// exchange is one request as the kit sees it: the latest *http.Request a
// helper was given (so that hooks see the context values of the middlewares
// that ran after Middleware), the ResponseWriter for cookies, and the state.
// It is the request's context too, and holds the request Middleware passes
// on (req, the request with this context), so that one allocation serves
// all four.
type exchange struct {
	context.Context
	w     http.ResponseWriter
	r     *http.Request
	state adapter.Request[*exchange]
	req   http.Request
}

// Value finds the exchange itself under stateKey.
func (x *exchange) Value(key any) any {
	if key == (stateKey{}) {
		return x
	}
	return x.Context.Value(key)
}

func (x *exchange) request() *http.Request { return x.r }

func (x *exchange) header() http.Header { return x.w.Header() }

// stateKey is the context key of a request's exchange.
type stateKey struct{}

// Middleware returns net/http middleware, the shape chi's r.Use,
// gorilla/mux's Use and a plain wrap of a ServeMux all take, that makes m's
// snippet available to the handlers after it, through Snippet, Data and
// Component, and makes Identify, Set, Inject, Shutdown and SettingsHandler
// work for them:
//
//	r := chi.NewRouter()
//	r.Use(sessionAuth) // the app's own auth, before Intercom's
//	r.Use(intercomhttp.Middleware(m, intercomhttp.WithUser(currentUser)))
//
// The request's state lives in its context. The options' functions run at
// most once per request, when a page first renders the snippet, with the
// request the rendering helper was given; so WithUser sees the context
// values of an auth middleware installed after Middleware too, as long as
// the handler passes its own r. Installed twice, the second Middleware keeps
// the first one's state.
//
// The first page that renders the snippet for a browser after a Shutdown (on
// a later request: the adapter.ShutdownCookie flag says so) ends the
// previous Messenger session before booting.
//
// Middleware panics if m is nil: a Messenger from intercom.New is required
// (a disabled one, with an empty AppID, renders nothing).
func Middleware(m *intercom.Messenger, opts ...Option) func(http.Handler) http.Handler {
	hooks := adapter.Hooks[*http.Request]{
		ClientIP: func(r *http.Request) string { return intercom.ClientIP(r, nil) },
	}.With(opts...)
	glue := adapter.Adapt(hooks, (*exchange).request).WithRequestCookies((*exchange).request, (*exchange).header)
	mw := adapter.NewMiddleware("intercomhttp.Middleware", m, glue)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Context().Value(stateKey{}) != nil {
				next.ServeHTTP(w, r)
				return
			}
			x := &exchange{Context: r.Context(), w: w}
			x.req = *r.WithContext(x) // WithContext inlines: its copy stays on the stack
			x.r = &x.req
			mw.Init(&x.state, x)
			next.ServeHTTP(w, x.r)
		})
	}
}

// warning logs adapter.ErrNoMiddleware with log/slog, once per process.
var warning = adapter.NewWarning(func(err error) { slog.Warn(err.Error(), "adapter", "intercomhttp") })

// exchangeOf returns the exchange Middleware put in r's context; nil for a
// request it did not see, and for a nil r.
func exchangeOf(r *http.Request) *exchange {
	if r == nil {
		return nil
	}
	return fromContext(r.Context())
}

// fromContext returns the exchange ctx carries, or nil.
func fromContext(ctx context.Context) *exchange {
	x, _ := ctx.Value(stateKey{}).(*exchange)
	return x
}
