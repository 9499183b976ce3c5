package intercomecho_test

import (
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v5"

	intercomecho "github.com/goanalytical/intercom/adapters/echov5"
	"github.com/goanalytical/intercom/conformance"
	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

// benchApp is the same small app with and without Intercom: a stand-in auth
// middleware that stores the signed-in user under "user", and one route
// rendering an html/template page from map[string]any data.
func benchApp(b *testing.B, withIntercom bool) *echo.Echo {
	b.Helper()
	return benchAppAs(b, withIntercom, func() string { return "jane" })
}

// benchAppAs is benchApp with the user the stand-in auth signs in.
func benchAppAs(b *testing.B, withIntercom bool, user func() string) *echo.Echo {
	b.Helper()
	return benchAppRendering(b, withIntercom, user, (*echo.Context).Render)
}

// benchAppRendering is benchAppAs with the route's page sent by render:
// c.Render, or intercomecho.Render.
func benchAppRendering(b *testing.B, withIntercom bool, user func() string, render func(c *echo.Context, code int, name string, data any) error) *echo.Echo {
	b.Helper()
	tmpl := template.Must(template.New("page").Parse(
		`<!doctype html><html><head><title>{{ .Title }}</title></head><body><h1>{{ .Title }}</h1>{{ .Intercom }}</body></html>`))
	e := echo.New()
	e.Renderer = &echo.TemplateRenderer{Template: tmpl}
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			c.Set(userKey, user())
			return next(c)
		}
	})
	if withIntercom {
		m, err := intercom.New(intercom.Config{AppID: "abc12345", HMACSecret: "s3cret"})
		if err != nil {
			b.Fatal(err)
		}
		e.Renderer = intercomecho.Renderer(e.Renderer)
		e.Use(intercomecho.Middleware(m))
	}
	e.GET("/", func(c *echo.Context) error {
		return render(c, http.StatusOK, "page", map[string]any{"Title": "Hello"})
	})
	return e
}

func benchServe(b *testing.B, e *echo.Echo, want string) {
	b.Helper()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.RemoteAddr = "203.0.113.9:1234"
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), want) {
		b.Fatalf("status %d, want %q in %s", rec.Code, want, rec.Body)
	}
	// The loop writes into a reusable writer that keeps nothing, as a server
	// writes into a fixed buffer: a fresh recorder per request would charge
	// the bigger page for growing its buffer.
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w.reset()
		e.ServeHTTP(w, req)
	}
}

func BenchmarkBareRoute(b *testing.B) {
	benchServe(b, benchApp(b, false), "<h1>Hello</h1></body>")
}

func BenchmarkWithIntercom(b *testing.B) {
	benchServe(b, benchApp(b, true), `"user_hash":"9b52c52b3593758855e8c276b409ea009fadb538f48a4953fb57c7e1e0ee3ef4","user_id":"jane"`)
}

// BenchmarkOverhead is what Intercom adds to the route: BareRoute and
// WithIntercom served alternately (see conformance.Paired), for a user who
// comes back (every request signed in as the same user) and for a new user
// on every request (more users than the Messenger's user_hash cache holds);
// and (intercomecho.Render) with the page sent by intercomecho.Render in
// place of c.Render, against the same bare route.
func BenchmarkOverhead(b *testing.B) {
	for _, tt := range []struct {
		name   string
		user   func() string
		render func(c *echo.Context, code int, name string, data any) error
	}{
		{"returning-user", func() string { return "jane" }, (*echo.Context).Render},
		{"new-user-each-request", conformance.UserNames(1 << 16), (*echo.Context).Render},
		{"returning-user/intercomecho.Render", func() string { return "jane" }, intercomecho.Render},
	} {
		b.Run(tt.name, func(b *testing.B) {
			bare, with := benchAppAs(b, false, tt.user), benchAppRendering(b, true, tt.user, tt.render)
			benchPaired(b, bare, with)
		})
	}
}

// benchPaired serves GET / with base and with alternately into a discard
// writer (see conformance.Paired), after checking that each answers 200.
func benchPaired(b *testing.B, base, with *echo.Echo) {
	b.Helper()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.RemoteAddr = "203.0.113.9:1234"
	w := &discard{h: http.Header{}}
	serve := func(e *echo.Echo) func() {
		return func() {
			w.reset()
			e.ServeHTTP(w, req)
		}
	}
	for _, e := range []*echo.Echo{base, with} {
		serve(e)()
		if w.code != http.StatusOK || w.n == 0 {
			b.Fatalf("status %d, %d bytes", w.code, w.n)
		}
	}
	conformance.Paired(b, serve(base), serve(with))
}

// discard is a reusable http.ResponseWriter that keeps nothing, so that
// benchmarks measure the app and the adapter, not a recorder's buffer.
type discard struct {
	h    http.Header
	code int
	n    int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) WriteHeader(code int)        { d.code = code }
func (d *discard) Write(p []byte) (int, error) { d.n += len(p); return len(p), nil }
func (d *discard) Flush()                      {}

func (d *discard) reset() {
	clear(d.h)
	d.code, d.n = 0, 0
}

// benchDiscard serves GET / to e b.N times into a discard writer, after
// checking that one response is a 200 whose body is want bytes long.
func benchDiscard(b *testing.B, e *echo.Echo, want int) {
	b.Helper()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.RemoteAddr = "203.0.113.9:1234"
	w := &discard{h: http.Header{}}
	e.ServeHTTP(w, req)
	if w.code != http.StatusOK || w.n != want {
		b.Fatalf("status %d, %d bytes; want 200, %d bytes", w.code, w.n, want)
	}
	b.SetBytes(int64(want))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w.reset()
		e.ServeHTTP(w, req)
	}
}

