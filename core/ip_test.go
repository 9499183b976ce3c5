package intercom_test

import (
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	intercom "github.com/goanalytical/intercom/core"
)

func TestInternalIPs(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345", InternalIPs: []string{
		"10.0.0.0/8", "203.0.113.7", "2001:db8::/32", "::1", "::ffff:192.0.2.0/120", "fe80::1%eth0", "172.16.5.9/16",
	}})
	tests := []struct {
		ip       string
		internal bool
	}{
		{"10.0.0.1", true},
		{"10.255.255.255", true},
		{"11.0.0.1", false},
		{"203.0.113.7", true},
		{"203.0.113.8", false},
		{"2001:db8::1", true},
		{"2001:db9::1", false},
		{"::1", true},
		{"::ffff:10.1.2.3", true},    // IPv4-mapped IPv6 normalised
		{"192.0.2.200", true},        // configured as an IPv4-mapped prefix
		{"::ffff:192.0.2.1", true},   // both mapped
		{"fe80::1", true},            // configured with a zone
		{"fe80::1%en0", true},        // client zone ignored
		{"172.16.200.1", true},       // host bits in the configured CIDR
		{"[::1]", true},              // bracketed
		{"10.0.0.1:443", true},       // with a port
		{"", false},                  // missing
		{"unknown", false},           // unparsable
		{"10.0.0.1, 1.2.3.4", false}, // a header value is not an IP
	}
	for _, tt := range tests {
		t.Run(tt.ip, func(t *testing.T) {
			if got := m.IsInternal(tt.ip); got != tt.internal {
				t.Fatalf("IsInternal(%q) = %v, want %v", tt.ip, got, tt.internal)
			}
			out := string(m.Render(intercom.Visitor{ClientIP: tt.ip, User: &intercom.User{ID: "1"}}))
			wrapped := strings.HasPrefix(out, "<!-- Intercom disabled on internal IP address\n<script") && strings.HasSuffix(out, "</script>\n-->")
			if wrapped != tt.internal {
				t.Fatalf("wrapped in a comment = %v, want %v:\n%s", wrapped, tt.internal, out)
			}
			if tt.internal {
				inner := strings.TrimSuffix(strings.TrimPrefix(out, "<!-- Intercom disabled on internal IP address\n"), "\n-->")
				if strings.Contains(inner, "-->") || strings.Contains(inner, "--!>") || strings.Contains(inner, "<!--") {
					t.Fatalf("comment closes early: %s", out)
				}
				mustParse(t, inner)
			}
		})
	}
}

func TestInternalCommentCannotCloseEarly(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345", InternalIPs: []string{"10.0.0.0/8"}})
	for _, hostile := range []string{"-->", "--!>", "<!--", "</script>", "--\u003e", "- ->"} {
		out := string(m.Render(intercom.Visitor{ClientIP: "10.0.0.1", User: &intercom.User{ID: hostile, Name: hostile}, Attributes: intercom.Attributes{hostile: hostile}}))
		body := strings.TrimSuffix(out, "\n-->")
		if strings.Count(out, "-->") != 1 || strings.Contains(body, "-->") || strings.Contains(out, "--!>") {
			t.Errorf("%q closes the comment early:\n%s", hostile, out)
		}
	}
}

func TestClientIP(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("::ffff:172.16.0.0/108")}
	tests := []struct {
		name    string
		remote  string
		xff     []string
		trusted []netip.Prefix
		want    string
	}{
		{"no proxies: the peer", "203.0.113.9:5555", []string{"1.2.3.4"}, nil, "203.0.113.9"},
		{"untrusted peer's header ignored", "203.0.113.9:5555", []string{"10.1.1.1"}, proxies, "203.0.113.9"},
		{"trusted proxy: header's right-most", "10.0.0.2:80", []string{"198.51.100.4"}, proxies, "198.51.100.4"},
		{"spoofed left-most entry skipped", "10.0.0.2:80", []string{"6.6.6.6, 198.51.100.4"}, proxies, "198.51.100.4"},
		{"chain of trusted proxies", "10.0.0.2:80", []string{"198.51.100.4, 10.0.0.9", "10.0.0.3"}, proxies, "198.51.100.4"},
		{"all hops trusted: left-most", "10.0.0.2:80", []string{"10.0.0.8, 10.0.0.9"}, proxies, "10.0.0.8"},
		{"trusted peer without header: the peer", "10.0.0.2:80", nil, proxies, "10.0.0.2"},
		{"malformed hop: unknown", "10.0.0.2:80", []string{"198.51.100.4, garbage"}, proxies, ""},
		{"ipv6 peer", "[::1]:80", []string{"2001:db8::5"}, proxies, "2001:db8::5"},
		{"ipv6 untrusted", "[2001:db8::7]:80", []string{"1.1.1.1"}, proxies, "2001:db8::7"},
		{"mapped peer against a mapped trusted prefix", "[::ffff:172.16.0.1]:80", []string{"198.51.100.4"}, proxies, "198.51.100.4"},
		{"zone dropped", "[fe80::1%eth0]:80", nil, nil, "fe80::1"},
		{"remote without port", "203.0.113.9", nil, nil, "203.0.113.9"},
		{"garbage remote", "pipe", nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := intercom.ClientIP(r, tt.trusted); got != tt.want {
				t.Errorf("ClientIP = %q, want %q", got, tt.want)
			}
		})
	}
}
