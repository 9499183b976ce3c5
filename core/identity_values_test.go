package intercom_test

import (
	"database/sql"
	"testing"
	"time"

	intercom "github.com/goanalytical/intercom/core"
)

type (
	AccountID string
	EmailAddr string
	UserID    int64
	smallID   int8
	mediumID  int16
	byteID    uint8
	shortID   uint16
)

// TestIdentityAppTypes: user_id and email attributes of the app's own types
// identify the visitor exactly as their plain counterparts do: the same
// settings, the same user_hash (or JWT), nothing reported.
func TestIdentityAppTypes(t *testing.T) {
	tests := []struct {
		name         string
		typed, plain intercom.Attributes
	}{
		{"type AccountID string", intercom.Attributes{"user_id": AccountID("5"), "email": EmailAddr("a@example.com")},
			intercom.Attributes{"user_id": "5", "email": "a@example.com"}},
		{"type UserID int64", intercom.Attributes{"user_id": UserID(5), "email": "a@example.com"},
			intercom.Attributes{"user_id": "5", "email": "a@example.com"}},
		{"int8 and a named int8", intercom.Attributes{"user_id": smallID(-5)}, intercom.Attributes{"user_id": "-5"}},
		{"int16", intercom.Attributes{"user_id": mediumID(300)}, intercom.Attributes{"user_id": "300"}},
		{"uint8", intercom.Attributes{"user_id": byteID(255)}, intercom.Attributes{"user_id": "255"}},
		{"uint16", intercom.Attributes{"user_id": shortID(65535)}, intercom.Attributes{"user_id": "65535"}},
		{"plain int8", intercom.Attributes{"user_id": int8(7)}, intercom.Attributes{"user_id": 7}},
		{"uint16 plain", intercom.Attributes{"user_id": uint16(7)}, intercom.Attributes{"user_id": "7"}},
		{"a UUID (TextMarshaler)", intercom.Attributes{"user_id": uuid{0xab}}, intercom.Attributes{"user_id": "ab000000-0000-0000-0000-000000000000"}},
		{"a pointer to a named string", intercom.Attributes{"user_id": ptrTo(AccountID("p"))}, intercom.Attributes{"user_id": "p"}},
		{"sql.NullString and sql.NullInt64", intercom.Attributes{"user_id": sql.NullInt64{Int64: 9, Valid: true}, "email": sql.NullString{String: "n@example.com", Valid: true}},
			intercom.Attributes{"user_id": "9", "email": "n@example.com"}},
		{"a float64 that encodes as an integer (JSON-decoded data)", intercom.Attributes{"user_id": float64(12)}, intercom.Attributes{"user_id": "12"}},
		{"an email of a named type alone", intercom.Attributes{"email": EmailAddr("b@example.com")}, intercom.Attributes{"email": "b@example.com"}},
		{"a named string that needs escaping", intercom.Attributes{"user_id": AccountID("</script>\xff")}, intercom.Attributes{"user_id": "</script>\ufffd"}},
	}
	for _, cfg := range []intercom.Config{
		{AppID: "abc12345", HMACSecret: "s3cret"},
		{AppID: "abc12345", HMACSecret: "s3cret", JWT: intercom.JWT{Enabled: true, SignedFields: []string{"email"}}},
	} {
		cfg.Now = func() time.Time { return time.Unix(1700000000, 0) }
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				m, rec := newMessenger(t, cfg)
				got := string(m.Settings(intercom.Visitor{Attributes: tt.typed}))
				want := string(m.Settings(intercom.Visitor{Attributes: tt.plain}))
				if got != want {
					t.Errorf("typed:\n %s\nplain:\n %s", got, want)
				}
				wantReports(t, rec.messages(), nil)
			})
		}
	}
}

// TestIdentityAppTypesExact spells out one case: a named user_id is sent
// as a JSON string and user_hash is over its digits.
func TestIdentityAppTypesExact(t *testing.T) {
	m, rec := newMessenger(t, intercom.Config{AppID: "abc12345", HMACSecret: "k"})
	got := rawSettings(t, m, intercom.Visitor{Attributes: intercom.Attributes{"user_id": UserID(5), "email": EmailAddr("a@example.com")}})
	want := `{"api_base":"https://api-iam.intercom.io","app_id":"abc12345","email":"a@example.com","user_hash":"` + wantHash("k", "5") + `","user_id":"5"}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	wantReports(t, rec.messages(), nil)
}

// TestIdentityValuesRejected: identity attributes that encode as anything
// but a string (user_id: or an integer) are dropped, and the report names
// the type and the kind of JSON, never the value.
func TestIdentityValuesRejected(t *testing.T) {
	tests := []struct {
		name   string
		attrs  intercom.Attributes
		report string
	}{
		{"a struct user_id", intercom.Attributes{"user_id": struct{ ID int }{5}},
			`intercom: attribute "user_id" dropped: user_id must encode as a JSON string or integer; this struct { ID int } encodes as an object`},
		{"a fractional user_id", intercom.Attributes{"user_id": 1.5},
			`intercom: attribute "user_id" dropped: user_id must encode as a JSON string or integer; this float64 encodes as a number with a fraction or an exponent`},
		{"a bool user_id", intercom.Attributes{"user_id": true},
			`intercom: attribute "user_id" dropped: user_id must encode as a JSON string or integer; this bool encodes as a boolean`},
		{"a nil user_id", intercom.Attributes{"user_id": nil},
			`intercom: attribute "user_id" dropped: user_id must encode as a JSON string or integer; this <nil> encodes as null`},
		{"an invalid sql.NullString", intercom.Attributes{"user_id": sql.NullString{String: "x"}},
			`intercom: attribute "user_id" dropped: user_id must encode as a JSON string or integer; this sql.NullString encodes as null`},
		{"a user_id whose MarshalText fails", intercom.Attributes{"user_id": failText{}},
			`intercom: attribute "user_id" dropped: user_id must encode as a JSON string or integer; MarshalText of intercom_test.failText: no text`},
		{"an integer email", intercom.Attributes{"email": UserID(5)},
			`intercom: attribute "email" dropped: email must encode as a JSON string; this intercom_test.UserID encodes as an integer`},
		{"a list of emails", intercom.Attributes{"email": []string{"a@example.com"}},
			`intercom: attribute "email" dropped: email must encode as a JSON string; this []string encodes as an array`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, rec := newMessenger(t, intercom.Config{AppID: "abc12345", HMACSecret: "k"})
			got := rawSettings(t, m, intercom.Visitor{Attributes: tt.attrs})
			if want := `{"api_base":"https://api-iam.intercom.io","app_id":"abc12345"}`; got != want {
				t.Errorf("got %s, want %s", got, want)
			}
			wantReports(t, rec.messages(), []string{tt.report})
		})
	}
}

func ptrTo[T any](v T) *T { return &v }
