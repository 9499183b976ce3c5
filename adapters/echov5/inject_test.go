package intercomecho_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"html/template"
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
	"github.com/goanalytical/intercom/core/adapter"
)

// snippetMark stands for the snippet in the expected bodies of the tests.
const snippetMark = "<SNIPPET>"

// plainHead and plainTail are a page split where Inject puts the snippet.
const (
	plainHead = `<!doctype html><html><head><title>Hi</title></head><body><h1>Hi</h1>`
	plainTail = `</body></html>`
	// plainPage is the page without the snippet.
	plainPage = plainHead + plainTail
	// injectedPage is plainPage with the snippet, as snippetMark.
	injectedPage = plainHead + snippetMark + plainTail
)

// fullTemplate is a whole page that places the snippet itself ("page"),
// and one that does not ("bare").
var fullTemplate = template.Must(template.Must(template.New("page").Parse(
	`<!doctype html><html><body><h1>{{ .Title }}</h1>{{ .Intercom }}</body></html>`)).New("bare").Parse(
	`<!doctype html><html><body><h1>{{ .Title }}</h1></body></html>`))

// titled is struct data, which Renderer passes on without the snippet.
type titled struct{ Title string }

// injectApp is an echo app with Renderer over fullTemplate, outer
// middleware, Middleware(m), Inject, inner middleware, and h on GET and HEAD
// "/".
func injectApp(m *intercom.Messenger, h echo.HandlerFunc, outer, inner []echo.MiddlewareFunc) *echo.Echo {
	e := echo.New()
	e.Renderer = intercomecho.Renderer(&echo.TemplateRenderer{Template: fullTemplate})
	e.Use(outer...)
	e.Use(intercomecho.Middleware(m))
	e.Use(intercomecho.Inject())
	e.Use(inner...)
	e.Match([]string{http.MethodGet, http.MethodHead}, "/", h)
	return e
}

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	require.NoError(t, err)
	out, err := io.ReadAll(zr)
	require.NoError(t, err)
	return string(out)
}

