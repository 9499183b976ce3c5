package intercomgin_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"hash"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	ginzip "github.com/gin-contrib/gzip"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	intercomgin "github.com/goanalytical/intercom/adapters/gin"
	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

// A page without the snippet, in two parts: what goes before </body>, and
// </body> with what follows.
const (
	injHead = `<!DOCTYPE html><html><head><title>t</title></head><body><p>hi</p>`
	injTail = `</body></html>`
	injPage = injHead + injTail
)

// gzipMiddleware is gin-contrib/gzip, as apps install it.
var gzipMiddleware = ginzip.Gzip(ginzip.DefaultCompression)

// body returns the response body, uncompressed when it is gzip-encoded.
func body(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	if rec.Header().Get("Content-Encoding") != "gzip" {
		return rec.Body.String()
	}
	zr, err := gzip.NewReader(rec.Body)
	require.NoError(t, err)
	b, err := io.ReadAll(zr)
	require.NoError(t, err)
	return string(b)
}

func TestInject(t *testing.T) {
	quietWarnings(t)
	m, log := newMessenger(t, nil)
	disabled, _ := newMessenger(t, func(c *intercom.Config) { c.AppID = "" })
	snippet := string(m.Render(intercom.Visitor{}))
	janeSnippet := string(m.Render(intercom.Visitor{User: &intercom.User{ID: "7", Name: "Jane"}}))

	tmpl := template.Must(template.New("page").Parse(`<html><body><h1>{{ .title }}</h1></body></html>`))
	template.Must(tmpl.New("with-h").Parse(`<html><body>{{ .Intercom }}</body></html>`))
	data := func(status int, contentType, page string) gin.HandlerFunc {
		return func(c *gin.Context) { c.Data(status, contentType, []byte(page)) }
	}
	withLength := func(contentType string) gin.HandlerFunc {
		return func(c *gin.Context) {
			c.Header("Content-Length", strconv.Itoa(len(injPage)))
			c.Data(http.StatusOK, contentType, []byte(injPage))
		}
	}
	const html = "text/html; charset=utf-8"

	tests := []struct {
		name     string
		method   string // "" for GET
		path     string // "" for "/"; another path is served by handler as NoRoute
		m        *intercom.Messenger
		noMW     bool                 // no Middleware before Inject
		opts     []intercomgin.Option // Middleware's
		before   []gin.HandlerFunc    // before Middleware and Inject
		after    []gin.HandlerFunc    // after Inject
		handler  gin.HandlerFunc
		status   int
		body     string            // uncompressed
		wantHead map[string]string // response headers; "" means absent
	}{
		{
			name:     "c.HTML sets Content-Type after the status",
			handler:  func(c *gin.Context) { c.HTML(http.StatusCreated, "page", gin.H{"title": "Hi"}) },
			status:   http.StatusCreated,
			body:     `<html><body><h1>Hi</h1>` + snippet + `</body></html>`,
			wantHead: map[string]string{"Content-Type": html},
		},
		{
			name:    "page with the snippet from H keeps exactly one",
			handler: func(c *gin.Context) { c.HTML(http.StatusOK, "with-h", intercomgin.Data(c, nil)) },
			status:  http.StatusOK,
			body:    `<html><body>` + snippet + `</body></html>`,
		},
		{
			name:     "c.String is text/plain",
			handler:  func(c *gin.Context) { c.String(http.StatusOK, injPage) },
			status:   http.StatusOK,
			body:     injPage,
			wantHead: map[string]string{"Content-Type": "text/plain; charset=utf-8"},
		},
		{
			name:     "c.PureJSON",
			handler:  func(c *gin.Context) { c.PureJSON(http.StatusOK, gin.H{"page": injPage}) },
			status:   http.StatusOK,
			body:     `{"page":"` + injPage + `"}` + "\n",
			wantHead: map[string]string{"Content-Type": "application/json; charset=utf-8"},
		},
		{
			name:     "c.Data with Content-Length",
			handler:  withLength(html),
			status:   http.StatusOK,
			body:     injHead + snippet + injTail,
			wantHead: map[string]string{"Content-Length": ""},
		},
		{
			name:     "c.Data text/plain keeps Content-Length",
			handler:  withLength("text/plain"),
			status:   http.StatusOK,
			body:     injPage,
			wantHead: map[string]string{"Content-Length": strconv.Itoa(len(injPage))},
		},
		{
			name:     "Content-Type sniffed from the body",
			handler:  func(c *gin.Context) { _, _ = c.Writer.Write([]byte(injPage)) },
			status:   http.StatusOK,
			body:     injHead + snippet + injTail,
			wantHead: map[string]string{"Content-Type": html},
		},
		{
			name: "WriteHeader before Content-Type and WriteString",
			handler: func(c *gin.Context) {
				c.Writer.WriteHeader(http.StatusAccepted)
				c.Header("Content-Type", "TEXT/HTML")
				_, _ = c.Writer.WriteString(injPage)
			},
			status: http.StatusAccepted,
			body:   injHead + snippet + injTail,
		},
		{
			// gzip sets Content-Encoding before the handler runs, and
			// compresses what Inject writes.
			name:     "gzip middleware before Inject",
			before:   []gin.HandlerFunc{gzipMiddleware},
			handler:  data(http.StatusOK, html, injPage),
			status:   http.StatusOK,
			body:     injHead + snippet + injTail,
			wantHead: map[string]string{"Content-Encoding": "gzip", "Cache-Control": "private"},
		},
		{
			name:     "gzip middleware after Inject",
			after:    []gin.HandlerFunc{gzipMiddleware},
			handler:  data(http.StatusOK, html, injPage),
			status:   http.StatusOK,
			body:     injPage,
			wantHead: map[string]string{"Content-Encoding": "gzip"},
		},
		{
			// As GET, so that both have the same headers.
			name:     "HEAD",
			method:   http.MethodHead,
			handler:  withLength(html),
			status:   http.StatusOK,
			body:     injHead + snippet + injTail, // the recorder keeps what net/http would drop
			wantHead: map[string]string{"Content-Length": "", "Cache-Control": "private"},
		},
		{
			name:    "304 Not Modified",
			handler: data(http.StatusNotModified, html, ""),
			status:  http.StatusNotModified,
		},
		{
			name:    "204 through AbortWithStatus",
			handler: func(c *gin.Context) { c.Header("Content-Type", html); c.AbortWithStatus(http.StatusNoContent) },
			status:  http.StatusNoContent,
		},
		{
			name:    "</body> in a script string: the last one wins",
			handler: data(http.StatusOK, html, `<html><body><script>var s="</body>";</script><p>x</p></BODY ></html>`),
			status:  http.StatusOK,
			body:    `<html><body><script>var s="</body>";</script><p>x</p>` + snippet + `</BODY ></html>`,
		},
		{
			name:    "no </body>",
			handler: data(http.StatusOK, html, `<p>fragment</p>`),
			status:  http.StatusOK,
			body:    `<p>fragment</p>`,
		},
		{
			name:     "c.Redirect",
			handler:  func(c *gin.Context) { c.Redirect(http.StatusFound, "/next") },
			status:   http.StatusFound,
			body:     `<a href="/next">Found</a>.` + "\n\n",
			wantHead: map[string]string{"Location": "/next"},
		},
		{
			name: "Identify and Set after the first write",
			handler: func(c *gin.Context) {
				c.Header("Content-Type", html)
				_, _ = c.Writer.WriteString(injHead)
				intercomgin.Identify(c, intercom.User{ID: "7", Name: "Jane"})
				_, _ = c.Writer.WriteString(injTail)
			},
			status: http.StatusOK,
			body:   injHead + janeSnippet + injTail,
		},
		{
			name:    "NoRoute page keeps gin's 404",
			path:    "/missing",
			handler: func(c *gin.Context) { c.Header("Content-Type", html); _, _ = c.Writer.WriteString(injPage) },
			status:  http.StatusNotFound,
			body:    injHead + snippet + injTail,
		},
		{
			name:   "gin's own 404",
			path:   "/missing",
			status: http.StatusNotFound,
			body:   "404 page not found",
		},
		{
			name:    "Inject installed twice",
			after:   []gin.HandlerFunc{intercomgin.Inject()},
			handler: withLength(html),
			status:  http.StatusOK,
			body:    injHead + snippet + injTail,
		},
		{
			name:    "skipped request",
			opts:    []intercomgin.Option{intercomgin.WithSkipper(func(*gin.Context) bool { return true })},
			handler: withLength(html),
			status:  http.StatusOK,
			body:    injPage,
		},
		{
			name:     "disabled Messenger",
			m:        disabled,
			handler:  withLength(html),
			status:   http.StatusOK,
			body:     injPage,
			wantHead: map[string]string{"Content-Length": strconv.Itoa(len(injPage))},
		},
		{
			name:    "without Middleware",
			noMW:    true,
			handler: withLength(html),
			status:  http.StatusOK,
			body:    injPage,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgr := m
			if tt.m != nil {
				msgr = tt.m
			}
			engine := gin.New()
			engine.SetHTMLTemplate(tmpl)
			engine.Use(tt.before...)
			if !tt.noMW {
				engine.Use(intercomgin.Middleware(msgr, tt.opts...))
			}
			engine.Use(intercomgin.Inject())
			engine.Use(tt.after...)
			path := "/"
			if tt.path != "" {
				path = tt.path
				if tt.handler != nil {
					engine.NoRoute(tt.handler)
				}
			} else {
				engine.GET("/", tt.handler)
				engine.HEAD("/", tt.handler)
			}
			method := http.MethodGet
			if tt.method != "" {
				method = tt.method
			}

			rec := httptest.NewRecorder()
			req := httptest.NewRequest(method, path, nil)
			req.Header.Set("Accept-Encoding", "gzip")
			engine.ServeHTTP(rec, req)

			assert.Equal(t, tt.status, rec.Code)
			assert.Equal(t, tt.body, body(t, rec))
			for k, v := range tt.wantHead {
				assert.Equal(t, v, rec.Header().Get(k), "header %s", k)
			}
		})
	}
	assert.Empty(t, log.got())
}

