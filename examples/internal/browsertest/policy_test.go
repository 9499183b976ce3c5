package browsertest

import (
	"context"
	"fmt"
	"html"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	intercom "github.com/goanalytical/intercom/core"

	"github.com/goanalytical/intercom/examples/internal/demo"
)

// TestNavigationPolicies holds the README's Turbo and htmx advice to the
// real libraries in Chromium: which Content-Security-Policy and which
// library setting let the next page's snippet run after a navigation (the
// document keeps the first response's policy and nonce; the next page's
// snippet carries its own response's nonce), and that a blocked snippet is
// reported as a violation, so the navigation tests' "no violation" means
// something.
func TestNavigationPolicies(t *testing.T) {
	chromium := needBrowser(t, browserPath)
	libs := LibDir(t)
	site := demo.NewSite("policy test", demo.Setup{Users: Users(), LibDir: libs})

	type page struct {
		lib          string // demo.NavTurbo or demo.NavHTMX
		strict       bool   // 'strict-dynamic' in script-src
		nonceSetting bool   // Turbo's csp-nonce meta, htmx's inlineScriptNonce
	}
	cases := []struct {
		name string
		page
		wantUpdate bool // the second page's snippet ran: reattach_activator, update
	}{
		{"Turbo, nonce and 'strict-dynamic', csp-nonce meta (the README's)", page{demo.NavTurbo, true, true}, true},
		{"Turbo, nonce and 'strict-dynamic', no meta", page{demo.NavTurbo, true, false}, true},
		{"Turbo, nonce only, csp-nonce meta", page{demo.NavTurbo, false, true}, false},
		{"htmx, nonce and 'strict-dynamic', inlineScriptNonce (the README's)", page{demo.NavHTMX, true, true}, true},
		{"htmx, nonce and 'strict-dynamic', no inlineScriptNonce", page{demo.NavHTMX, true, false}, true},
		{"htmx, nonce only, inlineScriptNonce", page{demo.NavHTMX, false, true}, true},
		{"htmx, nonce only, no inlineScriptNonce", page{demo.NavHTMX, false, false}, false},
	}

	mux := http.NewServeMux()
	mux.Handle("/demo/", site.Assets())
	var m *intercom.Messenger
	mux.HandleFunc("GET /page/{lib}/{strict}/{setting}/{n}", func(w http.ResponseWriter, r *http.Request) {
		p := page{lib: r.PathValue("lib"), strict: r.PathValue("strict") == "1", nonceSetting: r.PathValue("setting") == "1"}
		n := r.PathValue("n")
		nonce := intercom.NewNonce()
		policy := "script-src 'nonce-" + nonce + "'"
		if p.strict {
			policy += " 'strict-dynamic'"
		}
		w.Header().Set("Content-Security-Policy", policy+"; object-src 'none'; base-uri 'none'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		lib, meta, body := demo.Turbo, `<meta name="csp-nonce" content="`+nonce+`">`, `<body>`
		if p.lib == demo.NavHTMX {
			lib, meta, body = demo.HTMX, `<meta name="htmx-config" content='{"inlineScriptNonce":"`+nonce+`"}'>`, `<body hx-boost:inherited="true">`
		}
		if !p.nonceSetting {
			meta = ""
		}
		next := strings.TrimSuffix(r.URL.Path, n) + map[string]string{"1": "2", "2": "1"}[n]
		fmt.Fprintf(w, `<!doctype html><html><head><title>page %s</title>%s<script src="/demo/lib/%s" nonce="%s"></script></head>%s
<p><a id="next" href="%s">next</a></p>%s</body></html>`,
			n, meta, lib.Name, nonce, body, html.EscapeString(next),
			m.Render(intercom.Visitor{Nonce: nonce, Attributes: intercom.Attributes{"page": n}}))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := "http://" + ln.Addr().String()
	m, err = intercom.New(intercom.Config{AppID: AppID, WidgetURL: srv + demo.StandInPath,
		ErrorHandler: func(err error) { t.Errorf("the Messenger reported: %v", err) }})
	if err != nil {
		t.Fatal(err)
	}
	ServeHTTP(t, ln, mux)

	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	defer cancel()
	browserCtx := newBrowser(t, ctx, chromium)
	for _, c := range cases {
		runScenario(t, browserCtx, srv, c.name, func(tb *tab) {
			bit := map[bool]string{false: "0", true: "1"}
			first := fmt.Sprintf("/page/%s/%s/%s/1", c.lib, bit[c.strict], bit[c.nonceSetting])
			if err := chromedp.Do(tb.ctx, chromedp.Navigate(srv+first)); err != nil {
				t.Fatal(err)
			}
			tb.waitCalls(1)
			tb.poll(navReady(c.lib), c.lib+" to start")
			tb.clickOnly("#next")
			tb.poll(`location.pathname.slice(-2) === "/2" && document.title === "page 2"`, "the second page")
			settings := AnonymousSettings()
			settings["page"] = "2"
			second := strings.TrimSuffix(first, "1") + "2"
			if c.wantUpdate {
				tb.checkCalls(tb.waitCalls(3), 1, call(second, "call", "reattach_activator"), call(second, "call", "update", settings))
				if v := tb.view(); len(v.CSP) != 0 {
					t.Errorf("policy violations: %v", v.CSP)
				}
				return
			}
			tb.poll(`window.__csp.length > 0`, "the violation report of the blocked snippet")
			v := tb.view()
			if !strings.Contains(fmt.Sprint(v.CSP), "script-src") {
				t.Errorf("the violations are not of script-src: %v", v.CSP)
			}
			if rec := tb.standIn(); len(rec.Calls) != 1 {
				t.Errorf("the blocked page's snippet still reached the Messenger: %+v", rec.Calls)
			}
		})
	}
}
