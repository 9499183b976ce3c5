package intercom_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	intercom "github.com/goanalytical/intercom/core"
)

// wantHash is the user_hash computed independently of the library.
func wantHash(secret, subject string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(subject))
	return hex.EncodeToString(mac.Sum(nil))
}

func TestUserHash(t *testing.T) {
	const secret = "identity-verification-secret"
	tests := []struct {
		name    string
		v       intercom.Visitor
		subject string // "" = no user_hash
	}{
		{"over user_id", intercom.Visitor{User: &intercom.User{ID: "42", Email: "jane@example.com"}}, "42"},
		{"over email when there is no user_id", intercom.Visitor{User: &intercom.User{Email: "jane@example.com"}}, "jane@example.com"},
		{"over UTF-8 bytes", intercom.Visitor{User: &intercom.User{ID: "ユーザー\u00e9"}}, "ユーザー\u00e9"},
		{"over the user_id attribute of a visitor without a user", intercom.Visitor{Attributes: intercom.Attributes{"user_id": "explicit"}}, "explicit"},
		{"over the email attribute of a visitor without a user", intercom.Visitor{Attributes: intercom.Attributes{"email": "b@x"}}, "b@x"},
		// These two used to sign the attribute: custom data could re-sign
		// an identified user as someone else (DESIGN rule 2).
		{"over an identified user's user_id, not an attribute's", intercom.Visitor{User: &intercom.User{ID: "auto"}, Attributes: intercom.Attributes{"user_id": "explicit"}}, "auto"},
		{"over an email-only user's email, not an attribute's", intercom.Visitor{User: &intercom.User{Email: "a@x"}, Attributes: intercom.Attributes{"email": "b@x"}}, "a@x"},
		{"anonymous: none", intercom.Visitor{}, ""},
		{"name only: none", intercom.Visitor{User: &intercom.User{Name: "Jane"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newMessenger(t, intercom.Config{AppID: "abc12345", HMACSecret: secret})
			s := mustParse(t, string(m.Render(tt.v)))
			got, has := s["user_hash"]
			if tt.subject == "" {
				if has {
					t.Fatalf("unexpected user_hash %v", got)
				}
				return
			}
			if got != wantHash(secret, tt.subject) {
				t.Errorf("user_hash = %v, want HMAC-SHA256 over %q = %s", got, tt.subject, wantHash(secret, tt.subject))
			}
		})
	}
	t.Run("no secret, no hash", func(t *testing.T) {
		m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
		if s := mustParse(t, string(m.Render(intercom.Visitor{User: &intercom.User{ID: "42"}}))); s["user_hash"] != nil {
			t.Errorf("user_hash without a secret: %v", s["user_hash"])
		}
	})
	t.Run("hash into a small buffer still correct", func(t *testing.T) {
		m, _ := newMessenger(t, intercom.Config{AppID: "abc12345", HMACSecret: secret})
		long := strings.Repeat("x", 5000)
		out := m.AppendSnippet(make([]byte, 0, 1), intercom.Visitor{User: &intercom.User{ID: long}})
		if s := mustParse(t, string(out)); s["user_hash"] != wantHash(secret, long) {
			t.Errorf("user_hash wrong when the buffer grows")
		}
	})
}

// TestUserHashRecent: the user_hash of recent subjects is cached in a table
// that many subjects share. Every hash stays right, whatever was cached in
// its slot before, when subjects repeat, when they crowd each other out,
// and when goroutines race for the same slots (go test -race).
func TestUserHashRecent(t *testing.T) {
	const secret = "identity-verification-secret"
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345", HMACSecret: secret})
	subjects := make([]string, 3000) // well over the table's 1024 slots
	for i := range subjects {
		subjects[i] = fmt.Sprintf("user-%d", i)
	}
	subjects[7] = "jane@example.com" // an email subject shares the table
	check := func(t *testing.T, subject string) {
		v := intercom.Visitor{User: &intercom.User{ID: subject}}
		if strings.Contains(subject, "@") {
			v = intercom.Visitor{User: &intercom.User{Email: subject}}
		}
		s := mustParse(t, string(m.Render(v)))
		if got, want := s["user_hash"], wantHash(secret, subject); got != want {
			t.Errorf("user_hash(%q) = %v, want %s", subject, got, want)
		}
	}
	t.Run("repeats and evictions", func(t *testing.T) {
		for range 3 {
			for _, subject := range subjects {
				check(t, subject)
				check(t, subject) // now from the table
			}
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 2000 {
					check(t, subjects[(i*(g+1))%len(subjects)])
				}
			})
		}
		wg.Wait()
	})
	t.Run("a subject sliced from a larger string", func(t *testing.T) {
		big := strings.Repeat("z", 1<<16) + "tail-user"
		subject := big[len(big)-len("tail-user"):]
		check(t, subject)
		check(t, "tail-user")
	})
	t.Run("subjects too long to cache", func(t *testing.T) {
		for _, n := range []int{64, 65, 300} {
			check(t, strings.Repeat("a", n))
			check(t, strings.Repeat("a", n))
		}
	})
	t.Run("another secret, other hashes", func(t *testing.T) {
		other, _ := newMessenger(t, intercom.Config{AppID: "abc12345", HMACSecret: "other-secret"})
		s := mustParse(t, string(other.Render(intercom.Visitor{User: &intercom.User{ID: subjects[0]}})))
		if got, want := s["user_hash"], wantHash("other-secret", subjects[0]); got != want {
			t.Errorf("user_hash = %v, want %s", got, want)
		}
	})
}

