package intercom

import (
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Region selects the Intercom data centre that hosts a workspace. It decides
// the api_base setting; a workspace hosted in the EU or Australia that is
// booted without it fails with region_mismatch.
type Region string

// The regions Intercom hosts workspaces in.
const (
	RegionUS Region = "us"
	RegionEU Region = "eu"
	RegionAU Region = "au"
)

// APIBase returns the regional Messenger API host, or "" for an unknown region.
// The zero Region is the United States.
func (r Region) APIBase() string {
	switch r {
	case "", RegionUS:
		return "https://api-iam.intercom.io"
	case RegionEU:
		return "https://api-iam.eu.intercom.io"
	case RegionAU:
		return "https://api-iam.au.intercom.io"
	}
	return ""
}

// Config configures a Messenger. The zero Config is valid and disabled: a
// Messenger without an AppID renders nothing.
//
// Config formats itself with HMACSecret redacted, under every fmt verb and
// flag (it is a fmt.Formatter, so also inside slices, maps, pointers and
// the exported fields of structs), and for log/slog (LogValue), so printing
// or logging a Config never leaks the secret. fmt itself prints a value
// field by field without asking it in three places, which go vet reports or
// a program rarely reaches: %w of anything but an error, %p of a struct or
// array, and a Config in an unexported struct field. Keep the Messenger
// rather than its Config.
type Config struct {
	// AppID is the Intercom workspace id (INTERCOM_APP_ID), lower-case letters
	// and digits. Empty disables the Messenger.
	AppID string

	// HMACSecret is the workspace's identity verification secret
	// (INTERCOM_HMAC_SECRET_KEY). When set, identified visitors get a
	// user_hash, or an intercom_user_jwt when JWT.Enabled is true.
	HMACSecret string

	// JWT switches identity verification from the legacy user_hash to a
	// signed intercom_user_jwt, Intercom's current recommendation.
	JWT JWT

	// InternalIPs lists IP addresses and CIDR ranges, IPv4 or IPv6
	// (ANALYTICAL_INTERNAL_IPS). A visitor whose client IP is inside one of
	// them gets the snippet inside an HTML comment, so staff traffic does not
	// reach Intercom.
	InternalIPs []string

	// Region is the workspace's data centre; the zero value is RegionUS.
	Region Region

	// APIBase overrides the regional api_base with a custom https URL.
	APIBase string

	// WidgetURL, when set, is the URL the Messenger's widget script is loaded
	// from instead of https://widget.intercom.io/widget/<AppID>: a proxy or
	// mirror (intercom-rails' library_url, the Messenger SDK's widgetUrl). It
	// is used as it is, so it names the whole script URL, app id included
	// where the mirror needs it. It must be an absolute https URL without
	// user info or fragment; http is accepted only for localhost, 127.0.0.1
	// and [::1], for development. Messenger.CSP adds its origin to
	// script-src.
	WidgetURL string

	// Messenger holds the workspace-wide Messenger settings (launcher,
	// alignment, colours, ...). Per-request Attributes override them.
	Messenger Options

	// DisableAutoIdentify stops adapters from identifying the user that the
	// framework's own auth middleware stored (django-analytical's
	// ANALYTICAL_AUTO_IDENTIFY = False).
	DisableAutoIdentify bool

	// CookieDomain is the Domain the Messenger's intercom-* cookies are set
	// with, if the site sets one; logout must expire them with the same Domain.
	CookieDomain string

	// ErrorHandler receives the problems found while rendering: dropped
	// attributes, invalid nonces, misbehaving user values. It must be safe for
	// concurrent use. The default logs each distinct problem once via log/slog.
	ErrorHandler func(error)

	// Now returns the current time, for the JWT exp claim. Default time.Now.
	Now func() time.Time
}

// JWT configures JWT identity verification ("Messenger security").
type JWT struct {
	// Enabled renders intercom_user_jwt instead of user_hash for visitors with
	// a user_id. Visitors with only an email still get user_hash, as a JWT
	// needs a user_id. Requires Config.HMACSecret.
	Enabled bool

	// Lifetime, when positive, adds an exp claim this far in the future.
	// Intercom recommends matching the app's session length.
	Lifetime time.Duration

	// SignedFields names further settings (for example "email", "name") that
	// are carried as claims in the token and removed from the plain settings,
	// so the browser cannot change them.
	SignedFields []string
}

const redacted = "[redacted]"

// String formats c with the secret redacted.
func (c Config) String() string {
	c.HMACSecret = redactSecret(c.HMACSecret)
	type plain Config // drops the methods, so %+v does not recurse
	return fmt.Sprintf("%+v", plain(c))
}

// GoString formats c for %#v with the secret redacted.
func (c Config) GoString() string {
	c.HMACSecret = redactSecret(c.HMACSecret)
	type plain Config
	return fmt.Sprintf("%#v", plain(c))
}

// Format makes fmt print c with the secret redacted, whatever the verb: %v
// and %s print String, %q quotes it, %#v prints GoString, and any other
// verb (%d, %x, %t, ...) formats the Config with the secret already
// replaced, as fmt would format its fields.
func (c Config) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		_, _ = io.WriteString(f, c.GoString())
	case verb == 'v' || verb == 's' || verb == 'q':
		if verb == 'v' {
			verb = 's'
		}
		_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), c.String())
	default:
		c.HMACSecret = redactSecret(c.HMACSecret)
		type plain Config
		_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), plain(c))
	}
}

