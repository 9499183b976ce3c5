package adapter

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"sync"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/internal/link"
)

// Hooks are how the kit reads one request of a framework whose context type
// is C (*gin.Context, echo.Context, *fiber.Ctx, ...). The first five are the
// application's options (the With functions set them); the rest are the
// adapter's glue to its framework. Nil hooks are skipped. An adapter builds
// one Hooks at start-up; it is shared by every request.
type Hooks[C any] struct {
	// User returns the visitor's user (WithUser). It is consulted before
	// auto-identification, and not at all once a handler called Identify.
	User func(C) (intercom.User, bool)
	// Attributes returns custom data for every page (WithAttributes:
	// django-analytical's context processor). Set overrides it key by key.
	Attributes func(C) intercom.Attributes
	// Nonce returns the response's CSP nonce (WithNonce).
	Nonce func(C) string
	// ClientIP returns the client address as the framework determines it,
	// honouring its trusted-proxy settings (WithClientIP replaces it). It
	// only decides the internal-IP rule, so it is not called when
	// intercom.Config.InternalIPs is empty.
	ClientIP func(C) string
	// Skip reports requests the middleware leaves alone (WithSkipper): their
	// pages get no snippet, but Shutdown still logs the visitor out.
	Skip func(C) bool

	// AuthUser returns the value the framework's own auth middleware stored
	// for the signed-in user, for auto-identification: a string (the user
	// name, as basic-auth middlewares store it), an intercom.Identifier, an
	// intercom.User, or a golang-jwt *jwt.Token (its claims' sub, email and
	// name). Unused when intercom.Config.DisableAutoIdentify is set.
	AuthUser func(C) any
	// HasCookie reports whether the request carries a cookie of that name.
	HasCookie func(c C, name string) bool
	// Cookie returns the value of the request's cookie of that name, "" when
	// there is none. Queued calls need it to survive a redirect: without it
	// they run only on a page the same response renders.
	Cookie func(c C, name string) string
	// CookieNames returns the names of the request's cookies (for logout).
	CookieNames func(C) []string
	// SetCookie adds a Set-Cookie header to the response, replacing one this
	// response already sets for a cookie of the same name (queued calls set
	// their cookie again with each call), where the headers have not gone
	// out yet; where they have, it does nothing.
	SetCookie func(C, *http.Cookie)
	// DefaultHeader sets the response header key to value unless the
	// response has that header already (a value the application set), where
	// the headers have not gone out yet; where they have, it does nothing.
	// The kit marks a response that carries an identified visitor's snippet
	// Cache-Control: private with it, as the snippet renders (see
	// SetDefaultHeader for fasthttp's headers).
	DefaultHeader func(c C, key, value string)
	// UserOption names the adapter's option that sets User, for the report
	// about an AuthUser value the kit cannot identify from. Empty: the
	// package of NewMiddleware's name and WithUser ("intercomgin.WithUser").
	UserOption string
}

// Option configures the Hooks of an adapter with functional options; an
// adapter declares its own Option as an alias of Option[C].
type Option[C any] func(*Hooks[C])

// WithUser sets Hooks.User.
func WithUser[C any](f func(C) (intercom.User, bool)) Option[C] {
	return func(h *Hooks[C]) { h.User = f }
}

// WithAttributes sets Hooks.Attributes.
func WithAttributes[C any](f func(C) intercom.Attributes) Option[C] {
	return func(h *Hooks[C]) { h.Attributes = f }
}

// WithNonce sets Hooks.Nonce.
func WithNonce[C any](f func(C) string) Option[C] {
	return func(h *Hooks[C]) { h.Nonce = f }
}

// WithClientIP sets Hooks.ClientIP; a nil f keeps the adapter's default.
func WithClientIP[C any](f func(C) string) Option[C] {
	return func(h *Hooks[C]) {
		if f != nil {
			h.ClientIP = f
		}
	}
}

// WithSkipper sets Hooks.Skip.
func WithSkipper[C any](f func(C) bool) Option[C] {
	return func(h *Hooks[C]) { h.Skip = f }
}

// With returns h with opts applied in order; nil options are ignored.
func (h Hooks[C]) With(opts ...Option[C]) Hooks[C] {
	for _, o := range opts {
		if o != nil {
			o(&h)
		}
	}
	return h
}

