package intercomgin_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	intercomgin "github.com/goanalytical/intercom/adapters/gin"
	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

func TestMain(m *testing.M) {
	// Debug mode prints routes to stdout, which would break the examples.
	gin.SetMode(gin.TestMode)
	os.Exit(m.Run())
}

const (
	appID  = "abc12345"
	secret = "s3cret"
	peer   = "192.0.2.1" // httptest.NewRequest's RemoteAddr
)

// errorLog is a Config.ErrorHandler that keeps what it is given.
type errorLog struct {
	mu   sync.Mutex
	errs []string
}

func (l *errorLog) handle(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err.Error())
}

func (l *errorLog) got() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.errs
}

// newMessenger returns a Messenger with the test app id and HMAC secret,
// changed by edit if not nil, and the log it reports to.
func newMessenger(t testing.TB, edit func(*intercom.Config)) (*intercom.Messenger, *errorLog) {
	t.Helper()
	cfg := intercom.Config{AppID: appID, HMACSecret: secret}
	if edit != nil {
		edit(&cfg)
	}
	log := &errorLog{}
	cfg.ErrorHandler = log.handle
	m, err := intercom.New(cfg)
	require.NoError(t, err)
	return m, log
}

// testPage renders the title and the snippet.
var testPage = template.Must(template.New("page").Parse(`{{ .title }}|{{ .Intercom }}`))

// jane implements intercom.Identifier, as an app's own user type would.
type jane struct{}

func (jane) IntercomUser() intercom.User {
	return intercom.User{ID: "7", Email: "jane@example.com", Name: "Jane"}
}

type panicky struct{}

func (panicky) IntercomUser() intercom.User { panic("boom") }

func storeAuthUser(v any) gin.HandlerFunc {
	return func(c *gin.Context) { c.Set(gin.AuthUserKey, v) }
}

func basicAuth() gin.HandlerFunc {
	return gin.BasicAuth(gin.Accounts{"jane": "pa55word", "joe": "pa55word"})
}

// noMiddlewareWarning is what a request without the middleware writes to
// gin.DefaultErrorWriter, once per process.
var noMiddlewareWarning = "[WARNING] " + adapter.ErrNoMiddleware.Error() + "\n"

// redirectWarnings sends what gin writes to gin.DefaultErrorWriter, such as
// the missing-middleware warning, to w until the test ends.
func redirectWarnings(t *testing.T, w io.Writer) {
	t.Helper()
	saved := gin.DefaultErrorWriter
	gin.DefaultErrorWriter = w
	t.Cleanup(func() { gin.DefaultErrorWriter = saved })
}

// quietWarnings sends the missing-middleware warning to io.Discard.
func quietWarnings(t *testing.T) { redirectWarnings(t, io.Discard) }

