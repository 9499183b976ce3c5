package intercomgin_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/gin-contrib/sessions"
	"github.com/gin-contrib/sessions/cookie"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	intercomgin "github.com/goanalytical/intercom/adapters/gin"
	intercom "github.com/goanalytical/intercom/core"
)

// sessionUser is the README's recipe for session-based sign-in: the sign-in
// handler keeps the account's id and email in the session, and WithUser
// reads them back on every page. gin-contrib/sessions stores nothing under
// gin.AuthUserKey, so without it the visitor stays anonymous, silently.
func sessionUser(c *gin.Context) (intercom.User, bool) {
	s := sessions.Default(c)
	id, ok := s.Get("user_id").(int64)
	if !ok {
		return intercom.User{}, false // nobody signed in
	}
	email, _ := s.Get("email").(string)
	return intercom.User{ID: strconv.FormatInt(id, 10), Email: email}, true
}

// TestSessionsRecipe signs in through the real gin-contrib/sessions with its
// cookie store, then renders a page with the session cookie: the visitor is
// identified from the session, with user_hash over the numeric id.
func TestSessionsRecipe(t *testing.T) {
	for _, tt := range []struct {
		name     string
		withUser bool
		want     *intercom.User
	}{
		{name: "WithUser reads the session", withUser: true, want: &intercom.User{ID: "1042", Email: "jane@example.com"}},
		{name: "without it, the visitor is anonymous"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, log := newMessenger(t, nil)
			var opts []intercomgin.Option
			if tt.withUser {
				opts = append(opts, intercomgin.WithUser(sessionUser))
			}
			r := gin.New()
			r.Use(sessions.Sessions("app", cookie.NewStore([]byte("session-signing-key-for-tests-32b"))))
			r.Use(intercomgin.Middleware(m, opts...))
			r.POST("/signin", func(c *gin.Context) {
				s := sessions.Default(c)
				s.Set("user_id", int64(1042))
				s.Set("email", "jane@example.com")
				if err := s.Save(); err != nil {
					c.AbortWithStatus(http.StatusInternalServerError)
					return
				}
				c.Status(http.StatusNoContent)
			})
			r.GET("/", func(c *gin.Context) { c.String(http.StatusOK, string(intercomgin.Snippet(c))) })

			signin := httptest.NewRecorder()
			r.ServeHTTP(signin, httptest.NewRequest(http.MethodPost, "/signin", nil))
			require.Equal(t, http.StatusNoContent, signin.Code)
			cookies := signin.Result().Cookies()
			require.Len(t, cookies, 1)

			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.AddCookie(cookies[0])
			page := httptest.NewRecorder()
			r.ServeHTTP(page, req)
			assert.Equal(t, string(m.Render(intercom.Visitor{User: tt.want})), page.Body.String())
			assert.Empty(t, log.got())
		})
	}
}
