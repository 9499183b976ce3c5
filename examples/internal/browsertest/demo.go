package browsertest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/goanalytical/intercom/core/adapter"
	"github.com/goanalytical/intercom/examples/internal/demo"
)

// standInRecord is the stand-in Messenger's window.__intercomStandIn.
type standInRecord struct {
	Loads []struct {
		Src   string `json:"src"`
		Nonce string `json:"nonce"`
		Path  string `json:"path"`
	} `json:"loads"`
	Calls        []standInCall  `json:"calls"`
	Booted       bool           `json:"booted"`
	Settings     map[string]any `json:"settings"`
	Verification *struct {
		State   string `json:"state"`
		Subject string `json:"subject"`
		Reason  string `json:"reason"`
	} `json:"verification"`
	Attached bool `json:"attached"`
}

// standInCall is one call the stand-in received: Method and Args as the
// page called Intercom(Method, Args...), on the page Path, from Source
// "settings" (the boot from window.intercomSettings), "queue" (called on
// the loader's stub before the widget loaded) or "call".
type standInCall struct {
	Method  string `json:"method"`
	Args    []any  `json:"args"`
	Path    string `json:"path"`
	Source  string `json:"source"`
	Ignored string `json:"ignored,omitempty"`
	Unknown bool   `json:"unknown,omitempty"`
}

// call returns the standInCall a test expects.
func call(path, source, method string, args ...any) standInCall {
	if args == nil {
		args = []any{}
	}
	return standInCall{Method: method, Args: args, Path: path, Source: source}
}

// The page's view of the stand-in: whether its launcher and panel are
// visible in the viewport, and the panel's text.
const standInView = `(function () {
  function visible(e) {
    if (!e || !e.isConnected) return false;
    var b = e.getBoundingClientRect(), s = getComputedStyle(e);
    return b.width > 0 && b.height > 0 && s.display !== "none" && s.visibility !== "hidden" &&
      b.left >= 0 && b.top >= 0 && b.right <= innerWidth && b.bottom <= innerHeight;
  }
  var l = document.querySelector('[data-standin="launcher"]'), p = document.querySelector('[data-standin="panel"]');
  return {launcher: visible(l), panel: visible(p), text: p ? p.textContent : "",
    roots: document.querySelectorAll("[data-intercom-standin]").length,
    widgetScripts: document.querySelectorAll("#IntercomWidgetScript").length,
    sameDocument: window.__sameDocument === true, pwned: typeof window.__pwned, csp: window.__csp || null,
    images: document.images.length, path: location.pathname};
})()`

type standInViewResult struct {
	Launcher      bool             `json:"launcher"`
	Panel         bool             `json:"panel"`
	Text          string           `json:"text"`
	Roots         int              `json:"roots"`
	WidgetScripts int              `json:"widgetScripts"`
	SameDocument  bool             `json:"sameDocument"`
	Pwned         string           `json:"pwned"`
	CSP           []map[string]any `json:"csp"`
	Images        int              `json:"images"`
	Path          string           `json:"path"`
}

