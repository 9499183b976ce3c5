package intercomfiber_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/valyala/fasthttp/fasthttputil"

	intercomfiber "github.com/goanalytical/intercom/adapters/fiberv3"
	intercom "github.com/goanalytical/intercom/core"
)

// The client-IP recipes of the package documentation and the README, built
// as they are written and attacked with the client-IP headers a client can
// send. Config.InternalIPs is the observable: a client IP inside
// recipeInternalIPs gets the snippet commented out.

// recipeLB is the load balancer the recipes trust; recipeEdge is a second
// trusted proxy in front of it (a CDN), for chains of two.
const (
	recipeLB   = "10.0.0.10"
	recipeEdge = "10.0.0.20"
)

// recipeInternalIPs is the Messenger's Config.InternalIPs.
var recipeInternalIPs = []string{
	"198.51.100.0/24", "2001:db8:1::/48", "192.168.7.0/24", "fd00:7::/64", "127.0.0.7", "169.254.7.7", "fe80::7",
}

var (
	// recipeInternalPeers are inside recipeInternalIPs.
	recipeInternalPeers = []string{"198.51.100.7", "2001:db8:1::7", "192.168.7.7", "fd00:7::7", "127.0.0.7", "169.254.7.7", "fe80::7"}
	// recipeExternalPeers are outside recipeInternalIPs and outside every
	// trusted range; most are loopback, link-local or private addresses,
	// which a framework default may trust.
	recipeExternalPeers = []string{"203.0.113.9", "2001:db8:9::9", "192.168.5.5", "172.16.5.5", "fd00:5::5", "127.0.0.1", "::1", "169.254.5.5", "fe80::5"}
	// recipeInternalClients and recipeExternalClients reach the app
	// through the trusted proxy.
	recipeInternalClients = []string{"198.51.100.7", "2001:db8:1::7", "192.168.7.7", "fd00:7::7"}
	recipeExternalClients = []string{"203.0.113.9", "2001:db8:9::9", "192.168.5.5", "fd00:5::5"}
)

// recipeLine is one request header line.
type recipeLine struct{ name, value string }

// recipeSpoof is a set of client-IP headers a client sends.
type recipeSpoof struct {
	name  string
	lines []recipeLine
}

// recipeSpoofs returns the client-IP headers, single and multi-valued,
// IPv4 and IPv6 and combined, naming v4 and v6.
func recipeSpoofs(v4, v6 string) []recipeSpoof {
	every := func(a, forwarded string) []recipeLine {
		return []recipeLine{
			{"X-Forwarded-For", a}, {"X-Real-IP", a}, {"Forwarded", forwarded}, {"True-Client-IP", a},
			{"CF-Connecting-IP", a}, {"X-Client-IP", a}, {"Fastly-Client-IP", a}, {"Fly-Client-IP", a},
			{"X-Appengine-Remote-Addr", a},
		}
	}
	return []recipeSpoof{
		{"X-Forwarded-For IPv4", []recipeLine{{"X-Forwarded-For", v4}}},
		{"X-Forwarded-For IPv6", []recipeLine{{"X-Forwarded-For", v6}}},
		{"X-Forwarded-For list", []recipeLine{{"X-Forwarded-For", v4 + ", " + v6}}},
		{"X-Forwarded-For list ending in the load balancer", []recipeLine{{"X-Forwarded-For", v4 + ", " + v6 + ", " + recipeLB}}},
		{"X-Forwarded-For two lines", []recipeLine{{"X-Forwarded-For", v4}, {"X-Forwarded-For", v6}}},
		{"X-Forwarded-For IPv6 with port", []recipeLine{{"X-Forwarded-For", "[" + v6 + "]:443"}}},
		{"X-Real-IP IPv4", []recipeLine{{"X-Real-IP", v4}}},
		{"X-Real-IP IPv6", []recipeLine{{"X-Real-IP", v6}}},
		{"X-Real-IP bracketed IPv6", []recipeLine{{"X-Real-IP", "[" + v6 + "]"}}},
		{"Forwarded IPv4", []recipeLine{{"Forwarded", "for=" + v4}}},
		{"Forwarded IPv6", []recipeLine{{"Forwarded", `for="[` + v6 + `]"`}}},
		{"Forwarded list", []recipeLine{{"Forwarded", "for=" + v4 + ";proto=https, for=\"[" + v6 + "]:443\""}}},
		{"True-Client-IP IPv4", []recipeLine{{"True-Client-IP", v4}}},
		{"True-Client-IP IPv6", []recipeLine{{"True-Client-IP", v6}}},
		{"CF-Connecting-IP IPv4", []recipeLine{{"CF-Connecting-IP", v4}}},
		{"CF-Connecting-IP IPv6", []recipeLine{{"CF-Connecting-IP", v6}}},
		{"every header IPv4", every(v4, "for="+v4)},
		{"every header IPv6", every(v6, `for="[`+v6+`]"`)},
		{"every header, lists", every(v4+", "+v6, "for="+v4+", for=\"["+v6+"]\"")},
	}
}

