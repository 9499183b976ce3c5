package conformance

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The whole-page cases serve hand-written responses at RawPath through the
// adapter's whole-page install. The handler identifies the visitor and sets
// custom data, so the injected snippet shows that it was rendered after the
// handler ran.
func wholePageScenario(raw RawResponse) Scenario {
	return Scenario{
		WholePage: true,
		Identify: func(Header) (intercom.User, bool) {
			return intercom.User{ID: "42", Email: "jane@example.com"}, true
		},
		WithAttributes: withAttributes(intercom.Attributes{"source": "attributes"}),
		Set:            []Attr{{"plan", "pro"}},
		Raw:            raw,
	}
}

// wholePageConfig is the Messenger of the whole-page cases.
var wholePageConfig = intercom.Config{AppID: appID, HMACSecret: secret}

// wholePageSettings are the settings of the whole-page visitor.
func wholePageSettings() map[string]any {
	return expect(map[string]any{
		"user_id":   "42",
		"email":     "jane@example.com",
		"user_hash": userHash("42"),
		"source":    "attributes",
		"plan":      "pro",
	})
}

// Pages the whole-page cases serve.
const (
	// decoyPage has "</body>" in script strings before its real end tag.
	decoyPage = "<!DOCTYPE html>\n<html><head><title>decoys</title>\n" +
		"<script>var tpl = \"<div>x</div></body>\";</script></head>\n" +
		"<body><p>Hello</p>\n<script>document.write(\"</body>\");</script>\n<p>after the decoys</p>\n" +
		"</body>\n</html>\n"
	// upperPage closes its body in upper case.
	upperPage = "<!DOCTYPE html>\n<HTML><HEAD><TITLE>upper</TITLE></HEAD><BODY><P>Shouting</P>\n</BODY></HTML>\n"
	// charsetPage is served as text/html; charset=utf-8.
	charsetPage = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>café</title></head>" +
		"<body><p>Grüße, 世界</p></body></html>\n"
	// fragmentPage has no </body>, as a partial page for htmx or Turbo.
	fragmentPage = "<div id=\"cart\"><p>3 items</p><a href=\"/body\">body</a></div>\n"
	// jsonBody is JSON holding markup.
	jsonBody = `{"html":"<html><body><p>x</p></body></html>","ok":true}`
)

// bodyClose matches an end tag of the body element, as an HTML tokenizer
// reads it.
var bodyClose = regexp.MustCompile(`(?i)</body[\t\n\f\r />]`)

// htmlResponse is a RawResponse writing page in one chunk as text/html.
func htmlResponse(page string) RawResponse {
	return RawResponse{
		Header: map[string]string{"Content-Type": "text/html"},
		Chunks: [][]byte{[]byte(page)},
	}
}

// chunked splits page into chunks of n bytes.
func chunked(page string, n int) [][]byte {
	var out [][]byte
	for len(page) > 0 {
		k := min(n, len(page))
		out = append(out, []byte(page[:k]))
		page = page[k:]
	}
	return out
}

// mustInjected checks that r is page with exactly one snippet, for the
// whole-page visitor, inserted right before page's last </body>, and
// nothing else changed.
func mustInjected(t *testing.T, r *response, page string) *Snippet {
	t.Helper()
	p := r.page(t)
	s := p.mustSnippet(t)
	loc := bodyClose.FindAllStringIndex(page, -1)
	require.NotEmpty(t, loc, "the case's page has no </body>")
	i := loc[len(loc)-1][0]
	sameBytes(t, []byte(page[:i]+s.Raw+page[i:]), r.body,
		"the page with the snippet inserted right before its last </body>")
	assert.Equal(t, wholePageSettings(), s.Settings, "the injected snippet's settings")
	return s
}

// mustUntouched checks that r carries want exactly and no snippet.
func mustUntouched(t *testing.T, r *response, want []byte) {
	t.Helper()
	sameBytes(t, want, r.body, "the body")
	newPage(r.body).mustNotHaveSnippet(t)
}

// pendingShutdown is the cookie a logout left for the next page.
var pendingShutdown = map[string]string{adapter.ShutdownCookie: "1"}

