package adapter

import intercom "github.com/goanalytical/intercom/core"

// identifies reports whether v's snippet identifies the visitor: a user
// (user_id, email, user_hash or the JWT, and the user's own fields), or a
// user_id or email given as custom data. Such a snippet belongs to one
// visitor, and a page that carries it must not be served to another.
func identifies(v *intercom.Visitor) bool {
	if v.User != nil {
		return true
	}
	_, id := v.Attributes["user_id"]
	_, email := v.Attributes["email"]
	return id || email
}

// markPrivate makes the response Cache-Control: private, through the
// DefaultHeader hook, when v's snippet identifies the visitor, once per
// request: a shared cache (a CDN, a reverse proxy) must not keep a page
// with one visitor's identity for the next. A Cache-Control the application
// set stands, whatever it says, and so does the response of a helper that
// renders after the headers went out. It runs as the snippet renders
// (Snippet, Data, RenderTemplate, the Component, Inject), before the page
// is written.
func (r *Request[C]) markPrivate(v *intercom.Visitor) {
	set := r.mw.hooks.DefaultHeader
	if r.private || set == nil || !identifies(v) {
		return
	}
	r.private = true
	guard(r.mw.st, "DefaultHeader", func() struct{} { set(r.ctx, "Cache-Control", "private"); return struct{}{} })
}

// FastHeader is the part of fasthttp's *ResponseHeader (fiber's
// c.Response().Header) that SetDefaultHeader uses.
type FastHeader interface {
	Peek(key string) []byte
	Set(key, value string)
}

// SetDefaultHeader sets key to value in h unless h has a value for it: the
// DefaultHeader hook of a fasthttp-based adapter, given its response's
// headers.
func SetDefaultHeader(h FastHeader, key, value string) {
	if len(h.Peek(key)) == 0 {
		h.Set(key, value)
	}
}

func adaptHeader[C, D any](f func(C, string, string), via func(D) C) func(D, string, string) {
	if f == nil {
		return nil
	}
	return func(d D, k, v string) { f(via(d), k, v) }
}
