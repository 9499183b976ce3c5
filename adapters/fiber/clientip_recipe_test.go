package intercomfiber_test

import (
	"net"
	"net/http"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/require"
	"github.com/valyala/fasthttp/fasthttputil"

	intercomfiber "github.com/goanalytical/intercom/adapters/fiber"
	"github.com/goanalytical/intercom/conformance"
	intercom "github.com/goanalytical/intercom/core"
)

// The client-IP recipes of the package documentation and the README, built
// as they are written and attacked by conformance.CheckClientIPRecipes with
// the client-IP headers a client can send.

// recipe is an app with config and the middleware with mw, as a documented
// recipe says, served by fasthttp over an in-memory connection whose remote
// address is the request's peer. Proxied recipes trust
// conformance.RecipeLoadBalancer and RecipeEdge (realIP: the first only).
func recipe(name string, proxied, realIP bool, config fiber.Config, mw ...intercomfiber.Config) conformance.ClientIPRecipe {
	config.DisableStartupMessage = true
	return conformance.ClientIPRecipe{Name: name, Proxied: proxied, RealIP: realIP, Serve: func(t *testing.T, m *intercom.Messenger, req *http.Request) string {
		t.Helper()
		app := fiber.New(config)
		app.Use(intercomfiber.New(m, mw...))
		app.Get("/", func(c *fiber.Ctx) error {
			c.Type("html")
			return c.SendString(string(intercomfiber.Snippet(c)))
		})
		ln := fasthttputil.NewInmemoryListener()
		served := make(chan error, 1)
		go func() { served <- app.Listener(ln) }()
		defer func() { // not app.Shutdown, which polls every 100ms
			require.NoError(t, ln.Close())
			require.NoError(t, <-served)
		}()
		peer, _, err := net.SplitHostPort(req.RemoteAddr)
		require.NoError(t, err)
		conn, err := ln.DialWithLocalAddr(&net.TCPAddr{IP: net.ParseIP(peer), Port: 40000})
		require.NoError(t, err)
		defer func() { _ = conn.Close() }()
		return conformance.RoundTrip(t, conn, req)
	}}
}

func TestClientIPRecipes(t *testing.T) {
	conformance.CheckClientIPRecipes(t,
		recipe("no proxy: the default", false, false, fiber.Config{}),
		recipe("a proxy that sets X-Real-IP: ProxyHeader", true, true, fiber.Config{
			ProxyHeader:             "X-Real-IP",
			EnableTrustedProxyCheck: true,
			TrustedProxies:          []string{"10.0.0.10"}, // your proxy
		}),
		recipe("load balancers: Config.ClientIP = TrustedProxies", true, false, fiber.Config{},
			intercomfiber.Config{ClientIP: intercomfiber.TrustedProxies("10.0.0.0/8")}, // your load balancers
		),
	)
}

// TestTrustedProxiesRejectsABadEntry: a proxy list is configuration, so a
// bad entry fails at start-up, naming it.
func TestTrustedProxiesRejectsABadEntry(t *testing.T) {
	defer func() {
		want := `intercomfiber.TrustedProxies: intercom: trusted proxy "10.0.0.300": want an IP address or a CIDR prefix such as 10.0.0.0/8`
		if got := recover(); got != want {
			t.Errorf("panic %v, want %q", got, want)
		}
	}()
	intercomfiber.TrustedProxies("10.0.0.0/8", "10.0.0.300")
}