func TestInject(t *testing.T) {
	m, _ := newMessenger(t, nil)
	snippet := string(m.Render(intercom.Visitor{}))
	html := func(page string) echo.HandlerFunc {
		return func(c *echo.Context) error { return c.HTML(http.StatusOK, page) }
	}
	gz := []echo.MiddlewareFunc{middleware.Gzip()}
	tests := []struct {
		name         string
		method       string // GET when empty
		header       map[string]string
		outer, inner []echo.MiddlewareFunc
		handler      echo.HandlerFunc
		wantStatus   int    // 200 when 0
		want         string // snippetMark stands for the snippet
		wantHeader   map[string]string
		gzipped      bool // the body is gzip: compare it decompressed
	}{
		{name: "c.HTML", handler: html(plainPage),
			want:       injectedPage,
			wantHeader: map[string]string{"Content-Type": "text/html; charset=UTF-8", "Content-Length": ""}},
		{name: "c.Render through Renderer: snippet already there",
			handler: func(c *echo.Context) error { return c.Render(http.StatusOK, "page", map[string]any{"Title": "T"}) },
			want:    `<!doctype html><html><body><h1>T</h1>` + snippetMark + `</body></html>`},
		{name: "c.Render through Renderer, template without the snippet: injected",
			handler: func(c *echo.Context) error { return c.Render(http.StatusOK, "bare", map[string]any{"Title": "T"}) },
			want:    `<!doctype html><html><body><h1>T</h1>` + snippetMark + `</body></html>`},
		{name: "c.Render with struct data: no snippet, injected",
			handler: func(c *echo.Context) error { return c.Render(http.StatusOK, "bare", titled{"T"}) },
			want:    `<!doctype html><html><body><h1>T</h1>` + snippetMark + `</body></html>`},
		{name: "c.HTML with Snippet in the page",
			handler: func(c *echo.Context) error {
				return c.HTML(http.StatusOK, "<html><body>"+string(intercomecho.Snippet(c))+"</body></html>")
			},
			want: `<html><body>` + snippetMark + `</body></html>`},
		{name: "c.String untouched", handler: func(c *echo.Context) error { return c.String(http.StatusOK, plainPage) },
			want: plainPage, wantHeader: map[string]string{"Content-Type": "text/plain; charset=UTF-8"}},
		{name: "c.JSON untouched",
			handler: func(c *echo.Context) error { return c.JSON(http.StatusOK, map[string]any{"html": "</body>"}) },
			want:    `{"html":"\u003c/body\u003e"}` + "\n"},
		{name: "c.JSONBlob with a raw </body> untouched",
			handler: func(c *echo.Context) error { return c.JSONBlob(http.StatusOK, []byte(`{"html":"</body>"}`)) },
			want:    `{"html":"</body>"}`},
		{name: "c.Blob text/html with Content-Length: dropped",
			handler: func(c *echo.Context) error {
				c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(len(plainPage)))
				return c.Blob(http.StatusOK, "text/html", []byte(plainPage))
			},
			want:       injectedPage,
			wantHeader: map[string]string{"Content-Length": ""}},
		{name: "c.Blob octet-stream with Content-Length: kept",
			handler: func(c *echo.Context) error {
				c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(len(plainPage)))
				return c.Blob(http.StatusOK, echo.MIMEOctetStream, []byte(plainPage))
			},
			want: plainPage, wantHeader: map[string]string{"Content-Length": strconv.Itoa(len(plainPage))}},
		{name: "c.Response().Write without Content-Type: sniffed as html",
			handler:    func(c *echo.Context) error { _, err := c.Response().Write([]byte(plainPage)); return err },
			want:       injectedPage,
			wantHeader: map[string]string{"Content-Type": "text/html; charset=utf-8"}},
		{name: "HEAD as GET, for the same headers (the recorder keeps the body net/http drops)", method: http.MethodHead,
			handler: html(plainPage), want: injectedPage, wantHeader: map[string]string{"Cache-Control": "private"}},
		{name: "304 untouched", handler: func(c *echo.Context) error { return c.NoContent(http.StatusNotModified) },
			wantStatus: http.StatusNotModified},
		{name: "204 untouched", handler: func(c *echo.Context) error { return c.NoContent(http.StatusNoContent) },
			wantStatus: http.StatusNoContent},
		{name: "404 html page", handler: func(c *echo.Context) error { return c.HTML(http.StatusNotFound, plainPage) },
			wantStatus: http.StatusNotFound,
			want:       injectedPage},
		{name: "redirect untouched",
			handler:    func(c *echo.Context) error { return c.Redirect(http.StatusFound, "/next") },
			wantStatus: http.StatusFound, wantHeader: map[string]string{"Location": "/next"}},
		{name: "</body> in a script string: the last one wins",
			handler: html(`<html><body><script>document.write("</body>")</script><p>x</p></BODY ></html>`),
			want:    `<html><body><script>document.write("</body>")</script><p>x</p>` + snippetMark + `</BODY ></html>`},
		{name: "no </body>: untouched", handler: html(`<p>fragment</p>`), want: `<p>fragment</p>`},
		{name: "Inject installed twice: one snippet", inner: []echo.MiddlewareFunc{intercomecho.Inject()}, handler: html(plainPage),
			want: injectedPage, wantHeader: map[string]string{"Content-Length": ""}},
		{name: "Gzip installed before Inject: injected, then compressed",
			header: map[string]string{"Accept-Encoding": "gzip"}, outer: gz, handler: html(plainPage), gzipped: true,
			want:       injectedPage,
			wantHeader: map[string]string{"Content-Encoding": "gzip", "Content-Length": ""}},
		{name: "Gzip installed after Inject: encoded body untouched",
			header: map[string]string{"Accept-Encoding": "gzip"}, inner: gz, handler: html(plainPage), gzipped: true,
			want: plainPage, wantHeader: map[string]string{"Content-Encoding": "gzip"}},
		{name: "Gzip installed after Inject, client without gzip: injected",
			inner: gz, handler: html(plainPage),
			want:       injectedPage,
			wantHeader: map[string]string{"Content-Encoding": ""}},
		{name: "Content-Encoding set by the handler: untouched",
			handler: func(c *echo.Context) error {
				c.Response().Header().Set(echo.HeaderContentEncoding, "br")
				return c.HTML(http.StatusOK, plainPage)
			},
			want: plainPage},
		{name: "handler error before writing: echo's error page untouched",
			handler:    func(*echo.Context) error { return echo.ErrForbidden },
			wantStatus: http.StatusForbidden, want: `{"message":"Forbidden"}` + "\n"},
		{name: "Identify after writing still counts: the snippet renders at the end",
			handler: func(c *echo.Context) error {
				err := c.HTML(http.StatusOK, plainPage)
				intercomecho.Identify(c, intercom.User{ID: "42"})
				return err
			},
			want: plainHead + string(m.Render(intercom.Visitor{User: &intercom.User{ID: "42"}})) + plainTail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := injectApp(m, tt.handler, tt.outer, tt.inner)
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			req := httptest.NewRequest(method, "/", nil)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			rec := serve(e, req)

			wantStatus := tt.wantStatus
			if wantStatus == 0 {
				wantStatus = http.StatusOK
			}
			assert.Equal(t, wantStatus, rec.Code)
			body := rec.Body.String()
			if tt.gzipped {
				body = gunzip(t, rec.Body.Bytes())
			}
			assert.Equal(t, strings.ReplaceAll(tt.want, snippetMark, snippet), body)
			assert.LessOrEqual(t, strings.Count(body, adapter.SnippetMarker), 1, "snippets in the page")
			for k, v := range tt.wantHeader {
				assert.Equal(t, v, rec.Header().Get(k), "header %s", k)
			}
		})
	}
}

