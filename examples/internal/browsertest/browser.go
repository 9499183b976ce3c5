package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/goanalytical/intercom/core/adapter"
	"github.com/goanalytical/intercom/examples/internal/demo"
)

// Timeouts. Nothing sleeps: every wait is for a condition, bounded by these.
const (
	browserTimeout  = 4 * time.Minute  // the whole browser test of one app
	scenarioTimeout = 60 * time.Second // one scenario, in its own tab
	pollTimeout     = 10 * time.Second // one condition in the page
)

// instrument runs in every document before the page's own scripts. It
// records Content-Security-Policy violations, and what window.Intercom and
// the DOM look like at DOMContentLoaded: after the snippet ran and after
// readyState became "interactive", on which the loader inserts the widget
// script (once), before the widget script has loaded.
const instrument = `(function () {
  window.__csp = [];
  document.addEventListener("securitypolicyviolation", function (e) {
    window.__csp.push({directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample});
  });
  document.addEventListener("DOMContentLoaded", function () {
    var ic = window.Intercom;
    window.__dcl = {
      intercomType: typeof ic,
      isQueueingStub: typeof ic === "function" && Array.isArray(ic.q) && typeof ic.c === "function",
      queueLength: ic && Array.isArray(ic.q) ? ic.q.length : -1,
      widgetScripts: document.querySelectorAll('script[src*="widget.intercom.io"]').length,
      cookie: document.cookie
    };
  });
})();`

// observe collects what a test checks on a loaded page.
const observe = `({
  dcl: window.__dcl || null,
  widget: window.__widget || null,
  csp: window.__csp || null,
  settings: window.intercomSettings === undefined ? null : window.intercomSettings,
  snippets: Array.prototype.map.call(document.querySelectorAll("#IntercomSettingsScriptTag"), function (s) { return {nonce: s.nonce}; }),
  widgetScripts: Array.prototype.map.call(document.querySelectorAll('script[src*="widget.intercom.io"]'), function (s) {
    return {src: s.src, nonce: s.nonce, async: s.async};
  }),
  scripts: document.scripts.length,
  images: document.images.length,
  pwned: typeof window.__pwned,
  cookie: document.cookie
})`

// observation is observe's result.
type observation struct {
	DCL *struct {
		IntercomType   string `json:"intercomType"`
		IsQueueingStub bool   `json:"isQueueingStub"`
		QueueLength    int    `json:"queueLength"`
		WidgetScripts  int    `json:"widgetScripts"`
		Cookie         string `json:"cookie"`
	} `json:"dcl"`
	Widget *struct {
		Src            string         `json:"src"`
		Nonce          string         `json:"nonce"`
		IntercomType   string         `json:"intercomType"`
		IsQueueingStub bool           `json:"isQueueingStub"`
		Settings       map[string]any `json:"settings"`
		Queue          []any          `json:"queue"`
		Calls          []any          `json:"calls"`
	} `json:"widget"`
	CSP      []map[string]any `json:"csp"`
	Settings map[string]any   `json:"settings"`
	Snippets []struct {
		Nonce string `json:"nonce"`
	} `json:"snippets"`
	WidgetScripts []struct {
		Src   string `json:"src"`
		Nonce string `json:"nonce"`
		Async bool   `json:"async"`
	} `json:"widgetScripts"`
	Scripts int    `json:"scripts"`
	Images  int    `json:"images"`
	Pwned   string `json:"pwned"`
	Cookie  string `json:"cookie"`
}

// tab is one scenario's browser tab, in a browser context of its own (its
// own cookies and HTTP auth cache).
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string // the app's URL
}

