package intercom_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	intercom "github.com/goanalytical/intercom/core"
)

func TestNewRejectsBadConfig(t *testing.T) {
	const secret = "very-secret-key"
	tests := []struct {
		name string
		cfg  intercom.Config
		want string
	}{
		{"app id with upper case", intercom.Config{AppID: "ABC123"}, `intercom: invalid AppID "ABC123": want lower-case letters and digits only, e.g. abc12345`},
		{"app id with markup", intercom.Config{AppID: `abc"><script>`}, `intercom: invalid AppID "abc\"><script>": want lower-case letters and digits only, e.g. abc12345`},
		{"app id with a newline at the end", intercom.Config{AppID: "abc123\n"}, `intercom: invalid AppID "abc123\n": want lower-case letters and digits only, e.g. abc12345`},
		{"app id with a space", intercom.Config{AppID: " abc123"}, `intercom: invalid AppID " abc123": want lower-case letters and digits only, e.g. abc12345`},
		{"internal IP garbage", intercom.Config{InternalIPs: []string{"10.0.0.1", "not-an-ip"}}, `intercom: invalid InternalIPs "not-an-ip": want an IP address or CIDR such as 10.0.0.0/8 or 2001:db8::/32`},
		{"internal CIDR too long", intercom.Config{InternalIPs: []string{"10.0.0.0/33"}}, `intercom: invalid InternalIPs "10.0.0.0/33": want an IP address or CIDR such as 10.0.0.0/8 or 2001:db8::/32`},
		{"internal IP empty", intercom.Config{InternalIPs: []string{""}}, `intercom: invalid InternalIPs "": want an IP address or CIDR such as 10.0.0.0/8 or 2001:db8::/32`},
		{"region", intercom.Config{Region: "mars"}, `intercom: invalid Region "mars": want "us", "eu" or "au"`},
		{"api base over http", intercom.Config{APIBase: "http://api.example.com"}, `intercom: invalid APIBase "http://api.example.com": want an https URL`},
		{"api base with a path", intercom.Config{APIBase: "https://api.example.com/x"}, `intercom: invalid APIBase "https://api.example.com/x": want a bare origin such as https://api-iam.eu.intercom.io`},
		{"jwt without a secret", intercom.Config{JWT: intercom.JWT{Enabled: true}}, `intercom: invalid JWT.Enabled "true": needs HMACSecret to sign the token`},
		{"jwt negative lifetime", intercom.Config{HMACSecret: secret, JWT: intercom.JWT{Enabled: true, Lifetime: -time.Second}}, `intercom: invalid JWT.Lifetime "-1s": must not be negative`},
		{"jwt signs user_id itself", intercom.Config{HMACSecret: secret, JWT: intercom.JWT{Enabled: true, SignedFields: []string{"user_id"}}}, `intercom: invalid JWT.SignedFields "user_id": set by the library itself`},
		{"jwt settings while disabled", intercom.Config{HMACSecret: secret, JWT: intercom.JWT{Lifetime: time.Hour}}, `intercom: invalid JWT "Enabled=false": Lifetime and SignedFields need Enabled`},
		{"padding below 20", intercom.Config{Messenger: intercom.Options{VerticalPadding: 10}}, `intercom: invalid Messenger.VerticalPadding "10": minimum is 20 pixels`},
		{"alignment", intercom.Config{Messenger: intercom.Options{Alignment: "center"}}, `intercom: invalid Messenger.Alignment "center": want "left" or "right"`},
		{"theme", intercom.Config{Messenger: intercom.Options{ThemeMode: "blue"}}, `intercom: invalid Messenger.ThemeMode "blue": want "light", "dark" or "system"`},
		{"colour", intercom.Config{Messenger: intercom.Options{ActionColor: "#12345"}}, `intercom: invalid Messenger.ActionColor "#12345": want a CSS colour such as "#0057ff", "rgb(0, 87, 255)" or "teal"`},
		{"colour injection", intercom.Config{Messenger: intercom.Options{LinkColor: "red;}</style>"}}, `intercom: invalid Messenger.LinkColor "red;}</style>": want a CSS colour such as "#0057ff", "rgb(0, 87, 255)" or "teal"`},
		{"locale", intercom.Config{Messenger: intercom.Options{LanguageOverride: "en us"}}, `intercom: invalid Messenger.LanguageOverride "en us": want a locale such as "fr" or "pt-BR"`},
		{"session duration", intercom.Config{Messenger: intercom.Options{SessionDuration: time.Microsecond}}, `intercom: invalid Messenger.SessionDuration "1µs": want at least 1ms`},
		{"launcher selector control character", intercom.Config{Messenger: intercom.Options{CustomLauncherSelector: "#a\x00"}}, `intercom: invalid Messenger.CustomLauncherSelector "#a\x00": control characters are not allowed in a CSS selector`},
		{"cookie domain", intercom.Config{CookieDomain: "exa mple.com"}, `intercom: invalid CookieDomain "exa mple.com": want a host name such as example.com or .example.com`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := intercom.New(tt.cfg)
			if err == nil {
				t.Fatalf("New succeeded (%v), want error %s", m, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n got %s\nwant %s", err, tt.want)
			}
			var ce *intercom.ConfigError
			if !errors.As(err, &ce) {
				t.Errorf("error is %T, want *intercom.ConfigError", err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error leaks the secret: %s", err)
			}
		})
	}
}

func TestNewAcceptsGoodConfig(t *testing.T) {
	for _, c := range []intercom.Config{
		{},                   // disabled
		{HMACSecret: "only"}, // disabled, secret unused
		{AppID: "abc12345", InternalIPs: []string{" 10.0.0.0/8 ", "203.0.113.7", "2001:db8::/32", "::1", "fe80::1%eth0", "::ffff:192.0.2.0/120", "10.1.2.3/8"}},
		{AppID: "a1", Region: intercom.RegionAU, CookieDomain: ".example.com"},
		{AppID: "a1", HMACSecret: "k", JWT: intercom.JWT{Enabled: true, Lifetime: 2 * time.Hour, SignedFields: []string{"email", "name", "email"}}},
		{AppID: "a1", Messenger: intercom.Options{ActionColor: "#abc", BackgroundColor: "hsl(210 50% 40% / 0.5)", LinkColor: "#AABBCCDD", LanguageOverride: "zh_CN"}},
	} {
		if _, err := intercom.New(c); err != nil {
			t.Errorf("New(%v): %v", c, err)
		}
	}
}

func TestAppIDRule(t *testing.T) {
	for id, ok := range map[string]bool{"": true, "abc12345": true, "a": true, "0": true, "abc-123": false, "abc_123": false, "Abc": false, "abc\u00e9": false, "abc/../x": false} {
		_, err := intercom.New(intercom.Config{AppID: id})
		if (err == nil) != ok {
			t.Errorf("AppID %q: err = %v, want ok=%v", id, err, ok)
		}
	}
}

func TestConfigNeverPrintsTheSecret(t *testing.T) {
	const secret = "s3cr3t-value"
	c := intercom.Config{AppID: "abc12345", HMACSecret: secret}
	var logged strings.Builder
	logger := slog.New(slog.NewTextHandler(&logged, nil))
	logger.Info("config", "cfg", c)
	outputs := []string{fmt.Sprint(c), fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), fmt.Sprintf("%s", c), c.String(), logged.String()}
	for _, out := range outputs {
		if strings.Contains(out, secret) {
			t.Errorf("secret printed: %s", out)
		}
		if !strings.Contains(out, "[redacted]") || !strings.Contains(out, "abc12345") {
			t.Errorf("want the config with the secret redacted, got %s", out)
		}
	}
}