// TestInjectFlush checks that what the handler writes reaches the client as
// it is written, flushed when the handler flushes, and that only the </body>
// candidate is held back.
func TestInjectFlush(t *testing.T) {
	m, _ := newMessenger(t, nil)
	rec := httptest.NewRecorder()
	engine := gin.New()
	engine.Use(intercomgin.Middleware(m), intercomgin.Inject())
	engine.GET("/", func(c *gin.Context) {
		c.Header("Content-Type", "text/html")
		_, _ = c.Writer.WriteString(injHead) // small writes are gathered until a flush, as net/http's own buffer does
		c.Writer.Flush()
		assert.Equal(t, injHead, rec.Body.String(), "written and flushed")
		assert.True(t, rec.Flushed)
		assert.Equal(t, http.StatusOK, rec.Code)
		_, _ = c.Writer.WriteString(injTail)
		c.Writer.Flush()
		assert.Equal(t, injHead, rec.Body.String(), "only the </body> candidate is held")
	})
	engine.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Equal(t, injHead+string(m.Render(intercom.Visitor{}))+injTail, rec.Body.String())
}

// TestInjectStatusForLoggers checks what middleware around the page sees of
// the response: gin.Logger before Inject, and a middleware after it.
func TestInjectStatusForLoggers(t *testing.T) {
	m, _ := newMessenger(t, nil)
	snippet := string(m.Render(intercom.Visitor{}))
	tests := []struct {
		name    string
		handler gin.HandlerFunc
		outer   string // gin.Logger before Inject: status and body size
		inner   string // a middleware after Inject: status, written
	}{
		{
			name:    "c.HTML 201",
			handler: func(c *gin.Context) { c.Data(http.StatusCreated, "text/html", []byte(injPage)) },
			outer:   fmt.Sprintf("201 %d\n", len(injPage)+len(snippet)),
			inner:   "201 true",
		},
		{
			name:    "status only",
			handler: func(c *gin.Context) { c.Status(http.StatusTeapot) },
			outer:   "418 -1\n", // as without Inject: gin sends the headers after the logger
			inner:   "418 false",
		},
		{
			name:    "AbortWithStatus",
			handler: func(c *gin.Context) { c.AbortWithStatus(http.StatusForbidden) },
			outer:   "403 0\n",
			inner:   "403 true",
		},
		{
			name:    "c.String",
			handler: func(c *gin.Context) { c.String(http.StatusBadRequest, "bad") },
			outer:   "400 3\n",
			inner:   "400 true",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var outer strings.Builder
			var inner string
			engine := gin.New()
			engine.Use(gin.LoggerWithConfig(gin.LoggerConfig{
				Output: &outer,
				Formatter: func(p gin.LogFormatterParams) string {
					return fmt.Sprintf("%d %d\n", p.StatusCode, p.BodySize)
				},
			}))
			engine.Use(intercomgin.Middleware(m), intercomgin.Inject(), func(c *gin.Context) {
				c.Next()
				inner = fmt.Sprintf("%d %t", c.Writer.Status(), c.Writer.Written())
			})
			engine.GET("/", tt.handler)
			rec := httptest.NewRecorder()
			engine.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
			assert.Equal(t, tt.outer, outer.String())
			assert.Equal(t, tt.inner, inner)
		})
	}
}

