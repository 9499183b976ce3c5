package intercomecho_test

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	intercomecho "github.com/goanalytical/intercom/adapters/echo"
	intercom "github.com/goanalytical/intercom/core"
)

// benchApp is the same small app with and without Intercom: a stand-in auth
// middleware that stores the signed-in user under "user", and one route
// rendering an html/template page from echo.Map data.
func benchApp(b *testing.B, withIntercom bool) *echo.Echo {
	b.Helper()
	tmpl := template.Must(template.New("page").Parse(
		`<!doctype html><html><head><title>{{ .Title }}</title></head><body><h1>{{ .Title }}</h1>{{ .Intercom }}</body></html>`))
	e := echo.New()
	e.IPExtractor = echo.ExtractIPDirect()
	e.Renderer = &echo.TemplateRenderer{Template: tmpl}
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Set(intercomecho.UserKey, "jane")
			return next(c)
		}
	})
	if withIntercom {
		m, err := intercom.New(intercom.Config{AppID: "abc12345", HMACSecret: "s3cret", InternalIPs: []string{"10.0.0.0/8"}})
		if err != nil {
			b.Fatal(err)
		}
		e.Renderer = intercomecho.Renderer(e.Renderer)
		e.Use(intercomecho.Middleware(m))
	}
	e.GET("/", func(c echo.Context) error {
		return c.Render(http.StatusOK, "page", echo.Map{"Title": "Hello"})
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
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
	}
}

func BenchmarkBareRoute(b *testing.B) {
	benchServe(b, benchApp(b, false), "<h1>Hello</h1></body>")
}

func BenchmarkWithIntercom(b *testing.B) {
	benchServe(b, benchApp(b, true), `"user_hash":"9b52c52b3593758855e8c276b409ea009fadb538f48a4953fb57c7e1e0ee3ef4","user_id":"jane"`)
}
