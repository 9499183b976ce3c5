package adapter_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

// recorder collects what a Messenger reports.
type recorder struct {
	mu   sync.Mutex
	errs []error
}

func (r *recorder) handle(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
}

func (r *recorder) errors() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.errs)
}

func (r *recorder) messages() []string {
	errs := r.errors()
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = e.Error()
	}
	return out
}

// newMessenger builds a Messenger whose reports go to a recorder.
func newMessenger(t testing.TB, c intercom.Config) (*intercom.Messenger, *recorder) {
	t.Helper()
	rec := &recorder{}
	c.ErrorHandler = rec.handle
	m, err := intercom.New(c)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m, rec
}

// wantReports fails t unless the ErrorHandler reports got are exactly want
// (nil and empty alike).
func wantReports(t *testing.T, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("reported %q, want %q", got, want)
	}
}

// wantHookErrors fails t unless errs are exactly *adapter.HookError values
// for the hooks named in want, in order.
func wantHookErrors(t *testing.T, errs []error, want ...string) {
	t.Helper()
	var got []string
	for _, err := range errs {
		var he *adapter.HookError
		if !errors.As(err, &he) {
			t.Errorf("report %v (%T) is not an *adapter.HookError", err, err)
			continue
		}
		got = append(got, he.Hook)
	}
	if !slices.Equal(got, want) {
		t.Errorf("hook errors for %q, want %q", got, want)
	}
}

func equalJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

const (
	scriptOpen = `<script id="IntercomSettingsScriptTag"`
	settingsAt = ">window.intercomSettings="
)

// parseSnippet checks the structure of a rendered snippet and returns its
// settings decoded, the raw JSON and the nonce attribute ("" if none).
func parseSnippet(snippet string) (settings map[string]any, raw, nonce string, err error) {
	if !strings.HasPrefix(snippet, scriptOpen) {
		return nil, "", "", fmt.Errorf("snippet does not start with the script element: %.60q", snippet)
	}
	if n := strings.Count(snippet, "<script"); n != 1 {
		return nil, "", "", fmt.Errorf("%d <script in snippet", n)
	}
	if n := strings.Count(snippet, "</script"); n != 1 || !strings.HasSuffix(snippet, "</script>") {
		return nil, "", "", fmt.Errorf("</script must appear once, at the end")
	}
	for _, bad := range []string{"<!--", "-->", "--!>"} {
		if strings.Contains(snippet, bad) {
			return nil, "", "", fmt.Errorf("snippet contains %q", bad)
		}
	}
	rest := snippet[len(scriptOpen):]
	if after, ok := strings.CutPrefix(rest, ` nonce="`); ok {
		end := strings.IndexByte(after, '"')
		nonce, rest = after[:end], after[end+1:]
	}
	rest, ok := strings.CutPrefix(rest, settingsAt)
	if !ok {
		return nil, "", "", errors.New("no window.intercomSettings assignment after the start tag")
	}
	dec := json.NewDecoder(strings.NewReader(rest))
	dec.UseNumber()
	if err := dec.Decode(&settings); err != nil {
		return nil, "", "", fmt.Errorf("settings JSON: %w", err)
	}
	raw = rest[:dec.InputOffset()]
	if !strings.HasPrefix(rest[dec.InputOffset():], ";(function(){") {
		return nil, "", "", errors.New("loader does not follow the settings")
	}
	return settings, raw, nonce, nil
}

func mustParse(t *testing.T, snippet string) map[string]any {
	t.Helper()
	s, _, _, err := parseSnippet(snippet)
	if err != nil {
		t.Fatalf("%v\nsnippet: %s", err, snippet)
	}
	return s
}

// ctx stands in for a framework's request context.
type ctx struct {
	authUser any      // what the framework's auth middleware stored
	cookies  []string // names of the request's cookies
	set      []string // the response's Set-Cookie values, in order
	calls    map[string]int
}

func (c *ctx) count(hook string) {
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls[hook]++
}

// glue is an adapter's glue to the ctx "framework": every hook counts its
// calls in ctx.calls.
func glue() adapter.Hooks[*ctx] {
	return adapter.Hooks[*ctx]{
		AuthUser:    func(c *ctx) any { c.count("AuthUser"); return c.authUser },
		HasCookie:   func(c *ctx, name string) bool { c.count("HasCookie"); return slices.Contains(c.cookies, name) },
		CookieNames: func(c *ctx) []string { c.count("CookieNames"); return c.cookies },
		SetCookie:   func(c *ctx, k *http.Cookie) { c.count("SetCookie"); c.set = append(c.set, k.String()) },
	}
}

// start begins the state of request c on a fresh middleware for m.
func start(m *intercom.Messenger, hooks adapter.Hooks[*ctx], c *ctx, opts ...adapter.Option[*ctx]) *adapter.Request[*ctx] {
	return adapter.NewMiddleware("intercomtest.Middleware", m, hooks, opts...).Start(c)
}

// skipAll is a skipper that skips every request.
func skipAll(*ctx) bool { return true }