func TestInjectPassesThrough(t *testing.T) {
	captureWarnings(t, io.Discard) // a case without the middleware warns
	enabled, _ := newMessenger(t, nil)
	disabled, _ := newMessenger(t, func(c *intercom.Config) { c.AppID = "" })
	tests := []struct {
		name  string
		setup func(e *echo.Echo)
	}{
		{"without Middleware", func(e *echo.Echo) { e.Use(intercomecho.Inject()) }},
		{"Inject before Middleware", func(e *echo.Echo) {
			e.Use(intercomecho.Inject())
			e.Use(intercomecho.Middleware(enabled))
		}},
		{"skipped", func(e *echo.Echo) {
			e.Use(intercomecho.Middleware(enabled, intercomecho.WithSkipper(func(*echo.Context) bool { return true })))
			e.Use(intercomecho.Inject())
		}},
		{"disabled Messenger", func(e *echo.Echo) {
			e.Use(intercomecho.Middleware(disabled))
			e.Use(intercomecho.Inject())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := app()
			tt.setup(e)
			e.GET("/", func(c *echo.Context) error {
				c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(len(plainPage)))
				return c.HTML(http.StatusOK, plainPage)
			})
			rec := serve(e, nil)
			assert.Equal(t, plainPage, rec.Body.String())
			assert.Equal(t, strconv.Itoa(len(plainPage)), rec.Header().Get(echo.HeaderContentLength))
		})
	}
}