func TestMiddleware(t *testing.T) {
	quietWarnings(t) // a case without the middleware warns
	alice := intercom.User{ID: "1", Email: "alice@example.com", Name: "Alice"}
	bob := intercom.User{ID: "2", Name: "Bob"}
	janeBasic := intercom.User{ID: "jane", Name: "jane"}

	tests := []struct {
		name    string
		cfg     func(*intercom.Config)
		trusted []string          // nil: gin's default, trust every proxy
		before  []gin.HandlerFunc // middlewares before the Intercom one
		after   []gin.HandlerFunc // and after it
		opts    []intercomgin.Option
		noMW    bool                 // do not install the middleware
		request func(*http.Request)  // adjust the request
		handler func(c *gin.Context) // runs before the page renders
		data    gin.H                // passed to H
		want    *intercom.Visitor    // nil: no snippet at all
		errs    []string             // reported to the ErrorHandler
	}{
		{
			name: "anonymous visitor",
			want: &intercom.Visitor{ClientIP: peer},
		},
		{
			name:    "gin.BasicAuth identifies the user",
			before:  []gin.HandlerFunc{basicAuth()},
			request: func(r *http.Request) { r.SetBasicAuth("jane", "pa55word") },
			want:    &intercom.Visitor{User: &janeBasic, ClientIP: peer},
		},
		{
			name:    "gin.BasicAuth after the middleware identifies the user too",
			after:   []gin.HandlerFunc{basicAuth()},
			request: func(r *http.Request) { r.SetBasicAuth("jane", "pa55word") },
			want:    &intercom.Visitor{User: &janeBasic, ClientIP: peer},
		},
		{
			name:    "auto-identify off",
			cfg:     func(c *intercom.Config) { c.DisableAutoIdentify = true },
			before:  []gin.HandlerFunc{basicAuth()},
			request: func(r *http.Request) { r.SetBasicAuth("jane", "pa55word") },
			want:    &intercom.Visitor{ClientIP: peer},
		},
		{
			name:   "an Identifier under gin.AuthUserKey",
			before: []gin.HandlerFunc{storeAuthUser(jane{})},
			want:   &intercom.Visitor{User: &intercom.User{ID: "7", Email: "jane@example.com", Name: "Jane"}, ClientIP: peer},
		},
		{
			name:   "wrong type under gin.AuthUserKey is reported and ignored",
			before: []gin.HandlerFunc{storeAuthUser(42)},
			want:   &intercom.Visitor{ClientIP: peer},
			errs:   []string{"intercom: cannot identify user from int: not a string, an intercom.Identifier or a golang-jwt token; use intercomgin.WithUser to identify the visitor from it"},
		},
		{
			name:   "panicking Identifier under gin.AuthUserKey",
			before: []gin.HandlerFunc{storeAuthUser(panicky{})},
			want:   &intercom.Visitor{ClientIP: peer},
			errs:   []string{"intercom: cannot identify user from intercomgin_test.panicky: IntercomUser panicked"},
		},
		{
			name:    "WithUser wins over gin.BasicAuth",
			before:  []gin.HandlerFunc{basicAuth()},
			request: func(r *http.Request) { r.SetBasicAuth("jane", "pa55word") },
			opts:    []intercomgin.Option{intercomgin.WithUser(func(*gin.Context) (intercom.User, bool) { return alice, true })},
			want:    &intercom.Visitor{User: &alice, ClientIP: peer},
		},
		{
			name:    "WithUser without a user falls back to gin.BasicAuth",
			before:  []gin.HandlerFunc{basicAuth()},
			request: func(r *http.Request) { r.SetBasicAuth("jane", "pa55word") },
			opts:    []intercomgin.Option{intercomgin.WithUser(func(*gin.Context) (intercom.User, bool) { return alice, false })},
			want:    &intercom.Visitor{User: &janeBasic, ClientIP: peer},
		},
		{
			name:    "panicking WithUser is reported and treated as unset",
			before:  []gin.HandlerFunc{basicAuth()},
			request: func(r *http.Request) { r.SetBasicAuth("jane", "pa55word") },
			opts: []intercomgin.Option{intercomgin.WithUser(func(*gin.Context) (intercom.User, bool) {
				panic("database down")
			})},
			want: &intercom.Visitor{User: &janeBasic, ClientIP: peer},
			errs: []string{"intercom: User hook panicked; treated as unset"},
		},
		{
			name:    "Identify wins over WithUser and gin.BasicAuth",
			before:  []gin.HandlerFunc{basicAuth()},
			request: func(r *http.Request) { r.SetBasicAuth("jane", "pa55word") },
			opts:    []intercomgin.Option{intercomgin.WithUser(func(*gin.Context) (intercom.User, bool) { return alice, true })},
			handler: func(c *gin.Context) { intercomgin.Identify(c, bob) },
			want:    &intercom.Visitor{User: &bob, ClientIP: peer},
		},
		{
			name: "Set wins over WithAttributes, which is kept otherwise",
			opts: []intercomgin.Option{intercomgin.WithAttributes(func(*gin.Context) intercom.Attributes {
				return intercom.Attributes{"plan": "free", "seats": 3}
			})},
			handler: func(c *gin.Context) {
				intercomgin.Set(c, "plan", "pro")
				intercomgin.Set(c, "trial", true)
			},
			want: &intercom.Visitor{Attributes: intercom.Attributes{"plan": "pro", "seats": 3, "trial": true}, ClientIP: peer},
		},
		{
			name:    "intercom_* keys in H win over Set",
			handler: func(c *gin.Context) { intercomgin.Set(c, "plan", "free") },
			data:    gin.H{"title": "Pricing", "intercom_plan": "pro", "intercom_": "ignored", "intercomplan": "ignored"},
			want:    &intercom.Visitor{Attributes: intercom.Attributes{"plan": "pro"}, ClientIP: peer},
		},
		{
			name: "WithNonce",
			opts: []intercomgin.Option{intercomgin.WithNonce(func(*gin.Context) string { return "bm9uY2U=" })},
			want: &intercom.Visitor{Nonce: "bm9uY2U=", ClientIP: peer},
		},
		{
			name:    "skipper: no snippet, Identify and Set ignored, nothing reported",
			opts:    []intercomgin.Option{intercomgin.WithSkipper(func(*gin.Context) bool { return true })},
			handler: func(c *gin.Context) { intercomgin.Identify(c, bob); intercomgin.Set(c, "plan", "pro") },
			data:    gin.H{"intercom_plan": "pro"},
		},
		{
			name: "skipper that declines",
			opts: []intercomgin.Option{intercomgin.WithSkipper(func(c *gin.Context) bool { return c.Request.URL.Path == "/healthz" })},
			want: &intercom.Visitor{ClientIP: peer},
		},
		{
			name: "panicking skipper is reported and does not skip",
			opts: []intercomgin.Option{intercomgin.WithSkipper(func(*gin.Context) bool { panic("bad skipper") })},
			want: &intercom.Visitor{ClientIP: peer},
			errs: []string{"intercom: Skipper hook panicked; treated as unset"},
		},
		{
			name:    "without the middleware: no snippet, helpers do nothing",
			noMW:    true,
			handler: func(c *gin.Context) { intercomgin.Identify(c, bob); intercomgin.Set(c, "plan", "pro") },
		},
		{
			name:    "disabled Messenger",
			cfg:     func(c *intercom.Config) { c.AppID = "" },
			before:  []gin.HandlerFunc{basicAuth()},
			request: func(r *http.Request) { r.SetBasicAuth("jane", "pa55word") },
			opts: []intercomgin.Option{intercomgin.WithUser(func(*gin.Context) (intercom.User, bool) {
				panic("hooks must not run when disabled")
			})},
		},
		{
			name:    "gin's default trusts every proxy: X-Forwarded-For decides",
			cfg:     internalIPs,
			request: func(r *http.Request) { r.Header.Set("X-Forwarded-For", "10.1.2.3") },
			want:    &intercom.Visitor{ClientIP: "10.1.2.3"},
		},
		{
			name:    "no trusted proxies: a spoofed X-Forwarded-For is ignored",
			cfg:     internalIPs,
			trusted: []string{},
			request: func(r *http.Request) { r.Header.Set("X-Forwarded-For", "10.1.2.3") },
			want:    &intercom.Visitor{ClientIP: peer},
		},
		{
			name:    "trusted proxy: the client behind it is internal",
			cfg:     internalIPs,
			trusted: []string{peer},
			request: func(r *http.Request) { r.Header.Set("X-Forwarded-For", "203.0.113.9, 10.1.2.3") },
			want:    &intercom.Visitor{ClientIP: "10.1.2.3"},
		},
		{
			name:    "trusted proxy: the right-most untrusted hop is the client",
			cfg:     internalIPs,
			trusted: []string{peer},
			request: func(r *http.Request) { r.Header.Set("X-Forwarded-For", "10.1.2.3, 203.0.113.9") },
			want:    &intercom.Visitor{ClientIP: "203.0.113.9"},
		},
		{
			name:    "WithClientIP replaces c.ClientIP",
			cfg:     internalIPs,
			trusted: []string{},
			opts:    []intercomgin.Option{intercomgin.WithClientIP(func(c *gin.Context) string { return c.GetHeader("X-Test-IP") })},
			request: func(r *http.Request) { r.Header.Set("X-Test-IP", "10.9.9.9") },
			want:    &intercom.Visitor{ClientIP: "10.9.9.9"},
		},
		{
			name: "WithClientIP(nil) keeps c.ClientIP",
			opts: []intercomgin.Option{intercomgin.WithClientIP(nil), nil},
			want: &intercom.Visitor{ClientIP: peer},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, log := newMessenger(t, tt.cfg)
			engine := gin.New()
			if tt.trusted != nil {
				require.NoError(t, engine.SetTrustedProxies(tt.trusted))
			}
			engine.SetHTMLTemplate(testPage)
			engine.Use(tt.before...)
			if !tt.noMW {
				engine.Use(intercomgin.Middleware(m, tt.opts...))
			}
			engine.Use(tt.after...)
			engine.GET("/page", func(c *gin.Context) {
				if tt.handler != nil {
					tt.handler(c)
				}
				c.HTML(http.StatusOK, "page", intercomgin.Data(c, tt.data))
			})

			req := httptest.NewRequest(http.MethodGet, "/page", nil)
			if tt.request != nil {
				tt.request(req)
			}
			rec := httptest.NewRecorder()
			engine.ServeHTTP(rec, req)

			require.Equal(t, http.StatusOK, rec.Code)
			want := "|"
			if tt.data["title"] != nil {
				want = fmt.Sprint(tt.data["title"]) + want
			}
			if tt.want != nil {
				want += string(m.Render(*tt.want))
			}
			assert.Equal(t, want, rec.Body.String())
			assert.Equal(t, tt.errs, log.got())
		})
	}
}

