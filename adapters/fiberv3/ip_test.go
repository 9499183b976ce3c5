package intercomfiber_test

import (
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/gofiber/fiber/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	intercomfiber "github.com/goanalytical/intercom/adapters/fiberv3"
	intercom "github.com/goanalytical/intercom/core"
)

// serve runs app on a loopback port until the test ends and returns its
// address.
func serve(t *testing.T, app *fiber.App) string {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = app.Listener(ln, fiber.ListenConfig{DisableStartupMessage: true}) }()
	t.Cleanup(func() { _ = app.Shutdown() })
	return ln.Addr().String()
}

// getFrom requests url from the local address from (Linux routes all of
// 127.0.0.0/8 to loopback), so the server sees a real peer address.
func getFrom(t *testing.T, from, url string, header http.Header) string {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	client := &http.Client{Transport: &http.Transport{
		DialContext:       d.DialContext,
		DisableKeepAlives: true,
	}}
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	req.Header = header
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(body)
}

// The default client IP is c.IP(), so fiber's proxy settings decide it; the
// Messenger's InternalIPs are 10.1.2.3 and 127.0.0.7.
func TestClientIP(t *testing.T) {
	tests := []struct {
		name    string
		proxies []string // trusted, with ProxyHeader X-Forwarded-For
		header  bool     // ProxyHeader X-Forwarded-For without TrustProxy
		from    string
		xff     string
		want    string // the client IP the snippet is rendered for
	}{
		{name: "peer, internal", from: "127.0.0.7", want: "127.0.0.7"},
		{name: "peer, external", from: "127.0.0.8", want: "127.0.0.8"},
		{name: "no ProxyHeader: X-Forwarded-For ignored", from: "127.0.0.8", xff: "10.1.2.3", want: "127.0.0.8"},
		{name: "no ProxyHeader: cannot hide an internal peer", from: "127.0.0.7", xff: "203.0.113.9", want: "127.0.0.7"},
		{name: "ProxyHeader without TrustProxy: ignored", header: true, from: "127.0.0.8", xff: "10.1.2.3", want: "127.0.0.8"},
		{name: "trusted proxy", proxies: []string{"127.0.0.8"}, from: "127.0.0.8", xff: "10.1.2.3", want: "10.1.2.3"},
		{name: "trusted proxy range, external client", proxies: []string{"127.0.0.0/29"}, from: "127.0.0.7", xff: "203.0.113.9", want: "203.0.113.9"},
		{name: "untrusted peer cannot spoof", proxies: []string{"127.0.0.8"}, from: "127.0.0.9", xff: "10.1.2.3", want: "127.0.0.9"},
		{name: "appended list is taken whole, never internal", proxies: []string{"127.0.0.8"}, from: "127.0.0.8", xff: "10.1.2.3, 127.0.0.8", want: "10.1.2.3, 127.0.0.8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg fiber.Config
			if tt.header {
				cfg.ProxyHeader = fiber.HeaderXForwardedFor
			}
			if len(tt.proxies) > 0 {
				cfg.TrustProxy = true
				cfg.TrustProxyConfig = fiber.TrustProxyConfig{Proxies: tt.proxies}
				cfg.ProxyHeader = fiber.HeaderXForwardedFor
			}
			m := newMessenger(t, nil)
			app := fiber.New(cfg)
			app.Use(intercomfiber.New(m))
			app.Get("/", sendSnippet)
			addr := serve(t, app)

			header := http.Header{}
			if tt.xff != "" {
				header.Set("X-Forwarded-For", tt.xff)
			}
			got := getFrom(t, tt.from, "http://"+addr+"/", header)
			assert.Equal(t, string(m.Render(intercom.Visitor{ClientIP: tt.want})), got)
			assert.Equal(t, m.IsInternal(tt.want), got[:4] == "<!--", "internal")
		})
	}
}