// RunDemo drives the demo in Chromium as a newcomer sees it: the example
// app serves the stand-in Messenger through Config.WidgetURL, and every
// scenario checks what the stand-in received against its record
// (window.__intercomStandIn): the settings, whether the user_hash
// verifies, and each Messenger call, in order, with plain page loads, with
// Turbo and with htmx (the real libraries, from npm: LibDir), and with the
// single-page demo. It saves screenshots of the visible Messenger
// (ArtifactsEnv).
//
// Without a browser it skips, unless INTERCOM_E2E=1 is set: then it fails.
func RunDemo(t *testing.T, serve Server) {
	chromium := needBrowser(t, browserPath)
	libs := LibDir(t)
	users := Users()
	var reported reports // what the Messenger reports: each scenario expects nothing, or says what
	base := start(t, serve, func(base string) demo.Setup {
		cfg := Config(t)
		cfg.WidgetURL = base + demo.StandInPath
		cfg.ErrorHandler = reported.add
		return demo.Setup{Intercom: cfg, Users: users, LibDir: libs}
	})
	widgetURL := base + demo.StandInPath

	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	defer cancel()
	browserCtx := newBrowser(t, ctx, chromium, chromedp.WindowSize(1280, 900))
	scenario := func(name string, f func(*tab)) {
		runScenario(t, browserCtx, base, name, func(tb *tab) {
			f(tb)
			if r := reported.take(); len(r) != 0 {
				tb.t.Errorf("the Messenger reported: %q", r)
			}
		})
	}
	jane := users["jane"]

	// What go run serves: the configuration demo.Load makes with nothing set
	// but PORT, the stand-in on http://localhost:PORT.
	for _, k := range []string{"INTERCOM_APP_ID", "INTERCOM_HMAC_SECRET_KEY", "INTERCOM_WIDGET_URL", "INTERCOM_INTERNAL_IPS"} {
		t.Setenv(k, "")
	}
	var loaded demo.Setup
	defaults := start(t, serve, func(base string) demo.Setup {
		t.Setenv("PORT", base[strings.LastIndexByte(base, ':')+1:])
		s, err := demo.Load(io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		loaded = s
		return s
	})
	runScenario(t, browserCtx, defaults, "go run: the stand-in Messenger with no set-up", func(tb *tab) {
		nonce := tb.open("/")
		rec := tb.waitCalls(1)
		tb.checkLoad(rec, loaded.Intercom.WidgetURL, nonce, "/")
		if !strings.HasPrefix(loaded.Intercom.WidgetURL, "http://localhost:") {
			t.Errorf("demo.Load's WidgetURL is %q, want the stand-in on localhost", loaded.Intercom.WidgetURL)
		}
		tb.checkCalls(rec, 0, call("/", "settings", "boot", map[string]any{"app_id": demo.AppID, "api_base": "https://api-iam.intercom.io"}))
		v := tb.view()
		if !v.Launcher || !v.Panel || !strings.Contains(v.Text, "app "+demo.AppID) {
			t.Errorf("the stand-in is not visible as it should be: launcher %v, panel %v, text %q", v.Launcher, v.Panel, v.Text)
		}
		tb.checkClean(v)
		tb.screenshot("home.png")
	})

	scenario("signed in, the stand-in shows the user and verifies the user_hash", func(tb *tab) {
		nonce := tb.signIn(jane)
		rec := tb.waitCalls(1)
		tb.checkLoad(rec, widgetURL, nonce, "/account")
		tb.checkCalls(rec, 0, call("/account", "settings", "boot", IdentifiedSettings(jane)))
		rec = tb.waitVerification("verified")
		if rec.Verification.Subject != "user_id" {
			tb.t.Errorf("the user_hash verified over %q, want user_id", rec.Verification.Subject)
		}
		v := tb.view()
		for _, want := range []string{"booted for an identified user", jane.Name, jane.Email, "user_hash verifies", `"plan": "pro"`} {
			if !strings.Contains(v.Text, want) {
				tb.t.Errorf("the stand-in's panel lacks %q: %q", want, v.Text)
			}
		}
		tb.checkClean(v)
		tb.screenshot("account.png")

		// The home page says who is signed in.
		tb.open("/")
		if got := tb.text("#signed-in"); !strings.Contains(got, "Signed in as "+jane.Name) {
			tb.t.Errorf("the home page says %q, want who is signed in", got)
		}
		tb.checkCalls(tb.waitCalls(1), 0, call("/", "settings", "boot", UserSettings(jane)))

		// A user_hash that does not verify shows as such: the check is real.
		tb.eval(`Intercom("update", {user_hash: "00"})`)
		tb.waitVerification("mismatch")
		if v := tb.view(); !strings.Contains(v.Text, "does NOT verify") {
			tb.t.Errorf("a wrong user_hash does not show: %q", v.Text)
		}
	})

	scenario("an anonymous visitor's order: the calls queued before the redirect run on the next page, once", func(tb *tab) {
		nonce := tb.open("/")
		rec := tb.waitCalls(1)
		tb.checkLoad(rec, widgetURL, nonce, "/")
		tb.checkCalls(rec, 0, call("/", "settings", "boot", AnonymousSettings()))
		v := tb.view()
		if !v.Launcher || !v.Panel || !strings.Contains(v.Text, "booted for an anonymous visitor") ||
			!strings.Contains(v.Text, "no user_hash sent") {
			tb.t.Errorf("the stand-in is not visible as it should be: launcher %v, panel %v, text %q", v.Launcher, v.Panel, v.Text)
		}
		tb.checkClean(v)

		tb.click("#place-order") // POST /order, 303, GET /
		rec = tb.checkCalls(tb.waitCalls(3), 0,
			call("/", "settings", "boot", AnonymousSettings()),
			call("/", "queue", "trackEvent", demo.OrderEvent, demo.OrderMetadata()),
			call("/", "queue", "showNewMessage", demo.OrderMessage))
		if len(rec.Loads) != 1 {
			tb.t.Errorf("the widget was loaded %d times", len(rec.Loads))
		}
		v = tb.view()
		for _, want := range []string{`trackEvent("order-placed", {"currency":"EUR","order":42,"total":99.5})`, demo.OrderMessage} {
			if !strings.Contains(v.Text, want) {
				tb.t.Errorf("the stand-in's panel lacks %q: %q", want, v.Text)
			}
		}
		tb.checkClean(v)
		if c := tb.cookie(adapter.CallsCookiePrefix + AppID); c != nil {
			tb.t.Errorf("the page that ran the calls left their cookie: %+v", c)
		}
		tb.screenshot("order.png")
		tb.open("/") // once
		tb.checkCalls(tb.waitCalls(1), 0, call("/", "settings", "boot", AnonymousSettings()))
	})

	scenario("hostile user data and a forged calls cookie show as text, never run", func(tb *tab) {
		tb.signIn(Mallory)
		tb.waitVerification("verified")
		v := tb.view()
		if !strings.Contains(v.Text, ScriptPayload) || !strings.Contains(v.Text, AttrPayload) {
			tb.t.Errorf("the panel does not show the hostile values as text: %q", v.Text)
		}
		if v.Images != 0 {
			tb.t.Errorf("the page grew %d images", v.Images)
		}
		tb.checkClean(v)

		// A forged calls cookie queues at most allowed calls, as data.
		forged := `[["showNewMessage","` + strings.ReplaceAll(ScriptPayload, `"`, `\"`) + `"],["eval","window.__pwned=1"],` +
			`["trackEvent","` + strings.ReplaceAll(AttrPayload, `"`, `\"`) + `",{"__proto__":{"x":1}}]]`
		tb.setCookie(adapter.CallsCookiePrefix+AppID, base64.RawURLEncoding.EncodeToString([]byte(forged)))
		tb.open("/")
		rec := tb.waitCalls(2)
		tb.checkCalls(rec, 0, call("/", "settings", "boot", UserSettings(Mallory)), call("/", "queue", "showNewMessage", ScriptPayload))
		if got := reported.take(); len(got) == 0 {
			tb.t.Errorf("the forged calls were dropped without a report")
		}
		v = tb.view()
		if !strings.Contains(v.Text, ScriptPayload) {
			tb.t.Errorf("the panel does not show the forged message as text: %q", v.Text)
		}
		tb.checkClean(v)
	})

	for _, mode := range []string{demo.NavTurbo, demo.NavHTMX} {
		scenario(mode+" navigation updates the Messenger and shuts it down on sign-out", func(tb *tab) {
			tb.navigation(mode, jane)
		})
	}

	scenario("the single-page demo boots from /intercom/settings", func(tb *tab) {
		tb.open("/spa")
		rec := tb.waitCalls(1)
		boot := rec.Calls[0]
		boot.Source = "" // "queue" or "call": whichever of the widget and the settings came first
		equalJSON(tb.t, "the first call", boot, call("/spa", "", "boot", AnonymousSettings()))
		tb.clickOnly("#spa-sign-in")
		tb.checkCalls(tb.waitCalls(2), 1, call("/spa", "call", "update", UserSettings(jane)))
		tb.waitVerification("verified")
		tb.clickOnly("#spa-sign-out")
		tb.checkCalls(tb.waitCalls(4), 2, call("/spa", "call", "shutdown"), call("/spa", "call", "boot", AnonymousSettings()))
		tb.checkClean(tb.view())
	})
}

// navigation signs jane in, follows a link and signs out, with the pages'
// navigation set to mode (Turbo or htmx): all in one document, where the
// loader updates the Messenger the first page loaded.
func (tb *tab) navigation(mode string, jane demo.User) {
	t := tb.t
	tb.open("/demo/nav?to=" + mode) // sets the mode and goes back to /
	tb.checkCalls(tb.waitCalls(1), 0, call("/", "settings", "boot", AnonymousSettings()))
	tb.poll(navReady(mode), mode+" to start")
	tb.eval(`window.__sameDocument = true`)

	// Sign in: the library submits the form with fetch, follows the 303 and
	// puts the account page's body in place.
	tb.fill(jane)
	tb.clickOnly("#sign-in")
	tb.poll(`location.pathname === "/account"`, "the account page")
	tb.checkCalls(tb.waitCalls(3), 1,
		call("/account", "call", "reattach_activator"),
		call("/account", "call", "update", IdentifiedSettings(jane)))
	tb.waitVerification("verified")
	if v := tb.view(); !v.Launcher {
		t.Errorf("after the navigation the launcher is not visible (attached: %v)", v.Roots)
	}

	// A link.
	tb.clickOnly("#nav-home")
	tb.poll(`location.pathname === "/"`, "the home page")
	tb.checkCalls(tb.waitCalls(5), 3,
		call("/", "call", "reattach_activator"),
		call("/", "call", "update", UserSettings(jane)))

	// An order: the form posts with fetch, the response's cookie carries
	// the calls through the 303, the home page runs them after the update.
	tb.clickOnly("#place-order")
	tb.checkCalls(tb.waitCalls(9), 5,
		call("/", "call", "reattach_activator"),
		call("/", "call", "update", UserSettings(jane)),
		call("/", "call", "trackEvent", demo.OrderEvent, demo.OrderMetadata()),
		call("/", "call", "showNewMessage", demo.OrderMessage))
	if c := tb.cookie(adapter.CallsCookiePrefix + AppID); c != nil {
		t.Errorf("the page that ran the calls left their cookie: %+v", c)
	}
	// Once: the next visit has none.
	tb.clickOnly("#nav-account")
	tb.poll(`location.pathname === "/account"`, "the account page")
	tb.checkCalls(tb.waitCalls(11), 9,
		call("/account", "call", "reattach_activator"),
		call("/account", "call", "update", IdentifiedSettings(jane)))

	// Back and Forward: htmx fetches the pages again, and their snippets
	// update the Messenger. Turbo shows its copies of them and runs their
	// snippets again, except one that queued calls: that one is
	// data-turbo-temporary, so Turbo took it out before caching the page.
	// The home page's copy (taken after the order) has no snippet; the
	// account page's updates the Messenger. Neither runs the order's calls
	// again.
	n := len(tb.standIn().Calls)
	tb.eval(`history.back()`)
	tb.poll(`location.pathname === "/" && document.querySelector("h1").textContent === "Welcome"`, "the home page after Back")
	if mode == demo.NavHTMX {
		tb.checkCalls(tb.waitCalls(n+2), n, call("/", "call", "reattach_activator"), call("/", "call", "update", UserSettings(jane)))
		n += 2
	}
	tb.eval(`history.forward()`)
	tb.poll(`location.pathname === "/account" && document.querySelector("h1").textContent === "Your account"`, "the account page after Forward")
	tb.checkCalls(tb.waitCalls(n+2), n,
		call("/account", "call", "reattach_activator"), call("/account", "call", "update", IdentifiedSettings(jane)))
	n += 2
	tb.checkCalls(tb.standIn(), n) // nothing more
	if c := countCalls(tb.standIn(), "trackEvent"); c != 1 {
		t.Errorf("after Back and Forward trackEvent ran %d times, want once", c)
	}

	// Sign out: the next page shuts the Messenger down and boots it for an
	// anonymous visitor.
	tb.clickOnly("#logout")
	tb.poll(`document.getElementById("login-form") !== null`, "the signed-out home page")
	rec := tb.checkCalls(tb.waitCalls(n+2), n,
		call("/", "call", "shutdown"),
		call("/", "call", "boot", AnonymousSettings()))
	if n := countCalls(rec, "trackEvent"); n != 1 {
		t.Errorf("trackEvent ran %d times, want once", n)
	}
	if !rec.Booted {
		t.Errorf("after the sign-out the Messenger is not booted again")
	}
	if c := tb.cookie(adapter.ShutdownCookie); c != nil {
		t.Errorf("the page after the sign-out did not clear %s: %+v", adapter.ShutdownCookie, c)
	}
	v := tb.view()
	if !v.SameDocument {
		t.Errorf("%s did not keep the document: a page was loaded", mode)
	}
	if len(rec.Loads) != 1 {
		t.Errorf("the widget was loaded %d times: %+v", len(rec.Loads), rec.Loads)
	}
	if !v.Launcher || v.Roots != 1 {
		t.Errorf("after the sign-out: launcher visible %v, %d stand-in roots (want 1)", v.Launcher, v.Roots)
	}
	tb.checkClean(v)
	tb.screenshot(mode + ".png")
}

// countCalls returns how many calls of method the stand-in received.
func countCalls(rec standInRecord, method string) int {
	n := 0
	for _, c := range rec.Calls {
		if c.Method == method {
			n++
		}
	}
	return n
}

// reports collects what the Messenger reports (Config.ErrorHandler), from
// any goroutine.
type reports struct {
	mu   sync.Mutex
	errs []string
}

func (r *reports) add(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err.Error())
}

