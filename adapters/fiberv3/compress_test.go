package intercomfiber_test

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"io"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/gofiber/fiber/v3"
	"github.com/gofiber/fiber/v3/middleware/compress"
	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	intercomfiber "github.com/goanalytical/intercom/adapters/fiberv3"
	intercom "github.com/goanalytical/intercom/core"
)

// The page of the compression tests, long enough that fasthttp compresses
// it.
var (
	zipHead = "<!DOCTYPE html>\n<html><head><title>compressed</title></head><body>\n" +
		strings.Repeat("<p>A paragraph that compresses well.</p>\n", 8)
	zipTail = "</body></html>\n"
	zipPage = zipHead + zipTail
	// zipShared is the page as a handler gives it to c.Send, which fasthttp
	// must not modify.
	zipShared = []byte(zipPage)
)

// decode returns body decoded as its Content-Encoding says.
func decode(t *testing.T, encoding string, body []byte) string {
	t.Helper()
	var r io.Reader
	switch encoding {
	case "":
		return string(body)
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		require.NoError(t, err, "the body is not gzip")
		r = zr
	case "br":
		r = brotli.NewReader(bytes.NewReader(body))
	case "deflate": // HTTP's deflate is the zlib format
		zr, err := zlib.NewReader(bytes.NewReader(body))
		require.NoError(t, err, "the body is not zlib")
		r = zr
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(body))
		require.NoError(t, err, "the body is not zstd")
		defer zr.Close()
		r = zr
	default:
		t.Fatalf("Content-Encoding %q", encoding)
	}
	plain, err := io.ReadAll(r)
	require.NoError(t, err, "the %s body is corrupt", encoding)
	return string(plain)
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

// TestInjectWithCompress runs whole-page install with fiber v3's compress
// middleware in both orders, for the encodings it picks. Fiber compresses
// the finished response after the handler chain returns. Installed before
// Inject (the README's order), compress encodes the page after Inject has
// given it the snippet. Installed after Inject, it has encoded the body
// before Inject sees it, and its Content-Encoding leaves the response
// untouched: a valid compressed page without the snippet.
func TestInjectWithCompress(t *testing.T) {
	rec := &recorder{}
	m := newMessenger(t, rec)
	snippet := string(m.Render(intercom.Visitor{User: &jane}))

	handlers := []struct {
		name   string
		status int
		serve  fiber.Handler
	}{
		{"c.SendString", fiber.StatusOK, func(c fiber.Ctx) error {
			intercomfiber.Identify(c, jane)
			c.Type("html")
			return c.SendString(zipPage)
		}},
		// Inject sends a page it must not modify as a body stream, which
		// compress then encodes as a stream.
		{"c.Send of a shared page", fiber.StatusOK, func(c fiber.Ctx) error {
			intercomfiber.Identify(c, jane)
			c.Type("html")
			return c.Send(zipShared)
		}},
		{"status 404", fiber.StatusNotFound, func(c fiber.Ctx) error {
			intercomfiber.Identify(c, jane)
			c.Type("html")
			return c.Status(fiber.StatusNotFound).SendString(zipPage)
		}},
	}
	orders := []struct {
		name     string
		use      func(app *fiber.App)
		injected bool
	}{
		{"compress before Inject", func(app *fiber.App) {
			app.Use(compress.New(), intercomfiber.New(m), intercomfiber.Inject())
		}, true},
		{"compress between New and Inject", func(app *fiber.App) {
			app.Use(intercomfiber.New(m), compress.New(), intercomfiber.Inject())
		}, true},
		{"compress after Inject", func(app *fiber.App) {
			app.Use(intercomfiber.New(m), intercomfiber.Inject(), compress.New())
		}, false},
	}
	encodings := []struct{ accept, want string }{
		{"gzip", "gzip"},
		{"br", "br"},
		{"deflate", "deflate"},
		{"zstd", "zstd"},
		{"gzip, deflate, br, zstd", "br"}, // what browsers send
	}
	for _, o := range orders {
		for _, h := range handlers {
			for _, enc := range encodings {
				t.Run(o.name+"/"+h.name+"/"+enc.accept, func(t *testing.T) {
					app := fiber.New()
					o.use(app)
					app.Get("/", h.serve)
					req := httptest.NewRequest(fiber.MethodGet, "/", nil)
					req.Header.Set(fiber.HeaderAcceptEncoding, enc.accept)
					resp, err := app.Test(req, noTimeout)
					require.NoError(t, err)
					defer func() { _ = resp.Body.Close() }()
					wire, err := io.ReadAll(resp.Body)
					require.NoError(t, err)

					require.Equal(t, h.status, resp.StatusCode)
					assert.Equal(t, enc.want, resp.Header.Get(fiber.HeaderContentEncoding))
					if cl := resp.Header.Get(fiber.HeaderContentLength); cl != "" {
						assert.Equal(t, strconv.Itoa(len(wire)), cl, "Content-Length is not the length of the body as sent")
					}
					page := decode(t, resp.Header.Get(fiber.HeaderContentEncoding), wire)
					if o.injected {
						samePage(t, zipHead+snippet+zipTail, page, "the page with one snippet before </body>")
						assert.Equal(t, "private", resp.Header.Get(fiber.HeaderCacheControl))
					} else {
						samePage(t, zipPage, page, "the page as the handler wrote it")
						assert.Empty(t, resp.Header.Get(fiber.HeaderCacheControl))
					}
				})
			}
		}
	}
	assert.Equal(t, zipPage, string(zipShared), "c.Send's page was modified")
	assert.Empty(t, rec.got())
}
