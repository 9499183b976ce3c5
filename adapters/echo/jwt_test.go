package intercomecho_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	echojwt "github.com/labstack/echo-jwt/v4"
	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	intercomecho "github.com/goanalytical/intercom/adapters/echo"
	intercom "github.com/goanalytical/intercom/core"
)

var jwtKey = []byte("jwt-signing-key")

// signed returns a token for claims signed with jwtKey.
func signed(t *testing.T, claims jwt.Claims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(jwtKey)
	require.NoError(t, err)
	return s
}

// TestEchoJWT signs in through the real echo-jwt middleware, which stores
// the verified *jwt.Token under "user": the user comes from its claims.
func TestEchoJWT(t *testing.T) {
	exp := jwt.NewNumericDate(time.Now().Add(time.Hour))
	tests := []struct {
		name     string
		newClaim func() jwt.Claims // for echojwt.Config.NewClaimsFunc; nil: MapClaims
		token    string
		wantCode int
		want     *intercom.User
	}{
		{
			name:     "MapClaims with sub, email and name",
			token:    signed(t, jwt.MapClaims{"sub": "42", "email": "jane@example.com", "name": "Jane", "exp": exp.Unix()}),
			wantCode: http.StatusOK,
			want:     &intercom.User{ID: "42", Email: "jane@example.com", Name: "Jane"},
		},
		{
			name:     "MapClaims with sub only",
			token:    signed(t, jwt.MapClaims{"sub": "42"}),
			wantCode: http.StatusOK,
			want:     &intercom.User{ID: "42"},
		},
		{
			name:     "RegisteredClaims",
			newClaim: func() jwt.Claims { return new(jwt.RegisteredClaims) },
			token:    signed(t, jwt.RegisteredClaims{Subject: "7", ExpiresAt: exp}),
			wantCode: http.StatusOK,
			want:     &intercom.User{ID: "7"},
		},
		{
			name:     "a claims struct with email and name",
			newClaim: func() jwt.Claims { return new(appClaims) },
			token:    signed(t, appClaims{Email: "ann@example.com", Name: "Ann", RegisteredClaims: jwt.RegisteredClaims{Subject: "8"}}),
			wantCode: http.StatusOK,
			want:     &intercom.User{ID: "8", Email: "ann@example.com", Name: "Ann"},
		},
		{
			name:     "a token without sub or email: anonymous",
			token:    signed(t, jwt.MapClaims{"name": "nobody"}),
			wantCode: http.StatusOK,
		},
		{
			name:     "a token signed with another key is rejected by echo-jwt",
			token:    func() string { s, _ := jwt.New(jwt.SigningMethodHS256).SignedString([]byte("other")); return s }(),
			wantCode: http.StatusUnauthorized,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, log := newMessenger(t, nil)
			e := app()
			cfg := echojwt.Config{SigningKey: jwtKey}
			if tt.newClaim != nil {
				cfg.NewClaimsFunc = func(echo.Context) jwt.Claims { return tt.newClaim() }
			}
			e.Use(echojwt.WithConfig(cfg))
			e.Use(intercomecho.Middleware(m))
			e.GET("/", render)

			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.Header.Set("Authorization", "Bearer "+tt.token)
			rec := serve(e, req)
			require.Equal(t, tt.wantCode, rec.Code)
			if tt.wantCode == http.StatusOK {
				assert.Equal(t, string(m.Render(intercom.Visitor{User: tt.want})), rec.Body.String())
			}
			assert.Empty(t, log.all())
		})
	}
}

// appClaims is an app's own claims type, as echo-jwt's NewClaimsFunc makes.
type appClaims struct {
	Email string `json:"email"`
	Name  string `json:"name"`
	jwt.RegisteredClaims
}

type emailAddr string

// typedClaims holds the email and name claims in types of the app's own.
type typedClaims struct {
	Email emailAddr `json:"email"`
	Name  fmtName   `json:"name"`
	jwt.RegisteredClaims
}

// fmtName is a name type with MarshalText.
type fmtName string

func (n fmtName) MarshalText() ([]byte, error) { return []byte(n), nil }

// ptrClaims embeds the registered claims through a pointer.
type ptrClaims struct {
	Email string `json:"email"`
	*jwt.RegisteredClaims
}

// TestJWTTokenUnderUser stores golang-jwt tokens under "user" directly, as
// a stand-in for echo-jwt would: only a token marked Valid identifies.
func TestJWTTokenUnderUser(t *testing.T) {
	tests := []struct {
		name   string
		token  *jwt.Token
		want   *intercom.User
		report []string
	}{
		{
			name:  "valid",
			token: &jwt.Token{Valid: true, Claims: jwt.MapClaims{"sub": "42", "email": "jane@example.com", "name": "Jane"}},
			want:  &intercom.User{ID: "42", Email: "jane@example.com", Name: "Jane"},
		},
		{
			name:   "not marked Valid",
			token:  &jwt.Token{Claims: jwt.MapClaims{"sub": "42"}},
			report: []string{"intercom: cannot identify user from *jwt.Token: the golang-jwt token is not marked Valid; use intercomecho.WithUser to identify the visitor from it"},
		},
		{
			name:  "a numeric sub is a user_id, as an integer user_id attribute is",
			token: &jwt.Token{Valid: true, Claims: jwt.MapClaims{"sub": float64(42), "email": "jane@example.com"}},
			want:  &intercom.User{ID: "42", Email: "jane@example.com"},
		},
		{
			name:  "claims that encode as no string are ignored",
			token: &jwt.Token{Valid: true, Claims: jwt.MapClaims{"sub": 4.5, "email": []any{"jane@example.com"}, "name": true}},
		},
		{
			name:  "claims of the app's own types",
			token: &jwt.Token{Valid: true, Claims: &typedClaims{Email: "ann@example.com", Name: "Ann", RegisteredClaims: jwt.RegisteredClaims{Subject: "8"}}},
			want:  &intercom.User{ID: "8", Email: "ann@example.com", Name: "Ann"},
		},
		{
			name:  "a claims struct embedding a nil *RegisteredClaims",
			token: &jwt.Token{Valid: true, Claims: &ptrClaims{Email: "ann@example.com"}},
			want:  &intercom.User{Email: "ann@example.com"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, log := newMessenger(t, nil)
			e := app()
			e.Use(signIn(tt.token))
			e.Use(intercomecho.Middleware(m))
			e.GET("/", render)
			rec := serve(e, nil)
			assert.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, string(m.Render(intercom.Visitor{User: tt.want})), rec.Body.String())
			var reports []string
			for _, err := range log.all() {
				reports = append(reports, err.Error())
			}
			assert.Equal(t, tt.report, reports)
		})
	}
}