// TestInjectPanic checks that a panicking handler's page goes out as
// written, without the snippet and without running the hooks, and that
// gin.Recovery still handles the panic.
func TestInjectPanic(t *testing.T) {
	m, _ := newMessenger(t, nil)
	tests := []struct {
		name    string
		written string
		status  int
	}{
		{"nothing written", "", http.StatusInternalServerError},
		{"page written", injPage, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lookups atomic.Int32
			engine := gin.New()
			engine.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, _ any) {
				c.AbortWithStatus(http.StatusInternalServerError)
			}))
			engine.Use(intercomgin.Middleware(m, intercomgin.WithUser(func(*gin.Context) (intercom.User, bool) {
				lookups.Add(1)
				return intercom.User{}, false
			})), intercomgin.Inject())
			engine.GET("/", func(c *gin.Context) {
				c.Header("Content-Type", "text/html")
				if tt.written != "" {
					_, _ = c.Writer.WriteString(tt.written)
				}
				panic("boom")
			})
			rec := httptest.NewRecorder()
			engine.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
			assert.Equal(t, tt.status, rec.Code)
			assert.Equal(t, tt.written, rec.Body.String())
			assert.Zero(t, lookups.Load(), "hooks ran for a panicking handler")
		})
	}
}

// sink is a discardWriter that also keeps a hash of the body, so that a
// huge page costs no memory in the test, and can be flushed.
type sink struct {
	discardWriter
	sum     hash.Hash
	flushes int
}