// mustKeepShutdown checks that a response that shows no snippet left the
// logout flag alone: it belongs to the next page that does.
func mustKeepShutdown(t *testing.T, r *response) {
	t.Helper()
	assert.Empty(t, r.setCookies(adapter.ShutdownCookie),
		"a response without a snippet touched the %s flag, which the next page needs to shut the Messenger down", adapter.ShutdownCookie)
}

func testWholePageLast(t *testing.T, h Harness) {
	a := start(t, h, wholePageConfig, wholePageScenario(htmlResponse(decoyPage)))
	mustInjected(t, a.browser("", nil).get(t, RawPath), decoyPage)
	a.noErrors(t)
}

func testWholePageUpper(t *testing.T, h Harness) {
	a := start(t, h, wholePageConfig, wholePageScenario(htmlResponse(upperPage)))
	mustInjected(t, a.browser("", nil).get(t, RawPath), upperPage)
	a.noErrors(t)
}

func testWholePageCharset(t *testing.T, h Harness) {
	raw := htmlResponse(charsetPage)
	raw.Header["Content-Type"] = "text/html; charset=utf-8"
	a := start(t, h, wholePageConfig, wholePageScenario(raw))
	r := a.browser("", nil).get(t, RawPath)
	mustInjected(t, r, charsetPage)
	_, params := r.mediaType()
	assert.Equal(t, "utf-8", strings.ToLower(params["charset"]), "the charset of Content-Type %q", r.header.Get("Content-Type"))
	a.noErrors(t)
}

func testWholePageJSON(t *testing.T, h Harness) {
	a := start(t, h, wholePageConfig, wholePageScenario(RawResponse{
		Header: map[string]string{"Content-Type": "application/json"},
		Chunks: [][]byte{[]byte(jsonBody)},
	}))
	r := a.browser("", pendingShutdown).get(t, RawPath)
	require.Equal(t, http.StatusOK, r.status)
	mt, _ := r.mediaType()
	assert.Equal(t, "application/json", mt)
	mustUntouched(t, r, []byte(jsonBody))
	mustKeepShutdown(t, r)
	a.noErrors(t)
}

func testWholePageGzip(t *testing.T, h Harness) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, err := zw.Write([]byte(decoyPage))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	a := start(t, h, wholePageConfig, wholePageScenario(RawResponse{
		Header: map[string]string{"Content-Type": "text/html", "Content-Encoding": "gzip"},
		Chunks: [][]byte{gz.Bytes()},
	}))
	r := a.browser("", pendingShutdown).do(t, http.MethodGet, RawPath, map[string]string{"Accept-Encoding": "gzip"})
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "gzip", r.header.Get("Content-Encoding"))
	sameBytes(t, gz.Bytes(), r.body, "the gzip body")
	zr, err := gzip.NewReader(bytes.NewReader(r.body))
	require.NoError(t, err, "the body is not gzip any more")
	plain, err := io.ReadAll(zr)
	require.NoError(t, err, "the gzip body is corrupt")
	mustUntouched(t, &response{body: plain}, []byte(decoyPage))
	mustKeepShutdown(t, r)
	a.noErrors(t)
}

func testWholePageHead(t *testing.T, h Harness) {
	a := start(t, h, wholePageConfig, wholePageScenario(htmlResponse(decoyPage)))
	r := a.browser("", pendingShutdown).do(t, http.MethodHead, RawPath, nil)
	require.Equal(t, http.StatusOK, r.status)
	mt, _ := r.mediaType()
	assert.Equal(t, "text/html", mt)
	assert.Empty(t, r.body, "a HEAD response has a body")
	mustKeepShutdown(t, r)
	a.noErrors(t)
}

// testWholePageStatus serves an empty text/html response with status.
func testWholePageStatus(status int) func(*testing.T, Harness) {
	return func(t *testing.T, h Harness) {
		a := start(t, h, wholePageConfig, wholePageScenario(RawResponse{
			Status: status,
			Header: map[string]string{"Content-Type": "text/html", "Etag": `"v1"`},
		}))
		r := a.browser("", pendingShutdown).get(t, RawPath)
		require.Equal(t, status, r.status)
		assert.Empty(t, r.body, "a %d response has a body", status)
		assert.Equal(t, `"v1"`, r.header.Get("Etag"))
		mustKeepShutdown(t, r)
		a.noErrors(t)
	}
}

