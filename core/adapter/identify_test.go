package adapter_test

import (
	"errors"
	"net/netip"
	"reflect"
	"testing"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

type login string

// claims is a claims type of a JWT library other than golang-jwt that
// offers GetSubject, as golang-jwt v5's Claims do.
type claims struct {
	Sub   string `json:"sub"`
	Email string `json:"email"`
	Name  login  // no tag: a JSON decoder fills it from "name"
}

func (c claims) GetSubject() (string, error) { return c.Sub, nil }

// forkToken has the shape of golang-jwt's Token, from another package: its
// claims offer GetSubject, so it is taken for one.
type forkToken struct {
	Valid  bool
	Claims any
}

type failingClaims struct{}

func (failingClaims) GetSubject() (string, error) { return "", errors.New("no sub") }

type embedsPtr struct {
	*claims
}

// appUser is an app's user type whose IntercomUser has a pointer receiver.
type appUser struct{ id string }

func (u *appUser) IntercomUser() intercom.User { return intercom.User{ID: u.id} }

// nilSafeUser's IntercomUser handles a nil receiver itself.
type nilSafeUser struct{ id string }

func (u *nilSafeUser) IntercomUser() intercom.User {
	if u == nil {
		return intercom.User{ID: "guest-of-nil"}
	}
	return intercom.User{ID: u.id}
}

// TestAuthValues: values an app's auth middleware may store, beyond those
// TestRequestPrecedence covers: named strings and TextMarshalers identify
// as a string does; token-shaped values whose claims offer GetSubject as a
// golang-jwt v5 token does.
func TestAuthValues(t *testing.T) {
	tests := []struct {
		name string
		auth any
		want *intercom.User
	}{
		{"a named string is the id and the name", login("jane"), &intercom.User{ID: "jane", Name: "jane"}},
		{"an empty named string is nobody", login(""), nil},
		{"a TextMarshaler", netip.MustParseAddr("192.0.2.1"), &intercom.User{ID: "192.0.2.1", Name: "192.0.2.1"}},
		{"a token whose claims offer GetSubject", &forkToken{Valid: true, Claims: claims{Sub: "42", Email: "a@example.com", Name: "Ann"}},
			&intercom.User{ID: "42", Email: "a@example.com", Name: "Ann"}},
		{"a GetSubject that fails: the sub claim is not there either", &forkToken{Valid: true, Claims: failingClaims{}}, nil},
		{"GetSubject through a nil embedded pointer", &forkToken{Valid: true, Claims: embedsPtr{}}, nil},
		{"GetSubject through a set embedded pointer", &forkToken{Valid: true, Claims: embedsPtr{&claims{Sub: "9"}}}, &intercom.User{ID: "9"}},
		{"an Identifier with a pointer receiver", &appUser{"5"}, &intercom.User{ID: "5"}},
		{"a nil *appUser (nobody signed in): its panic is nobody, not a report", (*appUser)(nil), nil},
		{"a nil pointer whose IntercomUser handles nil is asked", (*nilSafeUser)(nil), &intercom.User{ID: "guest-of-nil"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, rec := newMessenger(t, intercom.Config{AppID: "abc12345"})
			r := start(m, glue(), &ctx{authUser: tt.auth})
			if got := r.Visitor().User; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("user = %+v, want %+v", got, tt.want)
			}
			wantReports(t, rec.messages(), nil)
		})
	}
}

// TestAuthValueReportedOnce: an auth value the kit cannot identify from is
// a set-up problem, reported on the first request only (per type), naming
// the option that identifies the visitor instead.
func TestAuthValueReportedOnce(t *testing.T) {
	type session struct{ UserID int }
	tests := []struct {
		name   string
		option string // Hooks.UserOption
		want   []string
	}{
		{"the default option name", "", []string{
			"intercom: cannot identify user from adapter_test.session: not a string, an intercom.Identifier or a golang-jwt token; use intercomtest.WithUser to identify the visitor from it",
			"intercom: cannot identify user from int: not a string, an intercom.Identifier or a golang-jwt token; use intercomtest.WithUser to identify the visitor from it",
		}},
		{"the adapter's own", "intercomfiber.Config.User", []string{
			"intercom: cannot identify user from adapter_test.session: not a string, an intercom.Identifier or a golang-jwt token; use intercomfiber.Config.User to identify the visitor from it",
			"intercom: cannot identify user from int: not a string, an intercom.Identifier or a golang-jwt token; use intercomfiber.Config.User to identify the visitor from it",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, rec := newMessenger(t, intercom.Config{AppID: "abc12345"})
			hooks := glue()
			hooks.UserOption = tt.option
			mw := adapter.NewMiddleware("intercomtest.Middleware", m, hooks)
			for _, auth := range []any{session{1}, session{2}, 3, session{4}, 5} {
				if u := mw.Start(&ctx{authUser: auth}).Visitor().User; u != nil {
					t.Fatalf("identified %+v from %v", u, auth)
				}
			}
			wantReports(t, rec.messages(), tt.want)
		})
	}
}
