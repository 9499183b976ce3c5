package intercomfiber_test

import (
	"net"
	"net/http"
	"testing"
	"testing/fstest"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/gofiber/template/html/v2"
	"github.com/valyala/fasthttp"

	intercomfiber "github.com/goanalytical/intercom/adapters/fiber"
	"github.com/goanalytical/intercom/conformance"
	intercom "github.com/goanalytical/intercom/core"
)

// conformancePage is the page the harness serves at conformance.PagePath.
var conformancePage = fstest.MapFS{
	"page.html": {Data: []byte("<!DOCTYPE html>\n<html><head><title>page</title></head><body><h1>page</h1>\n{{ .Intercom }}\n</body></html>\n")},
}

// Both template integrations must pass the suite: Data in the handler, and
// the Views wrapper fed by PassLocalsToViews.
func TestConformance(t *testing.T) {
	t.Run("Data", func(t *testing.T) { conformance.Run(t, harness(false)) })
	t.Run("Views", func(t *testing.T) { conformance.Run(t, harness(true)) })
}

func harness(viaViews bool) conformance.Harness {
	return conformance.HarnessFunc(func(t testing.TB, ln net.Listener, s conformance.Scenario) {
		cfg := fiber.Config{
			DisableStartupMessage: true,
			Views:                 html.NewFileSystem(http.FS(conformancePage), ".html"),
		}
		if viaViews {
			cfg.Views = intercomfiber.Views(cfg.Views)
			cfg.PassLocalsToViews = true
		}
		app := fiber.New(cfg)

		// Stand-in for middleware/basicauth: it stores the user under the
		// same key.
		app.Use(func(c *fiber.Ctx) error {
			if s.SignedIn != nil {
				if v := s.SignedIn(headerOf(c)); v != nil {
					c.Locals("username", v)
				}
			}
			return c.Next()
		})
		// UncoveredPath comes before the Intercom middleware, so that it
		// never runs there; with s.WholePage, Inject still wraps it.
		var uncovered []fiber.Handler
		if s.WholePage {
			uncovered = append(uncovered, intercomfiber.Inject())
		}
		uncovered = append(uncovered, func(c *fiber.Ctx) error {
			handlerCalls(c, s)
			intercomfiber.Shutdown(c)
			if err := renderPage(c, viaViews); err != nil {
				return err
			}
			return writeComponentPage(c)
		})
		app.Get(conformance.UncoveredPath, uncovered...)

		installs := 1 // of each middleware
		if s.Twice {
			installs = 2
		}
		for range installs {
			app.Use(intercomfiber.New(s.Messenger, configFor(s)))
		}
		for range installs {
			if s.WholePage {
				app.Use(intercomfiber.Inject())
			}
		}
		app.Get(conformance.PagePath, func(c *fiber.Ctx) error {
			handlerCalls(c, s)
			return renderPage(c, viaViews)
		})
		app.Get(conformance.ComponentPath, func(c *fiber.Ctx) error {
			handlerCalls(c, s)
			return writeComponentPage(c)
		})
		// app.Get serves HEAD as well.
		app.Get(conformance.RawPath, func(c *fiber.Ctx) error {
			handlerCalls(c, s)
			return writeRaw(c, s.Raw)
		})
		app.Get(conformance.LogoutPath, func(c *fiber.Ctx) error {
			intercomfiber.Shutdown(c)
			return c.Redirect(conformance.PagePath, fiber.StatusFound)
		})
		redirect := func(c *fiber.Ctx) error {
			handlerCalls(c, s)
			return c.Redirect(conformance.PagePath, fiber.StatusSeeOther)
		}
		app.Get(conformance.RedirectPath, redirect)
		app.Post(conformance.RedirectPath, redirect)
		app.Get(conformance.SettingsPath, intercomfiber.SettingsHandler())

		primeRender(t, app)
		go func() { _ = app.Listener(ln) }()
		t.Cleanup(func() { _ = app.Shutdown() })
	})
}

