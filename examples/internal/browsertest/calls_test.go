package browsertest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/examples/internal/demo"
)

// sdkCalls calls every method the queued calls offer through Intercom's
// own @intercom/messenger-js-sdk (window.IntercomSDK, its exports), with
// the arguments its types take; goCalls queues the same calls in Go.
const sdkCalls = `(function (sdk) {
  sdk.trackEvent("order-placed", {order: 42, items: ["a", "b"], total: 99.5, paid: true});
  sdk.trackEvent("signed-in");
  sdk.showNewMessage("Need help with your invoice?");
  sdk.showSpace("help");
  sdk.showArticle("123");
  sdk.startTour("456");
  sdk.startSurvey("789");
  sdk.startChecklist("1011");
  sdk.showTicket("1213");
  sdk.showConversation("1415");
  sdk.showNews("1617");
  sdk.show();
  sdk.hide();
  sdk.showMessages();
})(window.IntercomSDK);`

var goCalls = [][]any{
	{"trackEvent", "order-placed", map[string]any{"order": 42, "items": []string{"a", "b"}, "total": 99.5, "paid": true}},
	{"trackEvent", "signed-in"},
	{"showNewMessage", "Need help with your invoice?"},
	{"showSpace", "help"},
	{"showArticle", 123}, // Go integers: the page gets strings, as the SDK types ids
	{"startTour", 456},
	{"startSurvey", "789"},
	{"startChecklist", int64(1011)},
	{"showTicket", uint(1213)},
	{"showConversation", "1415"},
	{"showNews", 1617},
	{"show"},
	{"hide"},
	{"showMessages"},
}

// sdkBundle makes the SDK's CommonJS files (dist/index.js and what it
// requires) one script that sets window.IntercomSDK: a page loads it with
// its nonce, without eval.
func sdkBundle(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("(function () {\nvar defs = {}, done = {};\n")
	for _, name := range []string{"constants", "instance-manager", "index"} {
		src, err := os.ReadFile(filepath.Join(dir, "dist", name+".js"))
		if err != nil {
			t.Fatalf("the SDK: %v", err)
		}
		fmt.Fprintf(&b, "defs[%q] = function (exports, require) {\n%s\n};\n", "./"+name, src)
	}
	b.WriteString(`function require(name) {
  if (!done[name]) { done[name] = {}; defs[name](done[name], require); }
  return done[name];
}
window.IntercomSDK = require("./index");
})();
`)
	return b.String()
}

// TestBrowserCalls checks in Chromium that each queued call reaches the
// Messenger exactly as Intercom's own SDK makes it: the stand-in's record
// of the calls a page queued in Go (intercom.Messenger.Call, rendered by the
// loader) equals its record of the same calls made through the real
// @intercom/messenger-js-sdk, on a page loading the Messenger and on one
// where it is loaded (the loader's update branch).
func TestBrowserCalls(t *testing.T) {
	chromium := needBrowser(t, browserPath)
	bundle := sdkBundle(t, SDKDir(t))
	libs := LibDir(t)
	site := demo.NewSite("calls test", demo.Setup{Users: Users(), LibDir: libs})

	var m *intercom.Messenger
	calls := func() []intercom.Call {
		var cs []intercom.Call
		for _, c := range goCalls {
			call, err := m.Call(c[0].(string), c[1:]...)
			if err != nil {
				t.Errorf("Call%v: %v", c, err)
			}
			cs = append(cs, call)
		}
		return cs
	}
	script := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			_, _ = w.Write([]byte(body))
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/demo/", site.Assets())
	mux.HandleFunc("GET /sdk.js", script(bundle))
	mux.HandleFunc("GET /sdk-calls.js", script(sdkCalls))
	// /go: the calls queued in Go; /sdk: made through the SDK by a script
	// after the snippet. ?turbo: with Turbo, whose links lead to /go.
	mux.HandleFunc("GET /{page}", func(w http.ResponseWriter, r *http.Request) {
		nonce := intercom.NewNonce()
		w.Header().Set("Content-Security-Policy", "script-src 'nonce-"+nonce+"' 'strict-dynamic'; object-src 'none'; base-uri 'none'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		v := intercom.Visitor{Nonce: nonce}
		after := ""
		switch r.PathValue("page") {
		case "go":
			v.Calls = calls()
		case "sdk":
			after = `<script src="/sdk.js" nonce="` + nonce + `"></script><script src="/sdk-calls.js" nonce="` + nonce + `"></script>`
		default:
			http.NotFound(w, r)
			return
		}
		head := ""
		if r.URL.Query().Has("turbo") {
			head = `<script src="/demo/lib/` + demo.Turbo.Name + `" nonce="` + nonce + `"></script>`
		}
		fmt.Fprintf(w, `<!doctype html><html><head><title>%s</title>%s</head><body><a id="go" href="/go?turbo">go</a>%s%s</body></html>`,
			r.PathValue("page"), head, m.Render(v), after)
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
	n := len(goCalls)

	// What the SDK does, the reference: on a fresh page its calls queue on
	// the loader's stub until the widget boots.
	var want []standInCall
	runScenario(t, browserCtx, srv, "through the SDK", func(tb *tab) {
		if err := chromedp.Do(tb.ctx, chromedp.Navigate(srv+"/sdk")); err != nil {
			t.Fatal(err)
		}
		rec := tb.waitCalls(1 + n)
		want = rec.Calls[1:]
		if len(rec.Calls) != 1+n || rec.Calls[0].Method != "boot" {
			t.Fatalf("the SDK's page: %+v", rec.Calls)
		}
		for _, c := range want {
			if c.Source != "queue" || c.Unknown {
				t.Errorf("the SDK's call %+v was not queued, or is unknown to the stand-in", c)
			}
		}
	})
	if want == nil {
		t.FailNow()
	}
	withSource := func(source, path string) []standInCall {
		out := make([]standInCall, len(want))
		for i, c := range want {
			c.Source, c.Path = source, path
			out[i] = c
		}
		return out
	}

	runScenario(t, browserCtx, srv, "queued in Go, on a page that loads the Messenger", func(tb *tab) {
		if err := chromedp.Do(tb.ctx, chromedp.Navigate(srv+"/go")); err != nil {
			t.Fatal(err)
		}
		tb.checkCalls(tb.waitCalls(1+n), 1, withSource("queue", "/go")...)
	})

	runScenario(t, browserCtx, srv, "queued in Go, on a page where the Messenger is loaded", func(tb *tab) {
		if err := chromedp.Do(tb.ctx, chromedp.Navigate(srv+"/sdk?turbo")); err != nil {
			t.Fatal(err)
		}
		tb.waitCalls(1 + n)
		tb.poll(navReady(demo.NavTurbo), "Turbo to start")
		tb.clickOnly("#go")
		tb.poll(`document.title === "go"`, "the page with the calls")
		want := append([]standInCall{call("/go?turbo", "call", "reattach_activator"),
			call("/go?turbo", "call", "update", AnonymousSettings())}, withSource("call", "/go?turbo")...)
		tb.checkCalls(tb.waitCalls(1+n+2+n), 1+n, want...)
	})
}
