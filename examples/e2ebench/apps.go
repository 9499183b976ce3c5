package main

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/go-chi/chi/v5"
	fiber2 "github.com/gofiber/fiber/v2"
	fiber3 "github.com/gofiber/fiber/v3"
	echo4 "github.com/labstack/echo/v4"
	echo5 "github.com/labstack/echo/v5"

	intercomecho "github.com/goanalytical/intercom/adapters/echo"
	intercomechov5 "github.com/goanalytical/intercom/adapters/echov5"
	intercomfiber "github.com/goanalytical/intercom/adapters/fiber"
	intercomfiberv3 "github.com/goanalytical/intercom/adapters/fiberv3"
	intercomgin "github.com/goanalytical/intercom/adapters/gin"
	intercomhttp "github.com/goanalytical/intercom/adapters/nethttp"
	intercom "github.com/goanalytical/intercom/core"
)

// pages are the pages an app can serve (-page). Both render the visitor's
// name and, on the helper path, {{ .Intercom }}: the snippet there, nothing
// in the bare and inject apps, whose data has no Intercom key.
//
//   - small: about 1 KB, a head, a navigation bar, a heading and a list of
//     plans. The snippet more than doubles it, so its ratios are near the
//     worst case.
//   - typical: about 30 KB, the size of a median HTML document on the web
//     (the HTTP Archive's): a dashboard with a navigation bar, a side menu,
//     a table of 50 orders and a footer.
var pages = map[string]*template.Template{
	"small":   template.Must(template.New("page").Parse(smallHTML)),
	"typical": template.Must(template.New("page").Parse(typicalHTML)),
}

// page is the page every app serves, set from -page before the apps are
// built.
var page = pages["small"]

const smallHTML = `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
	`<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ .Title }}</title>` +
	`<link rel="stylesheet" href="/static/site.css"></head><body>` +
	`<header><nav><a href="/">Home</a> <a href="/pricing">Pricing</a> <a href="/docs">Docs</a> ` +
	`<a href="/account">{{ .User }}</a></nav></header>` +
	`<main><h1>{{ .Title }}</h1><p>Choose the plan that fits your team.</p><ul>` +
	`{{ range .Plans }}<li><strong>{{ .Name }}</strong> {{ .Price }} per month</li>{{ end }}` +
	`</ul></main><footer><p>Example Inc.</p></footer>{{ .Intercom }}</body></html>`

const typicalHTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Orders · Example Inc.</title>
  <link rel="stylesheet" href="/static/site.css">
  <link rel="icon" href="/static/favicon.svg">
  <script src="/static/app.js" defer></script>
</head>
<body class="dashboard">
  <header class="top">
    <a class="brand" href="/">Example Inc.</a>
    <nav aria-label="Main">
      <a href="/dashboard">Dashboard</a> <a href="/orders" aria-current="page">Orders</a>
      <a href="/customers">Customers</a> <a href="/products">Products</a> <a href="/reports">Reports</a>
      <a href="/settings">Settings</a>
    </nav>
    <form class="search" action="/search" method="get"><input type="search" name="q" placeholder="Search orders"></form>
    <a class="account" href="/account">{{ .User }}</a>
  </header>
  <div class="layout">
    <aside class="side">
      <h2>Filters</h2>
      <ul>
        <li><a href="/orders?status=open">Open</a></li><li><a href="/orders?status=paid">Paid</a></li>
        <li><a href="/orders?status=shipped">Shipped</a></li><li><a href="/orders?status=refunded">Refunded</a></li>
      </ul>
      <h2>Plans</h2>
      <ul>{{ range .Plans }}<li>{{ .Name }}: {{ .Price }}</li>{{ end }}</ul>
    </aside>
    <main>
      <h1>{{ .Title }}</h1>
      <p class="lead">The orders of the last 30 days, newest first.</p>
      <table class="orders">
        <thead><tr><th>Order</th><th>Customer</th><th>Email</th><th>Status</th><th>Items</th><th>Total</th><th>Placed</th><th></th></tr></thead>
        <tbody>
{{- range .Orders }}
          <tr class="status-{{ .Status }}">
            <td><a href="/orders/{{ .ID }}">#{{ .ID }}</a></td>
            <td>{{ .Customer }}</td>
            <td><a href="mailto:{{ .Email }}">{{ .Email }}</a></td>
            <td><span class="badge badge-{{ .Status }}">{{ .Status }}</span></td>
            <td>{{ .Items }}</td>
            <td class="num">{{ .Total }}</td>
            <td><time datetime="{{ .Placed }}">{{ .Placed }}</time></td>
            <td><a class="button" href="/orders/{{ .ID }}/edit">Edit</a> <a class="button" href="/orders/{{ .ID }}/invoice">Invoice</a></td>
          </tr>
{{- end }}
        </tbody>
      </table>
      <nav class="pages" aria-label="Pages"><a href="/orders?page=1">1</a> <a href="/orders?page=2">2</a> <a href="/orders?page=3">3</a> <a href="/orders?page=2">Next</a></nav>
    </main>
  </div>
  <footer>
    <p><a href="/about">About</a> · <a href="/privacy">Privacy</a> · <a href="/terms">Terms</a> · <a href="/status">Status</a></p>
    <p>© Example Inc.</p>
  </footer>
  {{ .Intercom }}
</body>
</html>
`