func newSink() *sink {
	return &sink{discardWriter: discardWriter{header: http.Header{}}, sum: sha256.New()}
}

func (s *sink) Write(p []byte) (int, error) {
	_, _ = s.discardWriter.Write(p)
	return s.sum.Write(p)
}
func (s *sink) Flush() { s.flushes++ }

// TestInjectLargePage streams a 50 MB page in 64 KB writes: the bytes reach
// the client while the handler runs, memory stays far below the page size,
// and the snippet lands before the last </body>.
func TestInjectLargePage(t *testing.T) {
	m, _ := newMessenger(t, nil)
	snippet := m.Render(intercom.Visitor{})
	const chunkSize, chunks = 64 << 10, 800 // 50 MB
	tests := []struct {
		name  string
		chunk []byte
		lag   int // how far the client may lag behind the handler
	}{
		{"no candidates", bytes.Repeat([]byte("<p>lorem ipsum dolor sit amet</p>\n"), chunkSize/34+1)[:chunkSize], 6},
		{"a </body> in a script string in every chunk", append(
			[]byte(`<script>var s="</body>";</script>`),
			bytes.Repeat([]byte("x"), chunkSize-33)...), 2 * chunkSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Len(t, tt.chunk, chunkSize)
			want := sha256.New()
			want.Write([]byte(injHead))
			for range chunks {
				want.Write(tt.chunk)
			}
			want.Write([]byte(snippet))
			want.Write([]byte(injTail))

			out := newSink()
			engine := gin.New()
			engine.Use(intercomgin.Middleware(m), intercomgin.Inject())
			engine.GET("/", func(c *gin.Context) {
				c.Header("Content-Type", "text/html")
				written, _ := c.Writer.WriteString(injHead)
				for i := range chunks {
					n, err := c.Writer.Write(tt.chunk)
					require.NoError(t, err)
					written += n
					if out.n < written-tt.lag {
						t.Fatalf("after %d writes the client has %d of %d bytes", i+1, out.n, written)
					}
				}
				_, _ = c.Writer.WriteString(injTail)
			})

			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			engine.ServeHTTP(out, httptest.NewRequest(http.MethodGet, "/", nil))
			runtime.ReadMemStats(&after)

			assert.Equal(t, http.StatusOK, out.code)
			assert.Equal(t, len(injHead)+chunks*chunkSize+len(snippet)+len(injTail), out.n)
			assert.Equal(t, want.Sum(nil), out.sum.Sum(nil), "the page differs")
			allocated := after.TotalAlloc - before.TotalAlloc
			assert.Less(t, allocated, uint64(4<<20), "allocated %d bytes for a 50 MB page", allocated)
		})
	}
}