// WithRequestCookies returns h with HasCookie, Cookie, CookieNames,
// SetCookie and DefaultHeader set, where they are nil, for a framework
// built on net/http: req returns c's request, whose cookies HasCookie,
// Cookie and CookieNames read; header returns the response header map
// SetCookie adds its Set-Cookie line to and DefaultHeader sets headers in,
// or nil once the headers have gone out (both then do nothing).
func (h Hooks[C]) WithRequestCookies(req func(C) *http.Request, header func(C) http.Header) Hooks[C] {
	if h.HasCookie == nil {
		h.HasCookie = func(c C, name string) bool {
			_, ok := requestCookie(req(c).Header, name)
			return ok
		}
	}
	if h.Cookie == nil {
		h.Cookie = func(c C, name string) string {
			v, _ := requestCookie(req(c).Header, name)
			return v
		}
	}
	if h.CookieNames == nil {
		h.CookieNames = func(c C) []string {
			cookies := req(c).Cookies()
			names := make([]string, len(cookies))
			for i, ck := range cookies {
				names[i] = ck.Name
			}
			return names
		}
	}
	if h.SetCookie == nil {
		h.SetCookie = func(c C, ck *http.Cookie) {
			if hd := header(c); hd != nil {
				if v := ck.String(); v != "" {
					replaceSetCookie(hd, ck.Name, v)
				}
			}
		}
	}
	if h.DefaultHeader == nil {
		h.DefaultHeader = func(c C, key, value string) {
			if hd := header(c); hd != nil {
				setDefault(hd, key, value)
			}
		}
	}
	return h
}

// Adapt returns h as hooks over another context type D, each calling its
// counterpart with via(d): for an adapter whose options take one type (such
// as *http.Request) while its per-request context is another (the request
// together with its ResponseWriter). Nil hooks stay nil.
func Adapt[C, D any](h Hooks[C], via func(D) C) Hooks[D] {
	return Hooks[D]{
		User:        adapt2(h.User, via),
		Attributes:  adapt1(h.Attributes, via),
		Nonce:       adapt1(h.Nonce, via),
		ClientIP:    adapt1(h.ClientIP, via),
		Skip:        adapt1(h.Skip, via),
		AuthUser:    adapt1(h.AuthUser, via),
		CookieNames: adapt1(h.CookieNames, via),
		HasCookie:   adaptArg(h.HasCookie, via),
		Cookie:      adaptArg(h.Cookie, via),
		SetCookie:   adaptSet(h.SetCookie, via),
		UserOption:  h.UserOption,

		DefaultHeader: adaptHeader(h.DefaultHeader, via),
	}
}

func adapt1[C, D, T any](f func(C) T, via func(D) C) func(D) T {
	if f == nil {
		return nil
	}
	return func(d D) T { return f(via(d)) }
}

func adapt2[C, D, T any](f func(C) (T, bool), via func(D) C) func(D) (T, bool) {
	if f == nil {
		return nil
	}
	return func(d D) (T, bool) { return f(via(d)) }
}

func adaptArg[C, D, T any](f func(C, string) T, via func(D) C) func(D, string) T {
	if f == nil {
		return nil
	}
	return func(d D, s string) T { return f(via(d), s) }
}

// replaceSetCookie adds the Set-Cookie line value for the cookie name to
// h, dropping any line h already has for that name, so that a response
// sets each cookie once.
func replaceSetCookie(h http.Header, name, value string) {
	lines := slices.DeleteFunc(h["Set-Cookie"], func(l string) bool {
		n, _, _ := strings.Cut(l, "=")
		return strings.TrimSpace(n) == name
	})
	h["Set-Cookie"] = append(lines, value)
}

func adaptSet[C, D any](f func(C, *http.Cookie), via func(D) C) func(D, *http.Cookie) {
	if f == nil {
		return nil
	}
	return func(d D, c *http.Cookie) { f(via(d), c) }
}

// Middleware is what an adapter's middleware holds: the Messenger and the
// Hooks, built once. Its Start begins each request.
type Middleware[C any] struct {
	m     *intercom.Messenger
	st    *link.State
	hooks Hooks[C]
	// callsCookie is the name of the app's queued-calls cookie
	// (CallsCookiePrefix and the app id), made once.
	callsCookie string
}