// take returns the reports so far and forgets them.
func (r *reports) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	errs := r.errs
	r.errs = nil
	return errs
}

// navReady is true once the navigation library of mode runs on the page.
func navReady(mode string) string {
	if mode == demo.NavTurbo {
		return `typeof Turbo === "object" && Turbo.session && Turbo.session.drive !== false`
	}
	return `typeof htmx === "object" && typeof htmx.version === "string" && htmx.version.indexOf("4.") === 0`
}

// standIn returns the stand-in's record.
func (tb *tab) standIn() standInRecord {
	tb.t.Helper()
	raw, err := chromedp.Run(tb.ctx, chromedp.Evaluate[[]byte](`window.__intercomStandIn || null`))
	if err != nil {
		tb.t.Fatalf("reading the stand-in's record: %v", err)
	}
	var rec standInRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		tb.t.Fatalf("reading the stand-in's record: %v\n%s", err, raw)
	}
	return rec
}

// waitCalls waits until the stand-in has received at least n calls and
// returns its record.
func (tb *tab) waitCalls(n int) standInRecord {
	tb.t.Helper()
	cond := fmt.Sprintf(`window.__intercomStandIn !== undefined && window.__intercomStandIn.calls.length >= %d`, n)
	if _, err := chromedp.Run(tb.ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(pollTimeout))); err != nil {
		raw, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[[]byte](`({calls: window.__intercomStandIn ? window.__intercomStandIn.calls : null, csp: window.__csp, path: location.pathname})`))
		tb.t.Fatalf("waiting for %d calls to the stand-in Messenger: %v\nthe page: %s", n, err, raw)
	}
	return tb.standIn()
}

