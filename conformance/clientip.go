package conformance

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	intercom "github.com/goanalytical/intercom/core"
)

// ClientIPRecipe is an app set up for the client IP as an adapter's
// documentation says, for CheckClientIPRecipes.
type ClientIPRecipe struct {
	Name string
	// Proxied: the app trusts the proxies at RecipeLoadBalancer and, unless
	// RealIP, RecipeEdge, and no other address.
	Proxied bool
	// RealIP: the client IP is X-Real-IP, which the trusted proxy sets,
	// replacing the client's; one proxy only (RecipeLoadBalancer), and a
	// request of its own without the header has no client IP.
	RealIP bool
	// Handler returns a new app of the recipe with m installed, whose page
	// (GET /) is the snippet and nothing else.
	Handler func(t *testing.T, m *intercom.Messenger) http.Handler
	// Serve, for an app that is not an http.Handler, is used instead of
	// Handler: it answers req (a GET / from req.RemoteAddr with the case's
	// headers) with a new app of the recipe with m installed, and returns
	// the page (see RoundTrip).
	Serve func(t *testing.T, m *intercom.Messenger, req *http.Request) string
}

// The proxies a proxied recipe trusts: RecipeLoadBalancer in front of the
// app and RecipeEdge (a CDN) in front of it, for chains of two. A range
// such as 10.0.0.0/8 or 10.0.0.0/24 covers both.
const (
	RecipeLoadBalancer = "10.0.0.10"
	RecipeEdge         = "10.0.0.20"
)

// recipeInternalIPs is the Messenger's Config.InternalIPs: a client IP
// inside them gets the snippet commented out, the observable of the checks.
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

// recipeSpoof is a set of client-IP headers a client sends.
type recipeSpoof struct {
	name   string
	header http.Header
}

// headerOf returns a header of the name and value pairs, added in order.
func headerOf(pairs ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(pairs); i += 2 {
		h.Add(pairs[i], pairs[i+1])
	}
	return h
}

// recipeSpoofs returns the client-IP headers, single and multi-valued,
// IPv4 and IPv6 and combined, naming v4 and v6.
func recipeSpoofs(v4, v6 string) []recipeSpoof {
	every := func(a, forwarded string) http.Header {
		return headerOf("X-Forwarded-For", a, "X-Real-IP", a, "Forwarded", forwarded, "True-Client-IP", a,
			"CF-Connecting-IP", a, "X-Client-IP", a, "Fastly-Client-IP", a, "Fly-Client-IP", a,
			"X-Appengine-Remote-Addr", a)
	}
	return []recipeSpoof{
		{"X-Forwarded-For IPv4", headerOf("X-Forwarded-For", v4)},
		{"X-Forwarded-For IPv6", headerOf("X-Forwarded-For", v6)},
		{"X-Forwarded-For list", headerOf("X-Forwarded-For", v4+", "+v6)},
		{"X-Forwarded-For list ending in the load balancer", headerOf("X-Forwarded-For", v4+", "+v6+", "+RecipeLoadBalancer)},
		{"X-Forwarded-For two lines", headerOf("X-Forwarded-For", v4, "X-Forwarded-For", v6)},
		{"X-Forwarded-For IPv6 with port", headerOf("X-Forwarded-For", "["+v6+"]:443")},
		{"X-Real-IP IPv4", headerOf("X-Real-IP", v4)},
		{"X-Real-IP IPv6", headerOf("X-Real-IP", v6)},
		{"X-Real-IP bracketed IPv6", headerOf("X-Real-IP", "["+v6+"]")},
		{"Forwarded IPv4", headerOf("Forwarded", "for="+v4)},
		{"Forwarded IPv6", headerOf("Forwarded", `for="[`+v6+`]"`)},
		{"Forwarded list", headerOf("Forwarded", "for="+v4+";proto=https, for=\"["+v6+"]:443\"")},
		{"True-Client-IP IPv4", headerOf("True-Client-IP", v4)},
		{"True-Client-IP IPv6", headerOf("True-Client-IP", v6)},
		{"CF-Connecting-IP IPv4", headerOf("CF-Connecting-IP", v4)},
		{"CF-Connecting-IP IPv6", headerOf("CF-Connecting-IP", v6)},
		{"every header IPv4", every(v4, "for="+v4)},
		{"every header IPv6", every(v6, `for="[`+v6+`]"`)},
		{"every header, lists", every(v4+", "+v6, "for="+v4+", for=\"["+v6+"]\"")},
	}
}

