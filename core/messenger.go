package intercom

import (
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/goanalytical/intercom/core/internal/link"
)

// Attributes are custom settings for one page view: django-analytical's intercom_*
// template variables with the prefix stripped. A value is encoded as
// encoding/json would encode it (json.Marshaler, encoding.TextMarshaler such
// as a UUID or netip.Addr, structs by their json tags, named types, pointers,
// []byte as base64, maps with string, integer or TextMarshaler keys), except
// that a time.Time is sent as Unix seconds (the zero time as null), a
// database/sql Null type (sql.NullString, sql.Null[T], ...) as its value or
// null, object keys come sorted, and strings are escaped for a script. A
// value encoding/json rejects (funcs, channels, NaN, ±Inf, cycles, a failing
// or panicking Marshaler), one nested more than 64 levels deep and one that
// encodes to more than 64 KiB are dropped and reported. The user_id and
// email attributes take any value that encodes as a JSON string, user_id a
// JSON integer too (sent as a string), so an app's `type AccountID string`
// or `type UserID int64` identifies the visitor as a plain value does.
//
// A key that matches a user or Messenger setting
// overrides it for this request, except where that would let custom data
// change what Config or the user decide; such keys are dropped and reported
// to Config.ErrorHandler:
//   - app_id, api_base, user_hash and intercom_user_jwt, which only the
//     library sets;
//   - user_id for a visitor with a User (the signed identity), and email
//     for a User without an ID (then email is what user_hash signs);
//   - "__proto__" at any depth, which the page's JavaScript object literal
//     would take for the settings object's prototype (the value holding it
//     is dropped).
type Attributes map[string]any

// User is the signed-in person. Zero fields are left out.
type User struct {
	ID        string    // user_id; always sent as a JSON string
	Email     string    // email
	Name      string    // name
	Phone     string    // phone
	CreatedAt time.Time // created_at, as Unix seconds
	AvatarURL string    // avatar {"type":"avatar","image_url":...}
	Company   *Company  // company
	Companies []Company // companies
}

// Company is an Intercom company. ID and Name are required by Intercom; a
// company without an ID is dropped and reported.
type Company struct {
	ID           string    // company_id
	Name         string    // name
	CreatedAt    time.Time // created_at, as Unix seconds
	Plan         string    // plan
	MonthlySpend float64   // monthly_spend
	Size         int       // size
	Website      string    // website
	Industry     string    // industry
	// Attributes are custom company attributes; a key that matches one of the
	// fields above overrides it.
	Attributes Attributes
}

// Identifier is implemented by an app's own user type so that adapters can
// identify the signed-in user from the value the framework's auth middleware
// stored.
type Identifier interface {
	IntercomUser() User
}

// Visitor is what is known about one page view.
type Visitor struct {
	// User is the identified user, nil for an anonymous visitor.
	User *User
	// Attributes are custom and per-page settings; they take precedence over
	// User fields and Config.Messenger defaults with the same key, but not
	// over the User's identity (see Attributes).
	Attributes Attributes
	// ClientIP decides the internal-IP rule. Adapters take it from the
	// framework so that its trusted-proxy settings apply.
	ClientIP string
	// Nonce is this response's CSP nonce (base64 or base64url).
	Nonce string
	// Shutdown makes the snippet end the previous Messenger session (after a
	// logout) before booting.
	Shutdown bool
	// Calls are Messenger API calls (from Messenger.Call) the page makes
	// after booting or updating the Messenger, in order. They render as
	// data inside the snippet, and not at all when it renders nothing. A
	// snippet with calls has the attribute data-turbo-temporary, so that
	// Turbo does not run them again from its copy of the page.
	Calls []Call
}

// Messenger renders the Intercom Messenger for one workspace. It is immutable
// after New and safe for concurrent use.
type Messenger struct {
	appID        string
	defaults     []fragment // sorted by key: app_id, api_base, Messenger options
	internal     []netip.Prefix
	signer       *signer // nil without a secret
	jwt          bool
	jwtLifetime  time.Duration
	jwtSigned    []string // sorted
	autoIdentify bool
	cookieDomain string
	report       func(error)
	now          func() time.Time
	loader       [2]loaderParts  // index 1: with shutdown
	callsClear   string          // deletes the adapters' queued-calls cookie
	region       Region          // for CSP
	apiBase      string          // the api_base setting
	widgetURL    string          // Config.WidgetURL, "" for Intercom's own
	open         string          // `<script id="IntercomSettingsScriptTag"`
	plans        [2]settingsPlan // index 1: identity by JWT
	parts        [4]snippetParts // by variant(internal, shutdown)
	recent       *snippetCache   // Render's recent snippet strings
	link         link.State      // for the adapter kit
}

func init() {
	link.ForwardedClientIP = forwardedClientIP
	link.IdentityString = identityString
	link.Of = func(v any) *link.State {
		if m, _ := v.(*Messenger); m != nil {
			return &m.link
		}
		return nil
	}
}

