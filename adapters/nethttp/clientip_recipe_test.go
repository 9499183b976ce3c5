package intercomhttp_test

import (
	"net/http"
	"testing"

	intercomhttp "github.com/goanalytical/intercom/adapters/nethttp"
	"github.com/goanalytical/intercom/conformance"
	intercom "github.com/goanalytical/intercom/core"
)

// The client-IP recipes of the package documentation and the README, built
// as they are written and attacked by conformance.CheckClientIPRecipes with
// the client-IP headers a client can send.

// recipe is the middleware with opts, as a documented recipe says; proxied
// recipes trust conformance.RecipeLoadBalancer and RecipeEdge.
func recipe(name string, proxied bool, opts ...intercomhttp.Option) conformance.ClientIPRecipe {
	return conformance.ClientIPRecipe{Name: name, Proxied: proxied, Handler: func(_ *testing.T, m *intercom.Messenger) http.Handler {
		return intercomhttp.Middleware(m, opts...)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(intercomhttp.Snippet(r)))
		}))
	}}
}

func TestClientIPRecipes(t *testing.T) {
	conformance.CheckClientIPRecipes(t,
		recipe("no proxy: the default", false),
		recipe("load balancers: WithTrustedProxies", true, intercomhttp.WithTrustedProxies("10.0.0.0/8")),
	)
}