// TestConfigSecretUnderEveryVerb: no fmt verb, flag, width or precision
// prints the secret (nor its hex), of a Config, a *Config, or a Config in a
// slice, a map, an exported struct field or behind pointers; nor does a
// Messenger made from it. The exceptions are fmt's own: %w of anything that
// is not an error, and %p of a struct or array, print the value field by
// field without asking any method (go vet reports both), so %w is left
// out and %p is checked on pointers, slices and maps only.
func TestConfigSecretUnderEveryVerb(t *testing.T) {
	const secret = "s3cr3t-value"
	c := intercom.Config{AppID: "abc12345", HMACSecret: secret, InternalIPs: []string{"10.0.0.0/8"}, JWT: intercom.JWT{Enabled: true}}
	m, err := intercom.New(c)
	if err != nil {
		t.Fatal(err)
	}
	values := []struct {
		name string
		v    any
	}{
		{"Config", c},
		{"*Config", &c},
		{"[]Config", []intercom.Config{c, c}},
		{"[]*Config", []*intercom.Config{&c}},
		{"[1]Config", [1]intercom.Config{c}},
		{"map[string]Config", map[string]intercom.Config{"k": c}},
		{"map[Config-holder]", map[string]*intercom.Config{"k": &c}},
		{"struct{C Config}", struct{ C intercom.Config }{c}},
		{"struct{C *Config}", struct{ C *intercom.Config }{&c}},
		{"struct{C []Config}", struct{ C []intercom.Config }{[]intercom.Config{c}}},
		{"any in []any", []any{c, &c}},
	}
	// A Messenger holds no Config. (Under verbs that suit none of its
	// fields, fmt goes through its signer's cache of recent user_hash
	// values, slowly, so it gets the usual verbs only.)
	messengers := []struct {
		name string
		v    any
	}{{"*Messenger", m}, {"Messenger", *m}}
	leaks := []string{secret, fmt.Sprintf("%x", secret), fmt.Sprintf("%X", secret), fmt.Sprintf("% x", secret), fmt.Sprintf("% X", secret)}
	flags := []string{"", "+", "#", " ", "+-# 0"}
	sizes := []string{"", "9.5", "*"}
	verbs := "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ%"
	check := func(name, format string, args ...any) {
		t.Helper()
		out := fmt.Sprintf(format, args...)
		for _, leak := range leaks {
			if strings.Contains(out, leak) {
				t.Fatalf("%s under %q prints the secret: %s", name, format, out)
			}
		}
	}
	skip := func(v any, verb rune) bool {
		k := reflect.TypeOf(v).Kind()
		return verb == 'w' || verb == 'p' && (k == reflect.Struct || k == reflect.Array)
	}
	for _, tt := range messengers {
		for _, format := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%X", "%q"} {
			check(tt.name, format, tt.v)
		}
	}
	for _, tt := range values {
		for _, verb := range verbs {
			if skip(tt.v, verb) {
				continue
			}
			for _, flag := range flags {
				for _, size := range sizes {
					if size == "*" {
						check(tt.name, "%"+flag+size+string(verb), 8, tt.v)
					} else {
						check(tt.name, "%"+flag+size+string(verb), tt.v)
					}
				}
			}
		}
	}
	// encoding/json cannot encode a Config (it holds funcs), so it cannot
	// print the secret either.
	b, err := json.Marshal(c) //nolint:staticcheck // the point: encoding/json refuses a Config
	if err == nil || strings.Contains(string(b), secret) {
		t.Errorf("json.Marshal(Config) = %q, %v; want an error", b, err)
	}
}

