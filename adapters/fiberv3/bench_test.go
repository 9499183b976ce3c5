package intercomfiber_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gofiber/fiber/v3"
	"github.com/gofiber/template/html/v2"
	"github.com/valyala/fasthttp"

	intercomfiber "github.com/goanalytical/intercom/adapters/fiberv3"
	"github.com/goanalytical/intercom/conformance"
	intercom "github.com/goanalytical/intercom/core"
)

// benchViews is the small page both benchmarks render.
var benchViews = fstest.MapFS{
	"page.html": {Data: []byte("<!DOCTYPE html><title>{{ .Title }}</title><h1>{{ .Title }}</h1>{{ .Intercom }}")},
}

var benchUser = intercom.User{ID: "42", Email: "jane@example.com", Name: "Jane"}

// prepareRoute returns a func that drives app's handler with one reused
// fasthttp.RequestCtx, as fasthttp's server does for a keep-alive
// connection, so that the numbers are the route's own and not app.Test's.
// It serves the request once first, to warm up and to check the response.
func prepareRoute(b *testing.B, app *fiber.App, wantBody string) func() {
	b.Helper()
	h := app.Handler()
	fctx := &fasthttp.RequestCtx{}
	fctx.Request.Header.SetMethod(fiber.MethodGet)
	fctx.Request.SetRequestURI("/")

	h(fctx) // warm up: templates loaded, pools filled
	if got := string(fctx.Response.Body()); fctx.Response.StatusCode() != fiber.StatusOK || !strings.Contains(got, wantBody) {
		b.Fatalf("status %d, body %q; want it to contain %q", fctx.Response.StatusCode(), got, wantBody)
	}
	return func() { h(fctx) }
}

// runRoute benchmarks app's route as prepareRoute serves it.
func runRoute(b *testing.B, app *fiber.App, wantBody string) {
	b.Helper()
	serve := prepareRoute(b, app, wantBody)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		serve()
	}
}

func benchApp(b *testing.B, views fiber.Views, passLocals bool) *fiber.App {
	b.Helper()
	return fiber.New(fiber.Config{
		Views:             views,
		PassLocalsToViews: passLocals,
	})
}

// benchViewsEngine returns a new html engine for benchViews.
func benchViewsEngine() fiber.Views {
	return html.NewFileSystem(http.FS(benchViews), ".html")
}

// bareApp serves benchViews' page without Intercom: the baseline.
func bareApp(b *testing.B, passLocals bool) *fiber.App {
	b.Helper()
	app := benchApp(b, benchViewsEngine(), passLocals)
	app.Get("/", func(c fiber.Ctx) error {
		return c.Render("page", fiber.Map{"Title": "Home"})
	})
	return app
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
	runRoute(b, bareApp(b, false), "<h1>Home</h1>")
}

// BenchmarkWithIntercom adds the middleware and a snippet for an identified
// user with identity verification, through Data.
func BenchmarkWithIntercom(b *testing.B) {
	m := benchMessenger(b)
	app := benchApp(b, benchViewsEngine(), false)
	app.Use(intercomfiber.New(m))
	app.Get("/", func(c fiber.Ctx) error {
		intercomfiber.Identify(c, benchUser)
		return c.Render("page", intercomfiber.Data(c, fiber.Map{"Title": "Home"}))
	})
	runRoute(b, app, `"user_hash":"`)
}

// BenchmarkOverhead is what Intercom adds to the route: BareRoute and
// WithIntercom served alternately (see conformance.Paired), for a user who
// comes back (every request identifies the same user) and for a new user on
// every request (more users than the Messenger's user_hash cache holds).
func BenchmarkOverhead(b *testing.B) {
	next := conformance.UserNames(1 << 16)
	for _, tt := range []struct {
		name string
		user func() intercom.User
	}{
		{"returning-user", func() intercom.User { return benchUser }},
		{"new-user-each-request", func() intercom.User {
			id := next()
			return intercom.User{ID: id, Email: id + "@example.com", Name: "Jane"}
		}},
	} {
		b.Run(tt.name, func(b *testing.B) {
			bare := bareApp(b, false)
			with := benchApp(b, benchViewsEngine(), false)
			with.Use(intercomfiber.New(benchMessenger(b)))
			with.Get("/", func(c fiber.Ctx) error {
				intercomfiber.Identify(c, tt.user())
				return c.Render("page", intercomfiber.Data(c, fiber.Map{"Title": "Home"}))
			})
			conformance.Paired(b, prepareRoute(b, bare, "<h1>Home</h1>"), prepareRoute(b, with, `"user_hash":"`))
		})
	}
}

