package intercomecho_test

import (
	"context"
	"errors"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/labstack/echo/v5"

	intercomecho "github.com/goanalytical/intercom/adapters/echov5"
	"github.com/goanalytical/intercom/conformance"
	intercom "github.com/goanalytical/intercom/core"
)

// pageTemplate is the page every harness app renders through the wrapping
// Renderer.
var pageTemplate = template.Must(template.New("page").Parse(
	`<!doctype html><html><head><title>{{ .Title }}</title></head><body><h1>{{ .Title }}</h1>{{ .Intercom }}</body></html>`))

// harness builds an echo app for a conformance scenario, configured the way
// an echo user would: the framework's own IPExtractor, a stand-in for the
// auth middleware that stores the user under "user", the Intercom middleware
// with options mapped from the scenario, and a page rendered by Renderer.
var harness = conformance.HarnessFunc(func(t testing.TB, ln net.Listener, s conformance.Scenario) {
	e := echo.New()
	e.IPExtractor = ipExtractor(t, s.TrustedProxies)
	e.Renderer = intercomecho.Renderer(&echo.TemplateRenderer{Template: pageTemplate})

	if s.SignedIn != nil {
		e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
			return func(c *echo.Context) error {
				if v := s.SignedIn(header(c)); v != nil {
					c.Set("user", v)
				}
				return next(c)
			}
		})
	}
	// Every route but UncoveredPath is behind the Intercom middleware
	// (twice with s.Twice), and with s.WholePage every route is behind
	// Inject, after it.
	installs := 1
	if s.Twice {
		installs = 2
	}
	var covered, uncovered []echo.MiddlewareFunc
	for range installs {
		covered = append(covered, intercomecho.Middleware(s.Messenger, scenarioOptions(s)...))
	}
	if s.WholePage {
		uncovered = append(uncovered, intercomecho.Inject())
		for range installs {
			covered = append(covered, intercomecho.Inject())
		}
	}

	e.GET(conformance.PagePath, func(c *echo.Context) error {
		handlerCalls(c, s)
		return c.Render(http.StatusOK, "page", map[string]any{"Title": "Conformance"})
	}, covered...)
	e.GET(conformance.ComponentPath, func(c *echo.Context) error {
		handlerCalls(c, s)
		return writeComponentPage(c)
	}, covered...)
	e.GET(conformance.UncoveredPath, func(c *echo.Context) error {
		handlerCalls(c, s)
		intercomecho.Shutdown(c)
		if err := c.Render(http.StatusOK, "page", map[string]any{"Title": "Conformance"}); err != nil {
			return err
		}
		return writeComponentPage(c)
	}, uncovered...)
	e.Match([]string{http.MethodGet, http.MethodHead}, conformance.RawPath, func(c *echo.Context) error {
		handlerCalls(c, s)
		return writeRaw(c, s.Raw)
	}, covered...)
	e.GET(conformance.LogoutPath, func(c *echo.Context) error {
		intercomecho.Shutdown(c)
		return c.Redirect(http.StatusFound, conformance.PagePath)
	}, covered...)
	e.Match([]string{http.MethodGet, http.MethodPost}, conformance.RedirectPath, func(c *echo.Context) error {
		handlerCalls(c, s)
		return c.Redirect(http.StatusSeeOther, conformance.PagePath)
	}, covered...)
	e.GET(conformance.SettingsPath, intercomecho.SettingsHandler(), covered...)

	srv := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutting down the echo app: %v", err)
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serving the echo app: %v", err)
		}
	})
})

func header(c *echo.Context) conformance.Header { return c.Request().Header.Get }

// handlerCalls makes the Identify and Set calls the scenario asks of a page
// handler.
func handlerCalls(c *echo.Context, s conformance.Scenario) {
	if s.CacheControl != "" { // the app's own caching policy
		c.Response().Header().Set("Cache-Control", s.CacheControl)
	}
	if s.Identify != nil {
		if u, ok := s.Identify(header(c)); ok {
			intercomecho.Identify(c, u)
		}
	}
	for _, a := range s.Set {
		intercomecho.Set(c, a.Key, a.Value)
	}
	if s.Calls != nil {
		for _, call := range s.Calls(header(c)) {
			_ = intercomecho.Call(c, call.Method, call.Args...)
		}
	}
}

// writeComponentPage writes conformance.ComponentPage around the templ
// component, rendered with the request's context as a templ user of echo
// does.
func writeComponentPage(c *echo.Context) error {
	res := c.Response()
	res.Header().Set("Content-Type", "text/html; charset=utf-8")
	if r, err := echo.UnwrapResponse(res); err != nil || !r.Committed {
		res.WriteHeader(http.StatusOK)
	}
	if _, err := io.WriteString(res, conformance.ComponentPage.Head); err != nil {
		return err
	}
	if err := intercomecho.Component().Render(c.Request().Context(), res); err != nil {
		return err
	}
	_, err := io.WriteString(res, conformance.ComponentPage.Tail)
	return err
}

// writeRaw writes r as it is through echo's own response writer.
func writeRaw(c *echo.Context, r conformance.RawResponse) error {
	res := c.Response()
	flush := http.NewResponseController(res).Flush
	for k, v := range r.Header {
		res.Header().Set(k, v)
	}
	status := r.Status
	if status == 0 {
		status = http.StatusOK
	}
	res.WriteHeader(status)
	for _, chunk := range r.Chunks {
		if _, err := res.Write(chunk); err != nil {
			return err
		}
		if r.Flush {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

func scenarioOptions(s conformance.Scenario) []intercomecho.Option {
	var opts []intercomecho.Option
	if s.WithUser != nil {
		opts = append(opts, intercomecho.WithUser(func(c *echo.Context) (intercom.User, bool) { return s.WithUser(header(c)) }))
	}
	if s.WithAttributes != nil {
		opts = append(opts, intercomecho.WithAttributes(func(c *echo.Context) intercom.Attributes { return s.WithAttributes(header(c)) }))
	}
	if s.WithNonce != nil {
		opts = append(opts, intercomecho.WithNonce(func(c *echo.Context) string { return s.WithNonce(header(c)) }))
	}
	if s.Skip {
		opts = append(opts, intercomecho.WithSkipper(func(*echo.Context) bool { return true }))
	}
	return opts
}

// ipExtractor is echo's own trusted-proxy setting for the scenario: none
// without proxies (Echo v5's default, the peer address). All test traffic
// is on 127.0.0.0/8, which ExtractIPFromXFFHeader trusts by default, so
// loopback, link-local and private ranges are switched off and only the
// scenario's proxies are trusted.
func ipExtractor(t testing.TB, proxies []string) echo.IPExtractor {
	if len(proxies) == 0 {
		return nil
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range proxies {
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			addr, aerr := netip.ParseAddr(p)
			if aerr != nil {
				t.Fatalf("trusted proxy %q is neither an IP address nor a CIDR", p)
			}
			prefix = netip.PrefixFrom(addr, addr.BitLen())
		}
		prefix = prefix.Masked()
		opts = append(opts, echo.TrustIPRange(&net.IPNet{
			IP:   net.IP(prefix.Addr().AsSlice()),
			Mask: net.CIDRMask(prefix.Bits(), prefix.Addr().BitLen()),
		}))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

func TestConformance(t *testing.T) {
	conformance.Run(t, harness)
}