// primeRender renders the page once, outside any request, before app
// serves. fiber v2 (v2.52.15) builds the list of mounted-app prefixes that
// c.Render consults lazily, on the first c.Render, without a lock
// (Ctx.renderExtensions calls App.generateAppListKeys). On a fresh app the
// suite's concurrent requests are all first renders, and the race detector
// reports fiber's write. A long-running app takes that race once; priming
// keeps the suite's -race run about this library's code. Nothing of the
// adapter runs here: the bare binding carries no request.
func primeRender(t testing.TB, app *fiber.App) {
	t.Helper()
	c := app.AcquireCtx(&fasthttp.RequestCtx{})
	defer app.ReleaseCtx(c)
	if err := c.Render("page", fiber.Map{}); err != nil {
		t.Fatalf("priming fiber's render: %v", err)
	}
}

// handlerCalls makes the Identify and Set calls the scenario asks of a page
// handler.
// renderPage renders the suite's page through the adapter's template
// integration: Views with PassLocalsToViews, or Data.
func renderPage(c *fiber.Ctx, viaViews bool) error {
	if viaViews {
		return c.Render("page", fiber.Map{})
	}
	return c.Render("page", intercomfiber.Data(c, fiber.Map{}))
}

// writeComponentPage appends conformance.ComponentPage around the templ
// component, rendered with the context a templ user of fiber passes.
func writeComponentPage(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	if _, err := c.WriteString(conformance.ComponentPage.Head); err != nil {
		return err
	}
	if err := intercomfiber.Component().Render(c.UserContext(), c); err != nil {
		return err
	}
	_, err := c.WriteString(conformance.ComponentPage.Tail)
	return err
}

func handlerCalls(c *fiber.Ctx, s conformance.Scenario) {
	if s.CacheControl != "" { // the app's own caching policy
		c.Set("Cache-Control", s.CacheControl)
	}
	if s.Identify != nil {
		if u, ok := s.Identify(headerOf(c)); ok {
			intercomfiber.Identify(c, u)
		}
	}
	for _, a := range s.Set {
		intercomfiber.Set(c, a.Key, a.Value)
	}
	if s.Calls != nil {
		for _, call := range s.Calls(headerOf(c)) {
			_ = intercomfiber.Call(c, call.Method, call.Args...)
		}
	}
}

// writeRaw writes r as it is through fiber's own response. r.Flush is
// ignored: fasthttp buffers the whole body and sends it after the handlers
// return (fasthttp also sets Content-Length from the body it sends).
func writeRaw(c *fiber.Ctx, r conformance.RawResponse) error {
	for k, v := range r.Header {
		c.Set(k, v)
	}
	status := r.Status
	if status == 0 {
		status = fiber.StatusOK
	}
	c.Status(status)
	for _, chunk := range r.Chunks {
		if _, err := c.Write(chunk); err != nil {
			return err
		}
	}
	return nil
}

// configFor maps the scenario's callbacks onto the middleware's Config.
func configFor(s conformance.Scenario) intercomfiber.Config {
	var cfg intercomfiber.Config
	if s.WithUser != nil {
		cfg.User = func(c *fiber.Ctx) (intercom.User, bool) { return s.WithUser(headerOf(c)) }
	}
	if s.WithAttributes != nil {
		cfg.Attributes = func(c *fiber.Ctx) intercom.Attributes { return s.WithAttributes(headerOf(c)) }
	}
	if s.WithNonce != nil {
		cfg.Nonce = func(c *fiber.Ctx) string { return s.WithNonce(headerOf(c)) }
	}
	if len(s.TrustedProxies) > 0 {
		// The documented recipe behind proxies: Fiber's own ProxyHeader
		// takes X-Forwarded-For as the client wrote it.
		cfg.ClientIP = intercomfiber.TrustedProxies(s.TrustedProxies...)
	}
	if s.Skip {
		cfg.Next = func(*fiber.Ctx) bool { return true }
	}
	return cfg
}

// headerOf reads headers for the scenario's callbacks; the copy keeps what
// they return valid after fasthttp reuses the request buffer.
func headerOf(c *fiber.Ctx) conformance.Header {
	return func(name string) string { return utils.CopyString(c.Get(name)) }
}