// decodeJWT verifies an HS256 token independently and returns its claims.
func decodeJWT(t *testing.T, token, secret string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts: %s", len(parts), token)
	}
	header, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	if err := json.Unmarshal(header, &h); err != nil || h["alg"] != "HS256" || h["typ"] != "JWT" || len(h) != 2 {
		t.Fatalf("header %s (%v)", header, err)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
		t.Fatalf("signature does not verify (%v)", err)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	dec := json.NewDecoder(strings.NewReader(string(payload)))
	dec.UseNumber()
	if err := dec.Decode(&claims); err != nil {
		t.Fatalf("payload %s: %v", payload, err)
	}
	return claims
}

func TestJWT(t *testing.T) {
	const secret = "jwt-secret"
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name       string
		jwt        intercom.JWT
		v          intercom.Visitor
		wantClaims map[string]any // nil: no token
		wantPlain  map[string]any // the rest of the settings besides app_id/api_base
		reports    []string
	}{
		{"user_id only, no lifetime",
			intercom.JWT{Enabled: true}, intercom.Visitor{User: &intercom.User{ID: "42", Name: "Jane"}},
			map[string]any{"user_id": "42"}, map[string]any{"name": "Jane"}, nil},
		{"exp and signed fields leave the plain settings",
			intercom.JWT{Enabled: true, Lifetime: 2 * time.Hour, SignedFields: []string{"email", "plan"}},
			intercom.Visitor{User: &intercom.User{ID: "42", Email: "jane@example.com", Name: "Jane"}, Attributes: intercom.Attributes{"plan": "pro", "seats": 3}},
			map[string]any{"user_id": "42", "email": "jane@example.com", "plan": "pro", "exp": json.Number("1767330245")},
			map[string]any{"name": "Jane", "seats": json.Number("3")}, nil},
		// Attributes over the user are what gets signed, but not a user_id
		// (this used to sign the attribute's: DESIGN rule 2).
		{"attributes over the user are what gets signed, except user_id",
			intercom.JWT{Enabled: true, SignedFields: []string{"email", "name"}},
			intercom.Visitor{User: &intercom.User{ID: "auto", Email: "a@x", Name: "A"}, Attributes: intercom.Attributes{"user_id": "explicit", "email": "b@x"}},
			map[string]any{"user_id": "auto", "email": "b@x", "name": "A"}, map[string]any{},
			[]string{`intercom: attribute "user_id" dropped: the visitor is identified as a user, whose user_id custom data cannot change`}},
		{"user_id from attributes for a visitor without a user",
			intercom.JWT{Enabled: true},
			intercom.Visitor{Attributes: intercom.Attributes{"user_id": "explicit"}},
			map[string]any{"user_id": "explicit"}, map[string]any{}, nil},
		{"hostile values stay intact inside the token",
			intercom.JWT{Enabled: true, SignedFields: []string{"name"}},
			intercom.Visitor{User: &intercom.User{ID: "</script>\"\u2028", Name: "<!--x-->"}},
			map[string]any{"user_id": "</script>\"\u2028", "name": "<!--x-->"}, map[string]any{}, nil},
		{"email-only user falls back to user_hash",
			intercom.JWT{Enabled: true, SignedFields: []string{"email"}},
			intercom.Visitor{User: &intercom.User{Email: "jane@example.com"}},
			nil, map[string]any{"email": "jane@example.com", "user_hash": wantHash(secret, "jane@example.com")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, rec := newMessenger(t, intercom.Config{AppID: "abc12345", HMACSecret: secret, JWT: tt.jwt, Now: func() time.Time { return now }})
			s := mustParse(t, string(m.Render(tt.v)))
			token, has := s["intercom_user_jwt"].(string)
			delete(s, "intercom_user_jwt")
			if tt.wantClaims == nil {
				if has {
					t.Fatalf("unexpected token %s", token)
				}
			} else {
				if !has {
					t.Fatalf("no intercom_user_jwt in %v", s)
				}
				if got := decodeJWT(t, token, secret); !equalJSON(got, tt.wantClaims) {
					t.Errorf("claims = %v, want %v", got, tt.wantClaims)
				}
			}
			delete(s, "app_id")
			delete(s, "api_base")
			if !equalJSON(s, tt.wantPlain) {
				t.Errorf("plain settings = %v, want %v", s, tt.wantPlain)
			}
			wantReports(t, rec.messages(), tt.reports)
		})
	}
}

func equalJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

func TestSecretNeverRendered(t *testing.T) {
	const secret = "s3cr3t-never-shown"
	var reported []string
	m, err := intercom.New(intercom.Config{AppID: "abc12345", HMACSecret: secret, ErrorHandler: func(err error) { reported = append(reported, err.Error()) }})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []intercom.Visitor{
		{User: &intercom.User{ID: secret}}, // even a user named like it: only the hash over it
		{User: &intercom.User{Email: "x@y"}, Attributes: intercom.Attributes{"bad": func() {}}, Nonce: "!!"},
	} {
		out := string(m.Render(v))
		if strings.Count(out, secret) > 0 && v.User.ID != secret {
			t.Errorf("secret in page: %s", out)
		}
	}
	for _, r := range reported {
		if strings.Contains(r, secret) {
			t.Errorf("secret in report %q", r)
		}
	}
}

// TestIdentityOverTheBytesSent: an id or email with invalid UTF-8 reaches
// the page with each bad byte as U+FFFD, and user_hash (and the JWT's
// user_id claim) are over exactly that string, which is what Intercom
// checks. (user_hash used to be over the raw bytes.)
func TestIdentityOverTheBytesSent(t *testing.T) {
	const secret = "identity-verification-secret"
	tests := []struct {
		name string
		user intercom.User
		sent string // the subject as the page sends it
	}{
		{"an id with a bad byte", intercom.User{ID: "a\xffb"}, "a\ufffdb"},
		{"an id with a cut rune", intercom.User{ID: "x\xe2\x82"}, "x\ufffd\ufffd"},
		{"an email-only user", intercom.User{Email: "\xc0jane@example.com"}, "\ufffdjane@example.com"},
		{"a valid id", intercom.User{ID: "ユーザー"}, "ユーザー"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newMessenger(t, intercom.Config{AppID: "abc12345", HMACSecret: secret})
			for range 2 { // the second from the cache of recent subjects
				s := mustParse(t, string(m.Render(intercom.Visitor{User: &tt.user})))
				subject := s["user_id"]
				if subject == nil {
					subject = s["email"]
				}
				if subject != tt.sent || s["user_hash"] != wantHash(secret, tt.sent) {
					t.Errorf("sent %q with user_hash %v; want %q with %s", subject, s["user_hash"], tt.sent, wantHash(secret, tt.sent))
				}
			}
			if tt.user.ID == "" {
				return
			}
			j, _ := newMessenger(t, intercom.Config{AppID: "abc12345", HMACSecret: secret, JWT: intercom.JWT{Enabled: true}})
			s := mustParse(t, string(j.Render(intercom.Visitor{User: &tt.user})))
			if claims := decodeJWT(t, s["intercom_user_jwt"].(string), secret); claims["user_id"] != tt.sent {
				t.Errorf("JWT user_id %q, want %q", claims["user_id"], tt.sent)
			}
		})
	}
}