// NewMiddleware returns the middleware state for m, with the adapter's glue
// and defaults in hooks and the application's options applied over them (nil
// options are ignored). It panics if m is nil, naming the adapter (such as
// "intercomgin.Middleware"): a Messenger from intercom.New is a start-up
// requirement, and a disabled one (empty AppID) renders nothing.
func NewMiddleware[C any](name string, m *intercom.Messenger, hooks Hooks[C], opts ...Option[C]) *Middleware[C] {
	if m == nil {
		panic(name + ": needs a *intercom.Messenger from intercom.New, got nil")
	}
	st := link.Of(m)
	mw := &Middleware[C]{m: m, st: st, hooks: hooks.With(opts...), callsCookie: CallsCookiePrefix + st.AppID}
	if mw.hooks.UserOption == "" {
		pkg, _, _ := strings.Cut(name, ".")
		mw.hooks.UserOption = pkg + ".WithUser"
	}
	return mw
}

// Messenger returns the Messenger the middleware renders with.
func (mw *Middleware[C]) Messenger() *intercom.Messenger { return mw.m }

// Start begins the Intercom state of the request c. A request the Skip hook
// reports gets a state that renders nothing; a panicking Skip hook is
// reported as a HookError and the request is not skipped.
func (mw *Middleware[C]) Start(c C) *Request[C] {
	r := new(Request[C])
	mw.start(r, c)
	return r
}

// StartWithRequest is Start for an adapter of a framework on net/http
// whose handlers reach the request's context (gin, echo): it returns the
// request state and a copy of req whose context carries it (NewContext),
// both in one allocation, for the adapter to hand on in place of req. A nil
// req gives Start's state and a nil request.
func (mw *Middleware[C]) StartWithRequest(c C, req *http.Request) (*Request[C], *http.Request) {
	if req == nil {
		return mw.Start(c), nil
	}
	x := new(withRequest[C])
	mw.start(&x.state, c)
	x.req = *req.WithContext(NewContext(req.Context(), &x.state)) // inlined: the copy WithContext makes stays on the stack
	return &x.state, &x.req
}

// withRequest is what StartWithRequest allocates.
type withRequest[C any] struct {
	state Request[C]
	req   http.Request
}

// Init is Start for a Request the adapter allocates itself, as a field of
// its own per-request value, to save an allocation; r is overwritten.
func (mw *Middleware[C]) Init(r *Request[C], c C) {
	*r = Request[C]{}
	mw.start(r, c)
}

// start is Init for a Request in fresh (zeroed) memory.
func (mw *Middleware[C]) start(r *Request[C], c C) {
	r.mw, r.ctx = mw, c
	if mw.hooks.Skip != nil {
		r.skipped, _ = guard(mw.st, "Skipper", func() bool { return mw.hooks.Skip(c) })
	}
}

// Request is the Intercom state of one request: the user and custom data
// handlers set, resolved together with the Hooks into an intercom.Visitor.
// The hooks run at most once per request, on first use, so an expensive user
// lookup is never repeated. A Request belongs to one request and is not safe
// for concurrent use.
//
// Every method works on a nil *Request, the state of a request the
// adapter's middleware did not see: nothing is set and nothing renders.
type Request[C any] struct {
	mw        *Middleware[C]
	ctx       C
	skipped   bool
	resolved  bool
	base      intercom.Visitor    // from the hooks
	user      intercom.User       // the resolved or identified user; base.User points here
	explicit  bool                // user came from Identify
	attrs     intercom.Attributes // from Set
	shutdown  bool
	pending   bool            // ShutdownCookie seen and not yet cleared
	calls     []intercom.Call // queued for the next snippet (Call, the calls cookie)
	callsRead bool            // the request's calls cookie has been read
	callsHeld bool            // a calls cookie is in the browser or on this response
	rendered  bool
	private   bool // the response was marked Cache-Control: private
	injecting bool // Inject is running for this request
	cv        requestContext[C]
}

