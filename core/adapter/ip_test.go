package adapter_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/goanalytical/intercom/core/adapter"
)

func TestTrustedClientIP(t *testing.T) {
	tests := []struct {
		name    string
		trusted []string
		remote  string
		xff     []string
		want    string
	}{
		{"no proxies: the peer", nil, "198.51.100.4:41000", []string{"6.6.6.6"}, "198.51.100.4"},
		{"a trusted CIDR", []string{"10.0.0.0/8"}, "10.0.0.2:41000", []string{"6.6.6.6, 198.51.100.4"}, "198.51.100.4"},
		{"a CIDR with host bits", []string{"10.1.2.3/8"}, "10.9.9.9:1", []string{"198.51.100.4"}, "198.51.100.4"},
		{"a trusted address, trimmed", []string{" 203.0.113.7 "}, "203.0.113.7:1", []string{"198.51.100.4"}, "198.51.100.4"},
		{"an address is only itself", []string{"203.0.113.7"}, "203.0.113.8:1", []string{"198.51.100.4"}, "203.0.113.8"},
		{"IPv6", []string{"2001:db8::/32"}, "[2001:db8::1]:443", []string{"2001:db8::2, 2606:4700::1111"}, "2606:4700::1111"},
		{"every hop trusted", []string{"10.0.0.0/8"}, "10.0.0.2:1", []string{"10.0.0.3"}, "10.0.0.3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ip, err := adapter.TrustedClientIP(tt.trusted...)
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := ip(r); got != tt.want {
				t.Errorf("client IP %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTrustedClientIPInvalid(t *testing.T) {
	for _, bad := range []string{"nope", "10.0.0.0/33", "", "10.0.0.1:80"} {
		ip, err := adapter.TrustedClientIP("10.0.0.0/8", bad)
		want := `intercom: trusted proxy "` + bad + `": want an IP address or a CIDR prefix such as 10.0.0.0/8`
		if ip != nil || err == nil || err.Error() != want {
			t.Errorf("TrustedClientIP(%q) = %v; want the error %s", bad, err, want)
		}
	}
}

// TestTrustedForwarded: the fasthttp form walks exactly as intercom.ClientIP
// does over the same peer and X-Forwarded-For lines.
func TestTrustedForwarded(t *testing.T) {
	proxies := []string{"10.0.0.0/8", "2001:db8::1"}
	walk, err := adapter.TrustedForwarded(proxies...)
	if err != nil {
		t.Fatal(err)
	}
	viaRequest, err := adapter.TrustedClientIP(proxies...)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		peer string
		xff  []string
		want string
	}{
		{"203.0.113.9:1234", []string{"198.51.100.7"}, "203.0.113.9"},
		{"10.0.0.1:1234", []string{"198.51.100.7"}, "198.51.100.7"},
		{"10.0.0.1:1234", []string{"192.0.2.66, 198.51.100.7"}, "198.51.100.7"},
		{"10.0.0.1:1234", []string{"192.0.2.66", "198.51.100.7, 10.0.0.2"}, "198.51.100.7"},
		{"10.0.0.1:1234", []string{"10.0.0.3"}, "10.0.0.3"},
		{"10.0.0.1:1234", []string{"not-an-ip"}, ""},
		{"10.0.0.1:1234", nil, "10.0.0.1"},
		{"[2001:db8::1]:443", []string{"2001:db8::7"}, "2001:db8::7"},
		{"10.0.0.1", []string{"198.51.100.7"}, "198.51.100.7"},
		{"garbage", []string{"198.51.100.7"}, ""},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = tt.peer
		for _, v := range tt.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		var lines [][]byte
		for _, v := range tt.xff {
			lines = append(lines, []byte(v))
		}
		if got, ref := walk(tt.peer, lines), viaRequest(r); got != tt.want || ref != tt.want {
			t.Errorf("peer %s, X-Forwarded-For %q: TrustedForwarded %q, TrustedClientIP %q, want %q", tt.peer, tt.xff, got, ref, tt.want)
		}
	}
	if _, err := adapter.TrustedForwarded("10.0.0.0/8", "nope"); err == nil || err.Error() != `intercom: trusted proxy "nope": want an IP address or a CIDR prefix such as 10.0.0.0/8` {
		t.Errorf("a bad proxy: %v", err)
	}
}
