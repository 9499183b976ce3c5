package intercom

import (
	"html/template"
	"sync"

	"github.com/goanalytical/intercom/core/internal/link"
)

// The loader follows Intercom's current one (@intercom/messenger-js-sdk's
// init). When the Messenger is already loaded (a client-side navigation by
// Turbo or htmx, or a second snippet on the page), it calls
// Intercom("reattach_activator"), so the Messenger re-attaches its launcher
// to the new <body>, then update. Otherwise it installs a stub that queues
// calls, and adds the widget script once document.readyState is
// "interactive" or "complete", from a readystatechange listener with the
// window's load event as a fallback (attachEvent("onload") in browsers
// without addEventListener). The script gets the id widgetScriptID, and the
// loader adds it at most once: not again when readystatechange and load
// both fire, nor when a second snippet or a navigation runs the loader on
// a page that already has it.
//
// After a logout the loader calls shutdown and then boot instead of
// reattach_activator and update: boot after shutdown builds the launcher
// anew in the current <body>, so there is nothing to re-attach.
//
// The queued calls q (a JSON array of [method, args...] arrays, escaped like
// the settings) run after that, in order, through one fixed loop: the page
// applies them to the Messenger as data and never evaluates them.
//
// The loader contains no "<" and no "--", so it can neither end its script
// element nor an enclosing HTML comment; the widget URL is a JSON string
// escaped the same way (see appendScriptURL).
type loaderParts struct {
	beforeNonce string // from after the calls up to where the widget script gets its nonce
	afterNonce  string
}

// loaderHead opens the loader; the queued calls follow it, then
// loaderVars, then (with calls) the statement that deletes the cookie that
// may have carried them, then a loaderParts.
const (
	loaderHead = `;(function(){var q=`
	loaderVars = `,w=window,d=document,s=w.intercomSettings,ic=w.Intercom,k;`
)

// widgetScriptID is the id of the widget script the loader adds.
const widgetScriptID = "IntercomWidgetScript"

func newLoader(widgetSrc []byte, shutdown bool) loaderParts {
	loaded, queued, clear := `ic("reattach_activator");ic("update",s)`, ``, ``
	if shutdown {
		loaded, queued = `ic("shutdown");ic("boot",s)`, `i("shutdown");i("boot",s);`
		// The page that runs the shutdown consumes the logout flag, so a
		// redirect or a fragment before it cannot lose it.
		clear = `d.cookie="` + link.ShutdownCookie + `=; Max-Age=0; path=/; SameSite=Lax";`
	}
	return loaderParts{
		beforeNonce: clear +
			`if(typeof ic==="function"){` + loaded + `}else{` +
			`var i=function(){i.c(arguments)};i.q=[];i.c=function(a){i.q.push(a)};w.Intercom=ic=i;` + queued +
			`var o,l=function(){if(o||d.getElementById("` + widgetScriptID + `")){return}o=1;` +
			`var e=d.createElement("script");e.type="text/javascript";e.async=true;e.id="` + widgetScriptID + `";` +
			`e.src=` + string(widgetSrc) + `;`,
		afterNonce: `var x=d.getElementsByTagName("script")[0];x.parentNode.insertBefore(e,x)},` +
			`r=function(){return d.readyState==="interactive"||d.readyState==="complete"};` +
			`if(r()){l()}else if(w.attachEvent){w.attachEvent("onload",l)}else{` +
			`d.addEventListener("readystatechange",function(){if(r()){l()}},false);w.addEventListener("load",l,false)}}` +
			`for(k=0;k!==q.length;k++){ic.apply(w,q[k])}})();</script>`,
	}
}

// turboTemporary marks a snippet that carries queued calls: Turbo (8)
// removes elements with the data-turbo-temporary attribute before it caches
// a page. Turbo runs the scripts of a cached page again when it shows it
// (Back, Forward, the preview of a page visited before), which would run
// the calls twice. A snippet without calls keeps its place in the cache, so
// a restored page sends its settings again with update.
const turboTemporary = ` data-turbo-temporary`

// hasCalls reports whether calls holds a Call that appendCalls appends.
func hasCalls(calls []Call) bool {
	for _, c := range calls {
		if c.js != "" {
			return true
		}
	}
	return false
}

// appendCalls appends calls as one JSON array; zero Calls are left out.
func appendCalls(dst []byte, calls []Call) []byte {
	dst = append(dst, '[')
	first := true
	for _, c := range calls {
		if c.js == "" {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, c.js...)
	}
	return append(dst, ']')
}