// recipeProxy is a trusted proxy in front of the app: forward returns the
// peer the app sees and the header lines it receives when client sends
// lines through it. Every header but X-Forwarded-For passes through as the
// client sent it.
type recipeProxy struct {
	name    string
	chain   bool // two proxies, edge and load balancer
	forward func(client string, lines []recipeLine) (peer string, out []recipeLine)
}

// recipeAppend adds hop to the X-Forwarded-For of lines: to the header, as
// "client-supplied, hop" in one line (nginx's $proxy_add_x_forwarded_for,
// net/http/httputil.ReverseProxy, cloud load balancers), or as a line of
// its own after the client's (HAProxy's option forwardfor).
func recipeAppend(lines []recipeLine, hop string, ownLine bool) []recipeLine {
	var xff []string
	out := make([]recipeLine, 0, len(lines)+1)
	for _, l := range lines {
		if l.name == "X-Forwarded-For" && !ownLine {
			xff = append(xff, l.value)
			continue
		}
		out = append(out, l)
	}
	return append(out, recipeLine{"X-Forwarded-For", strings.Join(append(xff, hop), ", ")})
}

var recipeProxies = []recipeProxy{
	{name: "proxy appends to the header", forward: func(client string, lines []recipeLine) (string, []recipeLine) {
		return recipeLB, recipeAppend(lines, client, false)
	}},
	{name: "proxy adds a header line", forward: func(client string, lines []recipeLine) (string, []recipeLine) {
		return recipeLB, recipeAppend(lines, client, true)
	}},
	{name: "two proxies append", chain: true, forward: func(client string, lines []recipeLine) (string, []recipeLine) {
		return recipeLB, recipeAppend(recipeAppend(lines, client, false), recipeEdge, false)
	}},
}

// recipe is an app set up as a documented recipe says.
type recipe struct {
	name    string
	proxied bool // trusts recipeLB (and recipeEdge, unless realIP)
	// realIP: the client IP is X-Real-IP, which the proxy must set,
	// replacing the client's; one proxy only, and a request of its own
	// without the header has no client IP ("").
	realIP bool
	config fiber.Config
	mw     []intercomfiber.Config
}

var recipes = []recipe{
	{name: "no proxy: the default"},
	{name: "a proxy that sets X-Real-IP: ProxyHeader", proxied: true, realIP: true, config: fiber.Config{
		ProxyHeader:      "X-Real-IP",
		TrustProxy:       true,
		TrustProxyConfig: fiber.TrustProxyConfig{Proxies: []string{"10.0.0.10"}}, // your proxy
	}},
	{name: "load balancers: Config.ClientIP = TrustedProxies", proxied: true, mw: []intercomfiber.Config{
		{ClientIP: intercomfiber.TrustedProxies("10.0.0.0/8")}, // your load balancers
	}},
}

// get serves one request from peer with lines through the recipe's app
// and a Messenger with internal as its InternalIPs, and returns the body.
// The app runs on fasthttp's server over an in-memory connection whose
// remote address is peer.
func (rc recipe) get(t *testing.T, internal []string, peer string, lines []recipeLine) (*intercom.Messenger, string) {
	t.Helper()
	m, err := intercom.New(intercom.Config{AppID: "abc12345", InternalIPs: internal, ErrorHandler: func(err error) { t.Errorf("reported: %v", err) }})
	require.NoError(t, err)
	app := fiber.New(rc.config)
	app.Use(intercomfiber.New(m, rc.mw...))
	app.Get("/", func(c fiber.Ctx) error {
		c.Type("html")
		return c.SendString(string(intercomfiber.Snippet(c)))
	})
	ln := fasthttputil.NewInmemoryListener()
	served := make(chan error, 1)
	go func() { served <- app.Listener(ln, fiber.ListenConfig{DisableStartupMessage: true}) }()
	defer func() { // not app.Shutdown, which polls every 100ms
		require.NoError(t, ln.Close())
		require.NoError(t, <-served)
	}()

	conn, err := ln.DialWithLocalAddr(&net.TCPAddr{IP: net.ParseIP(peer), Port: 40000})
	require.NoError(t, err)
	defer conn.Close()
	var req strings.Builder
	req.WriteString("GET / HTTP/1.1\r\nHost: app.example\r\nConnection: close\r\n")
	for _, l := range lines {
		fmt.Fprintf(&req, "%s: %s\r\n", l.name, l.value)
	}
	req.WriteString("\r\n")
	_, err = io.WriteString(conn, req.String())
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return m, string(body)
}

