package intercomecho_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	intercomecho "github.com/goanalytical/intercom/adapters/echov5"
	intercom "github.com/goanalytical/intercom/core"
)

// The page of the compression tests, long enough to be worth compressing.
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
	page   string // the body, gunzipped when it is gzip-encoded
}

// serveZip requests / from a real server running e, accepting gzip, and
// decodes the body. It checks the framing: a Content-Length, when present,
// is the length of the body as sent.
func serveZip(t *testing.T, e http.Handler) served {
	t.Helper()
	srv := httptest.NewServer(e)
	defer srv.Close()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/", nil)
	require.NoError(t, err)
	req.Header.Set("Accept-Encoding", "gzip")
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err, "reading the body (a Content-Length longer than the body?)")
	if cl := resp.Header.Get("Content-Length"); cl != "" {
		assert.Equal(t, strconv.Itoa(len(raw)), cl, "Content-Length is not the length of the body as sent")
	}
	s := served{status: resp.StatusCode, header: resp.Header, page: string(raw)}
	if resp.Header.Get("Content-Encoding") == "gzip" {
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

// TestInjectWithGzip runs whole-page install with echo v5's middleware.Gzip in
// both orders. Installed before Inject (the README's order), Gzip sets
// Content-Encoding once the body comes and compresses what Inject writes:
// the page gets the snippet once, then is compressed. Installed after
// Inject, Gzip hands Inject compressed bytes: they pass through untouched, a
// valid gzip page without the snippet.
func TestInjectWithGzip(t *testing.T) {
	m, log := newMessenger(t, nil)
	jane := intercom.User{ID: "7", Name: "Jane"}
	snippet := string(m.Render(intercom.Visitor{User: &jane}))

	handlers := []struct {
		name   string
		status int
		serve  echo.HandlerFunc
	}{
		{"c.HTML", http.StatusOK, func(c *echo.Context) error {
			intercomecho.Identify(c, jane)
			return c.HTML(http.StatusOK, zipPage)
		}},
		{"written in pieces with Content-Length", http.StatusOK, func(c *echo.Context) error {
			intercomecho.Identify(c, jane)
			res := c.Response()
			res.Header().Set(echo.HeaderContentType, echo.MIMETextHTML)
			res.Header().Set(echo.HeaderContentLength, strconv.Itoa(len(zipPage)))
			res.WriteHeader(http.StatusOK)
			for _, part := range []string{zipHead, "</bo", "dy>", zipTail[len("</body>"):]} {
				if _, err := io.WriteString(res, part); err != nil {
					return err
				}
			}
			return nil
		}},
		{"status 404", http.StatusNotFound, func(c *echo.Context) error {
			intercomecho.Identify(c, jane)
			return c.HTML(http.StatusNotFound, zipPage)
		}},
	}
	orders := []struct {
		name     string
		use      func(e *echo.Echo)
		injected bool
	}{
		{"Gzip before Inject", func(e *echo.Echo) {
			e.Use(middleware.Gzip(), intercomecho.Middleware(m), intercomecho.Inject())
		}, true},
		{"Gzip between Middleware and Inject", func(e *echo.Echo) {
			e.Use(intercomecho.Middleware(m), middleware.Gzip(), intercomecho.Inject())
		}, true},
		{"Gzip after Inject", func(e *echo.Echo) {
			e.Use(intercomecho.Middleware(m), intercomecho.Inject(), middleware.Gzip())
		}, false},
	}
	for _, o := range orders {
		for _, h := range handlers {
			t.Run(o.name+"/"+h.name, func(t *testing.T) {
				e := echo.New()
				o.use(e)
				e.GET("/", h.serve)
				s := serveZip(t, e)

				require.Equal(t, h.status, s.status)
				assert.Equal(t, "gzip", s.header.Get("Content-Encoding"))
				if o.injected {
					samePage(t, zipHead+snippet+zipTail, s.page, "the page with one snippet before </body>")
					assert.Equal(t, "private", s.header.Get("Cache-Control"))
				} else {
					samePage(t, zipPage, s.page, "the page as the handler wrote it")
					assert.Empty(t, s.header.Get("Cache-Control"))
				}
			})
		}
	}
	assert.Empty(t, log.all())
}