// appendScriptURL appends u as a JSON string escaped like the settings (no
// "<", ">" or "&", so no "</script", "<!--" or "-->"), with the second of
// two adjacent hyphens \u-escaped too, so that the loader has no "--" at
// all.
func appendScriptURL(dst []byte, u string) []byte {
	for _, c := range appendString(nil, u) {
		if c == '-' && len(dst) > 0 && dst[len(dst)-1] == '-' {
			dst = append(dst, `\u002d`...)
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

const (
	internalOpen  = "<!-- Intercom disabled on internal IP address\n"
	internalClose = "\n-->"
)

// AppendSnippet appends the snippet for v to dst and returns the extended
// buffer: one <script id="IntercomSettingsScriptTag"> element that sets
// window.intercomSettings and loads the Messenger (with the attribute
// data-turbo-temporary when v carries calls), wrapped in an HTML comment
// for an internal client IP, and nothing at all when the Messenger is
// disabled. With a buffer of sufficient capacity it does not allocate.
func (m *Messenger) AppendSnippet(dst []byte, v Visitor) []byte {
	if m.appID == "" {
		return dst
	}
	internal := m.IsInternal(v.ClientIP)
	nonce := v.Nonce
	if nonce != "" {
		nonce = m.checkNonce(nonce)
	}
	if hasCalls(v.Calls) {
		return m.appendSnippetGeneral(dst, &v, internal, nonce)
	}
	p := &m.parts[variant(internal, v.Shutdown)]
	if nonce == "" {
		if len(v.Attributes) == 0 {
			if v.User == nil {
				return append(dst, p.anon...)
			}
			r, i := m.plannedRequest(v.User)
			dst = append(dst, p.heads[i]...)
			dst = m.appendPlannedFields(dst, &r, &m.plans[i])
			return append(dst, p.tails[i]...)
		}
		dst = append(dst, p.head...)
		dst = m.appendSettings(dst, &v)
		return append(dst, p.tail...)
	}
	dst = append(dst, p.headNonce[0]...)
	dst = append(dst, nonce...)
	dst = append(dst, p.headNonce[1]...)
	dst = m.appendSettings(dst, &v)
	dst = append(dst, p.tailNonce[0]...)
	dst = append(dst, nonce...)
	return append(dst, p.tailNonce[1]...)
}

// checkNonce returns nonce, or "" (reported) if it is not a valid nonce.
func (m *Messenger) checkNonce(nonce string) string {
	if nonce != "" && !validNonce(nonce) {
		m.report(&NonceError{Len: len(nonce)})
		return ""
	}
	return nonce
}

// appendSnippetGeneral appends the snippet for v piece by piece, for any
// visitor: AppendSnippet's path for a visitor with calls, and what its
// precomputed parts are checked against. internal and nonce are
// AppendSnippet's.
func (m *Messenger) appendSnippetGeneral(dst []byte, v *Visitor, internal bool, nonce string) []byte {
	if internal {
		dst = append(dst, internalOpen...)
	}
	calls := hasCalls(v.Calls)
	dst = append(dst, m.open...)
	if calls {
		// Turbo removes the element before it caches the page, so a
		// snapshot it shows again (Back, Forward, a preview) does not run
		// the calls a second time.
		dst = append(dst, turboTemporary...)
	}
	if nonce != "" {
		dst = append(dst, ` nonce="`...)
		dst = append(dst, nonce...)
		dst = append(dst, '"')
	}
	dst = append(dst, ">window.intercomSettings="...)
	dst = m.appendSettingsGeneral(dst, v)
	dst = append(dst, loaderHead...)
	dst = appendCalls(dst, v.Calls)
	dst = append(dst, loaderVars...)
	if calls {
		// The page that runs the calls consumes the cookie that carried
		// them across a redirect (an adapter's; see link.CallsCookie).
		dst = append(dst, m.callsClear...)
	}
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
// (see AppendSnippet). It allocates at most the returned string: the
// anonymous snippet is made once, at New, and the strings of recent
// snippets without a nonce or calls are kept in a fixed-size table
// (snippetCache), so a returning visitor's page view allocates nothing.
func (m *Messenger) Render(v Visitor) template.HTML {
	if m.appID == "" {
		return ""
	}
	// The snippet is built from validated config and JSON escaped for a
	// script context; it is safe HTML by construction (see appendString).
	if v.Nonce == "" && !hasCalls(v.Calls) {
		vi := variant(m.IsInternal(v.ClientIP), v.Shutdown)
		p := &m.parts[vi]
		planned := len(v.Attributes) == 0
		if planned && v.User == nil {
			return template.HTML(p.anon) //nolint:gosec // escaped by construction
		}
		// A JWT with an expiry is a new token every second: not worth
		// keeping.
		if !m.jwt || m.jwtLifetime == 0 {
			bp := bufPool.Get().(*[]byte)
			var b []byte
			var html string
			if planned {
				// The fields between the plan's constant opening and
				// closing, which the cache compares.
				r, i := m.plannedRequest(v.User)
				b = m.appendPlannedFields((*bp)[:0], &r, &m.plans[i])
				html = m.recent.render(snippetKey(vi, i), p.heads[i], b, p.tails[i])
			} else {
				b = m.appendSettingsGeneral((*bp)[:0], &v)
				html = m.recent.render(snippetKey(vi, uint8(len(m.plans))), p.head, b, p.tail)
			}
			putBuf(bp, b)
			return template.HTML(html) //nolint:gosec // escaped by construction
		}
	}
	bp := bufPool.Get().(*[]byte)
	b := m.AppendSnippet((*bp)[:0], v)
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
