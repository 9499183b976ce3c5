package intercomfiber_test

import (
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"
	"github.com/valyala/fasthttp"

	intercomfiber "github.com/goanalytical/intercom/adapters/fiber"
	intercom "github.com/goanalytical/intercom/core"
)

// benchViews is the small page both benchmarks render.
var benchViews = fstest.MapFS{
	"page.html": {Data: []byte("<!DOCTYPE html><title>{{ .Title }}</title><h1>{{ .Title }}</h1>{{ .Intercom }}")},
}

var benchUser = intercom.User{ID: "42", Email: "jane@example.com", Name: "Jane"}

// runRoute drives app's handler with one reused fasthttp.RequestCtx, as
// fasthttp's server does for a keep-alive connection, so that the numbers
// are the route's own and not app.Test's.
func runRoute(b *testing.B, app *fiber.App, wantBody string) {
	b.Helper()
	h := app.Handler()
	fctx := &fasthttp.RequestCtx{}
	fctx.Request.Header.SetMethod(fiber.MethodGet)
	fctx.Request.SetRequestURI("/")

	h(fctx) // warm up: templates loaded, pools filled
	if got := string(fctx.Response.Body()); fctx.Response.StatusCode() != fiber.StatusOK || !strings.Contains(got, wantBody) {
		b.Fatalf("status %d, body %q; want it to contain %q", fctx.Response.StatusCode(), got, wantBody)
	}

	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		h(fctx)
	}
}

func benchApp(b *testing.B, views fiber.Views, passLocals bool) *fiber.App {
	b.Helper()
	return fiber.New(fiber.Config{
		DisableStartupMessage: true,
		Views:                 views,
		PassLocalsToViews:     passLocals,
	})
}

func benchMessenger(b *testing.B) *intercom.Messenger {
	b.Helper()
	m, err := intercom.New(intercom.Config{AppID: "abc12345", HMACSecret: "s3cr3t"})
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkBareRoute is the baseline: the page without Intercom.
func BenchmarkBareRoute(b *testing.B) {
	app := benchApp(b, html.NewFileSystem(http.FS(benchViews), ".html"), false)
	app.Get("/", func(c *fiber.Ctx) error {
		return c.Render("page", fiber.Map{"Title": "Home"})
	})
	runRoute(b, app, "<h1>Home</h1>")
}

// BenchmarkWithIntercom adds the middleware and a snippet for an identified
// user with identity verification, through Bind.
func BenchmarkWithIntercom(b *testing.B) {
	m := benchMessenger(b)
	app := benchApp(b, html.NewFileSystem(http.FS(benchViews), ".html"), false)
	app.Use(intercomfiber.New(m))
	app.Get("/", func(c *fiber.Ctx) error {
		intercomfiber.Identify(c, benchUser)
		return c.Render("page", intercomfiber.Bind(c, fiber.Map{"Title": "Home"}))
	})
	runRoute(b, app, `"user_hash":"`)
}

// BenchmarkHandWritten renders the same snippet the way an app without the
// adapter would: Messenger.Render in the handler. WithIntercom minus this is
// the adapter's own cost.
func BenchmarkHandWritten(b *testing.B) {
	m := benchMessenger(b)
	app := benchApp(b, html.NewFileSystem(http.FS(benchViews), ".html"), false)
	app.Get("/", func(c *fiber.Ctx) error {
		u := benchUser
		return c.Render("page", fiber.Map{
			"Title":    "Home",
			"Intercom": m.Render(intercom.Visitor{User: &u, ClientIP: c.IP()}),
		})
	})
	runRoute(b, app, `"user_hash":"`)
}

// BenchmarkWithIntercomViews is the same page through the Views wrapper and
// PassLocalsToViews; its baseline is BenchmarkBareRouteLocals.
func BenchmarkWithIntercomViews(b *testing.B) {
	m := benchMessenger(b)
	app := benchApp(b, intercomfiber.Views(html.NewFileSystem(http.FS(benchViews), ".html")), true)
	app.Use(intercomfiber.New(m))
	app.Get("/", func(c *fiber.Ctx) error {
		intercomfiber.Identify(c, benchUser)
		return c.Render("page", fiber.Map{"Title": "Home"})
	})
	runRoute(b, app, `"user_hash":"`)
}

// BenchmarkBareRouteLocals is BenchmarkBareRoute with PassLocalsToViews.
func BenchmarkBareRouteLocals(b *testing.B) {
	app := benchApp(b, html.NewFileSystem(http.FS(benchViews), ".html"), true)
	app.Get("/", func(c *fiber.Ctx) error {
		return c.Render("page", fiber.Map{"Title": "Home"})
	})
	runRoute(b, app, "<h1>Home</h1>")
}