// TestSnippetInternalIP checks the whole pipeline once without deriving the
// expectation from the Messenger: a trusted proxy's client inside
// InternalIPs gets the snippet inside an HTML comment.
func TestSnippetInternalIP(t *testing.T) {
	m, _ := newMessenger(t, internalIPs)
	engine := gin.New()
	require.NoError(t, engine.SetTrustedProxies([]string{peer}))
	engine.Use(intercomgin.Middleware(m))
	engine.GET("/", func(c *gin.Context) { c.String(http.StatusOK, string(intercomgin.Snippet(c))) })

	for _, tt := range []struct {
		xff      string
		internal bool
	}{
		{"", false},
		{"10.1.2.3", true},
		{"203.0.113.9", false},
		{"10.1.2.3, 203.0.113.9", false},
	} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if tt.xff != "" {
			req.Header.Set("X-Forwarded-For", tt.xff)
		}
		rec := httptest.NewRecorder()
		engine.ServeHTTP(rec, req)
		body := rec.Body.String()
		assert.Equal(t, tt.internal, strings.HasPrefix(body, "<!-- Intercom disabled on internal IP address\n"), "X-Forwarded-For %q: %s", tt.xff, body)
		assert.Equal(t, tt.internal, strings.HasSuffix(body, "\n-->"), "X-Forwarded-For %q", tt.xff)
		assert.Contains(t, body, `<script id="IntercomSettingsScriptTag">window.intercomSettings={"api_base":"https://api-iam.intercom.io","app_id":"abc12345"};`)
	}
}