// recipeProxy is a trusted proxy in front of the app: forward returns the
// peer the app sees and the header it receives when client sends h through
// it. Every header but X-Forwarded-For passes through as the client sent
// it.
type recipeProxy struct {
	name    string
	chain   bool // two proxies, edge and load balancer
	forward func(client string, h http.Header) (peer string, out http.Header)
}

// recipeAppend adds hop to the X-Forwarded-For of a copy of h: to the
// header, as "client-supplied, hop" in one line (nginx's
// $proxy_add_x_forwarded_for, net/http/httputil.ReverseProxy, cloud load
// balancers), or as a line of its own after the client's (HAProxy's option
// forwardfor).
func recipeAppend(h http.Header, hop string, ownLine bool) http.Header {
	out := h.Clone()
	if out == nil {
		out = http.Header{}
	}
	if ownLine {
		out.Add("X-Forwarded-For", hop)
		return out
	}
	out.Set("X-Forwarded-For", strings.Join(append(h.Values("X-Forwarded-For"), hop), ", "))
	return out
}

var recipeProxies = []recipeProxy{
	{name: "proxy appends to the header", forward: func(client string, h http.Header) (string, http.Header) {
		return RecipeLoadBalancer, recipeAppend(h, client, false)
	}},
	{name: "proxy adds a header line", forward: func(client string, h http.Header) (string, http.Header) {
		return RecipeLoadBalancer, recipeAppend(h, client, true)
	}},
	{name: "two proxies append", chain: true, forward: func(client string, h http.Header) (string, http.Header) {
		return RecipeLoadBalancer, recipeAppend(recipeAppend(h, client, false), RecipeEdge, false)
	}},
}

// forward is p.forward for rc: with RealIP, the proxy also sets X-Real-IP
// to the client it saw, replacing the client's.
func (rc ClientIPRecipe) forward(p recipeProxy, client string, h http.Header) (string, http.Header) {
	peer, out := p.forward(client, h)
	if rc.RealIP {
		out.Set("X-Real-IP", client)
	}
	return peer, out
}

// CheckClientIP asserts that the client IP of a request from peer with
// header, through rc's app, is exactly want: the snippet is commented out
// for the internal ranges of the checks exactly when want is in them, and
// for InternalIPs [want] it always is ("" is an unknown client: never
// internal, even for 0.0.0.0/0 and ::/0). For an adapter's own cases beside
// CheckClientIPRecipes.
func CheckClientIP(t *testing.T, rc ClientIPRecipe, peer string, header http.Header, want string) {
	t.Helper()
	m, got := rc.get(t, recipeInternalIPs, peer, header)
	assert.Equal(t, string(m.Render(intercom.Visitor{ClientIP: want})), got, "InternalIPs %v", recipeInternalIPs)

	exact := []string{want}
	if want == "" {
		exact = []string{"0.0.0.0/0", "::/0"}
	}
	_, got = rc.get(t, exact, peer, header)
	assert.Equal(t, want != "", strings.HasPrefix(got, "<!-- Intercom disabled on internal IP address\n"), "InternalIPs %v: %s", exact, got)
}

// get serves one request from peer with header through rc's app and a
// Messenger with internal as its InternalIPs, and returns the Messenger
// and the page.
func (rc ClientIPRecipe) get(t *testing.T, internal []string, peer string, header http.Header) (*intercom.Messenger, string) {
	t.Helper()
	if rc.Handler == nil && rc.Serve == nil {
		t.Fatalf("conformance: ClientIPRecipe %q has neither Handler nor Serve", rc.Name)
	}
	m, err := intercom.New(intercom.Config{AppID: "abc12345", InternalIPs: internal, ErrorHandler: func(err error) { t.Errorf("reported: %v", err) }})
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.RemoteAddr = net.JoinHostPort(peer, "40000")
	for name, values := range header {
		for _, v := range values {
			req.Header.Add(name, v)
		}
	}
	if rc.Serve != nil {
		return m, rc.Serve(t, m, req)
	}
	w := httptest.NewRecorder()
	rc.Handler(t, m).ServeHTTP(w, req)
	require.Equal(t, http.StatusOK, w.Code, "body: %s", w.Body)
	return m, w.Body.String()
}

