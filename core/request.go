package intercom

import (
	"errors"
	"fmt"
	"html/template"
)

// Hooks are what a framework adapter supplies to read one request of its
// framework, whose context type is C (*gin.Context, echo.Context,
// *fiber.Ctx). Nil hooks are skipped. Adapters build one Hooks at start-up
// from their options; it is shared by every request.
type Hooks[C any] struct {
	// User returns the visitor's user (the adapters' WithUser option). It is
	// consulted before auto-identification.
	User func(C) (User, bool)
	// AuthUser returns the value the framework's own auth middleware stored
	// for the signed-in user, for auto-identification (see
	// Messenger.UserFrom). Unused when Config.DisableAutoIdentify is set.
	AuthUser func(C) any
	// Attributes returns custom data for every page (WithAttributes: the
	// seed's context processor). Values set with Request.Set override it.
	Attributes func(C) Attributes
	// Nonce returns the response's CSP nonce (WithNonce).
	Nonce func(C) string
	// ClientIP returns the client address as the framework determines it,
	// honouring its trusted-proxy settings. It only decides the internal-IP
	// rule, so it is not called when Config.InternalIPs is empty.
	ClientIP func(C) string
	// ShutdownPending reports whether the request carries ShutdownCookie
	// (a logout on an earlier request).
	ShutdownPending func(C) bool
	// ShutdownDone clears ShutdownCookie (sets ShutdownDoneCookie) on the
	// response; it is called at most once, before the snippet that shuts the
	// Messenger down is rendered.
	ShutdownDone func(C)
}

// Skipped runs skip, an adapter's skipper option, for the request c. A
// panicking skipper is reported as a HookError named hook and the request
// is not skipped: app glue must not take a page down. A nil skip skips
// nothing.
func Skipped[C any](m *Messenger, hook string, skip func(C) bool, c C) bool {
	if skip == nil {
		return false
	}
	v, _ := guard(m, hook, func() bool { return skip(c) })
	return v
}

// Request is the Intercom state of one request in a framework adapter: the
// user and custom data handlers set, resolved together with the Hooks into a
// Visitor. The hooks run at most once per request, on first use, so an
// expensive user lookup is never repeated. A Request belongs to one request
// and is not safe for concurrent use.
type Request[C any] struct {
	m        *Messenger
	hooks    *Hooks[C]
	ctx      C
	resolved bool
	base     Visitor    // from the hooks
	user     User       // the resolved or identified user; base.User points here
	explicit bool       // user came from Identify
	attrs    Attributes // from Set
	shutdown bool
	pending  bool // ShutdownCookie seen and not yet cleared
	rendered bool
}

// NewRequest starts the Intercom state for one request whose framework
// context is c.
func NewRequest[C any](m *Messenger, h *Hooks[C], c C) *Request[C] {
	return &Request[C]{m: m, hooks: h, ctx: c}
}

// Messenger returns the Messenger the request renders with.
func (r *Request[C]) Messenger() *Messenger { return r.m }

// Identify sets the visitor's user for this request. It takes precedence over
// the User hook and auto-identification.
func (r *Request[C]) Identify(u User) {
	// One slot serves both: Identify always wins over a resolved user.
	r.user, r.explicit = u, true
	r.base.User = &r.user
}

// Set sets one custom attribute for this request, overriding the Attributes
// hook and any user or Messenger setting with the same key.
func (r *Request[C]) Set(key string, value any) {
	if r.attrs == nil {
		r.attrs = make(Attributes, 4)
	}
	r.attrs[key] = value
}

// SetShutdown makes the snippet rendered for this request end the previous
// Messenger session before booting (see Visitor.Shutdown).
func (r *Request[C]) SetShutdown() { r.shutdown = true }

// Rendered reports whether the snippet has rendered for this request (by
// Snippet, or into a page by RenderTemplate), so that whole-page install can
// leave such pages alone.
func (r *Request[C]) Rendered() bool { return r.rendered }

// beforeRender runs what must reach the response headers before the snippet
// is rendered: clearing ShutdownCookie through the ShutdownDone hook. Where
// the headers are gone by then (streamed whole-page install), the shutdown
// snippet's own script deletes the flag.
func (r *Request[C]) beforeRender() {
	if !r.resolved {
		r.resolve()
	}
	if r.pending {
		r.pending = false
		if r.hooks.ShutdownDone != nil {
			guard(r.m, "ShutdownDone", func() struct{} { r.hooks.ShutdownDone(r.ctx); return struct{}{} })
		}
	}
}