type plan struct{ Name, Price string }

var plans = []plan{{"Starter", "$0"}, {"Team", "$29"}, {"Business", "$99"}, {"Enterprise", "Talk to us"}}

// order is a row of the typical page's table.
type order struct {
	ID, Items                              int
	Customer, Email, Status, Total, Placed string
}

var orders = func() (o [50]order) {
	statuses := [...]string{"open", "paid", "shipped", "refunded"}
	for i := range o {
		n := strconv.Itoa(2000 + i)
		o[i] = order{
			ID: 48000 + i, Items: 1 + i%7,
			Customer: "Customer " + n, Email: "customer" + n + "@example.com", Status: statuses[i%len(statuses)],
			Total: "$" + strconv.Itoa(19+i*7) + ".00", Placed: fmt.Sprintf("2026-11-%02d", 1+i%30),
		}
	}
	return o
}()

// user is a signed-in visitor; the stand-in auth middleware signs in each of
// users in turn.
type user struct{ id, email, name string }

var users = func() (u [100]user) {
	for i := range u {
		n := strconv.Itoa(1000 + i)
		u[i] = user{id: n, email: "user" + n + "@example.com", name: "User " + n}
	}
	return u
}()

var nextUser atomic.Uint64

func signIn() *user { return &users[nextUser.Add(1)%uint64(len(users))] }

// identity is every app's WithUser: the user the stand-in auth signed in.
func identity(u *user) (intercom.User, bool) {
	if u == nil {
		return intercom.User{}, false
	}
	return intercom.User{ID: u.id, Email: u.email, Name: u.name}, true
}

// pageData is the page's data for u. The padded app's has an HTML comment
// as long as an identified snippet under Intercom: the same bytes on the
// wire, without Intercom's code.
func pageData(u *user, cfg string) map[string]any {
	name := ""
	if u != nil {
		name = u.name
	}
	data := map[string]any{"Title": "Pricing", "User": name, "Plans": plans, "Orders": orders[:]}
	if cfg == "padded" {
		data["Intercom"] = padding
	}
	return data
}

// withIntercom reports whether cfg's app has the Intercom middleware.
func withIntercom(cfg string) bool { return cfg == "helper" || cfg == "inject" }

// padding is an HTML comment as long as the snippet of users[0], whose
// snippet is as long as every other user's (same-length ids, emails and
// names).
var padding = func() template.HTML {
	m, err := messenger()
	if err != nil {
		panic(err) // a constant Config: New does not fail on it
	}
	identified, _ := identity(&users[0])
	n := len(m.Render(intercom.Visitor{User: &identified}))
	const open, close = "<!-- ", " -->"
	return template.HTML(open + strings.Repeat("x", n-len(open)-len(close)) + close) //nolint:gosec // a constant comment
}()

func messenger() (*intercom.Messenger, error) {
	// A made-up app id and secret: nothing leaves the machine.
	return intercom.New(intercom.Config{AppID: "abc12345", HMACSecret: "e2ebench-secret"})
}

// userKey is where the stand-in auth middlewares keep the user.
const userKey = "e2ebench-user"

type ctxKey struct{}

var adapters = []adapterApps{
	{"gin", ginApp},
	{"echo", echoApp},
	{"echov5", echov5App},
	{"fiber", fiberApp},
	{"fiberv3", fiberv3App},
	{"nethttp", nethttpApp},
}

