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

// TestBrowserTurboCache holds the library to the real Turbo: when Turbo
// shows its copy of a page again (on Back, on Forward, and as the preview
// of a page visited before), it runs the copy's scripts again, but a
// snippet that queues calls is data-turbo-temporary, so Turbo takes it out
// before caching the page and the calls run once. So they do in an app
// that still has the set-up the README used to advise (taking the snippet
// out on turbo:before-cache).
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
			setup = `<script nonce="` + nonce + `">if (!window.__setup) { window.__setup = true; document.addEventListener("turbo:before-cache", function () { var s = document.getElementById("IntercomSettingsScriptTag"); if (s) s.remove(); }); }</script>`
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
		want               int // calls in the end
	}{
		// boot and trackEvent; reattach_activator and update on page 2;
		// page 1 again without its snippet.
		{"without the set-up, Back runs the calls once", "0", "back", 4},
		// As Back, then page 1 fetched anew: reattach_activator, update.
		{"without the set-up, a preview runs them once", "0", "preview", 6},
		// boot on page 2; reattach_activator, update and trackEvent on page
		// 1; page 2 again with its snippet (no calls to leave out): its
		// reattach_activator and update; page 1 again without its snippet.
		{"without the set-up, Forward runs them once", "0", "forward", 6},
		{"with the set-up, Back runs them once", "1", "back", 4},
		{"with the set-up, a preview runs them once", "1", "preview", 6},
		{"with the set-up, Forward runs them once", "1", "forward", 4}, // the set-up takes page 2's snippet out too
	} {
		runScenario(t, browserCtx, srv, c.name, func(tb *tab) {
			start := "1"
			if c.again == "forward" {
				start = "2"
			}
			if err := chromedp.Do(tb.ctx, chromedp.Navigate(srv+"/cache/"+c.setup+"/"+c.again+"/"+start)); err != nil {
				tb.t.Fatal(err)
			}
			tb.poll(navReady(demo.NavTurbo), "Turbo to start")
			// turbo:load follows each render, once the page's scripts ran.
			tb.eval(`window.__turboLoads = 0; addEventListener("turbo:load", function () { window.__turboLoads++; })`)
			switch c.again {
			case "back":
				tb.waitCalls(2) // boot, trackEvent
				tb.clickOnly("#two")
				tb.poll(`window.__turboLoads === 1 && document.title === "page 2"`, "the second page")
				tb.waitCalls(4)           // reattach_activator, update
				tb.eval(`history.back()`) // Turbo renders its copy of page 1
				tb.poll(`window.__turboLoads === 2 && document.title === "page 1"`, "the first page again")
			case "preview":
				tb.waitCalls(2)
				tb.clickOnly("#two")
				tb.poll(`window.__turboLoads === 1 && document.title === "page 2"`, "the second page")
				tb.waitCalls(4)
				tb.clickOnly("#one") // Turbo previews its copy of page 1, then renders page 1 anew
				tb.poll(`window.__turboLoads === 2 && document.title === "page 1" && !document.documentElement.hasAttribute("data-turbo-preview")`,
					"the first page again")
			case "forward":
				tb.waitCalls(1) // boot
				tb.clickOnly("#one")
				tb.poll(`window.__turboLoads === 1 && document.title === "page 1"`, "the first page")
				tb.waitCalls(4)           // reattach_activator, update, trackEvent
				tb.eval(`history.back()`) // Turbo renders its copy of page 2
				tb.poll(`window.__turboLoads === 2 && document.title === "page 2"`, "the second page again")
				tb.eval(`history.forward()`) // and its copy of page 1
				tb.poll(`window.__turboLoads === 3 && document.title === "page 1"`, "the first page again")
			}
			rec := tb.standIn()
			if got := countCalls(rec, "trackEvent"); got != 1 {
				tb.t.Errorf("trackEvent ran %d times, want once: %+v", got, rec.Calls)
			}
			if len(rec.Calls) != c.want {
				tb.t.Errorf("%d calls, want %d: %+v", len(rec.Calls), c.want, rec.Calls)
			}
		})
	}
}
