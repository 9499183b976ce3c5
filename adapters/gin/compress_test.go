package intercomgin_test

import (
	"bytes"
	"compress/gzip"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	ginzip "github.com/gin-contrib/gzip"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	intercomgin "github.com/goanalytical/intercom/adapters/gin"
	intercom "github.com/goanalytical/intercom/core"
)

// The page of the compression tests, long enough that every compressor
// compresses it.
var (
	zipHead = "<!DOCTYPE html>\n<html><head><title>compressed</title></head><body>\n" +
		strings.Repeat("<p>A paragraph that compresses well.</p>\n", 8)
	zipTail = "</body></html>\n"
	zipPage = zipHead + zipTail
)

// served is one response as a client without transparent decompression
// receives it, and its body decoded.
type served struct {
	status int
	header http.Header
	raw    []byte // the body as sent
	page   string // the body, gunzipped when it is gzip-encoded
}

// serveZip requests path from a real server running engine, accepting gzip,
// and decodes the body. It checks the framing: a Content-Length, when
// present, is the length of the body as sent.
func serveZip(t *testing.T, engine http.Handler, method, path string) served {
	t.Helper()
	srv := httptest.NewServer(engine)
	defer srv.Close()
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, nil)
	require.NoError(t, err)
	req.Header.Set("Accept-Encoding", "gzip")
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err, "reading the body (a Content-Length longer than the body?)")
	if cl := resp.Header.Get("Content-Length"); cl != "" && method != http.MethodHead {
		assert.Equal(t, strconv.Itoa(len(raw)), cl, "Content-Length is not the length of the body as sent")
	}
	s := served{status: resp.StatusCode, header: resp.Header, raw: raw, page: string(raw)}
	if resp.Header.Get("Content-Encoding") == "gzip" && method != http.MethodHead {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		require.NoError(t, err, "the body is not gzip")
		plain, err := io.ReadAll(zr)
		require.NoError(t, err, "the gzip body is corrupt")
		s.page = string(plain)
	}
	return s
}

// samePage checks that got is want, and says briefly how it is not: how
// many snippets each has, and where they first differ.
func samePage(t *testing.T, want, got, what string) {
	t.Helper()
	if got == want {
		return
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	marker := "IntercomSettingsScriptTag"
	t.Errorf("%s: got %d bytes with %d snippets, want %d bytes with %d; first difference at byte %d: got %q, want %q",
		what, len(got), strings.Count(got, marker), len(want), strings.Count(want, marker), i,
		got[i:min(len(got), i+40)], want[i:min(len(want), i+40)])
}

// TestInjectWithGinContribGzip runs whole-page install with the real
// gin-contrib/gzip in both orders. Installed before Inject (the README's
// order, and where apps put compression), gzip sets Content-Encoding before
// the handler runs and compresses what Inject passes on: the page gets the
// snippet once, then is compressed. Installed after Inject, gzip hands
// Inject compressed bytes: they pass through untouched, a valid gzip page
// without the snippet.
func TestInjectWithGinContribGzip(t *testing.T) {
	m, log := newMessenger(t, nil)
	jane := intercom.Visitor{User: &intercom.User{ID: "7", Name: "Jane"}}
	snippet := string(m.Render(jane))
	tmpl := template.Must(template.New("page").Parse(`{{ .head }}{{ .tail }}`))

	handlers := []struct {
		name  string
		serve gin.HandlerFunc
	}{
		{"c.Data", func(c *gin.Context) {
			intercomgin.Identify(c, *jane.User)
			c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(zipPage))
		}},
		{"c.HTML", func(c *gin.Context) {
			intercomgin.Identify(c, *jane.User)
			c.HTML(http.StatusOK, "page", gin.H{"head": template.HTML(zipHead), "tail": template.HTML(zipTail)})
		}},
		{"written in pieces with Content-Length", func(c *gin.Context) {
			intercomgin.Identify(c, *jane.User)
			c.Header("Content-Type", "text/html")
			c.Header("Content-Length", strconv.Itoa(len(zipPage)))
			for _, part := range []string{zipHead, "</bo", "dy>", zipTail[len("</body>"):]} {
				_, _ = c.Writer.WriteString(part)
			}
		}},
		{"status 404", func(c *gin.Context) {
			intercomgin.Identify(c, *jane.User)
			c.Data(http.StatusNotFound, "text/html; charset=utf-8", []byte(zipPage))
		}},
	}
	orders := []struct {
		name     string
		use      func(r *gin.Engine)
		injected bool
	}{
		{"gzip before Inject", func(r *gin.Engine) {
			r.Use(ginzip.Gzip(ginzip.DefaultCompression), intercomgin.Middleware(m), intercomgin.Inject())
		}, true},
		{"gzip between Middleware and Inject", func(r *gin.Engine) {
			r.Use(intercomgin.Middleware(m), ginzip.Gzip(ginzip.DefaultCompression), intercomgin.Inject())
		}, true},
		{"gzip after Inject", func(r *gin.Engine) {
			r.Use(intercomgin.Middleware(m), intercomgin.Inject(), ginzip.Gzip(ginzip.DefaultCompression))
		}, false},
	}
	for _, o := range orders {
		for _, h := range handlers {
			t.Run(o.name+"/"+h.name, func(t *testing.T) {
				r := gin.New()
				r.SetHTMLTemplate(tmpl)
				o.use(r)
				r.GET("/", h.serve)
				s := serveZip(t, r, http.MethodGet, "/")

				// gin-contrib/gzip sends error pages uncompressed.
				wantStatus, wantEncoding := http.StatusOK, "gzip"
				if h.name == "status 404" {
					wantStatus, wantEncoding = http.StatusNotFound, ""
				}
				require.Equal(t, wantStatus, s.status)
				assert.Equal(t, wantEncoding, s.header.Get("Content-Encoding"))
				switch {
				case o.injected || wantEncoding == "":
					samePage(t, zipHead+snippet+zipTail, s.page, "the page with one snippet before </body>")
					assert.Equal(t, "private", s.header.Get("Cache-Control"))
				default:
					samePage(t, zipPage, s.page, "the page as the handler wrote it")
					assert.Empty(t, s.header.Get("Cache-Control"))
				}
			})
		}
	}
	assert.Empty(t, log.got())
}