// httpServer serves a net/http handler.
type httpServer struct{ *http.Server }

func newHTTPServer(h http.Handler) server {
	return httpServer{&http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}}
}

func (s httpServer) Serve(ln net.Listener) error {
	if err := s.Server.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func ginApp(cfg string) (server, error) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	if err := r.SetTrustedProxies(nil); err != nil {
		return nil, err
	}
	r.SetHTMLTemplate(page)
	r.Use(func(c *gin.Context) { c.Set(userKey, signIn()) })
	userOf := func(c *gin.Context) *user { u, _ := c.Value(userKey).(*user); return u }
	if withIntercom(cfg) {
		m, err := messenger()
		if err != nil {
			return nil, err
		}
		r.Use(intercomgin.Middleware(m, intercomgin.WithUser(func(c *gin.Context) (intercom.User, bool) { return identity(userOf(c)) })))
	}
	if cfg == "inject" {
		r.Use(intercomgin.Inject())
	}
	r.GET("/", func(c *gin.Context) {
		data := gin.H(pageData(userOf(c), cfg))
		if cfg == "helper" {
			data = intercomgin.Data(c, data)
		}
		c.HTML(http.StatusOK, "page", data)
	})
	return newHTTPServer(r), nil
}

// echoTemplates is an echo (v4) Renderer over page.
type echoTemplates struct{}

func (echoTemplates) Render(w io.Writer, name string, data any, _ echo4.Context) error {
	return page.ExecuteTemplate(w, name, data)
}

func echoApp(cfg string) (server, error) {
	e := echo4.New()
	e.HideBanner, e.HidePort = true, true
	e.IPExtractor = echo4.ExtractIPDirect()
	e.Renderer = echoTemplates{}
	e.Use(func(next echo4.HandlerFunc) echo4.HandlerFunc {
		return func(c echo4.Context) error { c.Set(userKey, signIn()); return next(c) }
	})
	userOf := func(c echo4.Context) *user { u, _ := c.Get(userKey).(*user); return u }
	if withIntercom(cfg) {
		m, err := messenger()
		if err != nil {
			return nil, err
		}
		if cfg == "helper" {
			e.Renderer = intercomecho.Renderer(e.Renderer)
		}
		e.Use(intercomecho.Middleware(m, intercomecho.WithUser(func(c echo4.Context) (intercom.User, bool) { return identity(userOf(c)) })))
	}
	if cfg == "inject" {
		e.Use(intercomecho.Inject())
	}
	e.GET("/", func(c echo4.Context) error { return c.Render(http.StatusOK, "page", pageData(userOf(c), cfg)) })
	return echoServer{e}, nil
}

type echoServer struct{ e *echo4.Echo }