// TestBasicAuthRendersUserHash checks a real gin.BasicAuth sign-in end to
// end against a user_hash computed here, independently of the core.
func TestBasicAuthRendersUserHash(t *testing.T) {
	m, log := newMessenger(t, nil)
	engine := gin.New()
	engine.SetHTMLTemplate(template.Must(template.New("page").Parse(`<body>{{ .Intercom }}</body>`)))
	engine.Use(basicAuth(), intercomgin.Middleware(m))
	engine.GET("/", func(c *gin.Context) { c.HTML(http.StatusOK, "page", intercomgin.Data(c, nil)) })

	for _, tt := range []struct {
		user, password string
		code           int
		settings       string
	}{
		{"jane", "pa55word", http.StatusOK,
			`{"api_base":"https://api-iam.intercom.io","app_id":"abc12345","name":"jane",` +
				`"user_hash":"` + hmacHex(secret, "jane") + `","user_id":"jane"}`},
		{"joe", "pa55word", http.StatusOK,
			`{"api_base":"https://api-iam.intercom.io","app_id":"abc12345","name":"joe",` +
				`"user_hash":"` + hmacHex(secret, "joe") + `","user_id":"joe"}`},
		{"jane", "wrong", http.StatusUnauthorized, ""},
	} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.SetBasicAuth(tt.user, tt.password)
		rec := httptest.NewRecorder()
		engine.ServeHTTP(rec, req)
		require.Equal(t, tt.code, rec.Code, tt.user)
		if tt.settings == "" {
			assert.Empty(t, rec.Body.String())
			continue
		}
		assert.Equal(t, "text/html; charset=utf-8", rec.Header().Get("Content-Type"))
		assert.True(t, strings.HasPrefix(rec.Body.String(),
			`<body><script id="IntercomSettingsScriptTag">window.intercomSettings=`+tt.settings+`;(function(){`),
			rec.Body.String())
		assert.True(t, strings.HasSuffix(rec.Body.String(), `</script></body>`))
	}
	assert.Empty(t, log.got())
}