// waitVerification waits until the stand-in's user_hash check is state.
func (tb *tab) waitVerification(state string) standInRecord {
	tb.t.Helper()
	cond := fmt.Sprintf(`(window.__intercomStandIn && window.__intercomStandIn.verification || {}).state === %q`, state)
	if _, err := chromedp.Run(tb.ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(pollTimeout))); err != nil {
		tb.t.Fatalf("waiting for the user_hash check to be %q: %v; the record: %+v", state, err, tb.standIn().Verification)
	}
	return tb.standIn()
}

// checkCalls checks that the stand-in's calls from index from on are want,
// exactly, and returns the record.
func (tb *tab) checkCalls(rec standInRecord, from int, want ...standInCall) standInRecord {
	tb.t.Helper()
	got := []standInCall{}
	if from <= len(rec.Calls) {
		got = rec.Calls[from:]
	}
	if want == nil {
		want = []standInCall{}
	}
	equalJSON(tb.t, fmt.Sprintf("the stand-in's calls from #%d", from), got, want)
	return rec
}

// checkLoad checks that the widget was loaded once, from src, with the
// nonce of the page's policy.
func (tb *tab) checkLoad(rec standInRecord, src, nonce, path string) {
	tb.t.Helper()
	if len(rec.Loads) != 1 {
		tb.t.Fatalf("the widget was loaded %d times: %+v", len(rec.Loads), rec.Loads)
	}
	if l := rec.Loads[0]; l.Src != src || l.Nonce != nonce || l.Path != path {
		tb.t.Errorf("the widget was loaded from %q with nonce %q on %q; want %q, %q, %q", l.Src, l.Nonce, l.Path, src, nonce, path)
	}
}