// forward is p.forward for this recipe: with realIP, the proxy also sets
// X-Real-IP to the client it saw, replacing the client's.
func (rc recipe) forward(p recipeProxy, client string, lines []recipeLine) (string, []recipeLine) {
	peer, out := p.forward(client, lines)
	if !rc.realIP {
		return peer, out
	}
	kept := out[:0:0]
	for _, l := range out {
		if l.name != "X-Real-IP" {
			kept = append(kept, l)
		}
	}
	return peer, append(kept, recipeLine{"X-Real-IP", client})
}

// check asserts that the client IP of a request from peer with lines is
// exactly want: the snippet is commented out for recipeInternalIPs exactly
// when want is in them, and for InternalIPs [want] it always is ("" is an
// unknown client: never internal, even for 0.0.0.0/0 and ::/0).
func (rc recipe) check(t *testing.T, peer string, lines []recipeLine, want string) {
	t.Helper()
	m, got := rc.get(t, recipeInternalIPs, peer, lines)
	assert.Equal(t, string(m.Render(intercom.Visitor{ClientIP: want})), got, "InternalIPs %v", recipeInternalIPs)

	exact := []string{want}
	if want == "" {
		exact = []string{"0.0.0.0/0", "::/0"}
	}
	_, got = rc.get(t, exact, peer, lines)
	assert.Equal(t, want != "", strings.HasPrefix(got, "<!-- Intercom disabled on internal IP address\n"), "InternalIPs %v: %s", exact, got)
}

// (a) From a peer the recipe does not trust, no client-IP header changes
// the client IP: a claimed internal address never makes an external peer
// internal, a claimed external one never hides an internal peer.
func TestClientIPRecipeUntrustedPeer(t *testing.T) {
	for _, rc := range recipes {
		t.Run(rc.name, func(t *testing.T) {
			external := recipeExternalPeers
			switch {
			case !rc.proxied:
				external = append([]string{recipeLB, recipeEdge}, external...)
			case rc.realIP:
				external = append([]string{recipeEdge}, external...)
			}
			for _, peer := range external {
				for _, s := range recipeSpoofs("198.51.100.7", "2001:db8:1::7") {
					t.Run("external "+peer+" claims internal, "+s.name, func(t *testing.T) { rc.check(t, peer, s.lines, peer) })
				}
			}
			for _, peer := range recipeInternalPeers {
				for _, s := range recipeSpoofs("203.0.113.9", "2001:db8:9::9") {
					t.Run("internal "+peer+" claims external, "+s.name, func(t *testing.T) { rc.check(t, peer, s.lines, peer) })
				}
			}
		})
	}
}

// (b) Through trusted proxies that append the peer they saw to
// X-Forwarded-For, what the client wrote never becomes the client IP: it is
// the right-most untrusted entry, the address the proxy saw.
func TestClientIPRecipeAppendingProxy(t *testing.T) {
	for _, rc := range recipes {
		if !rc.proxied {
			continue
		}
		t.Run(rc.name, func(t *testing.T) {
			for _, p := range recipeProxies {
				if p.chain && rc.realIP {
					continue
				}
				for _, client := range recipeExternalClients {
					for _, s := range recipeSpoofs("198.51.100.7", "2001:db8:1::7") {
						t.Run(p.name+", external "+client+" claims internal, "+s.name, func(t *testing.T) {
							peer, lines := rc.forward(p, client, s.lines)
							rc.check(t, peer, lines, client)
						})
					}
				}
				for _, client := range recipeInternalClients {
					for _, s := range recipeSpoofs("203.0.113.9", "2001:db8:9::9") {
						t.Run(p.name+", internal "+client+" claims external, "+s.name, func(t *testing.T) {
							peer, lines := rc.forward(p, client, s.lines)
							rc.check(t, peer, lines, client)
						})
					}
				}
			}
		})
	}
}

// (c) Through the trusted proxies, the client the proxy saw is the client
// IP; a request of the load balancer's own is the load balancer's (with
// realIP, it has none).
func TestClientIPRecipeTrustedProxy(t *testing.T) {
	for _, rc := range recipes {
		if !rc.proxied {
			continue
		}
		t.Run(rc.name, func(t *testing.T) {
			for _, p := range recipeProxies {
				if p.chain && rc.realIP {
					continue
				}
				for _, client := range append(append([]string{}, recipeInternalClients...), recipeExternalClients...) {
					t.Run(p.name+", "+client, func(t *testing.T) {
						peer, lines := rc.forward(p, client, nil)
						rc.check(t, peer, lines, client)
					})
				}
			}
			own := recipeLB
			if rc.realIP {
				own = ""
			}
			t.Run("the load balancer's own request", func(t *testing.T) { rc.check(t, recipeLB, nil, own) })
		})
	}
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