// RunBrowser drives Chromium against an example app: for each scenario it
// opens the app in a fresh browser context, lets the loader fetch the
// widget from a local TLS server that stands in for widget.intercom.io, and
// checks what the page and the widget saw.
//
// Without a browser it skips, unless INTERCOM_E2E=1 is set: then it fails
// (see needBrowser, and BrowserEnv to point it at one).
func RunBrowser(t *testing.T, serve Server) {
	chromium := needBrowser(t, browserPath)
	widget := newWidgetServer(t, AppID)
	widgetAddr := strings.TrimPrefix(widget.URL, "https://")
	users := Users()
	base := start(t, serve, func(string) demo.Setup { return demo.Setup{Intercom: Config(t), Users: users} })

	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	defer cancel()
	browserCtx := newBrowser(t, ctx, chromium, chromedp.Flag("host-resolver-rules", "MAP widget.intercom.io "+widgetAddr))
	scenario := func(name string, f func(*tab)) { runScenario(t, browserCtx, base, name, f) }

	scenario("anonymous visitor on the public page", func(tb *tab) {
		nonce := tb.open("/")
		tb.check(nonce, AnonymousSettings(), nil)
	})

	scenario("identified user on the account page", func(tb *tab) {
		jane := users["jane"]
		nonce := tb.signIn(jane) // the form posts, the app redirects to /account
		tb.check(nonce, IdentifiedSettings(jane), nil)
		nonce = tb.open("/")
		tb.check(nonce, UserSettings(jane), nil)
	})

	scenario("whole-page install on a plain HTML page", func(tb *tab) {
		nonce := tb.open("/about")
		tb.check(nonce, AnonymousSettings(), nil)
	})

	scenario("logout shuts the Messenger down before booting", func(tb *tab) {
		joe := users["joe"]
		nonce := tb.signIn(joe)
		o := tb.check(nonce, IdentifiedSettings(joe), nil)
		session := "intercom-session-" + AppID + "="
		if !strings.Contains(o.Cookie, session) {
			tb.t.Fatalf("the stub widget's session cookie is missing before logout: %q", o.Cookie)
		}

		nonce = tb.click("#logout") // POST /logout, redirected to /
		boot := AnonymousSettings()
		o = tb.check(nonce, boot, []any{[]any{"shutdown"}, []any{"boot", boot}})
		// The widget that boots after the shutdown starts a new session; the
		// old one must be gone before it loads.
		if o.DCL != nil && strings.Contains(o.DCL.Cookie, session) {
			tb.t.Errorf("logout left the Messenger's session cookie: %q", o.DCL.Cookie)
		}
		if c := tb.cookie(adapter.ShutdownCookie); c != nil {
			tb.t.Errorf("the page after logout did not clear the %s cookie: %+v", adapter.ShutdownCookie, c)
		}

		nonce = tb.open("/") // shutdown happens once
		tb.check(nonce, boot, nil)
	})

	scenario("hostile user data never runs", func(tb *tab) {
		nonce := tb.signIn(Mallory)
		o := tb.check(nonce, IdentifiedSettings(Mallory), nil)
		if o.Settings["name"] != ScriptPayload || o.Settings["plan"] != AttrPayload {
			tb.t.Errorf("the hostile values did not round-trip: name %q, plan %q", o.Settings["name"], o.Settings["plan"])
		}
		if o.Images != 0 || o.Scripts != 2 {
			tb.t.Errorf("the page grew elements: %d images, %d scripts (want 0 and 2: the snippet and the widget)", o.Images, o.Scripts)
		}
		// The home page shows who is signed in and lists the users,
		// Mallory's name and plan included.
		nonce = tb.open("/")
		o = tb.check(nonce, UserSettings(Mallory), nil)
		if o.Images != 0 || o.Scripts != 2 {
			tb.t.Errorf("the public page grew elements: %d images, %d scripts", o.Images, o.Scripts)
		}
	})

	scenario("the policy is enforced and violations are seen", func(tb *tab) {
		// A control for the checks above: markup injected without the nonce
		// is blocked, and the listener reports it.
		nonce := tb.open("/")
		tb.check(nonce, AnonymousSettings(), nil)
		tb.eval(`document.body.insertAdjacentHTML("beforeend", '<img src="/x" onerror="window.__pwned=1">')`)
		tb.poll(`window.__csp.length > 0`, "a securitypolicyviolation event for the injected handler")
		if o := tb.observe(); o.Pwned != "undefined" {
			tb.t.Errorf("the injected handler ran despite the policy (window.__pwned is %s)", o.Pwned)
		}
	})

	if reqs := widget.Requests(); len(reqs) == 0 {
		t.Errorf("the widget server was never asked for the widget")
	} else {
		for _, p := range reqs {
			if p != "/widget/"+AppID {
				t.Errorf("the widget server was asked for %s", p)
			}
		}
	}
}

// open navigates to path and returns the nonce of the response's
// Content-Security-Policy.
func (tb *tab) open(path string) string {
	tb.t.Helper()
	resp, err := chromedp.Run(tb.ctx, chromedp.NavigateResponse(tb.base+path))
	if err != nil {
		tb.t.Fatalf("opening %s: %v", path, err)
	}
	return tb.nonce(path, resp)
}

// signIn opens the home page, signs u in with its form, and returns the
// nonce of the page the sign-in leads to (the account page).
func (tb *tab) signIn(u demo.User) string {
	tb.t.Helper()
	tb.open("/")
	tb.fill(u)
	return tb.click("#sign-in")
}

// click clicks the element sel selects, waits for the page it leads to, and
// returns the nonce of that page.
func (tb *tab) click(sel string) string {
	tb.t.Helper()
	resp, err := chromedp.RunResponse(tb.ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		tb.t.Fatalf("clicking %s: %v", sel, err)
	}
	return tb.nonce(sel, resp)
}

