package intercomgin_test

import (
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"

	intercomgin "github.com/goanalytical/intercom/adapters/gin"
	"github.com/goanalytical/intercom/conformance"
	intercom "github.com/goanalytical/intercom/core"
)

// The client-IP recipes of the package documentation and the README, built
// as they are written and attacked by conformance.CheckClientIPRecipes with
// the client-IP headers a client can send.

// recipe is an engine set up with setup, as a documented recipe says;
// proxied recipes trust conformance.RecipeLoadBalancer and RecipeEdge.
func recipe(name string, proxied bool, setup func(t *testing.T, r *gin.Engine)) conformance.ClientIPRecipe {
	return conformance.ClientIPRecipe{Name: name, Proxied: proxied, Handler: func(t *testing.T, m *intercom.Messenger) http.Handler {
		r := gin.New()
		setup(t, r)
		r.Use(intercomgin.Middleware(m))
		r.GET("/", func(c *gin.Context) { c.String(http.StatusOK, string(intercomgin.Snippet(c))) })
		return r
	}}
}

func TestClientIPRecipes(t *testing.T) {
	conformance.CheckClientIPRecipes(t,
		recipe("no proxy: SetTrustedProxies(nil)", false, func(t *testing.T, r *gin.Engine) {
			require.NoError(t, r.SetTrustedProxies(nil))
		}),
		recipe("load balancers: SetTrustedProxies", true, func(t *testing.T, r *gin.Engine) {
			require.NoError(t, r.SetTrustedProxies([]string{"10.0.0.0/8"}))
		}),
	)
}

// r.TrustedPlatform is not a trusted-proxy setting: c.ClientIP() is the
// platform's header from every peer, so the documentation allows it only
// where nothing but the platform can reach the app.
func TestClientIPTrustedPlatformBelievesEveryPeer(t *testing.T) {
	platform := recipe("TrustedPlatform", false, func(t *testing.T, r *gin.Engine) {
		require.NoError(t, r.SetTrustedProxies(nil))
		r.TrustedPlatform = gin.PlatformCloudflare
	})
	tests := []struct {
		name string
		peer string
		cf   string
	}{
		{name: "external peer, IPv4", peer: "203.0.113.9", cf: "198.51.100.7"},
		{name: "external peer, IPv6", peer: "2001:db8:9::9", cf: "2001:db8:1::7"},
		{name: "internal peer, IPv4", peer: "198.51.100.7", cf: "203.0.113.9"},
		{name: "internal peer, IPv6", peer: "2001:db8:1::7", cf: "2001:db8:9::9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conformance.CheckClientIP(t, platform, tt.peer, http.Header{"Cf-Connecting-Ip": {tt.cf}}, tt.cf)
		})
	}
}
