package conformance

import (
	"context"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// browser requests an app's routes as a browser on the app's site would,
// for the cases that follow a logout: it keeps the cookies responses set,
// by name (all of the suite's cookies have Path "/", and a browser on the
// site would hold those set for Config.CookieDomain too), sends them back,
// and does not follow redirects, so that a case can look at the redirect
// itself.
type browser struct {
	app     *app
	client  *http.Client
	cookies map[string]string
}

// browser returns a browser that connects from the loopback address from
// ("" for the system's choice) and holds cookies.
func (a *app) browser(from string, cookies map[string]string) *browser {
	c := newClient(from)
	c.Transport.(*http.Transport).DisableKeepAlives = true // a malformed response must not spill into the next one
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if cookies == nil {
		cookies = map[string]string{}
	}
	return &browser{app: a, client: c, cookies: maps.Clone(cookies)}
}

// response is one response as the browser saw it.
type response struct {
	method  string
	url     *url.URL // of the request
	status  int
	header  http.Header
	body    []byte
	cookies []*http.Cookie // the Set-Cookie headers, parsed
}

// do sends one request with the cookies the browser holds and header, reads
// the whole response, checks that it is well formed (valid Set-Cookie
// headers; a body as long as its Content-Length) and keeps the cookies it
// sets.
func (b *browser) do(t *testing.T, method, path string, header map[string]string) *response {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, b.app.base+path, nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if len(b.cookies) > 0 {
		pairs := make([]string, 0, len(b.cookies))
		for _, name := range slices.Sorted(maps.Keys(b.cookies)) {
			pairs = append(pairs, name+"="+b.cookies[name])
		}
		req.Header.Set("Cookie", strings.Join(pairs, "; "))
	}
	resp, err := b.client.Do(req)
	require.NoError(t, err, "%s %s", method, path)
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err, "%s %s: reading the body (a Content-Length longer than the body?)", method, path)
	r := &response{method: method, url: resp.Request.URL, status: resp.StatusCode, header: resp.Header, body: body}
	require.NoError(t, noPlaceholder(body), "%s %s", method, path)

	if cl := resp.Header.Get("Content-Length"); cl != "" && method != http.MethodHead {
		n, err := strconv.Atoi(cl)
		require.NoError(t, err, "%s %s: Content-Length %q", method, path, cl)
		if n != len(body) { // not require.Len, which would print the body
			require.Failf(t, "Content-Length is not the body's length",
				"%s %s: Content-Length %d, but the body has %d bytes", method, path, n, len(body))
		}
	}
	for _, line := range resp.Header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		require.NoError(t, err, "%s %s: Set-Cookie %q", method, path, line)
		r.cookies = append(r.cookies, c)
		if expired(c) {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return r
}

// get is do with GET and no extra header.
func (b *browser) get(t *testing.T, path string) *response {
	t.Helper()
	return b.do(t, http.MethodGet, path, nil)
}

// expired reports whether c deletes the cookie: Max-Age zero or negative
// (which ParseSetCookie turns into -1), or else an Expires in the past.
func expired(c *http.Cookie) bool {
	switch {
	case c.MaxAge < 0:
		return true
	case c.MaxAge > 0:
		return false
	}
	return !c.Expires.IsZero() && c.Expires.Before(time.Now())
}

// setCookies returns the response's Set-Cookie headers named name.
func (r *response) setCookies(name string) []*http.Cookie {
	var out []*http.Cookie
	for _, c := range r.cookies {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

// mediaType returns the media type of the response's Content-Type, lower
// case, and its parameters; "" when there is none or it does not parse.
func (r *response) mediaType() (string, map[string]string) {
	mt, params, err := mime.ParseMediaType(r.header.Get("Content-Type"))
	if err != nil {
		return "", nil
	}
	return mt, params
}

// page checks that the response is a 200 text/html page and returns it.
func (r *response) page(t *testing.T) *page {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, "%s %s: status; body:\n%s", r.method, r.url.Path, excerpt(string(r.body)))
	mt, _ := r.mediaType()
	require.Equal(t, "text/html", mt, "%s %s: Content-Type %q", r.method, r.url.Path, r.header.Get("Content-Type"))
	return newPage(r.body)
}

// location returns the path the response redirects to, resolved against
// its request's URL.
func (r *response) location(t *testing.T) string {
	t.Helper()
	loc := r.header.Get("Location")
	require.NotEmpty(t, loc, "%s %s: redirect without a Location", r.method, r.url.Path)
	u, err := url.Parse(loc)
	require.NoError(t, err, "%s %s: Location %q", r.method, r.url.Path, loc)
	return r.url.ResolveReference(u).Path
}

// sameBytes checks got == want without printing megabytes on a mismatch: it
// names the first differing offset and shows the bytes around it.
func sameBytes(t *testing.T, want, got []byte, what string) bool {
	t.Helper()
	if string(want) == string(got) {
		return true
	}
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	from := max(0, i-80)
	around := func(b []byte) string { return fmt.Sprintf("%q", b[min(from, len(b)):min(i+160, len(b))]) }
	return assert.Fail(t, what+" differs",
		"want %d bytes, got %d; first difference at byte %d:\nwant ...%s...\n got ...%s...",
		len(want), len(got), i, around(want), around(got))
}