// LogValue makes log/slog print c with the secret redacted.
func (c Config) LogValue() slog.Value {
	return slog.StringValue(c.String())
}

func redactSecret(s string) string {
	if s == "" {
		return ""
	}
	return redacted
}

// ConfigError reports an invalid Config setting. Its message names the setting
// and quotes the offending value (never the secret).
type ConfigError struct {
	Setting string // the Config field or environment variable
	Value   string // the offending value, quoted in the message
	Reason  string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("intercom: invalid %s %q: %s", e.Setting, e.Value, e.Reason)
}

// validAppID reports whether id matches ^[a-z0-9]+$.
func validAppID(id string) bool {
	if id == "" {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// parseInternalIPs turns addresses and CIDRs into normalised prefixes.
func parseInternalIPs(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, raw := range list {
		s := strings.TrimSpace(raw)
		bad := &ConfigError{Setting: "InternalIPs", Value: raw, Reason: "want an IP address or CIDR such as 10.0.0.0/8 or 2001:db8::/32"}
		if s == "" {
			return nil, bad
		}
		var p netip.Prefix
		if strings.Contains(s, "/") {
			var err error
			if p, err = netip.ParsePrefix(s); err != nil {
				return nil, bad
			}
		} else {
			a, err := netip.ParseAddr(s)
			if err != nil {
				return nil, bad
			}
			a = a.WithZone("")
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, normalisePrefix(p))
	}
	return out, nil
}

// normalisePrefix masks host bits and turns an IPv4-mapped IPv6 prefix into
// its IPv4 form, so it matches addresses after Unmap.
func normalisePrefix(p netip.Prefix) netip.Prefix {
	if a := p.Addr(); a.Is4In6() {
		bits := p.Bits() - 96
		if bits < 0 {
			bits = 0
		}
		p = netip.PrefixFrom(a.Unmap(), bits)
	}
	return p.Masked()
}

func validateAPIBase(s string) error {
	bad := func(reason string) error { return &ConfigError{Setting: "APIBase", Value: s, Reason: reason} }
	u, err := url.Parse(s)
	if err != nil {
		return bad("not a URL")
	}
	switch {
	case u.Scheme != "https":
		return bad("want an https URL")
	case u.Host == "" || u.User != nil:
		return bad("want an https URL with a host and no user info")
	case u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/"):
		return bad("want a bare origin such as https://api-iam.eu.intercom.io")
	}
	return nil
}

// validateWidgetURL checks Config.WidgetURL; setting names the field or
// environment variable in the error.
func validateWidgetURL(setting, s string) error {
	bad := func(reason string) error { return &ConfigError{Setting: setting, Value: s, Reason: reason} }
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f {
			return bad("spaces and control characters are not allowed in a URL")
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return bad("not a URL")
	}
	local := false
	switch strings.ToLower(u.Hostname()) {
	case "localhost", "127.0.0.1", "::1":
		local = true
	}
	switch {
	case u.Scheme != "https" && (u.Scheme != "http" || !local):
		return bad("want an https URL (http only for localhost, 127.0.0.1 or [::1])")
	case u.Host == "" || u.Hostname() == "" || u.User != nil || u.Opaque != "":
		return bad("want an absolute URL with a host and no user info")
	case u.Fragment != "" || strings.Contains(s, "#"):
		return bad("a script URL has no fragment")
	}
	return nil
}

// origin returns the scheme and host of a URL validated by
// validateWidgetURL, as a CSP source expression.
func origin(s string) string {
	u, _ := url.Parse(s)
	return u.Scheme + "://" + u.Host
}

func validateJWT(c Config) error {
	j := c.JWT
	if !j.Enabled {
		if j.Lifetime != 0 || len(j.SignedFields) > 0 {
			return &ConfigError{Setting: "JWT", Value: "Enabled=false", Reason: "Lifetime and SignedFields need Enabled"}
		}
		return nil
	}
	if c.HMACSecret == "" {
		return &ConfigError{Setting: "JWT.Enabled", Value: "true", Reason: "needs HMACSecret to sign the token"}
	}
	if j.Lifetime < 0 {
		return &ConfigError{Setting: "JWT.Lifetime", Value: j.Lifetime.String(), Reason: "must not be negative"}
	}
	for _, f := range j.SignedFields {
		switch {
		case f == "" || !validKey(f):
			return &ConfigError{Setting: "JWT.SignedFields", Value: f, Reason: "not a settings key"}
		case f == "user_id" || f == "exp" || isReserved(f):
			return &ConfigError{Setting: "JWT.SignedFields", Value: f, Reason: "set by the library itself"}
		}
	}
	return nil
}