// TestInjectSniffsAsWithout: a page written without a Content-Type gets the
// type net/http sniffs from its first 512 bytes, with Inject as without it,
// even when the first write is only "\n" (issue 15's finding 7).
func TestInjectSniffsAsWithout(t *testing.T) {
	m, _ := newMessenger(t, nil)
	for _, tt := range []struct {
		name   string
		writes []string
		want   string
	}{
		{"newline first", []string{"\n", "<!DOCTYPE html><html><body>x</body></html>"}, "text/html; charset=utf-8"},
		{"one write", []string{"<html><body>x</body></html>"}, "text/html; charset=utf-8"},
		{"plain text", []string{"just ", "text"}, "text/plain; charset=utf-8"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			types := map[bool]string{}
			for _, inject := range []bool{false, true} {
				engine := gin.New()
				engine.Use(intercomgin.Middleware(m))
				if inject {
					engine.Use(intercomgin.Inject())
				}
				engine.GET("/", func(c *gin.Context) {
					for _, w := range tt.writes {
						_, _ = c.Writer.WriteString(w)
					}
				})
				srv := httptest.NewServer(engine)
				resp, err := srv.Client().Get(srv.URL)
				require.NoError(t, err)
				body, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				_ = resp.Body.Close()
				srv.Close()
				types[inject] = resp.Header.Get("Content-Type")
				wantSnippet := inject && tt.want == "text/html; charset=utf-8"
				assert.Equal(t, wantSnippet, strings.Contains(string(body), adapter.SnippetMarker), "snippet with Inject %v", inject)
			}
			assert.Equal(t, map[bool]string{false: tt.want, true: tt.want}, types)
		})
	}
}
