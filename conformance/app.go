package conformance

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Fixed inputs of the suite.
const (
	appID     = "abc12345"
	secret    = "conformance-identity-secret-0123456789"
	usAPIBase = "https://api-iam.intercom.io"
	euAPIBase = "https://api-iam.eu.intercom.io"
	widgetURL = "https://widget.intercom.io/widget/" + appID

	// userHeader carries a distinct user on each request of a case.
	userHeader = "X-Conformance-User"
	// requestHeader numbers the requests of a case.
	requestHeader = "X-Conformance-Request"

	requestTimeout = 10 * time.Second
)

// expect returns the settings every snippet of the suite has: app_id and
// the US api_base, plus extra. expect(nil) is an anonymous visitor.
func expect(extra map[string]any) map[string]any {
	s := map[string]any{"app_id": appID, "api_base": usAPIBase}
	maps.Copy(s, extra)
	return s
}

// num is a JSON number as FindSnippet decodes it.
func num(s string) json.Number { return json.Number(s) }

// userHash computes the expected user_hash independently of the library.
func userHash(subject string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(subject))
	return hex.EncodeToString(mac.Sum(nil))
}

// recorder is the Messenger's ErrorHandler: it keeps every reported error.
type recorder struct {
	mu   sync.Mutex
	errs []error
}

func (r *recorder) handle(err error) {
	r.mu.Lock()
	r.errs = append(r.errs, err)
	r.mu.Unlock()
}

func (r *recorder) list() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.errs)
}

// app is one app a harness built for a case.
type app struct {
	base string // http://host:port
	url  string // of PagePath
	rec  *recorder
}

// start builds a Messenger from c (reporting to a recorder), has the harness
// serve s with it on a new IPv4 loopback listener, and returns the app.
func start(t *testing.T, h Harness, c intercom.Config, s Scenario) *app {
	t.Helper()
	return startOn(t, h, "127.0.0.1:0", c, s)
}

func startOn(t *testing.T, h Harness, addr string, c intercom.Config, s Scenario) *app {
	t.Helper()
	rec := &recorder{}
	c.ErrorHandler = rec.handle
	m, err := intercom.New(c)
	require.NoError(t, err, "intercom.New")
	s.Messenger = m
	ln, err := net.Listen("tcp", addr)
	require.NoError(t, err, "listen on %s", addr)
	// The harness owns ln; closing it again after its own cleanup is harmless
	// and covers a harness that failed before serving.
	t.Cleanup(func() { _ = ln.Close() })
	h.Serve(t, ln, s)
	base := "http://" + ln.Addr().String()
	return &app{base: base, url: base + PagePath, rec: rec}
}

// page is one response of an app's page.
type page struct {
	body    string
	snippet *Snippet // nil when the page has none
	err     error    // FindSnippet's error, other than ErrNoSnippet
}

// newClient returns a client whose connections come from the loopback
// address from ("" for the system's choice), which the server sees as the
// peer address.
func newClient(from string) *http.Client {
	d := &net.Dialer{Timeout: requestTimeout}
	if from != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(from)}
	}
	return &http.Client{
		Timeout: requestTimeout,
		Transport: &http.Transport{
			DialContext:         d.DialContext,
			DisableCompression:  true,
			MaxIdleConnsPerHost: 256,
		},
	}
}

// fetch GETs the page and checks the response is a 200 text/html page.
func fetch(ctx context.Context, c *http.Client, url string, header map[string]string) (*page, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: reading body: %w", PagePath, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d, want 200; body:\n%s", PagePath, resp.StatusCode, body)
	}
	if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct != "text/html" {
		return nil, fmt.Errorf("GET %s: Content-Type %q, want text/html", PagePath, resp.Header.Get("Content-Type"))
	}
	if err := noPlaceholder(body); err != nil {
		return nil, fmt.Errorf("GET %s: %w", PagePath, err)
	}
	return newPage(body), nil
}

// placeholderMarker begins the placeholder the kit's RenderTemplate hands a
// template engine in place of the snippet (echo's Renderer, fiber's Views):
// "intercom-snippet-" and a token only that render knows.
const placeholderMarker = "intercom-snippet-"

// noPlaceholder reports a response body that shows a placeholder, in any
// letter case: RenderTemplate expands or removes every one, so none may
// reach a page, where its token would be seen.
func noPlaceholder(body []byte) error {
	if i := bytes.Index(bytes.ToLower(body), []byte(placeholderMarker)); i >= 0 {
		return fmt.Errorf("the body shows the snippet's placeholder: %q", body[i:min(len(body), i+len(placeholderMarker)+32)])
	}
	return nil
}

// newPage parses a page's snippet.
func newPage(body []byte) *page {
	p := &page{body: string(body)}
	p.snippet, p.err = FindSnippet(body)
	if errors.Is(p.err, ErrNoSnippet) {
		p.err = nil
	}
	return p
}

