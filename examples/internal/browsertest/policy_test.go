package browsertest

import (
	"context"
	"fmt"
	"html"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
	intercom "github.com/goanalytical/intercom/core"

	"github.com/goanalytical/intercom/examples/internal/demo"
)

// TestBrowserNavigationPolicies holds the README's Turbo and htmx advice to the
// real libraries in Chromium: which Content-Security-Policy and which
// library setting let the next page's snippet run after a navigation (the
// document keeps the first response's policy and nonce; the next page's
// snippet carries its own response's nonce), and that a blocked snippet is
// reported as a violation, so the navigation tests' "no violation" means
// something.
func TestBrowserNavigationPolicies(t *testing.T) {
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

// TestBrowserTurboCache holds the README's Turbo cache advice to the real
// Turbo: when it shows its copy of a page again (on Back, and as the
// preview of a page visited before), Turbo runs the copy's scripts again,
// so the page's queued calls would run twice; removing the snippet before
// Turbo caches the page (the examples' /demo/turbo-setup.js) keeps them to
// once. When the snippet itself keeps Turbo from running it twice, the
// cases without the set-up fail: then the README's advice can go.
func TestBrowserTurboCache(t *testing.T) {
	chromium := needBrowser(t, browserPath)
	libs := LibDir(t)
	site := demo.NewSite("cache test", demo.Setup{Users: Users(), LibDir: libs})
	var (
		m     *intercom.Messenger
		mu    sync.Mutex
		given = map[string]bool{} // the scenarios whose first page got the call
	)
	mux := http.NewServeMux()
	mux.Handle("/demo/", site.Assets())
	// Page 1 of a scenario carries a queued call the first time it is served.
	mux.HandleFunc("GET /cache/{setup}/{scenario}/{n}", func(w http.ResponseWriter, r *http.Request) {
		nonce := intercom.NewNonce()
		w.Header().Set("Content-Security-Policy", "script-src 'nonce-"+nonce+"' 'strict-dynamic'; object-src 'none'; base-uri 'none'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		setup := ""
		if r.PathValue("setup") == "1" {
			setup = `<script src="/demo/turbo-setup.js" nonce="` + nonce + `"></script>`
		}
		v := intercom.Visitor{Nonce: nonce}
		mu.Lock()
		first := r.PathValue("n") == "1" && !given[r.URL.Path]
		given[r.URL.Path] = true
		mu.Unlock()
		if first {
			c, err := m.Call("trackEvent", "viewed-one")
			if err != nil {
				t.Error(err)
			}
			v.Calls = []intercom.Call{c}
		}
		dir := strings.TrimSuffix(r.URL.Path, r.PathValue("n"))
		fmt.Fprintf(w, `<!doctype html><html><head><title>page %s</title><meta name="csp-nonce" content="%s">
<script src="/demo/lib/%s" nonce="%s"></script>%s</head><body><p><a id="one" href="%s1">one</a> <a id="two" href="%s2">two</a></p>%s</body></html>`,
			r.PathValue("n"), nonce, demo.Turbo.Name, nonce, setup, dir, dir, m.Render(v))
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
	for _, c := range []struct {
		name, setup, again string
		want               int // trackEvent calls in the end
	}{
		{"without the set-up, Back runs the calls again", "0", "back", 2},
		{"without the set-up, a preview runs the calls again", "0", "preview", 2},
		{"with the set-up, Back runs them once", "1", "back", 1},
		{"with the set-up, a preview runs them once", "1", "preview", 1},
	} {
		runScenario(t, browserCtx, srv, c.name, func(tb *tab) {
			if err := chromedp.Do(tb.ctx, chromedp.Navigate(srv+"/cache/"+c.setup+"/"+c.again+"/1")); err != nil {
				t.Fatal(err)
			}
			tb.waitCalls(2) // boot, trackEvent
			tb.poll(navReady(demo.NavTurbo), "Turbo to start")
			// turbo:load follows each render, once the page's scripts ran.
			tb.eval(`window.__turboLoads = 0; addEventListener("turbo:load", function () { window.__turboLoads++; })`)
			tb.clickOnly("#two")
			tb.poll(`window.__turboLoads === 1 && document.title === "page 2"`, "the second page")
			tb.waitCalls(4) // reattach_activator, update
			if c.again == "back" {
				tb.eval(`history.back()`) // Turbo renders its copy of page 1
				tb.poll(`window.__turboLoads === 2 && document.title === "page 1"`, "the first page again")
			} else {
				tb.clickOnly("#one") // Turbo previews its copy of page 1, then renders page 1 anew
				tb.poll(`window.__turboLoads === 2 && document.title === "page 1" && !document.documentElement.hasAttribute("data-turbo-preview")`,
					"the first page again")
			}
			if got := countCalls(tb.standIn(), "trackEvent"); got != c.want {
				t.Errorf("trackEvent ran %d times, want %d: %+v", got, c.want, tb.standIn().Calls)
			}
		})
	}
}