// Visitor returns the visitor of this request: Identify over the User hook
// over auto-identification; Set over the Attributes hook.
func (r *Request[C]) Visitor() Visitor {
	if !r.resolved {
		r.resolve()
	}
	v := r.base
	switch {
	case len(r.attrs) == 0:
	case len(v.Attributes) == 0:
		v.Attributes = r.attrs
	default:
		merged := make(Attributes, len(v.Attributes)+len(r.attrs))
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

// Snippet renders the snippet for this request. A nil Request (a request the
// adapter's middleware skipped, or did not see) renders "".
func (r *Request[C]) Snippet() template.HTML {
	if r == nil {
		return ""
	}
	v, ok := r.startSnippet()
	if !ok {
		return ""
	}
	return r.m.Render(v)
}

// appendSnippet is Snippet appended to dst.
func (r *Request[C]) appendSnippet(dst []byte) []byte {
	if v, ok := r.startSnippet(); ok {
		dst = r.m.AppendSnippet(dst, v)
	}
	return dst
}

// startSnippet is what rendering the snippet does first: it marks the
// request rendered, clears the logout flag, and returns the visitor; ok is
// false when the Messenger is disabled, and nothing is rendered.
func (r *Request[C]) startSnippet() (v Visitor, ok bool) {
	if !r.m.Enabled() {
		return Visitor{}, false
	}
	r.beforeRender()
	r.rendered = true
	return r.Visitor(), true
}

// Settings returns the visitor's settings as JSON, the object the snippet
// would assign to window.intercomSettings (see Messenger.AppendSettings), for
// a settings endpoint of a single-page app. It is null for a disabled
// Messenger, an internal client IP, and a nil Request (a request the
// adapter's middleware skipped, or did not see).
func (r *Request[C]) Settings() []byte {
	if r == nil {
		return []byte("null")
	}
	return r.m.AppendSettings(nil, r.Visitor())
}

// SettingsHeaders are the headers a settings endpoint sends: the JSON holds
// the visitor's identity, so no cache may keep it.
var SettingsHeaders = [...][2]string{
	{"Content-Type", "application/json; charset=utf-8"},
	{"Cache-Control", "no-store"},
}

// resolve runs the hooks once. A panicking hook is reported and treated as
// absent: a bug in app glue must not take the page down.
func (r *Request[C]) resolve() {
	r.resolved = true
	h, c := r.hooks, r.ctx
	if h == nil || !r.m.Enabled() {
		return
	}
	if h.ShutdownPending != nil {
		r.pending, _ = guard(r.m, "ShutdownPending", func() bool { return h.ShutdownPending(c) })
		r.shutdown = r.shutdown || r.pending
	}
	if h.ClientIP != nil && r.m.HasInternalIPs() { // the client IP only serves the internal-IP rule
		r.base.ClientIP, _ = guard(r.m, "ClientIP", func() string { return h.ClientIP(c) })
	}
	if h.Nonce != nil {
		r.base.Nonce, _ = guard(r.m, "Nonce", func() string { return h.Nonce(c) })
	}
	if h.Attributes != nil {
		r.base.Attributes, _ = guard(r.m, "Attributes", func() Attributes { return h.Attributes(c) })
	}
	if r.explicit {
		return // Identify already decided; skip the (possibly costly) lookups.
	}
	if h.User != nil {
		type found struct {
			u  User
			ok bool
		}
		f, _ := guard(r.m, "User", func() found { u, ok := h.User(c); return found{u, ok} })
		if f.ok {
			r.user = f.u
			r.base.User = &r.user
			return
		}
	}
	if h.AuthUser != nil && r.m.AutoIdentify() {
		v, ok := guard(r.m, "AuthUser", func() any { return h.AuthUser(c) })
		if !ok {
			return
		}
		if u, ok := r.m.UserFrom(v); ok {
			r.user = u
			r.base.User = &r.user
		}
	}
}

// HookError reports a panic in an adapter hook (an app's WithUser, WithNonce,
// ... callback). The panic value is not included: it may hold user data.
type HookError struct {
	Hook string
}

func (e *HookError) Error() string {
	return fmt.Sprintf("intercom: %s hook panicked; treated as unset", e.Hook)
}

func guard[T any](m *Messenger, hook string, f func() T) (v T, ok bool) {
	defer func() {
		if recover() != nil {
			var zero T
			v, ok = zero, false
			m.report(&HookError{Hook: hook})
		}
	}()
	return f(), true
}

// ErrNoMiddleware is reported when an adapter's helper (a template helper,
// whole-page install, logout, the settings handler) runs on a request the
// adapter's middleware did not see; the helper does nothing.
var ErrNoMiddleware = errors.New("intercom: the adapter's middleware is not installed on this route, so Intercom does nothing here")