// TestH checks the template data H returns.
func TestH(t *testing.T) {
	m, _ := newMessenger(t, nil)
	snippet := m.Render(intercom.Visitor{ClientIP: peer})
	withPlan := m.Render(intercom.Visitor{ClientIP: peer, Attributes: intercom.Attributes{"plan": "pro"}})
	shared := gin.H{"title": "Hi", "intercom_plan": "pro"}

	tests := []struct {
		name string
		data gin.H
		want gin.H
	}{
		{"nil data", nil, gin.H{"Intercom": snippet}},
		{"empty data", gin.H{}, gin.H{"Intercom": snippet}},
		{"data is copied", gin.H{"title": "Hi"}, gin.H{"title": "Hi", "Intercom": snippet}},
		{"intercom_* keys are applied and kept", shared, gin.H{"title": "Hi", "intercom_plan": "pro", "Intercom": withPlan}},
		{"an Intercom key is replaced", gin.H{"Intercom": "<b>mine</b>"}, gin.H{"Intercom": snippet}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before gin.H
			if tt.data != nil {
				before = gin.H{}
				for k, v := range tt.data {
					before[k] = v
				}
			}
			var got gin.H
			engine := gin.New()
			engine.Use(intercomgin.Middleware(m))
			engine.GET("/", func(c *gin.Context) { got = intercomgin.Data(c, tt.data) })
			engine.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))

			assert.Equal(t, tt.want, got)
			assert.Equal(t, before, tt.data, "H modified its argument")
		})
	}
}

// TestNoPanics calls every helper where the middleware's state is missing,
// of the wrong type, or the context itself is nil.
func TestNoPanics(t *testing.T) {
	tests := []struct {
		name  string
		setup func(c *gin.Context)
	}{
		{"nothing stored", func(*gin.Context) {}},
		{"a string under the key", func(c *gin.Context) { c.Set(intercomgin.StateKey, "junk") }},
		{"nil under the key", func(c *gin.Context) { c.Set(intercomgin.StateKey, nil) }},
		{"a typed nil Request under the key", func(c *gin.Context) {
			c.Set(intercomgin.StateKey, (*adapter.Request[*gin.Context])(nil))
		}},
		{"a Request for another framework", func(c *gin.Context) {
			m, _ := newMessenger(t, nil)
			c.Set(intercomgin.StateKey, adapter.NewMiddleware("test", m, adapter.Hooks[*http.Request]{}).Start(c.Request))
		}},
		{"a nil Keys map", func(c *gin.Context) { c.Keys = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := gin.CreateTestContext(httptest.NewRecorder())
			c.Request = httptest.NewRequest(http.MethodGet, "/", nil)
			tt.setup(c)
			require.NotPanics(t, func() {
				intercomgin.Identify(c, intercom.User{ID: "1"})
				intercomgin.Set(c, "plan", "pro")
				assert.Equal(t, template.HTML(""), intercomgin.Snippet(c))
				assert.Equal(t, gin.H{"Intercom": template.HTML(""), "intercom_plan": "pro"}, intercomgin.Data(c, gin.H{"intercom_plan": "pro"}))
			})
		})
	}
	t.Run("nil context", func(t *testing.T) {
		require.NotPanics(t, func() {
			intercomgin.Identify(nil, intercom.User{ID: "1"})
			intercomgin.Set(nil, "plan", "pro")
			assert.Equal(t, template.HTML(""), intercomgin.Snippet(nil))
			assert.Equal(t, gin.H{"Intercom": template.HTML("")}, intercomgin.Data(nil, nil))
		})
	})
}

func TestMiddlewareNilMessenger(t *testing.T) {
	assert.PanicsWithValue(t, "intercomgin.Middleware: needs a *intercom.Messenger from intercom.New, got nil", func() {
		intercomgin.Middleware(nil)
	})
}

