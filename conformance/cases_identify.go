package conformance

import (
	"testing"
	"time"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/stretchr/testify/assert"
)

// adaJoined is when the Identifier test user signed up.
var adaJoined = time.Date(2023, time.March, 14, 15, 9, 26, 0, time.FixedZone("UTC+2", 2*3600))

// appUser is an app's own user type, as an auth middleware stores it.
type appUser struct{ id string }

func (u appUser) IntercomUser() intercom.User {
	return intercom.User{ID: u.id, Email: "ada@example.com", Name: "Ada Lovelace", CreatedAt: adaJoined}
}

// namelessUser is an app user type without an id or email.
type namelessUser struct{}

func (namelessUser) IntercomUser() intercom.User { return intercom.User{Name: "Nameless"} }

// panickingUser is an app user type whose IntercomUser panics.
type panickingUser struct{}

const panicMessage = "conformance: panicking on purpose with private data"

func (panickingUser) IntercomUser() intercom.User { panic(panicMessage) }

// signedIn returns a SignedIn callback that always stores v.
func signedIn(v any) func(Header) any { return func(Header) any { return v } }

// withUser returns a WithUser callback that always returns u.
func withUser(u intercom.User) func(Header) (intercom.User, bool) {
	return func(Header) (intercom.User, bool) { return u, true }
}

// withAttributes returns a WithAttributes callback that always returns a.
func withAttributes(a intercom.Attributes) func(Header) intercom.Attributes {
	return func(Header) intercom.Attributes { return a }
}

// noPanicLeak checks that no reported error carries a panic's message.
func noPanicLeak(t *testing.T, a *app) {
	t.Helper()
	for _, err := range a.rec.list() {
		assert.NotContains(t, err.Error(), "private data", "a reported error includes the panic value")
	}
}

func testDisabled(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{InternalIPs: []string{"127.0.0.0/8"}, HMACSecret: secret}, Scenario{
		SignedIn:       signedIn("jane"),
		WithAttributes: withAttributes(intercom.Attributes{"plan": "pro"}),
		WithNonce:      func(Header) string { return "r4nd0m-Nonce_12" },
		Identify: func(Header) (intercom.User, bool) {
			return intercom.User{ID: "42"}, true
		},
		Set: []Attr{{"cart_value", 99.5}},
	})
	p := a.get(t, "", nil)
	p.mustNotHaveSnippet(t)
	assert.NotContains(t, p.body, secret)
	a.noErrors(t)
}

func testAnonymous(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{AppID: appID}, Scenario{})
	s := a.get(t, "", nil).mustSnippet(t)
	assert.Equal(t, expect(nil), s.Settings)
	assert.False(t, s.Internal, "snippet is commented out for a client that is not internal")
	assert.NotContains(t, s.Raw, "nonce", "snippet has a nonce without WithNonce")
	a.noErrors(t)
}

func testAutoString(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{AppID: appID}, Scenario{SignedIn: signedIn("jane")})
	s := a.get(t, "", nil).mustSnippet(t)
	assert.Equal(t, expect(map[string]any{"user_id": "jane", "name": "jane"}), s.Settings)
	a.noErrors(t)
}

func testAutoEmptyString(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{AppID: appID}, Scenario{SignedIn: signedIn("")})
	s := a.get(t, "", nil).mustSnippet(t)
	assert.Equal(t, expect(nil), s.Settings)
	a.noErrors(t)
}

func testAutoIdentifier(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{AppID: appID}, Scenario{SignedIn: signedIn(appUser{id: "7"})})
	s := a.get(t, "", nil).mustSnippet(t)
	assert.Equal(t, expect(map[string]any{
		"user_id":    "7",
		"email":      "ada@example.com",
		"name":       "Ada Lovelace",
		"created_at": num("1678799366"),
	}), s.Settings)
	a.noErrors(t)
}

func testAutoIdentifierWithoutID(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{AppID: appID}, Scenario{SignedIn: signedIn(namelessUser{})})
	s := a.get(t, "", nil).mustSnippet(t)
	assert.Equal(t, expect(nil), s.Settings, "a user without user_id or email must not be identified")
}