func (tb *tab) nonce(what string, resp *network.Response) string {
	tb.t.Helper()
	if resp == nil {
		tb.t.Fatalf("%s: no response", what)
	}
	if resp.Status != 200 {
		tb.t.Fatalf("%s: %s status %d", what, resp.URL, resp.Status)
	}
	for k, v := range resp.Headers {
		if strings.EqualFold(k, "Content-Security-Policy") {
			return nonceOf(tb.t, fmt.Sprint(v))
		}
	}
	tb.t.Fatalf("%s: %s has no Content-Security-Policy header: %v", what, resp.URL, resp.Headers)
	return ""
}

// poll waits until the JavaScript expression cond is true.
func (tb *tab) poll(cond, what string) {
	tb.t.Helper()
	if _, err := chromedp.Run(tb.ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(pollTimeout))); err != nil {
		tb.t.Fatalf("waiting for %s: %v", what, err)
	}
}

func (tb *tab) eval(expr string) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, chromedp.Evaluate[chromedp.Void](expr)); err != nil {
		tb.t.Fatalf("evaluating %s: %v", expr, err)
	}
}

func (tb *tab) observe() observation {
	tb.t.Helper()
	raw, err := chromedp.Run(tb.ctx, chromedp.Evaluate[[]byte](observe))
	if err != nil {
		tb.t.Fatalf("reading the page: %v", err)
	}
	var o observation
	if err := json.Unmarshal(raw, &o); err != nil {
		tb.t.Fatalf("reading the page: %v\n%s", err, raw)
	}
	return o
}

// cookie returns the browser's cookie name for the app, or nil.
func (tb *tab) cookie(name string) *network.Cookie {
	tb.t.Helper()
	res, err := chromedp.Call(tb.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{tb.base + "/"}})
	if err != nil {
		tb.t.Fatalf("reading cookies: %v", err)
	}
	for _, c := range res.Cookies {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// check waits for the widget to load and checks the page: the loader's
// stub queued calls until then (the queue at load is wantQueue, empty when
// nil), the widget script has the right URL and the response's nonce, the
// settings are exactly want in the page and in what the widget read, and no
// policy violation happened and no injected code ran.
func (tb *tab) check(nonce string, want map[string]any, wantQueue []any) observation {
	t := tb.t
	t.Helper()
	if _, err := chromedp.Run(tb.ctx, chromedp.Poll[bool](`window.__widget !== undefined`, chromedp.WithPollingTimeout(pollTimeout))); err != nil {
		o := tb.observe() // say why: a blocked script, a missing snippet, ...
		t.Fatalf("waiting for the widget script to load: %v\npolicy violations: %v\nsnippets: %+v, widget scripts: %+v",
			err, o.CSP, o.Snippets, o.WidgetScripts)
	}
	o := tb.observe()

	if d := o.DCL; d == nil {
		t.Errorf("no DOMContentLoaded record")
	} else if !d.IsQueueingStub || d.IntercomType != "function" || d.WidgetScripts != 1 {
		t.Errorf("at DOMContentLoaded, window.Intercom is a %s (queueing stub: %v) and %d widget scripts exist; want the queueing stub and the one the loader added at readyState interactive",
			d.IntercomType, d.IsQueueingStub, d.WidgetScripts)
	}

	if len(o.Snippets) != 1 {
		t.Errorf("%d snippet elements, want 1", len(o.Snippets))
	} else if o.Snippets[0].Nonce != nonce {
		t.Errorf("snippet nonce %q, want the policy's %q", o.Snippets[0].Nonce, nonce)
	}
	if len(o.WidgetScripts) != 1 {
		t.Errorf("%d widget script elements, want 1: %+v", len(o.WidgetScripts), o.WidgetScripts)
	} else if s := o.WidgetScripts[0]; s.Src != WidgetURL || s.Nonce != nonce || !s.Async {
		t.Errorf("widget script src %q nonce %q async %v; want %q, %q, true", s.Src, s.Nonce, s.Async, WidgetURL, nonce)
	}

	equalJSON(t, "window.intercomSettings", o.Settings, want)
	if w := o.Widget; w != nil {
		if !w.IsQueueingStub || w.IntercomType != "function" {
			t.Errorf("when the widget loaded, window.Intercom was a %s (queueing stub: %v)", w.IntercomType, w.IsQueueingStub)
		}
		if w.Src != WidgetURL || w.Nonce != nonce {
			t.Errorf("the widget ran as %q with nonce %q; want %q, %q", w.Src, w.Nonce, WidgetURL, nonce)
		}
		equalJSON(t, "the settings the widget read", w.Settings, want)
		if wantQueue == nil {
			wantQueue = []any{}
		}
		equalJSON(t, "the calls queued for the widget", w.Queue, wantQueue)
		if len(w.Calls) != 0 {
			t.Errorf("the page called the loaded widget: %v", w.Calls)
		}
	}

	if len(o.CSP) != 0 {
		t.Errorf("Content-Security-Policy violations: %v", o.CSP)
	}
	if o.Pwned != "undefined" {
		t.Errorf("injected code ran: window.__pwned is %s", o.Pwned)
	}
	return o
}