// TestMissingMiddlewareWarning checks that a forgotten middleware is written
// to gin.DefaultErrorWriter once per process, and that a skipped request is
// not mistaken for one.
func TestMissingMiddlewareWarning(t *testing.T) {
	m, _ := newMessenger(t, nil)
	tests := []struct {
		name string
		mw   gin.HandlerFunc
		want string
	}{
		{"no middleware", nil, noMiddlewareWarning},
		{"skipped", intercomgin.Middleware(m, intercomgin.WithSkipper(func(*gin.Context) bool { return true })), ""},
		{"middleware", intercomgin.Middleware(m), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf strings.Builder
			redirectWarnings(t, &buf)
			intercomgin.ResetNoMiddlewareWarning()

			for range 3 {
				c, _ := gin.CreateTestContext(httptest.NewRecorder())
				c.Request = httptest.NewRequest(http.MethodGet, "/", nil)
				if tt.mw != nil {
					tt.mw(c)
				}
				intercomgin.Snippet(c)
				intercomgin.Data(c, nil)
			}
			assert.Equal(t, tt.want, buf.String())
		})
	}
}

// TestHooksRunLazilyOnce checks that the hooks run only when a page renders
// the snippet, and then once however often it is rendered.
func TestHooksRunLazilyOnce(t *testing.T) {
	for _, renders := range []int{0, 1, 3} {
		t.Run(fmt.Sprint(renders, " renders"), func(t *testing.T) {
			// Internal IPs configured, so that the client IP is asked for.
			m, _ := newMessenger(t, func(c *intercom.Config) { c.InternalIPs = []string{"192.0.2.0/24"} })
			var users, attrs, nonces, ips atomic.Int32
			engine := gin.New()
			engine.Use(storeAuthUser("jane"), intercomgin.Middleware(m,
				intercomgin.WithUser(func(*gin.Context) (intercom.User, bool) { users.Add(1); return intercom.User{}, false }),
				intercomgin.WithAttributes(func(*gin.Context) intercom.Attributes { attrs.Add(1); return nil }),
				intercomgin.WithNonce(func(*gin.Context) string { nonces.Add(1); return "" }),
				intercomgin.WithClientIP(func(*gin.Context) string { ips.Add(1); return "" }),
			))
			var snippets []template.HTML
			engine.GET("/", func(c *gin.Context) {
				for range renders {
					snippets = append(snippets, intercomgin.Snippet(c))
				}
			})
			engine.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))

			want := min(renders, 1)
			assert.Equal(t, []int32{int32(want), int32(want), int32(want), int32(want)},
				[]int32{users.Load(), attrs.Load(), nonces.Load(), ips.Load()})
			for _, s := range snippets {
				assert.Equal(t, m.Render(intercom.Visitor{User: &intercom.User{ID: "jane", Name: "jane"}}), s)
			}
		})
	}
}

// TestConcurrentRequests serves distinct signed-in users in parallel through
// one engine: each page shows its own user (run with -race).
func TestConcurrentRequests(t *testing.T) {
	m, log := newMessenger(t, nil)
	engine := gin.New()
	engine.SetHTMLTemplate(testPage)
	engine.Use(basicAuth(), intercomgin.Middleware(m))
	engine.GET("/page", func(c *gin.Context) {
		intercomgin.Set(c, "visit", c.Query("n"))
		c.HTML(http.StatusOK, "page", intercomgin.Data(c, gin.H{"intercom_user": c.GetString(gin.AuthUserKey)}))
	})

	var wg sync.WaitGroup
	for i := range 64 {
		user := []string{"jane", "joe"}[i%2]
		wg.Go(func() {
			req := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/page?n=%d", i), nil)
			req.SetBasicAuth(user, "pa55word")
			rec := httptest.NewRecorder()
			engine.ServeHTTP(rec, req)
			want := "|" + m.Render(intercom.Visitor{
				User:       &intercom.User{ID: user, Name: user},
				Attributes: intercom.Attributes{"visit": fmt.Sprint(i), "user": user},
				ClientIP:   peer,
			})
			assert.Equal(t, string(want), rec.Body.String())
		})
	}
	wg.Wait()
	assert.Empty(t, log.got())
}

func internalIPs(c *intercom.Config) { c.InternalIPs = []string{"10.0.0.0/8"} }

func hmacHex(key, msg string) string {
	h := hmac.New(sha256.New, []byte(key))
	h.Write([]byte(msg))
	return hex.EncodeToString(h.Sum(nil))
}