func testAutoDisabled(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{AppID: appID, DisableAutoIdentify: true}, Scenario{SignedIn: signedIn("jane")})
	s := a.get(t, "", nil).mustSnippet(t)
	assert.Equal(t, expect(nil), s.Settings, "identified a user with Config.DisableAutoIdentify set")
	a.noErrors(t)
}

func testAutoWrongType(v any) func(*testing.T, Harness) {
	return func(t *testing.T, h Harness) {
		a := start(t, h, intercom.Config{AppID: appID}, Scenario{SignedIn: signedIn(v)})
		s := a.get(t, "", nil).mustSnippet(t)
		assert.Equal(t, expect(nil), s.Settings)
		reported[*intercom.UserError](t, a)
	}
}

func testAutoIdentifierPanics(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{AppID: appID}, Scenario{SignedIn: signedIn(panickingUser{})})
	s := a.get(t, "", nil).mustSnippet(t)
	assert.Equal(t, expect(nil), s.Settings)
	assert.NotEmpty(t, a.rec.list(), "the panicking IntercomUser was not reported to Config.ErrorHandler")
	noPanicLeak(t, a)
}

func testWithUserOverAuth(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{AppID: appID}, Scenario{
		SignedIn: signedIn("jane"),
		WithUser: withUser(intercom.User{ID: "u-100", Name: "Wendy"}),
	})
	s := a.get(t, "", nil).mustSnippet(t)
	assert.Equal(t, expect(map[string]any{"user_id": "u-100", "name": "Wendy"}), s.Settings)
	a.noErrors(t)
}

func testWithUserDeclines(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{AppID: appID}, Scenario{
		SignedIn: signedIn("jane"),
		WithUser: func(Header) (intercom.User, bool) { return intercom.User{ID: "ignored"}, false },
	})
	s := a.get(t, "", nil).mustSnippet(t)
	assert.Equal(t, expect(map[string]any{"user_id": "jane", "name": "jane"}), s.Settings,
		"WithUser returning false must fall back to auto-identification")
	a.noErrors(t)
}

func testIdentifyOverAll(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{AppID: appID}, Scenario{
		SignedIn: signedIn("jane"),
		WithUser: withUser(intercom.User{ID: "u-100", Name: "Wendy"}),
		Identify: func(Header) (intercom.User, bool) {
			return intercom.User{ID: "u-200", Email: "ida@example.com"}, true
		},
	})
	s := a.get(t, "", nil).mustSnippet(t)
	assert.Equal(t, expect(map[string]any{"user_id": "u-200", "email": "ida@example.com"}), s.Settings,
		"Identify replaces the whole user")
	a.noErrors(t)
}

func testSetOverAttributes(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{AppID: appID}, Scenario{
		WithUser: withUser(intercom.User{ID: "u-300", Name: "User Name", Email: "user@example.com"}),
		WithAttributes: withAttributes(intercom.Attributes{
			"plan": "from-attributes", "color": "blue", "name": "Attributes Name", "email": "attrs@example.com",
		}),
		Set: []Attr{{"plan", "from-set"}, {"name", "Set Name"}},
	})
	s := a.get(t, "", nil).mustSnippet(t)
	assert.Equal(t, expect(map[string]any{
		"user_id": "u-300",
		"name":    "Set Name",          // Set > WithAttributes > user
		"email":   "attrs@example.com", // WithAttributes > user
		"plan":    "from-set",          // Set > WithAttributes
		"color":   "blue",
	}), s.Settings)
	a.noErrors(t)
}

func testAttributesOverConfig(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{
		AppID:     appID,
		Messenger: intercom.Options{Alignment: "left", ThemeMode: "dark", HideDefaultLauncher: true},
	}, Scenario{
		WithAttributes: withAttributes(intercom.Attributes{"alignment": "right"}),
		Set:            []Attr{{"theme_mode", "light"}},
	})
	s := a.get(t, "", nil).mustSnippet(t)
	assert.Equal(t, expect(map[string]any{
		"alignment":             "right",
		"theme_mode":            "light",
		"hide_default_launcher": true,
	}), s.Settings)
	a.noErrors(t)
}

