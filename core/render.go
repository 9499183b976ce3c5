package intercom

import (
	"html/template"
	"sync"

	"github.com/goanalytical/intercom/core/internal/link"
)

// The loader follows Intercom's current snippet: update a Messenger that is
// already loaded (client-side navigation); otherwise install a stub that
// queues calls, and load the widget once the page has loaded. It contains no
// "<" and no "--", so it can neither end its script element nor an enclosing
// HTML comment.
type loaderParts struct {
	beforeNonce string // up to where the widget script gets its nonce
	afterNonce  string
}

func newLoader(appID string, shutdown bool) loaderParts {
	loaded, queued, clear := `ic("update",s)`, ``, ``
	if shutdown {
		loaded, queued = `ic("shutdown");ic("boot",s)`, `i("shutdown");i("boot",s);`
		// The page that runs the shutdown consumes the logout flag, so a
		// redirect or a fragment before it cannot lose it.
		clear = `d.cookie="` + link.ShutdownCookie + `=; Max-Age=0; path=/; SameSite=Lax";`
	}
	return loaderParts{
		beforeNonce: `;(function(){var w=window,d=document,s=w.intercomSettings,ic=w.Intercom;` + clear +
			`if(typeof ic==="function"){` + loaded + `}else{` +
			`var i=function(){i.c(arguments)};i.q=[];i.c=function(a){i.q.push(a)};w.Intercom=i;` + queued +
			`var l=function(){var e=d.createElement("script");e.type="text/javascript";e.async=true;` +
			`e.src="https://widget.intercom.io/widget/` + appID + `";`,
		afterNonce: `var x=d.getElementsByTagName("script")[0];x.parentNode.insertBefore(e,x)};` +
			`if(d.readyState==="complete"){l()}else if(w.attachEvent){w.attachEvent("onload",l)}` +
			`else{w.addEventListener("load",l,false)}}})();</script>`,
	}
}

const (
	internalOpen  = "<!-- Intercom disabled on internal IP address\n"
	internalClose = "\n-->"
)

// AppendSnippet appends the snippet for v to dst and returns the extended
// buffer: one <script id="IntercomSettingsScriptTag"> element that sets
// window.intercomSettings and loads the Messenger, wrapped in an HTML comment
// for an internal client IP, and nothing at all when the Messenger is
// disabled. With a buffer of sufficient capacity it does not allocate.
func (m *Messenger) AppendSnippet(dst []byte, v Visitor) []byte {
	if m.appID == "" {
		return dst
	}
	internal := m.IsInternal(v.ClientIP)
	if internal {
		dst = append(dst, internalOpen...)
	}
	nonce := v.Nonce
	if nonce != "" && !validNonce(nonce) {
		m.report(&NonceError{Len: len(nonce)})
		nonce = ""
	}
	dst = append(dst, m.open...)
	if nonce != "" {
		dst = append(dst, ` nonce="`...)
		dst = append(dst, nonce...)
		dst = append(dst, '"')
	}
	dst = append(dst, ">window.intercomSettings="...)
	dst = m.appendSettings(dst, &v)
	l := &m.loader[0]
	if v.Shutdown {
		l = &m.loader[1]
	}
	dst = append(dst, l.beforeNonce...)
	if nonce != "" {
		dst = append(dst, `e.setAttribute("nonce","`...)
		dst = append(dst, nonce...)
		dst = append(dst, `");`...)
	}
	dst = append(dst, l.afterNonce...)
	if internal {
		dst = append(dst, internalClose...)
	}
	return dst
}

// maxPooled keeps one unusually large page from pinning its buffer forever.
const maxPooled = 64 << 10

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// putBuf returns b, grown from the buffer bp held, to bufPool in bp.
func putBuf(bp *[]byte, b []byte) {
	if cap(b) <= maxPooled {
		*bp = b
		bufPool.Put(bp)
	}
}

// Render returns the snippet for v, safe to place anywhere in an HTML body
// (see AppendSnippet). It allocates only the returned string.
func (m *Messenger) Render(v Visitor) template.HTML {
	if m.appID == "" {
		return ""
	}
	bp := bufPool.Get().(*[]byte)
	b := m.AppendSnippet((*bp)[:0], v)
	// The snippet is built from validated config and JSON escaped for a
	// script context; it is safe HTML by construction (see appendString).
	html := template.HTML(b) //nolint:gosec // escaped by construction
	putBuf(bp, b)
	return html
}

// AppendSettings appends the visitor's settings object as JSON, the same
// object the snippet assigns to window.intercomSettings, identity included,
// for apps that boot the Messenger from JavaScript. It appends null when the
// Messenger is disabled or the client IP is internal, as the page would not
// boot it either.
func (m *Messenger) AppendSettings(dst []byte, v Visitor) []byte {
	if m.appID == "" || m.IsInternal(v.ClientIP) {
		return append(dst, "null"...)
	}
	return m.appendSettings(dst, &v)
}

// Settings returns AppendSettings(nil, v).
func (m *Messenger) Settings(v Visitor) []byte {
	return m.AppendSettings(nil, v)
}
