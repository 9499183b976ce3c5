package intercom

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// parseClientIP parses an address as frameworks report it: IPv4-mapped IPv6
// is unmapped and a zone is dropped. ok is false for anything unparsable.
func parseClientIP(s string) (netip.Addr, bool) {
	if s == "" {
		return netip.Addr{}, false
	}
	if n := len(s); n > 2 && s[0] == '[' && s[n-1] == ']' {
		s = s[1 : n-1]
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		// Accept "host:port" and "[v6]:port" too.
		ap, err2 := netip.ParseAddrPort(s)
		if err2 != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone(""), true
}

// IsInternal reports whether clientIP is inside one of Config.InternalIPs.
// An empty or unparsable address is not internal.
func (m *Messenger) IsInternal(clientIP string) bool {
	// Small enough to inline: most Messengers have no internal ranges, and
	// every snippet asks.
	return len(m.internal) > 0 && m.isInternal(clientIP)
}

func (m *Messenger) isInternal(clientIP string) bool {
	a, ok := parseClientIP(clientIP)
	if !ok {
		return false
	}
	for _, p := range m.internal {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ClientIP returns the client address of r for a plain net/http server. The
// peer address (r.RemoteAddr) is the client unless it is one of
// trustedProxies; then X-Forwarded-For is walked from the right, skipping
// trusted proxies, and the first untrusted address is the client. The
// left-most entries, which the client itself can write, are only reached when
// every hop to their right is trusted, so a spoofed header from an untrusted
// peer changes nothing. A malformed hop yields "" (unknown, never internal).
func ClientIP(r *http.Request, trustedProxies []netip.Prefix) string {
	return forwardedClientIP(r.RemoteAddr, r.Header.Values("X-Forwarded-For"), trustedProxies)
}

// forwardedClientIP is ClientIP over the peer address and the
// X-Forwarded-For header lines, for frameworks without an *http.Request
// (fasthttp), through link.ForwardedClientIP.
func forwardedClientIP(remoteAddr string, hops []string, trustedProxies []netip.Prefix) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	peer, ok := parseClientIP(host)
	if !ok {
		return ""
	}
	if !trusted(peer, trustedProxies) {
		return peer.String()
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		list := hops[i]
		for list != "" {
			var hop string
			if j := strings.LastIndexByte(list, ','); j >= 0 {
				hop, list = list[j+1:], list[:j]
			} else {
				hop, list = list, ""
			}
			a, ok := parseClientIP(strings.TrimSpace(hop))
			if !ok {
				return ""
			}
			client = a
			if !trusted(a, trustedProxies) {
				return a.String()
			}
		}
	}
	return client.String()
}

func trusted(a netip.Addr, proxies []netip.Prefix) bool {
	for _, p := range proxies {
		if normalisePrefix(p).Contains(a) {
			return true
		}
	}
	return false
}
