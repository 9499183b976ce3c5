package adapter

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/internal/link"
)

// TrustedClientIP returns a ClientIP hook for plain net/http, where no
// framework decides the client address: intercom.ClientIP with the proxies
// in list trusted for X-Forwarded-For (IP addresses and CIDR prefixes, v4
// and v6; an empty list trusts none, so the peer address is the client). An
// entry that is neither an address nor a prefix is an error that quotes it.
func TrustedClientIP(list ...string) (func(*http.Request) string, error) {
	trusted, err := parseProxies(list)
	if err != nil {
		return nil, err
	}
	return func(r *http.Request) string { return intercom.ClientIP(r, trusted) }, nil
}

// TrustedForwarded is TrustedClientIP for frameworks that have no
// *http.Request (fasthttp, so fiber): the function it returns takes the
// peer address ("ip:port" or "ip") and the request's X-Forwarded-For header
// lines as fasthttp's PeekAll returns them, and walks them as
// intercom.ClientIP does.
func TrustedForwarded(list ...string) (func(peer string, forwarded [][]byte) string, error) {
	trusted, err := parseProxies(list)
	if err != nil {
		return nil, err
	}
	return func(peer string, forwarded [][]byte) string {
		hops := make([]string, len(forwarded))
		for i, b := range forwarded {
			hops[i] = string(b)
		}
		return link.ForwardedClientIP(peer, hops, trusted)
	}, nil
}

func parseProxies(list []string) ([]netip.Prefix, error) {
	trusted := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		p, err := parseProxy(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("intercom: trusted proxy %q: want an IP address or a CIDR prefix such as 10.0.0.0/8", s)
		}
		trusted = append(trusted, p)
	}
	return trusted, nil
}

func parseProxy(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}