// New validates c and returns a Messenger. Every error names the setting and
// quotes the bad value; nothing is validated again per request.
func New(c Config) (*Messenger, error) {
	m := &Messenger{
		appID:        c.AppID,
		autoIdentify: !c.DisableAutoIdentify,
		cookieDomain: c.CookieDomain,
		report:       c.ErrorHandler,
		now:          c.Now,
	}
	if m.report == nil {
		m.report = (&logOnce{}).handle
	}
	if m.now == nil {
		m.now = time.Now
	}
	if c.AppID != "" && !validAppID(c.AppID) {
		return nil, &ConfigError{Setting: "AppID", Value: c.AppID, Reason: "want lower-case letters and digits only, e.g. abc12345"}
	}
	var err error
	if m.internal, err = parseInternalIPs(c.InternalIPs); err != nil {
		return nil, err
	}
	apiBase := c.APIBase
	if apiBase == "" {
		if apiBase = c.Region.APIBase(); apiBase == "" {
			return nil, &ConfigError{Setting: "Region", Value: string(c.Region), Reason: `want "us", "eu" or "au"`}
		}
	} else if err := validateAPIBase(apiBase); err != nil {
		return nil, err
	}
	if err := validateJWT(c); err != nil {
		return nil, err
	}
	if c.WidgetURL != "" {
		if err := validateWidgetURL("WidgetURL", c.WidgetURL); err != nil {
			return nil, err
		}
	}
	if c.CookieDomain != "" && !validCookieDomain(c.CookieDomain) {
		return nil, &ConfigError{Setting: "CookieDomain", Value: c.CookieDomain, Reason: "want a host name such as example.com or .example.com"}
	}
	opts, err := c.Messenger.fragments()
	if err != nil {
		return nil, err
	}
	m.defaults = append(opts,
		newFragment("app_id", appendString(nil, c.AppID)),
		newFragment("api_base", appendString(nil, trimSlash(apiBase))))
	slices.SortFunc(m.defaults, func(a, b fragment) int { return strings.Compare(a.key, b.key) })

	if c.HMACSecret != "" {
		m.signer = newSigner(c.HMACSecret)
	}
	m.jwt = c.JWT.Enabled
	m.jwtLifetime = c.JWT.Lifetime
	m.jwtSigned = slices.Compact(slices.Sorted(slices.Values(c.JWT.SignedFields)))
	m.open = `<script id="IntercomSettingsScriptTag"`
	m.region, m.apiBase, m.widgetURL = c.Region, trimSlash(apiBase), c.WidgetURL
	src := c.WidgetURL
	if src == "" {
		src = "https://widget.intercom.io/widget/" + c.AppID
	}
	widgetSrc := appendScriptURL(nil, src)
	m.loader = [2]loaderParts{newLoader(widgetSrc, false), newLoader(widgetSrc, true)}
	m.callsClear = `d.cookie="` + link.CallsCookie(c.AppID) + `=; Max-Age=0; path=/; SameSite=Lax";`
	m.newSettingsPlans()
	m.newSnippetParts()
	m.recent = newSnippetCache()
	m.link = link.State{
		AppID: m.appID, CookieDomain: m.cookieDomain, AutoIdentify: m.autoIdentify,
		InternalIPs: len(m.internal) > 0, Report: m.report, Once: new(link.Once),
	}
	return m, nil
}

// Enabled reports whether the Messenger renders anything (Config.AppID set).
func (m *Messenger) Enabled() bool { return m.appID != "" }

func trimSlash(s string) string {
	if n := len(s); n > 0 && s[n-1] == '/' {
		return s[:n-1]
	}
	return s
}

// validCookieDomain reports whether net/http sends d as a cookie's Domain
// (its Cookie.String drops any other, and the cookies then miss the ones
// the Messenger set): a domain name of letters, digits, hyphens and dots
// with at least one letter, labels of 1 to 63 bytes that neither start nor
// end with a hyphen, at most 255 bytes, an optional leading dot; or an IPv4
// address. It follows net/http's isCookieDomainName.
func validCookieDomain(d string) bool {
	if ip := net.ParseIP(d); ip != nil && !strings.Contains(d, ":") {
		return true
	}
	if d == "" || len(d) > 255 {
		return false
	}
	if d[0] == '.' {
		d = d[1:]
	}
	last := byte('.')
	letter := false
	part := 0
	for i := 0; i < len(d); i++ {
		c := d[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			letter = true
			part++
		case '0' <= c && c <= '9':
			part++
		case c == '-':
			if last == '.' {
				return false
			}
			part++
		case c == '.':
			if last == '.' || last == '-' || part > 63 || part == 0 {
				return false
			}
			part = 0
		default:
			return false
		}
		last = c
	}
	return letter && last != '-' && part <= 63
}