// checkClean checks that no policy violation happened, no injected code ran
// and the widget script is there once.
func (tb *tab) checkClean(v standInViewResult) {
	tb.t.Helper()
	if len(v.CSP) != 0 {
		tb.t.Errorf("Content-Security-Policy violations: %v", v.CSP)
	}
	if v.Pwned != "undefined" {
		tb.t.Errorf("injected code ran: window.__pwned is %s", v.Pwned)
	}
	if v.WidgetScripts != 1 {
		tb.t.Errorf("%d widget script elements, want 1", v.WidgetScripts)
	}
}

func (tb *tab) view() standInViewResult {
	tb.t.Helper()
	raw, err := chromedp.Run(tb.ctx, chromedp.Evaluate[[]byte](standInView))
	if err != nil {
		tb.t.Fatalf("reading the page: %v", err)
	}
	var v standInViewResult
	if err := json.Unmarshal(raw, &v); err != nil {
		tb.t.Fatalf("reading the page: %v\n%s", err, raw)
	}
	return v
}

// setCookie sets a cookie for the app in the tab's browser context, as a
// forger would.
func (tb *tab) setCookie(name, value string) {
	tb.t.Helper()
	if _, err := chromedp.Call(tb.ctx, network.SetCookie, network.SetCookieParams{Name: name, Value: value, URL: tb.base + "/"}); err != nil {
		tb.t.Fatalf("setting the cookie %s: %v", name, err)
	}
}

// fill fills in the sign-in form with u's login and password.
func (tb *tab) fill(u demo.User) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx,
		chromedp.SendKeys(chromedp.CSS("#login"), u.Login),
		chromedp.SendKeys(chromedp.CSS("#password"), u.Password),
	); err != nil {
		tb.t.Fatalf("filling in the sign-in form: %v", err)
	}
}

// clickOnly clicks the element sel selects, without waiting for a page load
// (Turbo, htmx and fetch replace none).
func (tb *tab) clickOnly(sel string) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		tb.t.Fatalf("clicking %s: %v", sel, err)
	}
}

// text returns the text of the element sel selects.
func (tb *tab) text(sel string) string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		tb.t.Fatalf("reading %s: %v", sel, err)
	}
	return s
}

// screenshot saves the viewport as the artifact name.
func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	png, err := chromedp.Run(tb.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.t.Fatalf("taking a screenshot: %v", err)
	}
	saveArtifact(tb.t, name, png)
}
