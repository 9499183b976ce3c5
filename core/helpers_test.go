package intercom_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	intercom "github.com/goanalytical/intercom/core"
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

func (r *recorder) messages() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, len(r.errs))
	for i, e := range r.errs {
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

const (
	scriptOpen = `<script id="IntercomSettingsScriptTag"`
	settingsAt = ">window.intercomSettings="
)

// parseSnippet checks the structure of a rendered snippet (the attribute
// data-turbo-temporary exactly when it queues calls) and returns its
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
	rest, temporary := strings.CutPrefix(rest, ` data-turbo-temporary`)
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
	if hasProto(settings) {
		return nil, "", "", errors.New(`a "__proto__" key in the settings`)
	}
	raw = rest[:dec.InputOffset()]
	loader := rest[dec.InputOffset():]
	if !strings.HasPrefix(loader, ";(function(){") {
		return nil, "", "", errors.New("loader does not follow the settings")
	}
	// Turbo must not run queued calls again from its cache: a snippet with
	// calls, and only one, is data-turbo-temporary.
	if calls := !strings.HasPrefix(loader, ";(function(){var q=[],"); calls != temporary {
		return nil, "", "", fmt.Errorf("queued calls %t but data-turbo-temporary %t", calls, temporary)
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

// rawSettings renders v and returns the settings JSON exactly as emitted.
func rawSettings(t *testing.T, m *intercom.Messenger, v intercom.Visitor) string {
	t.Helper()
	_, raw, _, err := parseSnippet(string(m.Render(v)))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// wantReports fails t unless the ErrorHandler reports got are exactly want
// (nil and empty alike).
func wantReports(t *testing.T, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("reported %q, want %q", got, want)
	}
}

// hasProto reports whether a decoded JSON value has a "__proto__" key at
// any depth (the page's object literal would take it for the prototype).
func hasProto(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if k == "__proto__" || hasProto(x) {
				return true
			}
		}
	case []any:
		for _, x := range v {
			if hasProto(x) {
				return true
			}
		}
	}
	return false
}