// BenchmarkHandWritten renders the same snippet the way an app without the
// adapter would: Messenger.Render in the handler. WithIntercom minus this is
// the adapter's own cost.
func BenchmarkHandWritten(b *testing.B) {
	m := benchMessenger(b)
	app := benchApp(b, benchViewsEngine(), false)
	app.Get("/", func(c fiber.Ctx) error {
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
	app := benchApp(b, intercomfiber.Views(benchViewsEngine()), true)
	app.Use(intercomfiber.New(m))
	app.Get("/", func(c fiber.Ctx) error {
		intercomfiber.Identify(c, benchUser)
		return c.Render("page", fiber.Map{"Title": "Home"})
	})
	runRoute(b, app, `"user_hash":"`)
}

// BenchmarkBareRouteLocals is BenchmarkBareRoute with PassLocalsToViews.
func BenchmarkBareRouteLocals(b *testing.B) {
	runRoute(b, bareApp(b, true), "<h1>Home</h1>")
}

// ---- Whole-page install ----

// benchRow is one row of the ~100 KB page.
type benchRow struct {
	ID          int
	Name, Desc  string
	Price       float64
	InStock     bool
	Tags        []string
	Description string
}

// bigViews is a ~100 KB catalogue page: a table rendered from data with
// html/template's escaping, as a real page is, and no {{ .Intercom }}.
var bigViews = fstest.MapFS{
	"catalogue.html": {Data: []byte(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title>
<link rel="stylesheet" href="/static/app.css"><script src="/static/app.js" defer></script></head>
<body><header><nav><a href="/">Home</a> <a href="/catalogue">Catalogue</a></nav></header>
<main><h1>{{ .Title }}</h1><table class="catalogue"><thead><tr><th>#</th><th>Item</th><th>Price</th><th>Tags</th></tr></thead><tbody>
{{ range .Rows }}<tr class="{{ if .InStock }}in{{ else }}out{{ end }}"><td>{{ .ID }}</td><td><a href="/items/{{ .ID }}" title="{{ .Desc }}">{{ .Name }}</a></td><td>{{ printf "%.2f" .Price }}</td><td>{{ range .Tags }}<span class="tag">{{ . }}</span>{{ end }}</td></tr>
{{ end }}</tbody></table></main>
<footer><p>&copy; Example &amp; Co</p></footer>
</body>
</html>
`)},
}

func bigData() fiber.Map {
	rows := make([]benchRow, 520)
	for i := range rows {
		rows[i] = benchRow{
			ID: i, Name: fmt.Sprintf("Item %d", i), Desc: fmt.Sprintf("Item %d: fish & chips <large>", i),
			Price: float64(i) * 1.25, InStock: i%3 != 0, Tags: []string{"new", "sale"},
		}
	}
	return fiber.Map{"Title": "Catalogue", "Rows": rows}
}

// benchPage renders the ~100 KB page for an identified visitor; with
// inject, Inject adds the snippet.
func benchPage(b *testing.B, inject bool) {
	m := benchMessenger(b)
	app := benchApp(b, html.NewFileSystem(http.FS(bigViews), ".html"), false)
	app.Use(intercomfiber.New(m))
	want := "</html>"
	if inject {
		app.Use(intercomfiber.Inject())
		want = `"user_hash":"`
	}
	data := bigData()
	app.Get("/", func(c fiber.Ctx) error {
		intercomfiber.Identify(c, benchUser)
		return c.Render("catalogue", data)
	})
	runRoute(b, app, want)
}

// BenchmarkPage100K is the ~100 KB page with New, no snippet; the baseline
// of BenchmarkPage100KInject.
func BenchmarkPage100K(b *testing.B) { benchPage(b, false) }

// BenchmarkPage100KInject is the same page with Inject adding the snippet.
func BenchmarkPage100KInject(b *testing.B) { benchPage(b, true) }

// BenchmarkStatic sends a prebuilt page with c.Send, with and without
// Inject: the bytes Inject allocates per request must not grow with the
// page.
func BenchmarkStatic(b *testing.B) {
	for _, size := range []int{1 << 10, 1 << 20} {
		page := []byte(staticPage(size))
		for _, inject := range []bool{false, true} {
			name := fmt.Sprintf("%dKB", size>>10)
			if inject {
				name += "/inject"
			}
			b.Run(name, func(b *testing.B) {
				m := benchMessenger(b)
				app := benchApp(b, nil, false)
				app.Use(intercomfiber.New(m))
				want := "</html>"
				if inject {
					app.Use(intercomfiber.Inject())
					want = `"user_hash":"`
				}
				app.Get("/", func(c fiber.Ctx) error {
					intercomfiber.Identify(c, benchUser)
					c.Type("html", "utf-8")
					return c.Send(page)
				})
				runRoute(b, app, want)
			})
		}
	}
}

// staticPage returns an HTML page of size bytes.
func staticPage(size int) string {
	const head, tail = "<!DOCTYPE html><html><head><title>static</title></head><body>\n", "</body></html>\n"
	const line = "<p>Static <b>content</b>, <a href=\"/x\">a link</a>.</p>\n"
	var sb strings.Builder
	sb.WriteString(head)
	for sb.Len()+len(line)+len(tail) <= size {
		sb.WriteString(line)
	}
	sb.WriteString(strings.Repeat(" ", size-sb.Len()-len(tail)))
	sb.WriteString(tail)
	return sb.String()
}