// get requests the app's page from the loopback address from ("" for the
// default) with the given headers.
func (a *app) get(t *testing.T, from string, header map[string]string) *page {
	t.Helper()
	c := newClient(from)
	defer c.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(t.Context(), requestTimeout)
	defer cancel()
	p, err := fetch(ctx, c, a.url, header)
	require.NoError(t, err)
	return p
}

// mustSnippet returns the page's snippet after checking what holds for every
// snippet: it is well formed, nothing in it can end its script element or
// comment early, and the settings are nowhere else in the page.
func (p *page) mustSnippet(t *testing.T) *Snippet {
	t.Helper()
	require.NoError(t, p.err, "the page's snippet is malformed; page:\n%s", excerpt(p.body))
	require.NotNil(t, p.snippet, "the page has no Intercom snippet; page:\n%s", excerpt(p.body))
	s := p.snippet
	assert.NoError(t, checkSnippet(p.body, s))
	return s
}

// checkSnippet checks the rules every rendered snippet obeys.
func checkSnippet(body string, s *Snippet) error {
	want := 0
	if s.Internal {
		want = 1
	}
	lower := strings.ToLower(s.Raw)
	switch {
	case strings.Count(lower, "</script") != 1:
		return fmt.Errorf("snippet contains \"</script\" %d times, want once (its end tag): %s", strings.Count(lower, "</script"), s.Raw)
	case strings.Count(s.Raw, "<!--") != want:
		return fmt.Errorf("snippet contains \"<!--\" %d times, want %d: %s", strings.Count(s.Raw, "<!--"), want, s.Raw)
	case strings.Count(s.Raw, "-->") != want:
		return fmt.Errorf("snippet contains \"-->\" %d times, want %d: %s", strings.Count(s.Raw, "-->"), want, s.Raw)
	case strings.ContainsAny(s.settingsJSON, "<>&\u2028\u2029"):
		return fmt.Errorf("settings JSON holds an unescaped <, >, &, U+2028 or U+2029: %s", s.settingsJSON)
	case strings.Count(body, "intercomSettings") != strings.Count(s.Raw, "intercomSettings"):
		return fmt.Errorf("intercomSettings appears in the page outside the snippet; page:\n%s", excerpt(body))
	case !strings.Contains(s.Loader, `"`+widgetURL+`"`):
		return fmt.Errorf("loader does not load %q: %s", widgetURL, s.Loader)
	}
	return nil
}

// excerptLen bounds how much of a page a failure message shows.
const excerptLen = 4 << 10

// excerpt returns body for a failure message: whole when short, otherwise
// its start and end.
func excerpt(body string) string {
	if len(body) <= excerptLen {
		return body
	}
	return fmt.Sprintf("%s\n[... %d bytes ...]\n%s", body[:excerptLen/2], len(body)-excerptLen, body[len(body)-excerptLen/2:])
}

// mustNotHaveSnippet checks that the page carries no trace of the snippet.
func (p *page) mustNotHaveSnippet(t *testing.T) {
	t.Helper()
	assert.NotContains(t, p.body, scriptID, "the page has a snippet element")
	assert.NotContains(t, p.body, "intercomSettings", "the page has Intercom settings")
}

// noErrors checks that nothing was reported to the ErrorHandler.
func (a *app) noErrors(t *testing.T) {
	t.Helper()
	assert.Empty(t, a.rec.list(), "errors reported to Config.ErrorHandler")
}

// reported returns the reported errors of type E, failing the test when there
// are none.
func reported[E error](t *testing.T, a *app) []E {
	t.Helper()
	var out []E
	for _, err := range a.rec.list() {
		var e E
		if errors.As(err, &e) {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		var e E
		t.Errorf("no %T reported to Config.ErrorHandler; reported: %v", e, a.rec.list())
	}
	return out
}

// needSource skips the test where the loopback address ip cannot be used as
// a source address (only 127.0.0.1 is configured outside Linux).
func needSource(t *testing.T, ip string) {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Skipf("cannot use %s as an address on this system (Linux routes all of 127.0.0.0/8 to loopback; IPv6 needs ::1): %v", ip, err)
	}
	_ = ln.Close()
}

// verifyJWT checks an HS256 token's header and signature with the suite's
// secret and returns its claims, numbers as json.Number.
func verifyJWT(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3, "JWT %q has %d parts", token, len(parts))
	decode := func(part string) map[string]any {
		b, err := base64.RawURLEncoding.DecodeString(part)
		require.NoError(t, err, "JWT part %q is not unpadded base64url", part)
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.UseNumber()
		var m map[string]any
		require.NoError(t, dec.Decode(&m), "JWT part %s is not a JSON object", b)
		return m
	}
	assert.Equal(t, map[string]any{"alg": "HS256", "typ": "JWT"}, decode(parts[0]), "JWT header")
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	require.NoError(t, err, "JWT signature is not unpadded base64url")
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(parts[0] + "." + parts[1]))
	assert.True(t, hmac.Equal(mac.Sum(nil), sig), "JWT signature does not verify with the secret")
	return decode(parts[1])
}

// headerMap builds the header map of one request.
func headerMap(kv ...string) map[string]string {
	h := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		h[kv[i]] = kv[i+1]
	}
	return h
}