func testPanickingCallback(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{AppID: appID}, Scenario{
		WithUser:       func(Header) (intercom.User, bool) { panic(panicMessage) },
		WithAttributes: func(Header) intercom.Attributes { panic(panicMessage) },
		Set:            []Attr{{"plan", "pro"}},
	})
	s := a.get(t, "", nil).mustSnippet(t)
	assert.Equal(t, expect(map[string]any{"plan": "pro"}), s.Settings)
	assert.NotEmpty(t, a.rec.list(), "the panicking callbacks were not reported to Config.ErrorHandler")
	noPanicLeak(t, a)
}

func testUserHashID(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{AppID: appID, HMACSecret: secret}, Scenario{
		WithUser: withUser(intercom.User{ID: "42", Email: "jane@example.com"}),
	})
	p := a.get(t, "", nil)
	s := p.mustSnippet(t)
	assert.Equal(t, expect(map[string]any{
		"user_id": "42", "email": "jane@example.com", "user_hash": userHash("42"),
	}), s.Settings, "user_hash must be HMAC-SHA256 over user_id when there is one")
	noSecret(t, a, p)
	a.noErrors(t)
}

func testUserHashEmail(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{AppID: appID, HMACSecret: secret}, Scenario{
		WithUser: withUser(intercom.User{Email: "only@example.com"}),
	})
	p := a.get(t, "", nil)
	s := p.mustSnippet(t)
	assert.Equal(t, expect(map[string]any{
		"email": "only@example.com", "user_hash": userHash("only@example.com"),
	}), s.Settings, "user_hash must be HMAC-SHA256 over email for a user without user_id")
	noSecret(t, a, p)
	a.noErrors(t)
}

// jwtNow is the fixed clock of the JWT cases.
var jwtNow = time.Date(2030, time.January, 2, 3, 4, 5, 0, time.UTC)

func jwtConfig() intercom.Config {
	return intercom.Config{
		AppID:      appID,
		HMACSecret: secret,
		JWT:        intercom.JWT{Enabled: true, Lifetime: 2 * time.Hour, SignedFields: []string{"email"}},
		Now:        func() time.Time { return jwtNow },
	}
}

func testJWT(t *testing.T, h Harness) {
	a := start(t, h, jwtConfig(), Scenario{
		WithUser: withUser(intercom.User{ID: "42", Email: "jane@example.com", Name: "Jane"}),
	})
	p := a.get(t, "", nil)
	s := p.mustSnippet(t)
	token, ok := s.Settings["intercom_user_jwt"].(string)
	if !assert.True(t, ok, "settings have no intercom_user_jwt string: %v", s.Settings) {
		return
	}
	rest := map[string]any{}
	for k, v := range s.Settings {
		if k != "intercom_user_jwt" {
			rest[k] = v
		}
	}
	assert.Equal(t, expect(map[string]any{"name": "Jane"}), rest,
		"user_id and the signed email must be in the JWT only, and no user_hash")
	assert.Equal(t, map[string]any{
		"user_id": "42",
		"email":   "jane@example.com",
		"exp":     num("1893560645"), // jwtNow + 2h
	}, verifyJWT(t, token), "JWT claims")
	noSecret(t, a, p)
	a.noErrors(t)
}

func testJWTEmailOnly(t *testing.T, h Harness) {
	a := start(t, h, jwtConfig(), Scenario{WithUser: withUser(intercom.User{Email: "only@example.com"})})
	p := a.get(t, "", nil)
	s := p.mustSnippet(t)
	assert.Equal(t, expect(map[string]any{
		"email": "only@example.com", "user_hash": userHash("only@example.com"),
	}), s.Settings, "a user without user_id cannot have a JWT and falls back to user_hash")
	noSecret(t, a, p)
	a.noErrors(t)
}

// noSecret checks that the identity secret is neither in the page nor in a
// reported error.
func noSecret(t *testing.T, a *app, p *page) {
	t.Helper()
	assert.NotContains(t, p.body, secret, "the page contains the HMAC secret")
	for _, err := range a.rec.list() {
		assert.NotContains(t, err.Error(), secret, "a reported error contains the HMAC secret")
	}
}