// benchInjectApp is an echo app with renderer, a stand-in auth signing in
// "jane", Middleware(m), Inject when inject, and h on GET "/".
func benchInjectApp(m *intercom.Messenger, renderer echo.Renderer, inject bool, h echo.HandlerFunc) *echo.Echo {
	e := echo.New()
	e.Renderer = renderer
	e.Use(signIn("jane")) // Echo v5 builds the chain once, not per request

	e.Use(intercomecho.Middleware(m))
	if inject {
		e.Use(intercomecho.Inject())
	}
	e.GET("/", h)
	return e
}

func benchMessenger(b *testing.B) *intercom.Messenger {
	b.Helper()
	m, err := intercom.New(intercom.Config{AppID: "abc12345", HMACSecret: "s3cret", InternalIPs: []string{"10.0.0.0/8"}})
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// row is one table row of the 100 KB page.
type row struct {
	ID    int
	Name  string
	Email string
	Note  string
}

// BenchmarkPage100KB renders a ~100 KB html/template page for a signed-in
// user. Middleware: the template places {{ .Intercom }} itself (Renderer).
// Middleware+Inject: the same page without the placeholder, the snippet
// inserted by Inject; both send the same bytes. Middleware+Inject/rendered:
// Inject installed, but the template placed the snippet (it passes through).
func BenchmarkPage100KB(b *testing.B) {
	const layout = `<!doctype html><html><head><title>{{ .Title }}</title></head><body><h1>{{ .Title }}</h1>` +
		`<table>{{ range .Rows }}<tr><td>{{ .ID }}</td><td>{{ .Name }}</td><td>{{ .Email }}</td><td>{{ .Note }}</td></tr>` +
		"\n{{ end }}</table>"
	tmpl := template.Must(template.Must(template.New("with").Parse(layout + `{{ .Intercom }}</body></html>`)).
		New("without").Parse(layout + `</body></html>`))
	rows := make([]row, 900)
	for i := range rows {
		rows[i] = row{ID: i, Name: "Jane Doe <jane>", Email: "jane.doe@example.com", Note: "Lorem ipsum dolor sit amet & co."}
	}
	m := benchMessenger(b)
	app := func(inject bool, renderer echo.Renderer, name string) *echo.Echo {
		return benchInjectApp(m, renderer, inject, func(c *echo.Context) error {
			return c.Render(http.StatusOK, name, map[string]any{"Title": "Customers", "Rows": rows})
		})
	}
	plain := &echo.TemplateRenderer{Template: tmpl}
	wrapped := intercomecho.Renderer(plain)
	baseline := app(false, wrapped, "with")
	injected := app(true, plain, "without")

	// Both send the same page.
	pages := make([]string, 2)
	for i, e := range []*echo.Echo{baseline, injected} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = "203.0.113.9:1234"
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		pages[i] = rec.Body.String()
	}
	if pages[0] != pages[1] || strings.Count(pages[0], adapter.SnippetMarker) != 1 || len(pages[0]) < 90<<10 {
		b.Fatalf("pages differ or lack the snippet (%d and %d bytes)", len(pages[0]), len(pages[1]))
	}
	b.Run("Middleware", func(b *testing.B) { benchDiscard(b, baseline, len(pages[0])) })
	b.Run("Middleware+Inject", func(b *testing.B) { benchDiscard(b, injected, len(pages[0])) })
	b.Run("Middleware+Inject/rendered", func(b *testing.B) { benchDiscard(b, app(true, wrapped, "with"), len(pages[0])) })
	// Paired serves both apps in turn: what Inject adds.
	b.Run("Paired", func(b *testing.B) { benchPaired(b, baseline, injected) })
}

// BenchmarkStaticPage serves a static page of 1 KB or 1 MB, written with
// c.HTMLBlob or with c.Response().Write in 32 KB pieces, behind Middleware,
// with and without Inject. What Inject adds per request should not grow
// with the page.
func BenchmarkStaticPage(b *testing.B) {
	m := benchMessenger(b)
	snippetLen := len(m.Render(intercom.Visitor{User: &intercom.User{ID: "jane", Name: "jane"}}))
	for _, size := range []int{1 << 10, 1 << 20} {
		const head, tail = "<!doctype html><html><head><title>Static</title></head><body>\n", "</body></html>\n"
		line := "<p>Lorem ipsum dolor sit amet, <b>consectetur</b> adipiscing elit.</p>\n"
		page := []byte(head + strings.Repeat(line, (size-len(head)-len(tail))/len(line)) + tail)
		handlers := []struct {
			name string
			h    echo.HandlerFunc
		}{
			{"HTMLBlob", func(c *echo.Context) error { return c.HTMLBlob(http.StatusOK, page) }},
			{"Write", func(c *echo.Context) error {
				c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
				for off := 0; off < len(page); off += 32 << 10 {
					if _, err := c.Response().Write(page[off:min(off+32<<10, len(page))]); err != nil {
						return err
					}
				}
				return nil
			}},
		}
		for _, h := range handlers {
			for _, inject := range []bool{false, true} {
				name := fmt.Sprintf("%dKB/%s/Inject=%t", size>>10, h.name, inject)
				b.Run(name, func(b *testing.B) {
					want := len(page)
					if inject {
						want += snippetLen
					}
					benchDiscard(b, benchInjectApp(m, nil, inject, h.h), want)
				})
			}
		}
	}
}
