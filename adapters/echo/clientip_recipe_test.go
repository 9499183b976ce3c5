package intercomecho_test

import (
	"net"
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"

	intercomecho "github.com/goanalytical/intercom/adapters/echo"
	"github.com/goanalytical/intercom/conformance"
	intercom "github.com/goanalytical/intercom/core"
)

// The client-IP recipes of the package documentation and the README, built
// as they are written and attacked by conformance.CheckClientIPRecipes with
// the client-IP headers a client can send.

// recipe is an Echo set up with setup, as a documented recipe says; proxied
// recipes trust conformance.RecipeLoadBalancer and RecipeEdge.
func recipe(name string, proxied bool, setup func(t *testing.T, e *echo.Echo)) conformance.ClientIPRecipe {
	return conformance.ClientIPRecipe{Name: name, Proxied: proxied, Handler: func(t *testing.T, m *intercom.Messenger) http.Handler {
		e := echo.New()
		setup(t, e)
		e.Use(intercomecho.Middleware(m))
		e.GET("/", func(c echo.Context) error { return c.HTML(http.StatusOK, string(intercomecho.Snippet(c))) })
		return e
	}}
}

func TestClientIPRecipes(t *testing.T) {
	conformance.CheckClientIPRecipes(t,
		recipe("no proxy: ExtractIPDirect", false, func(t *testing.T, e *echo.Echo) {
			e.IPExtractor = echo.ExtractIPDirect()
		}),
		recipe("load balancers: ExtractIPFromXFFHeader", true, func(t *testing.T, e *echo.Echo) {
			_, lb, err := net.ParseCIDR("10.0.0.0/24")
			require.NoError(t, err)
			e.IPExtractor = echo.ExtractIPFromXFFHeader(
				echo.TrustIPRange(lb),
				echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false),
			)
		}),
	)
}
