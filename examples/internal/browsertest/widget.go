package browsertest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// stubWidget is what the widget server sends instead of Intercom's widget. It
// records what the real widget would read when it arrives: the settings in
// window.intercomSettings and the calls queued on the loader's stub
// window.Intercom.q (each an arguments object, turned into an array). Then it
// does what the real widget does to the page: it sets its session cookie and
// replaces window.Intercom with a function of its own.
const stubWidget = `(function () {
  var w = window, ic = w.Intercom, me = document.currentScript;
  var copy = function (v) { return v === undefined ? null : JSON.parse(JSON.stringify(v)); };
  w.__widget = {
    src: me ? me.src : null,
    nonce: me ? me.nonce : null,
    intercomType: typeof ic,
    isQueueingStub: typeof ic === "function" && Array.isArray(ic.q) && typeof ic.c === "function",
    settings: copy(w.intercomSettings),
    queue: ic && Array.isArray(ic.q) ? ic.q.map(function (args) { return copy(Array.prototype.slice.call(args)); }) : null,
    calls: []
  };
  document.cookie = "intercom-session-APP_ID=stub-session; path=/";
  w.Intercom = function () { w.__widget.calls.push(copy(Array.prototype.slice.call(arguments))); };
})();
`

// widgetServer is the local TLS server that Chromium reaches for
// widget.intercom.io (--host-resolver-rules). It serves the stub widget at
// /widget/<app id> only, and counts what it is asked for.
type widgetServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []string // the paths asked for
}

func newWidgetServer(t *testing.T, appID string) *widgetServer {
	ws := &widgetServer{}
	body := strings.ReplaceAll(stubWidget, "APP_ID", appID)
	ws.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws.mu.Lock()
		ws.requests = append(ws.requests, r.URL.Path)
		ws.mu.Unlock()
		if r.Method != http.MethodGet || r.URL.Path != "/widget/"+appID {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(ws.Close)
	return ws
}

// Requests returns the paths the widget server was asked for.
func (ws *widgetServer) Requests() []string {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return append([]string(nil), ws.requests...)
}
