package intercomhttp_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzhttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	intercomhttp "github.com/goanalytical/intercom/adapters/nethttp"
	intercom "github.com/goanalytical/intercom/core"
)

// TestInjectWithGzhttp runs whole-page install with klauspost/compress's
// gzhttp in both orders. Wrapped around Inject (the README's order), gzhttp
// compresses what Inject writes: the page gets the snippet once, then is
// compressed. Wrapped inside Inject, it hands Inject compressed bytes, which
// pass through untouched: a valid gzip page without the snippet.
func TestInjectWithGzhttp(t *testing.T) {
	m, log := newMessenger(t, nil)
	jane := intercom.User{ID: "7", Name: "Jane"}
	snippet := string(m.Render(intercom.Visitor{User: &jane}))
	head := "<!DOCTYPE html>\n<html><head><title>compressed</title></head><body>\n" +
		strings.Repeat("<p>A paragraph that compresses well.</p>\n", 60) // over gzhttp's minimum size
	const tail = "</body></html>\n"
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		intercomhttp.Identify(r, jane)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(head+tail)))
		for _, part := range []string{head, "</bo", "dy>", tail[len("</body>"):]} {
			_, _ = io.WriteString(w, part)
		}
	})
	mw, inject := intercomhttp.Middleware(m), intercomhttp.Inject()
	tests := []struct {
		name     string
		handler  http.Handler
		injected bool
	}{
		{"gzhttp around Inject", gzhttp.GzipHandler(mw(inject(page))), true},
		{"gzhttp between Middleware and Inject", mw(gzhttp.GzipHandler(inject(page))), true},
		{"gzhttp inside Inject", mw(inject(gzhttp.GzipHandler(page))), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
			require.NoError(t, err)
			req.Header.Set("Accept-Encoding", "gzip")
			client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
			resp, err := client.Do(req)
			require.NoError(t, err)
			defer func() { _ = resp.Body.Close() }()
			raw, err := io.ReadAll(resp.Body)
			require.NoError(t, err, "reading the body (a Content-Length longer than the body?)")

			require.Equal(t, http.StatusOK, resp.StatusCode)
			require.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
			if cl := resp.Header.Get("Content-Length"); cl != "" {
				assert.Equal(t, strconv.Itoa(len(raw)), cl, "Content-Length is not the length of the body as sent")
			}
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			require.NoError(t, err, "the body is not gzip")
			plain, err := io.ReadAll(zr)
			require.NoError(t, err, "the gzip body is corrupt")
			want, cache := head+tail, ""
			if tt.injected {
				want, cache = head+snippet+tail, "private"
			}
			if got := string(plain); got != want {
				t.Errorf("got %d bytes with %d snippets, want %d bytes with %d", len(got),
					strings.Count(got, "IntercomSettingsScriptTag"), len(want), strings.Count(want, "IntercomSettingsScriptTag"))
			}
			assert.Equal(t, cache, resp.Header.Get("Cache-Control"))
		})
	}
	assert.Empty(t, log.got())
}