// TestConfigFormat: the verbs that print a Config as a whole print it as
// String and GoString do, and the others format it with the secret
// replaced.
func TestConfigFormat(t *testing.T) {
	c := intercom.Config{AppID: "abc12345", HMACSecret: "k", Region: intercom.RegionEU}
	str := c.String()
	tests := []struct{ format, want string }{
		{"%v", str},
		{"%+v", str},
		{"%s", str},
		{"%q", fmt.Sprintf("%q", str)},
		{"%#v", c.GoString()},
		{"%x", fmt.Sprintf("%x", []string{"abc12345"})[1:9]},
	}
	for _, tt := range tests {
		got := fmt.Sprintf(tt.format, c)
		if tt.format == "%x" {
			if !strings.HasPrefix(got, "{"+tt.want) || !strings.Contains(got, fmt.Sprintf("%x", "[redacted]")) {
				t.Errorf("%s: %s", tt.format, got)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("%s: %s\nwant %s", tt.format, got, tt.want)
		}
	}
	if !strings.Contains(str, "HMACSecret:[redacted]") || !strings.Contains(c.GoString(), `HMACSecret:"[redacted]"`) {
		t.Errorf("String %s, GoString %s", str, c.GoString())
	}
	if got := fmt.Sprintf("%v", intercom.Config{}); strings.Contains(got, "redacted") {
		t.Errorf("an empty secret is shown as redacted: %s", got)
	}
}

func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    intercom.Config
		wantErr string
	}{
		{"nothing set", nil, intercom.Config{}, ""},
		{"seed names", map[string]string{"INTERCOM_APP_ID": "abc12345", "INTERCOM_HMAC_SECRET_KEY": "k", "INTERCOM_REGION": "EU"},
			intercom.Config{AppID: "abc12345", HMACSecret: "k", Region: intercom.RegionEU}, ""},
		{"INTERCOM_INTERNAL_IPS wins", map[string]string{"INTERCOM_INTERNAL_IPS": "10.0.0.0/8, 192.168.1.1", "ANALYTICAL_INTERNAL_IPS": "1.1.1.1", "INTERNAL_IPS": "2.2.2.2"},
			intercom.Config{InternalIPs: []string{"10.0.0.0/8", "192.168.1.1"}}, ""},
		{"ANALYTICAL_INTERNAL_IPS next", map[string]string{"ANALYTICAL_INTERNAL_IPS": "1.1.1.1 ::1", "INTERNAL_IPS": "2.2.2.2"},
			intercom.Config{InternalIPs: []string{"1.1.1.1", "::1"}}, ""},
		{"INTERNAL_IPS last", map[string]string{"INTERNAL_IPS": "2.2.2.2"}, intercom.Config{InternalIPs: []string{"2.2.2.2"}}, ""},
		{"first set wins even when empty", map[string]string{"INTERCOM_INTERNAL_IPS": "", "INTERNAL_IPS": "2.2.2.2"}, intercom.Config{InternalIPs: []string{}}, ""},
		{"auto identify off", map[string]string{"ANALYTICAL_AUTO_IDENTIFY": "False"}, intercom.Config{DisableAutoIdentify: true}, ""},
		{"auto identify on", map[string]string{"ANALYTICAL_AUTO_IDENTIFY": "1"}, intercom.Config{}, ""},
		{"bad app id", map[string]string{"INTERCOM_APP_ID": "ABC"}, intercom.Config{}, `intercom: invalid INTERCOM_APP_ID "ABC": want lower-case letters and digits only, e.g. abc12345`},
		{"bad internal IP", map[string]string{"ANALYTICAL_INTERNAL_IPS": "10.0.0.1,nope"}, intercom.Config{}, `intercom: invalid ANALYTICAL_INTERNAL_IPS "nope": want an IP address or CIDR such as 10.0.0.0/8 or 2001:db8::/32`},
		{"bad region", map[string]string{"INTERCOM_REGION": "moon"}, intercom.Config{}, `intercom: invalid INTERCOM_REGION "moon": want "us", "eu" or "au"`},
		{"bad bool", map[string]string{"ANALYTICAL_AUTO_IDENTIFY": "perhaps"}, intercom.Config{}, `intercom: invalid ANALYTICAL_AUTO_IDENTIFY "perhaps": want true or false`},
	}
	vars := []string{"INTERCOM_APP_ID", "INTERCOM_HMAC_SECRET_KEY", "INTERCOM_INTERNAL_IPS", "ANALYTICAL_INTERNAL_IPS", "INTERNAL_IPS", "INTERCOM_REGION", "ANALYTICAL_AUTO_IDENTIFY"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, v := range vars {
				t.Setenv(v, "")
				unsetenv(t, v)
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			got, err := intercom.ConfigFromEnv()
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != tt.want.String() || fmt.Sprint(got.InternalIPs == nil) != fmt.Sprint(tt.want.InternalIPs == nil) {
				t.Errorf("got  %v\nwant %v", got, tt.want)
			}
			if got.HMACSecret != tt.want.HMACSecret {
				t.Errorf("HMACSecret not read")
			}
		})
	}
}

