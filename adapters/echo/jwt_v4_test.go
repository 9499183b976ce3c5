package intercomecho_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	jwtv4 "github.com/golang-jwt/jwt/v4"
	echojwt "github.com/labstack/echo-jwt/v4"
	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	intercomecho "github.com/goanalytical/intercom/adapters/echo"
	intercom "github.com/goanalytical/intercom/core"
)

// v4Claims is an app's claims type on golang-jwt v4, whose claims have no
// GetSubject: the adapter reads them by their json tags.
type v4Claims struct {
	Email string `json:"email"`
	Name  string `json:"name"`
	jwtv4.RegisteredClaims
}

// TestEchoJWTGolangJWTv4: apps still on golang-jwt v4 hand echo-jwt a
// ParseTokenFunc that parses with it (echo-jwt's own recipe for another JWT
// library); echo-jwt stores the *jwt.Token of v4 under "user", and it
// identifies the visitor as a v5 token does.
func TestEchoJWTGolangJWTv4(t *testing.T) {
	exp := jwtv4.NewNumericDate(time.Now().Add(time.Hour))
	sign := func(claims jwtv4.Claims) string {
		s, err := jwtv4.NewWithClaims(jwtv4.SigningMethodHS256, claims).SignedString(jwtKey)
		require.NoError(t, err)
		return s
	}
	tests := []struct {
		name      string
		newClaims func() jwtv4.Claims // nil: MapClaims
		token     string
		wantCode  int
		want      *intercom.User
	}{
		{
			name:     "MapClaims",
			token:    sign(jwtv4.MapClaims{"sub": "42", "email": "jane@example.com", "name": "Jane", "exp": exp.Unix()}),
			wantCode: http.StatusOK,
			want:     &intercom.User{ID: "42", Email: "jane@example.com", Name: "Jane"},
		},
		{
			name:     "MapClaims with a numeric sub",
			token:    sign(jwtv4.MapClaims{"sub": 42}),
			wantCode: http.StatusOK,
			want:     &intercom.User{ID: "42"},
		},
		{
			name:      "RegisteredClaims",
			newClaims: func() jwtv4.Claims { return new(jwtv4.RegisteredClaims) },
			token:     sign(jwtv4.RegisteredClaims{Subject: "7", ExpiresAt: exp}),
			wantCode:  http.StatusOK,
			want:      &intercom.User{ID: "7"},
		},
		{
			name:      "StandardClaims (deprecated in v4)",
			newClaims: func() jwtv4.Claims { return new(jwtv4.StandardClaims) }, //nolint:staticcheck // apps still use it
			token:     sign(jwtv4.StandardClaims{Subject: "6"}),                 //nolint:staticcheck // apps still use it
			wantCode:  http.StatusOK,
			want:      &intercom.User{ID: "6"},
		},
		{
			name:      "a claims struct embedding RegisteredClaims",
			newClaims: func() jwtv4.Claims { return new(v4Claims) },
			token:     sign(v4Claims{Email: "ann@example.com", Name: "Ann", RegisteredClaims: jwtv4.RegisteredClaims{Subject: "8"}}),
			wantCode:  http.StatusOK,
			want:      &intercom.User{ID: "8", Email: "ann@example.com", Name: "Ann"},
		},
		{
			name:     "an expired token is rejected by golang-jwt",
			token:    sign(jwtv4.MapClaims{"sub": "42", "exp": time.Now().Add(-time.Hour).Unix()}),
			wantCode: http.StatusUnauthorized,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, log := newMessenger(t, nil)
			e := app()
			e.Use(echojwt.WithConfig(echojwt.Config{
				ParseTokenFunc: func(_ echo.Context, auth string) (any, error) {
					var claims jwtv4.Claims = jwtv4.MapClaims{}
					if tt.newClaims != nil {
						claims = tt.newClaims()
					}
					return jwtv4.ParseWithClaims(auth, claims, func(*jwtv4.Token) (any, error) { return jwtKey, nil })
				},
			}))
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

// TestJWTv4NotValid: a v4 token not marked Valid (parsed without
// verification) is reported, not trusted.
func TestJWTv4NotValid(t *testing.T) {
	m, log := newMessenger(t, nil)
	e := app()
	e.Use(signIn(&jwtv4.Token{Claims: jwtv4.MapClaims{"sub": "42"}}))
	e.Use(intercomecho.Middleware(m))
	e.GET("/", render)
	rec := serve(e, nil)
	assert.Equal(t, string(m.Render(intercom.Visitor{})), rec.Body.String())
	var reports []string
	for _, err := range log.all() {
		reports = append(reports, err.Error())
	}
	assert.Equal(t, []string{"intercom: cannot identify user from *jwt.Token: the golang-jwt token is not marked Valid; use intercomecho.WithUser to identify the visitor from it"}, reports)
}