// CheckClientIPRecipes attacks each recipe's app with the client-IP headers
// a client can send, alone, in lists, over IPv4 and IPv6, directly and
// through the proxies a proxied recipe trusts (appending to
// X-Forwarded-For in one line or in a line of their own, one proxy or two):
//
//   - from a peer the recipe does not trust, no client-IP header changes the
//     client IP: a claimed internal address never makes an external peer
//     internal, a claimed external one never hides an internal peer;
//   - through the trusted proxies, what the client wrote never becomes the
//     client IP: it is the address the proxy saw (the right-most untrusted
//     X-Forwarded-For entry);
//   - through the trusted proxies, the client the proxy saw is the client
//     IP, and a request of the load balancer's own is the load balancer's
//     (with RealIP, it has none).
//
// The observable is Config.InternalIPs (see CheckClientIP).
func CheckClientIPRecipes(t *testing.T, recipes ...ClientIPRecipe) {
	for _, rc := range recipes {
		t.Run(rc.Name, func(t *testing.T) {
			t.Run("untrusted peer", func(t *testing.T) { checkUntrustedPeer(t, rc) })
			if rc.Proxied {
				t.Run("appending proxy", func(t *testing.T) { checkAppendingProxy(t, rc) })
				t.Run("trusted proxy", func(t *testing.T) { checkTrustedProxy(t, rc) })
			}
		})
	}
}

func checkUntrustedPeer(t *testing.T, rc ClientIPRecipe) {
	external := recipeExternalPeers
	switch {
	case !rc.Proxied:
		external = append([]string{RecipeLoadBalancer, RecipeEdge}, external...)
	case rc.RealIP:
		external = append([]string{RecipeEdge}, external...)
	}
	for _, peer := range external {
		for _, s := range recipeSpoofs("198.51.100.7", "2001:db8:1::7") {
			t.Run("external "+peer+" claims internal, "+s.name, func(t *testing.T) { CheckClientIP(t, rc, peer, s.header, peer) })
		}
	}
	for _, peer := range recipeInternalPeers {
		for _, s := range recipeSpoofs("203.0.113.9", "2001:db8:9::9") {
			t.Run("internal "+peer+" claims external, "+s.name, func(t *testing.T) { CheckClientIP(t, rc, peer, s.header, peer) })
		}
	}
}

func checkAppendingProxy(t *testing.T, rc ClientIPRecipe) {
	for _, p := range recipeProxies {
		if p.chain && rc.RealIP {
			continue
		}
		for _, client := range recipeExternalClients {
			for _, s := range recipeSpoofs("198.51.100.7", "2001:db8:1::7") {
				t.Run(p.name+", external "+client+" claims internal, "+s.name, func(t *testing.T) {
					peer, h := rc.forward(p, client, s.header)
					CheckClientIP(t, rc, peer, h, client)
				})
			}
		}
		for _, client := range recipeInternalClients {
			for _, s := range recipeSpoofs("203.0.113.9", "2001:db8:9::9") {
				t.Run(p.name+", internal "+client+" claims external, "+s.name, func(t *testing.T) {
					peer, h := rc.forward(p, client, s.header)
					CheckClientIP(t, rc, peer, h, client)
				})
			}
		}
	}
}

func checkTrustedProxy(t *testing.T, rc ClientIPRecipe) {
	for _, p := range recipeProxies {
		if p.chain && rc.RealIP {
			continue
		}
		for _, client := range append(append([]string{}, recipeInternalClients...), recipeExternalClients...) {
			t.Run(p.name+", "+client, func(t *testing.T) {
				peer, h := rc.forward(p, client, nil)
				CheckClientIP(t, rc, peer, h, client)
			})
		}
	}
	own := RecipeLoadBalancer
	if rc.RealIP {
		own = ""
	}
	t.Run("the load balancer's own request", func(t *testing.T) { CheckClientIP(t, rc, RecipeLoadBalancer, nil, own) })
}

// RoundTrip writes req to conn as an HTTP/1.1 request that closes the
// connection and returns the body of the response it reads back, requiring
// a 200: for the Serve of a ClientIPRecipe whose app listens on a
// connection with the peer as its remote address (fasthttp's in-memory
// listener, for one) rather than being an http.Handler.
func RoundTrip(t *testing.T, conn net.Conn, req *http.Request) string {
	t.Helper()
	req.Close = true
	require.NoError(t, req.Write(conn))
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "body: %s", body)
	return string(body)
}