// TestCookieDomainAsNetHTTP: New accepts a CookieDomain exactly when
// net/http would send it as a cookie's Domain (its Cookie.String drops any
// other, and the logout cookies would then miss the Messenger's). New used
// to accept "a..b", "-a.com", "1.2.3", 64-byte labels and more.
func TestCookieDomainAsNetHTTP(t *testing.T) {
	label63, label64 := strings.Repeat("a", 63), strings.Repeat("a", 64)
	long := strings.Repeat("abcdefghi.", 25) + "abcde" // 255 bytes
	tests := []struct {
		domain string
		ok     bool
	}{
		{"example.com", true},
		{".example.com", true},
		{"EXAMPLE.com", true},
		{"localhost", true},
		{"xn--bcher-kva.example", true},
		{"123.example", true},
		{"a-b.example", true},
		{"example.com.", true},
		{"203.0.113.7", true},
		{label63 + ".com", true},
		{long, true},
		{"." + long[1:], true},
		{".", false},
		{"..example.com", false},
		{"a..b", false},
		{"-a.com", false},
		{"a-.com", false},
		{"a.-b.com", false},
		{"a.b-", false},
		{"1.2.3", false},
		{"256.1.1.1", false},
		{"::1", false},
		{"[::1]", false},
		{"2001:db8::1", false},
		{"a_b.example", false},
		{"exa mple.com", false},
		{"exämple.com", false},
		{"example.com:8080", false},
		{label64 + ".com", false},
		{long + "x", false},
		{"123", false},
	}
	for _, tt := range tests {
		netHTTP := (&http.Cookie{Name: "a", Value: "b", Domain: tt.domain}).Valid() == nil
		if netHTTP != tt.ok {
			t.Fatalf("bad case %q: net/http accepts it: %v", tt.domain, netHTTP)
		}
		_, err := intercom.New(intercom.Config{AppID: "abc12345", CookieDomain: tt.domain})
		if (err == nil) != tt.ok {
			t.Errorf("New with CookieDomain %q: %v, want ok %v", tt.domain, err, tt.ok)
		}
		var ce *intercom.ConfigError
		if err != nil && (!errors.As(err, &ce) || ce.Setting != "CookieDomain" || ce.Value != tt.domain) {
			t.Errorf("New with CookieDomain %q: %v", tt.domain, err)
		}
	}
}