// TestInjectResponseState checks what middleware around Inject sees of the
// *echo.Response: echo's request logger outside, a plain middleware inside,
// which sees it through Inject's writer.
func TestInjectResponseState(t *testing.T) {
	m, _ := newMessenger(t, nil)
	snippet := m.Render(intercom.Visitor{})
	tests := []struct {
		name       string
		handler    echo.HandlerFunc
		wantStatus int
		wantSize   int  // of the body as sent
		wrote      bool // the handler wrote the response, not the error handler
		innerSize  int  // Size inside Inject: what has reached the client
	}{
		// The page is held (small writes gathered, </body> held) until the
		// handler returns: nothing of it has reached the client yet.
		{"injected page", func(c *echo.Context) error { return c.HTML(http.StatusCreated, plainPage) },
			http.StatusCreated, len(plainPage) + len(snippet), true, 0},
		{"page with its own snippet",
			func(c *echo.Context) error {
				return c.HTML(http.StatusOK, "<body>"+string(intercomecho.Snippet(c))+"</body>")
			},
			http.StatusOK, len("<body></body>") + len(snippet), true, len("<body></body>") + len(snippet)},
		{"plain text", func(c *echo.Context) error { return c.String(http.StatusAccepted, "</body>") },
			http.StatusAccepted, len("</body>"), true, len("</body>")},
		{"error", func(*echo.Context) error { return echo.ErrNotFound },
			http.StatusNotFound, len(`{"message":"Not Found"}` + "\n"), false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logged middleware.RequestLoggerValues
			logger := middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
				LogStatus: true, LogResponseSize: true, HandleError: true,
				LogValuesFunc: func(_ *echo.Context, v middleware.RequestLoggerValues) error { logged = v; return nil },
			})
			var outer, inner struct {
				status    int
				size      int64
				committed bool
			}
			e := injectApp(m, tt.handler, []echo.MiddlewareFunc{logger, func(next echo.HandlerFunc) echo.HandlerFunc {
				return func(c *echo.Context) error {
					err := next(c)
					r, uerr := echo.UnwrapResponse(c.Response())
					require.NoError(t, uerr)
					outer.status, outer.size, outer.committed = r.Status, r.Size, r.Committed
					return err
				}
			}}, []echo.MiddlewareFunc{func(next echo.HandlerFunc) echo.HandlerFunc {
				return func(c *echo.Context) error {
					err := next(c)
					r, uerr := echo.UnwrapResponse(c.Response()) // through Inject's writer
					require.NoError(t, uerr)
					inner.status, inner.size, inner.committed = r.Status, r.Size, r.Committed
					return err
				}
			}})
			rec := serve(e, nil)

			assert.Equal(t, tt.wantStatus, rec.Code)
			assert.Equal(t, tt.wantSize, rec.Body.Len())
			assert.Equal(t, tt.wantStatus, logged.Status, "logger status")
			assert.Equal(t, int64(tt.wantSize), logged.ResponseSize, "logger size")
			if tt.wrote { // a handler error is written after Inject, by the error handler
				assert.Equal(t, tt.wantStatus, outer.status, "outer status")
				assert.Equal(t, int64(tt.wantSize), outer.size, "outer size")
				assert.True(t, outer.committed, "outer committed")
				assert.Equal(t, tt.wantStatus, inner.status, "inner status")
				assert.Equal(t, int64(tt.innerSize), inner.size, "inner size")
				assert.True(t, inner.committed, "inner committed")
			}
		})
	}
}

func TestInjectFlush(t *testing.T) {
	m, _ := newMessenger(t, nil)
	rec := httptest.NewRecorder()
	var atFlush string
	var flushed bool
	e := injectApp(m, func(c *echo.Context) error {
		c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
		if _, err := c.Response().Write([]byte("<html><body><p>one</p>")); err != nil {
			return err
		}
		require.NoError(t, http.NewResponseController(c.Response()).Flush())
		atFlush, flushed = rec.Body.String(), rec.Flushed
		_, err := c.Response().Write([]byte("<p>two</p></body></html>"))
		return err
	}, nil, nil)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.RemoteAddr = "203.0.113.9:1234"
	e.ServeHTTP(rec, req)

	assert.True(t, flushed)
	assert.Equal(t, "<html><body><p>one</p>", atFlush)
	assert.Equal(t, "<html><body><p>one</p><p>two</p>"+string(m.Render(intercom.Visitor{}))+"</body></html>", rec.Body.String())
}