func testWholePageNoBodyClose(t *testing.T, h Harness) {
	a := start(t, h, wholePageConfig, wholePageScenario(htmlResponse(fragmentPage)))
	r := a.browser("", nil).get(t, RawPath)
	require.Equal(t, http.StatusOK, r.status)
	mt, _ := r.mediaType()
	assert.Equal(t, "text/html", mt)
	mustUntouched(t, r, []byte(fragmentPage))
	a.noErrors(t)
}

func testWholePageContentLength(t *testing.T, h Harness) {
	raw := htmlResponse(decoyPage)
	raw.Header["Content-Length"] = strconv.Itoa(len(decoyPage))
	a := start(t, h, wholePageConfig, wholePageScenario(raw))
	// browser.do checks that a Content-Length, when present, is the body's.
	mustInjected(t, a.browser("", nil).get(t, RawPath), decoyPage)
	a.noErrors(t)
}

// testWholePageCachePrivate: a page that gets the snippet carries the
// visitor's identity from then on, so without a caching policy of its own it
// must not be stored by shared caches; its validator and byte ranges were
// the original body's.
func testWholePageCachePrivate(t *testing.T, h Harness) {
	raw := htmlResponse(decoyPage)
	raw.Header["Etag"] = `"v1"`
	raw.Header["Accept-Ranges"] = "bytes"
	a := start(t, h, wholePageConfig, wholePageScenario(raw))
	r := a.browser("", nil).get(t, RawPath)
	mustInjected(t, r, decoyPage)
	assert.Equal(t, []string{"private"}, r.header.Values("Cache-Control"), "Cache-Control of an injected page")
	assert.Empty(t, r.header.Values("Etag"), "the ETag of the page before injection")
	assert.Empty(t, r.header.Values("Accept-Ranges"), "Accept-Ranges of the page before injection")
	a.noErrors(t)
}

// testWholePageCachePolicyKept: a caching policy the handler set stands.
func testWholePageCachePolicyKept(t *testing.T, h Harness) {
	raw := htmlResponse(decoyPage)
	raw.Header["Cache-Control"] = "no-store"
	a := start(t, h, wholePageConfig, wholePageScenario(raw))
	r := a.browser("", nil).get(t, RawPath)
	mustInjected(t, r, decoyPage)
	assert.Equal(t, []string{"no-store"}, r.header.Values("Cache-Control"), "the handler's Cache-Control")
	a.noErrors(t)
}

// testWholePageChunks writes decoyPage three bytes at a time, so that
// every </body> is split across writes.
func testWholePageChunks(flush bool) func(*testing.T, Harness) {
	return func(t *testing.T, h Harness) {
		raw := htmlResponse(decoyPage)
		raw.Chunks, raw.Flush = chunked(decoyPage, 3), flush
		a := start(t, h, wholePageConfig, wholePageScenario(raw))
		mustInjected(t, a.browser("", nil).get(t, RawPath), decoyPage)
		a.noErrors(t)
	}
}

func testWholePageTemplate(t *testing.T, h Harness) {
	a := start(t, h, wholePageConfig, wholePageScenario(RawResponse{}))
	// The template rendered the snippet: whole-page install must not add a
	// second one (FindSnippet fails on two).
	s := a.get(t, "", nil).mustSnippet(t)
	assert.Equal(t, wholePageSettings(), s.Settings)
	a.noErrors(t)
}

// largePageSize is how much HTML the large page has before its </body>.
const largePageSize = 2 << 20

func testWholePageLarge(t *testing.T, h Harness) {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html><head><title>large</title></head><body>\n")
	for i := 0; b.Len() < largePageSize; i++ {
		fmt.Fprintf(&b, "<p id=\"p%d\">Paragraph %d: <b>bold</b>, <i>italic</i>, &lt;/body&gt; as text.</p>\n", i, i)
	}
	b.WriteString("</body>\n</html>\n")
	page := b.String()
	raw := htmlResponse(page)
	raw.Chunks = chunked(page, 16<<10)
	a := start(t, h, wholePageConfig, wholePageScenario(raw))
	mustInjected(t, a.browser("", nil).get(t, RawPath), page)
	a.noErrors(t)
}