// Messenger returns the Messenger the request renders with; nil for a nil
// Request.
func (r *Request[C]) Messenger() *intercom.Messenger {
	if r == nil {
		return nil
	}
	return r.mw.m
}

// active reports whether the request renders: the middleware saw it, did
// not skip it, and the Messenger is enabled.
func (r *Request[C]) active() bool {
	return r != nil && !r.skipped && r.mw.st.AppID != ""
}

// Skipped reports whether the middleware's skipper excluded the request.
func (r *Request[C]) Skipped() bool { return r != nil && r.skipped }

// Identify sets the visitor's user for this request. It takes precedence over
// the User hook and auto-identification.
func (r *Request[C]) Identify(u intercom.User) {
	if r == nil || r.skipped {
		return
	}
	r.user, r.explicit = u, true
	r.base.User = &r.user
}

// Set sets one custom attribute for this request, overriding the Attributes
// hook and any user or Messenger setting with the same key.
func (r *Request[C]) Set(key string, value any) {
	if r == nil || r.skipped {
		return
	}
	if r.attrs == nil {
		r.attrs = make(intercom.Attributes, 4)
	}
	r.attrs[key] = value
}

// Rendered reports whether the snippet has rendered for this request (by
// Snippet, or into a page by RenderTemplate), so that whole-page install
// leaves such pages alone.
func (r *Request[C]) Rendered() bool { return r != nil && r.rendered }

// Visitor returns the visitor of this request: Identify over the User hook
// over auto-identification; Set over the Attributes hook. Its Calls are
// empty: the queued calls (Call) render only through the Request's own
// Snippet and AppendSnippet, which consume them, so that they run once. For a nil or
// skipped Request and a disabled Messenger no hook runs and it is empty.
func (r *Request[C]) Visitor() intercom.Visitor {
	if !r.active() {
		// Nothing renders for it, so no hook runs either.
		return intercom.Visitor{Shutdown: r != nil && r.shutdown}
	}
	if !r.resolved {
		r.resolve()
	}
	v := r.base
	switch {
	case len(r.attrs) == 0:
	case len(v.Attributes) == 0:
		v.Attributes = r.attrs
	default:
		merged := make(intercom.Attributes, len(v.Attributes)+len(r.attrs))
		for k, x := range v.Attributes {
			merged[k] = x
		}
		for k, x := range r.attrs {
			merged[k] = x
		}
		v.Attributes = merged
	}
	v.Shutdown = r.shutdown
	return v
}

// Snippet renders the snippet for this request; "" for a nil or skipped
// Request and a disabled Messenger.
func (r *Request[C]) Snippet() template.HTML {
	v, ok := r.startSnippet()
	if !ok {
		return ""
	}
	return r.mw.m.Render(v)
}

// AppendSnippet is Snippet appended to dst.
func (r *Request[C]) AppendSnippet(dst []byte) []byte {
	if v, ok := r.startSnippet(); ok {
		dst = r.mw.m.AppendSnippet(dst, v)
	}
	return dst
}

// startSnippet is what rendering the snippet does first: it marks the
// request rendered, clears the logout flag, and returns the visitor; ok is
// false when nothing is to be rendered.
func (r *Request[C]) startSnippet() (v intercom.Visitor, ok bool) {
	if !r.active() {
		return intercom.Visitor{}, false
	}
	if !r.resolved {
		r.resolve()
	}
	if r.pending {
		// Where the headers have gone out (streamed whole-page install), the
		// SetCookie hook does nothing and the shutdown snippet's own script
		// deletes the flag.
		r.pending = false
		r.setCookie(shutdownDone)
	}
	r.rendered = true
	v = r.Visitor()
	v.Calls = r.takeCalls()
	r.markPrivate(&v)
	return v, true
}

// Settings returns the visitor's settings as JSON, the object the snippet
// would assign to window.intercomSettings (see
// intercom.Messenger.AppendSettings), for a settings endpoint of a
// single-page app. It is null for a nil or skipped Request, a disabled
// Messenger and an internal client IP.
func (r *Request[C]) Settings() []byte {
	if !r.active() {
		return []byte("null")
	}
	return r.mw.m.AppendSettings(nil, r.Visitor())
}