// TestInjectLargePage streams a 50 MB page in 64 KB writes: the bytes reach
// the client while the handler writes, and the result is exact.
func TestInjectLargePage(t *testing.T) {
	m, _ := newMessenger(t, nil)
	const size, chunk = 50 << 20, 64 << 10
	end := []byte("</body></html>\n")
	line := []byte("<p>Lorem ipsum dolor sit amet, <b>consectetur</b> adipiscing elit.</p>\n")
	page := make([]byte, 0, size)
	page = append(page, "<!doctype html><html><body>\n"...)
	for len(page)+len(line)+len(end) <= size {
		page = append(page, line...)
	}
	page = append(page, end...)

	rec := httptest.NewRecorder()
	var behind []int // bytes written but not yet at the recorder, after each write
	e := injectApp(m, func(c *echo.Context) error {
		c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
		c.Response().WriteHeader(http.StatusOK)
		for off := 0; off < len(page); off += chunk {
			if _, err := c.Response().Write(page[off:min(off+chunk, len(page))]); err != nil {
				return err
			}
			behind = append(behind, min(off+chunk, len(page))-rec.Body.Len())
		}
		return nil
	}, nil, nil)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.RemoteAddr = "203.0.113.9:1234"
	e.ServeHTTP(rec, req)

	require.Len(t, behind, (len(page)+chunk-1)/chunk)
	for i, n := range behind[:len(behind)-1] {
		if n > len("</body") {
			t.Fatalf("after write %d, %d bytes had not reached the recorder", i, n)
		}
	}
	assert.Equal(t, len(end), behind[len(behind)-1], "only the final </body> and its tail are held")
	snippet := m.Render(intercom.Visitor{})
	want := append(append(page[:len(page)-len(end):len(page)-len(end)], snippet...), end...)
	if !bytes.Equal(want, rec.Body.Bytes()) {
		t.Fatalf("body of %d bytes differs from the expected %d bytes", rec.Body.Len(), len(want))
	}
}

// TestInjectPanic: a panicking handler's output goes out as without Inject,
// without the snippet, and echo's Recover still turns the panic into the
// error it returns.
func TestInjectPanic(t *testing.T) {
	m, _ := newMessenger(t, nil)
	var recovered error
	recoverer := middleware.RecoverWithConfig(middleware.RecoverConfig{DisablePrintStack: true})
	keepErr := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			recovered = next(c)
			return recovered
		}
	}
	tests := []struct {
		name       string
		handler    echo.HandlerFunc
		wantStatus int
		want       string
	}{
		{"after writing", func(c *echo.Context) error {
			_ = c.HTML(http.StatusOK, "<html><body><p>x</p></body>")
			panic("boom")
		}, http.StatusOK, "<html><body><p>x</p></body>"},
		{"after WriteHeader", func(c *echo.Context) error {
			c.Response().WriteHeader(http.StatusAccepted)
			panic("boom")
		}, http.StatusAccepted, ""},
		{"before writing", func(*echo.Context) error { panic("boom") },
			http.StatusInternalServerError, `{"message":"Internal Server Error"}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recovered = nil
			e := injectApp(m, tt.handler, []echo.MiddlewareFunc{keepErr, recoverer}, nil)
			rec := serve(e, nil)
			assert.Equal(t, tt.wantStatus, rec.Code)
			assert.Equal(t, tt.want, rec.Body.String())
			require.Error(t, recovered)
			assert.EqualError(t, recovered, "boom")
		})
	}
}

// TestInjectWriteError: a failing client write is the handler's error.
func TestInjectWriteError(t *testing.T) {
	m, _ := newMessenger(t, nil)
	var got error
	e := injectApp(m, func(c *echo.Context) error { return c.HTML(http.StatusOK, plainPage) }, []echo.MiddlewareFunc{
		func(next echo.HandlerFunc) echo.HandlerFunc {
			return func(c *echo.Context) error { got = next(c); return nil }
		}}, nil)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	e.ServeHTTP(&failingWriter{ResponseRecorder: httptest.NewRecorder()}, req)
	assert.ErrorIs(t, got, errClientGone)
}

var errClientGone = errors.New("client gone")

type failingWriter struct{ *httptest.ResponseRecorder }

func (w *failingWriter) Write([]byte) (int, error) { return 0, errClientGone }

// TestInjectOnGroup: Middleware for the whole app, Inject for one group.
func TestInjectOnGroup(t *testing.T) {
	m, _ := newMessenger(t, nil)
	e := app()
	e.Use(intercomecho.Middleware(m))
	page := func(c *echo.Context) error { return c.HTML(http.StatusOK, plainPage) }
	e.Group("/site", intercomecho.Inject()).GET("/home", page)
	e.GET("/api/home", page)

	injected := plainHead + string(m.Render(intercom.Visitor{})) + plainTail
	assert.Equal(t, injected, serve(e, httptest.NewRequest(http.MethodGet, "/site/home", nil)).Body.String())
	assert.Equal(t, plainPage, serve(e, httptest.NewRequest(http.MethodGet, "/api/home", nil)).Body.String())
}