func (s echoServer) Serve(ln net.Listener) error {
	s.e.Listener = ln
	if err := s.e.Start(""); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func (s echoServer) Shutdown(ctx context.Context) error { return s.e.Shutdown(ctx) }

// echov5Templates is an echo v5 Renderer over page.
type echov5Templates struct{}

func (echov5Templates) Render(c *echo5.Context, w io.Writer, name string, data any) error {
	return page.ExecuteTemplate(w, name, data)
}

func echov5App(cfg string) (server, error) {
	e := echo5.New()
	e.Renderer = echov5Templates{}
	e.Use(func(next echo5.HandlerFunc) echo5.HandlerFunc {
		return func(c *echo5.Context) error { c.Set(userKey, signIn()); return next(c) }
	})
	userOf := func(c *echo5.Context) *user { u, _ := c.Get(userKey).(*user); return u }
	if withIntercom(cfg) {
		m, err := messenger()
		if err != nil {
			return nil, err
		}
		if cfg == "helper" {
			e.Renderer = intercomechov5.Renderer(e.Renderer)
		}
		e.Use(intercomechov5.Middleware(m, intercomechov5.WithUser(func(c *echo5.Context) (intercom.User, bool) { return identity(userOf(c)) })))
	}
	if cfg == "inject" {
		e.Use(intercomechov5.Inject())
	}
	e.GET("/", func(c *echo5.Context) error { return c.Render(http.StatusOK, "page", pageData(userOf(c), cfg)) })
	// Echo v5 serves through a plain http.Server.
	return newHTTPServer(e), nil
}

// fiberViews is a fiber.Views over page, for Fiber v2 and v3 alike.
type fiberViews struct{}

func (fiberViews) Load() error { return nil }

func (fiberViews) Render(w io.Writer, name string, data any, _ ...string) error {
	return page.ExecuteTemplate(w, name, data)
}

func fiberApp(cfg string) (server, error) {
	var views fiber2.Views = fiberViews{}
	if cfg == "helper" {
		views = intercomfiber.Views(views)
	}
	app := fiber2.New(fiber2.Config{DisableStartupMessage: true, Views: views})
	app.Use(func(c *fiber2.Ctx) error { c.Locals(userKey, signIn()); return c.Next() })
	userOf := func(c *fiber2.Ctx) *user { u, _ := c.Locals(userKey).(*user); return u }
	if withIntercom(cfg) {
		m, err := messenger()
		if err != nil {
			return nil, err
		}
		app.Use(intercomfiber.New(m, intercomfiber.Config{User: func(c *fiber2.Ctx) (intercom.User, bool) { return identity(userOf(c)) }}))
	}
	if cfg == "inject" {
		app.Use(intercomfiber.Inject())
	}
	app.Get("/", func(c *fiber2.Ctx) error {
		data := fiber2.Map(pageData(userOf(c), cfg))
		if cfg == "helper" {
			data = intercomfiber.Data(c, data)
		}
		return c.Render("page", data)
	})
	return fiberServer[*fiber2.App]{app, app.Listener, app.ShutdownWithContext}, nil
}

func fiberv3App(cfg string) (server, error) {
	var views fiber3.Views = fiberViews{}
	if cfg == "helper" {
		views = intercomfiberv3.Views(views)
	}
	app := fiber3.New(fiber3.Config{Views: views})
	app.Use(func(c fiber3.Ctx) error { c.Locals(userKey, signIn()); return c.Next() })
	userOf := func(c fiber3.Ctx) *user { u, _ := c.Locals(userKey).(*user); return u }
	if withIntercom(cfg) {
		m, err := messenger()
		if err != nil {
			return nil, err
		}
		app.Use(intercomfiberv3.New(m, intercomfiberv3.Config{User: func(c fiber3.Ctx) (intercom.User, bool) { return identity(userOf(c)) }}))
	}
	if cfg == "inject" {
		app.Use(intercomfiberv3.Inject())
	}
	app.Get("/", func(c fiber3.Ctx) error {
		data := fiber3.Map(pageData(userOf(c), cfg))
		if cfg == "helper" {
			data = intercomfiberv3.Data(c, data)
		}
		return c.Render("page", data)
	})
	listen := func(ln net.Listener) error {
		return app.Listener(ln, fiber3.ListenConfig{DisableStartupMessage: true})
	}
	return fiberServer[*fiber3.App]{app, listen, app.ShutdownWithContext}, nil
}

// fiberServer serves a Fiber app of either major.
type fiberServer[A any] struct {
	app      A
	listen   func(net.Listener) error
	shutdown func(context.Context) error
}

func (s fiberServer[A]) Serve(ln net.Listener) error        { return s.listen(ln) }
func (s fiberServer[A]) Shutdown(ctx context.Context) error { return s.shutdown(ctx) }

func nethttpApp(cfg string) (server, error) {
	r := chi.NewRouter()
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, signIn())))
		})
	})
	userOf := func(r *http.Request) *user { u, _ := r.Context().Value(ctxKey{}).(*user); return u }
	if withIntercom(cfg) {
		m, err := messenger()
		if err != nil {
			return nil, err
		}
		r.Use(intercomhttp.Middleware(m, intercomhttp.WithUser(func(r *http.Request) (intercom.User, bool) { return identity(userOf(r)) })))
	}
	if cfg == "inject" {
		r.Use(intercomhttp.Inject())
	}
	r.Get("/", func(w http.ResponseWriter, r *http.Request) {
		data := pageData(userOf(r), cfg)
		if cfg == "helper" {
			data = intercomhttp.Data(r, data)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		// The page is a constant template: an error here is a write to a
		// client that went away (wrk closing its connections at the end of
		// a run), after the page's first bytes, with no error page to send.
		_ = page.Execute(w, data)
	})
	return newHTTPServer(r), nil
}