// WriteSettings is what a settings endpoint responds: it sets the response
// headers with set (application/json, and Cache-Control: no-store, as the
// JSON holds the visitor's identity) and returns the body, Settings.
func (r *Request[C]) WriteSettings(set func(key, value string)) []byte {
	set("Content-Type", "application/json; charset=utf-8")
	set("Cache-Control", "no-store")
	return r.Settings()
}

// resolve runs the hooks once. A panicking hook is reported and treated as
// absent: a bug in app glue must not take the page down.
func (r *Request[C]) resolve() {
	r.resolved = true
	h, c, st := &r.mw.hooks, r.ctx, r.mw.st
	if h.HasCookie != nil {
		r.pending, _ = guard(st, "HasCookie", func() bool { return h.HasCookie(c, ShutdownCookie) })
		r.shutdown = r.shutdown || r.pending
	}
	if h.ClientIP != nil && st.InternalIPs { // the client IP only serves the internal-IP rule
		r.base.ClientIP, _ = guard(st, "ClientIP", func() string { return h.ClientIP(c) })
	}
	if h.Nonce != nil {
		r.base.Nonce, _ = guard(st, "Nonce", func() string { return h.Nonce(c) })
	}
	if h.Attributes != nil {
		r.base.Attributes, _ = guard(st, "Attributes", func() intercom.Attributes { return h.Attributes(c) })
	}
	if r.explicit {
		return // Identify already decided; skip the (possibly costly) lookups.
	}
	if h.User != nil {
		type found struct {
			u  intercom.User
			ok bool
		}
		f, _ := guard(st, "User", func() found { u, ok := h.User(c); return found{u, ok} })
		if f.ok {
			r.user = f.u
			r.base.User = &r.user
			return
		}
	}
	if h.AuthUser != nil && st.AutoIdentify {
		v, ok := guard(st, "AuthUser", func() any { return h.AuthUser(c) })
		if !ok {
			return
		}
		if u, ok := userFrom(st, v, h.UserOption); ok {
			r.user = u
			r.base.User = &r.user
		}
	}
}

// HookError reports a panic in a hook (an app's WithUser, WithNonce, ...
// callback, or an adapter's glue). The panic value is not included: it may
// hold user data.
type HookError struct {
	Hook string
}

func (e *HookError) Error() string {
	return fmt.Sprintf("intercom: %s hook panicked; treated as unset", e.Hook)
}

func guard[T any](st *link.State, hook string, f func() T) (v T, ok bool) {
	defer func() {
		if recover() != nil {
			var zero T
			v, ok = zero, false
			st.Report(&HookError{Hook: hook})
		}
	}()
	return f(), true
}

// ErrNoMiddleware is what a Warning logs when an adapter's helper (a template
// helper, whole-page install, logout, the settings handler, the templ
// component) runs on a request its middleware did not see; the helper then
// does nothing and the page renders without the Messenger.
var ErrNoMiddleware = errors.New("intercom: the adapter's middleware is not installed on this route (or the helper got a nil context), so Intercom does nothing here")

// Warning logs ErrNoMiddleware once per process: a missing middleware is a
// wiring mistake, not a per-request event, and without the middleware there
// is no Messenger whose ErrorHandler could take it. An adapter keeps one in
// a package variable.
type Warning struct {
	once sync.Once
	log  func(error)
}

// NewWarning returns a Warning that logs with log, the framework's own way
// to warn (gin.DefaultErrorWriter, fiber's log, log/slog, ...).
func NewWarning(log func(error)) *Warning { return &Warning{log: log} }

// Lookup returns the Request stored in v (what an adapter's middleware put in
// the framework's per-request storage), or nil after logging the warning
// once when v holds none.
func Lookup[C any](v any, w *Warning) *Request[C] {
	if r, _ := v.(*Request[C]); r != nil {
		return r
	}
	w.miss()
	return nil
}

// Reset makes w log again on the next miss, for an adapter's tests of the
// warning. It must not run concurrently with a request.
func (w *Warning) Reset() { w.once = sync.Once{} }

// miss logs ErrNoMiddleware, the first time only; a nil w logs nothing.
func (w *Warning) miss() {
	if w != nil && w.log != nil {
		w.once.Do(func() { w.log(ErrNoMiddleware) })
	}
}
