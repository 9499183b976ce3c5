package adapter_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

type member struct{ id, mail string }

func (m member) IntercomUser() intercom.User { return intercom.User{ID: m.id, Email: m.mail} }

type broken struct{}

func (broken) IntercomUser() intercom.User { panic("nil deref in app code") }

// Token looks like a golang-jwt token but is not one: only the real package
// path is trusted.
type Token struct {
	Valid  bool
	Claims map[string]any
}

const notAUser = "not a string, an intercom.Identifier or a golang-jwt token; use intercomtest.WithUser to identify the visitor from it"

func TestRequestPrecedence(t *testing.T) {
	fromHook := adapter.WithUser(func(c *ctx) (intercom.User, bool) {
		c.count("User")
		return intercom.User{ID: "from-hook"}, true
	})
	declines := adapter.WithUser(func(c *ctx) (intercom.User, bool) { c.count("User"); return intercom.User{ID: "ignored"}, false })
	attrs := adapter.WithAttributes(func(c *ctx) intercom.Attributes {
		c.count("Attributes")
		return intercom.Attributes{"plan": "hook", "seats": 1}
	})
	base := map[string]int{"HasCookie": 1, "ClientIP": 1}
	with := func(extra ...string) map[string]int {
		calls := map[string]int{"HasCookie": 1, "ClientIP": 1}
		for _, h := range extra {
			calls[h]++
		}
		return calls
	}
	tests := []struct {
		name      string
		cfg       intercom.Config
		opts      []adapter.Option[*ctx]
		auth      any
		do        func(r *adapter.Request[*ctx])
		wantUser  *intercom.User
		wantAttr  map[string]any
		wantCalls map[string]int
		userErr   *intercom.UserError
	}{
		{name: "auto-identify a string", auth: "jane", wantUser: &intercom.User{ID: "jane", Name: "jane"}, wantCalls: with("AuthUser")},
		{name: "auto-identify an Identifier", auth: member{"7", "m@x"}, wantUser: &intercom.User{ID: "7", Email: "m@x"}, wantCalls: with("AuthUser")},
		{name: "auto-identify an email-only Identifier", auth: member{"", "m@x"}, wantUser: &intercom.User{Email: "m@x"}, wantCalls: with("AuthUser")},
		{name: "auto-identify a *User", auth: &intercom.User{ID: "8", Phone: "+1"}, wantUser: &intercom.User{ID: "8", Phone: "+1"}, wantCalls: with("AuthUser")},
		{name: "auto-identify a User", auth: intercom.User{ID: "9", Name: "Nine"}, wantUser: &intercom.User{ID: "9", Name: "Nine"}, wantCalls: with("AuthUser")},
		{name: "auto-identify off", cfg: intercom.Config{DisableAutoIdentify: true}, auth: "jane", wantCalls: base},
		{name: "unsupported type reported", auth: 42, wantCalls: with("AuthUser"), userErr: &intercom.UserError{Type: "int", Reason: notAUser}},
		{name: "look-alike jwt token reported", auth: &Token{Valid: true, Claims: map[string]any{"sub": "mallory"}}, wantCalls: with("AuthUser"), userErr: &intercom.UserError{Type: "*adapter_test.Token", Reason: notAUser}},
		{name: "struct value reported", auth: Token{Valid: true}, wantCalls: with("AuthUser"), userErr: &intercom.UserError{Type: "adapter_test.Token", Reason: notAUser}},
		{name: "nil pointer of another type reported", auth: (*Token)(nil), wantCalls: with("AuthUser"), userErr: &intercom.UserError{Type: "*adapter_test.Token", Reason: notAUser}},
		{name: "panicking Identifier reported", auth: broken{}, wantCalls: with("AuthUser"), userErr: &intercom.UserError{Type: "adapter_test.broken", Reason: "IntercomUser panicked"}},
		{name: "empty string is nobody", auth: "", wantCalls: with("AuthUser")},
		{name: "nil is nobody", auth: nil, wantCalls: with("AuthUser")},
		{name: "nil *User is nobody", auth: (*intercom.User)(nil), wantCalls: with("AuthUser")},
		{name: "Identifier without ID or email is nobody", auth: member{}, wantCalls: with("AuthUser")},
		{name: "User without ID or email is nobody", auth: intercom.User{Name: "Anon"}, wantCalls: with("AuthUser")},
		{name: "User hook beats auto-identify", opts: []adapter.Option[*ctx]{fromHook}, auth: "jane", wantUser: &intercom.User{ID: "from-hook"}, wantCalls: with("User")},
		{name: "a declining User hook leaves auto-identify", opts: []adapter.Option[*ctx]{declines}, auth: "jane", wantUser: &intercom.User{ID: "jane", Name: "jane"}, wantCalls: with("User", "AuthUser")},
		{name: "Identify beats both, and skips their lookups", opts: []adapter.Option[*ctx]{fromHook}, auth: "jane",
			do:       func(r *adapter.Request[*ctx]) { r.Identify(intercom.User{ID: "explicit"}) },
			wantUser: &intercom.User{ID: "explicit"}, wantCalls: base},
		{name: "the last Identify wins", auth: "jane",
			do: func(r *adapter.Request[*ctx]) {
				r.Identify(intercom.User{ID: "first"})
				r.Identify(intercom.User{ID: "second", Email: "s@x"})
			},
			wantUser: &intercom.User{ID: "second", Email: "s@x"}, wantCalls: base},
		{name: "Set beats the Attributes hook", opts: []adapter.Option[*ctx]{attrs},
			do:       func(r *adapter.Request[*ctx]) { r.Set("plan", "set") },
			wantAttr: map[string]any{"plan": "set", "seats": 1}, wantCalls: with("Attributes", "AuthUser")},
		{name: "Attributes hook alone", opts: []adapter.Option[*ctx]{attrs},
			wantAttr: map[string]any{"plan": "hook", "seats": 1}, wantCalls: with("Attributes", "AuthUser")},
		{name: "Set alone, the last value wins",
			do:       func(r *adapter.Request[*ctx]) { r.Set("plan", "a"); r.Set("plan", "b"); r.Set("cart", 2.5) },
			wantAttr: map[string]any{"cart": 2.5, "plan": "b"}, wantCalls: with("AuthUser")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.AppID = "abc12345"
			tt.cfg.InternalIPs = []string{"192.0.2.0/24"} // so that the client IP is asked for
			m, rec := newMessenger(t, tt.cfg)
			hooks := glue()
			hooks.ClientIP = func(c *ctx) string { c.count("ClientIP"); return "198.51.100.1" }
			c := &ctx{authUser: tt.auth}
			r := start(m, hooks, c, tt.opts...)
			if len(c.calls) != 0 {
				t.Fatalf("hooks ran at Start: %v", c.calls)
			}
			if tt.do != nil {
				tt.do(r)
			}
			for range 3 { // hooks run once however often the visitor is asked for
				v := r.Visitor()
				if !reflect.DeepEqual(v.User, tt.wantUser) {
					t.Fatalf("user = %+v, want %+v", v.User, tt.wantUser)
				}
				if len(tt.wantAttr) == 0 && len(v.Attributes) != 0 || len(tt.wantAttr) != 0 && !equalJSON(map[string]any(v.Attributes), tt.wantAttr) {
					t.Fatalf("attributes = %v, want %v", v.Attributes, tt.wantAttr)
				}
				if v.ClientIP != "198.51.100.1" || v.Nonce != "" || v.Shutdown {
					t.Fatalf("visitor %+v: want client IP 198.51.100.1, no nonce, no shutdown", v)
				}
			}
			_ = r.Snippet()
			_ = r.Settings()
			if !sameCalls(c.calls, tt.wantCalls) {
				t.Errorf("hook calls %v, want %v", c.calls, tt.wantCalls)
			}
			errs := rec.errors()
			if tt.userErr == nil {
				wantReports(t, rec.messages(), nil)
				return
			}
			var ue *intercom.UserError
			if len(errs) != 1 || !errors.As(errs[0], &ue) || *ue != *tt.userErr {
				t.Errorf("reported %v, want one %#v", errs, tt.userErr)
			}
		})
	}
}

// sameCalls reports whether two call counts are equal, nil and empty alike.
func sameCalls(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestRequestPanickingHooks(t *testing.T) {
	tests := []struct {
		name     string
		hooks    adapter.Hooks[*ctx]
		wantUser any // user_id in the settings
		want     []string
	}{
		{"every app hook", adapter.Hooks[*ctx]{
			HasCookie:  func(*ctx, string) bool { panic("x") },
			User:       func(*ctx) (intercom.User, bool) { panic("db down") },
			AuthUser:   func(*ctx) any { return "fallback" },
			Attributes: func(*ctx) intercom.Attributes { panic("x") },
			Nonce:      func(*ctx) string { panic("x") },
			ClientIP:   func(*ctx) string { panic("x") },
		}, "fallback", []string{"HasCookie", "ClientIP", "Nonce", "Attributes", "User"}},
		{"the auth glue", adapter.Hooks[*ctx]{
			AuthUser: func(*ctx) any { panic("x") },
		}, nil, []string{"AuthUser"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, rec := newMessenger(t, intercom.Config{AppID: "abc12345", InternalIPs: []string{"192.0.2.1"}})
			r := start(m, tt.hooks, &ctx{})
			s := mustParse(t, string(r.Snippet()))
			if s["user_id"] != tt.wantUser {
				t.Errorf("user_id %v, want %v (settings %v)", s["user_id"], tt.wantUser, s)
			}
			wantHookErrors(t, rec.errors(), tt.want...)
			var msgs []string
			for _, h := range tt.want {
				msgs = append(msgs, "intercom: "+h+" hook panicked; treated as unset")
			}
			wantReports(t, rec.messages(), msgs)
			for _, msg := range rec.messages() {
				if strings.Contains(msg, "db down") {
					t.Errorf("the panic value leaked into a report: %s", msg)
				}
			}
		})
	}
}

func TestRequestSkipper(t *testing.T) {
	tests := []struct {
		name    string
		skip    func(*ctx) bool // Hooks.Skip, the adapter's own
		opts    []adapter.Option[*ctx]
		skipped bool
		reports []string
	}{
		{name: "no skipper"},
		{name: "Hooks.Skip skips", skip: skipAll, skipped: true},
		{name: "WithSkipper skips", opts: []adapter.Option[*ctx]{adapter.WithSkipper(skipAll)}, skipped: true},
		{name: "WithSkipper declines", opts: []adapter.Option[*ctx]{adapter.WithSkipper(func(*ctx) bool { return false })}},
		{name: "WithSkipper replaces Hooks.Skip", skip: skipAll, opts: []adapter.Option[*ctx]{adapter.WithSkipper(func(*ctx) bool { return false })}},
		{name: "the skipper sees the request", opts: []adapter.Option[*ctx]{adapter.WithSkipper(func(c *ctx) bool { return c.authUser == "bot" })}, skipped: true},
		{name: "a panicking skipper does not skip", skip: func(*ctx) bool { panic("boom") }, reports: []string{"intercom: Skipper hook panicked; treated as unset"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, rec := newMessenger(t, intercom.Config{AppID: "abc12345"})
			hooks := glue()
			hooks.Skip = tt.skip
			c := &ctx{authUser: "bot"}
			r := start(m, hooks, c, tt.opts...)
			if r.Skipped() != tt.skipped {
				t.Fatalf("Skipped() = %v, want %v", r.Skipped(), tt.skipped)
			}
			wantReports(t, rec.messages(), tt.reports)
			if tt.reports != nil {
				wantHookErrors(t, rec.errors(), "Skipper")
			}
			r.Identify(intercom.User{ID: "42"})
			r.Set("plan", "pro")
			snippet, settings := string(r.Snippet()), string(r.Settings())
			if !tt.skipped {
				s := mustParse(t, snippet)
				if s["user_id"] != "42" || s["plan"] != "pro" || settings == "null" || !r.Rendered() {
					t.Errorf("not skipped, yet settings %v / %s, rendered %v", s, settings, r.Rendered())
				}
				return
			}
			if snippet != "" || settings != "null" || r.Rendered() || string(r.AppendSnippet([]byte("x"))) != "x" {
				t.Errorf("skipped request rendered: snippet %q, settings %s, rendered %v", snippet, settings, r.Rendered())
			}
			if v := r.Visitor(); v.User != nil || v.Attributes != nil {
				t.Errorf("skipped request's Visitor() = %+v, want none", v)
			}
			if len(c.calls) != 0 {
				t.Errorf("hooks ran for a skipped request: %v", c.calls)
			}
		})
	}
}

// TestNilRequest: every method works on a nil *Request, the state of a
// request the adapter's middleware did not see.
func TestNilRequest(t *testing.T) {
	var r *adapter.Request[*ctx]
	checks := map[string]func(t *testing.T){
		"Messenger": func(t *testing.T) {
			if r.Messenger() != nil {
				t.Error("want nil")
			}
		},
		"Skipped": func(t *testing.T) {
			if r.Skipped() {
				t.Error("want false")
			}
		},
		"Identify": func(*testing.T) { r.Identify(intercom.User{ID: "42"}) },
		"Set":      func(*testing.T) { r.Set("plan", "pro") },
		"Rendered": func(t *testing.T) {
			if r.Rendered() {
				t.Error("want false")
			}
		},
		"Visitor": func(t *testing.T) {
			if v := r.Visitor(); !reflect.DeepEqual(v, intercom.Visitor{}) {
				t.Errorf("got %+v, want the zero Visitor", v)
			}
		},
		"Snippet": func(t *testing.T) {
			if s := r.Snippet(); s != "" {
				t.Errorf("got %q", s)
			}
		},
		"AppendSnippet": func(t *testing.T) {
			if b := r.AppendSnippet([]byte("x")); string(b) != "x" {
				t.Errorf("got %q", b)
			}
		},
		"Settings": func(t *testing.T) {
			if s := r.Settings(); string(s) != "null" {
				t.Errorf("got %s", s)
			}
		},
		"WriteSettings": func(t *testing.T) {
			h := http.Header{}
			if b := r.WriteSettings(h.Set); string(b) != "null" || h.Get("Content-Type") != "application/json; charset=utf-8" || h.Get("Cache-Control") != "no-store" {
				t.Errorf("got %s, headers %v", b, h)
			}
		},
		"Shutdown": func(*testing.T) { r.Shutdown() },
		"Call": func(t *testing.T) {
			if err := r.Call("show"); !errors.Is(err, adapter.ErrNoMiddleware) {
				t.Errorf("Call = %v, want ErrNoMiddleware", err)
			}
		},
		"Inject": func(t *testing.T) {
			w := &discard{}
			called := false
			added, err := r.Inject(w, http.MethodGet, func(got http.ResponseWriter, iw *adapter.InjectWriter) {
				called = true
				if got != http.ResponseWriter(w) || iw != nil {
					t.Errorf("serve got %T, %v; want the writer unchanged and a nil InjectWriter", got, iw)
				}
			})
			if !called || added != 0 || err != nil {
				t.Errorf("Inject = %d, %v; serve called %v", added, err, called)
			}
		},
		"InjectBuffered": func(t *testing.T) {
			resp := newFakeResponse(200, "text/html", "<body></body>", true)
			if r.InjectBuffered(http.MethodGet, resp, resp.hdr) || string(resp.Body()) != "<body></body>" {
				t.Errorf("injected into %q", resp.Body())
			}
		},
	}
	var methods []string
	rt := reflect.TypeFor[*adapter.Request[*ctx]]()
	for i := range rt.NumMethod() {
		methods = append(methods, rt.Method(i).Name)
	}
	var tested []string
	for name := range checks {
		tested = append(tested, name)
	}
	slices.Sort(methods)
	slices.Sort(tested)
	if !slices.Equal(methods, tested) {
		t.Errorf("methods of *Request %q, tested on nil %q", methods, tested)
	}
	for _, name := range tested {
		t.Run(name, checks[name])
	}
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header {
	if d.h == nil {
		d.h = http.Header{}
	}
	return d.h
}
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

func TestRequestDisabledRunsNoHooks(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{})
	c := &ctx{authUser: "x"}
	r := start(m, glue(), c)
	if r.Snippet() != "" || string(r.AppendSnippet(nil)) != "" || string(r.Settings()) != "null" || r.Rendered() || len(c.calls) != 0 {
		t.Errorf("disabled Messenger rendered or ran hooks: %v", c.calls)
	}
	if r.Messenger() != m {
		t.Error("Messenger() is not the middleware's")
	}
}

// TestRequestSkipsClientIPWithoutInternalIPs: the client IP only decides the
// internal-IP rule, so without InternalIPs the hook (and its cost) is skipped.
func TestRequestSkipsClientIPWithoutInternalIPs(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	c := &ctx{}
	hooks := adapter.Hooks[*ctx]{ClientIP: func(c *ctx) string { c.count("ClientIP"); return "192.0.2.1" }}
	r := start(m, hooks, c)
	if v := r.Visitor(); v.ClientIP != "" || c.calls["ClientIP"] != 0 {
		t.Errorf("ClientIP hook ran %d times (visitor IP %q), want never", c.calls["ClientIP"], v.ClientIP)
	}
}

func TestRequestSnippet(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	r := start(m, glue(), &ctx{authUser: "jane"}, adapter.WithNonce(func(*ctx) string { return "bm9uY2U" }))
	if r.Rendered() {
		t.Fatal("Rendered before rendering")
	}
	want := string(m.Render(intercom.Visitor{User: &intercom.User{ID: "jane", Name: "jane"}, Nonce: "bm9uY2U"}))
	if got := string(r.Snippet()); got != want {
		t.Errorf("Snippet\n got %s\nwant %s", got, want)
	}
	if got := string(r.AppendSnippet([]byte("<p>"))); got != "<p>"+want {
		t.Errorf("AppendSnippet\n got %s\nwant <p>%s", got, want)
	}
	if _, _, nonce, err := parseSnippet(want); err != nil || nonce != "bm9uY2U" || !r.Rendered() {
		t.Errorf("nonce %q, err %v, rendered %v", nonce, err, r.Rendered())
	}
}

func TestRequestSettings(t *testing.T) {
	const defaults = `"api_base":"https://api-iam.intercom.io","app_id":"abc12345"`
	tests := []struct {
		name     string
		cfg      intercom.Config
		disabled bool
		skip     bool
		auth     any
		clientIP string
		do       func(r *adapter.Request[*ctx])
		want     string
	}{
		{name: "anonymous", want: `{` + defaults + `}`},
		{name: "auto-identified", auth: "jane", want: `{` + defaults + `,"name":"jane","user_id":"jane"}`},
		{name: "Identify and Set", auth: "jane", do: func(r *adapter.Request[*ctx]) {
			r.Identify(intercom.User{ID: "42", Email: "j@example.com"})
			r.Set("plan", "pro")
		}, want: `{` + defaults + `,"email":"j@example.com","plan":"pro","user_id":"42"}`},
		{name: "external client IP", cfg: intercom.Config{InternalIPs: []string{"10.0.0.0/8"}}, clientIP: "198.51.100.7", want: `{` + defaults + `}`},
		{name: "internal client IP", cfg: intercom.Config{InternalIPs: []string{"10.0.0.0/8"}}, clientIP: "10.1.2.3", auth: "jane", want: `null`},
		{name: "skipped", skip: true, auth: "jane", want: `null`},
		{name: "disabled", disabled: true, auth: "jane", want: `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.disabled {
				tt.cfg.AppID = "abc12345"
			}
			m, _ := newMessenger(t, tt.cfg)
			hooks := glue()
			hooks.ClientIP = func(*ctx) string { return tt.clientIP }
			if tt.skip {
				hooks.Skip = skipAll
			}
			r := start(m, hooks, &ctx{authUser: tt.auth})
			if tt.do != nil {
				tt.do(r)
			}
			if got := string(r.Settings()); got != tt.want {
				t.Errorf("Settings() = %s, want %s", got, tt.want)
			}
			h := http.Header{"Cache-Control": {"max-age=60"}}
			body := r.WriteSettings(h.Set)
			wantHeader := http.Header{"Content-Type": {"application/json; charset=utf-8"}, "Cache-Control": {"no-store"}}
			if string(body) != tt.want || !reflect.DeepEqual(h, wantHeader) {
				t.Errorf("WriteSettings = %s, headers %v; want %s, %v", body, h, tt.want, wantHeader)
			}
			if r.Rendered() {
				t.Error("the settings response counts as a rendered snippet")
			}
		})
	}
}

func TestNewMiddleware(t *testing.T) {
	t.Run("nil Messenger panics, naming the adapter", func(t *testing.T) {
		defer func() {
			const want = "intercomtest.Middleware: needs a *intercom.Messenger from intercom.New, got nil"
			if p := recover(); p != want {
				t.Errorf("panic %v, want %q", p, want)
			}
		}()
		adapter.NewMiddleware[*ctx]("intercomtest.Middleware", nil, adapter.Hooks[*ctx]{})
	})
	t.Run("options apply over the adapter's hooks; nil ones are ignored", func(t *testing.T) {
		m, _ := newMessenger(t, intercom.Config{AppID: "abc12345", InternalIPs: []string{"10.0.0.0/8"}})
		hooks := adapter.Hooks[*ctx]{
			User:     func(*ctx) (intercom.User, bool) { return intercom.User{ID: "adapter"}, true },
			ClientIP: func(*ctx) string { return "10.0.0.1" },
			Nonce:    func(*ctx) string { return "YWRhcHRlcg" },
		}
		tests := []struct {
			name            string
			opts            []adapter.Option[*ctx]
			user, ip, nonce string
		}{
			{"adapter defaults", nil, "adapter", "10.0.0.1", "YWRhcHRlcg"},
			{"nil options", []adapter.Option[*ctx]{nil, nil}, "adapter", "10.0.0.1", "YWRhcHRlcg"},
			{"WithClientIP(nil) keeps the default", []adapter.Option[*ctx]{adapter.WithClientIP[*ctx](nil)}, "adapter", "10.0.0.1", "YWRhcHRlcg"},
			{"the options", []adapter.Option[*ctx]{
				adapter.WithUser(func(*ctx) (intercom.User, bool) { return intercom.User{ID: "app"}, true }),
				adapter.WithClientIP(func(*ctx) string { return "198.51.100.1" }),
				adapter.WithNonce(func(*ctx) string { return "YXBw" }),
			}, "app", "198.51.100.1", "YXBw"},
			{"the last option wins", []adapter.Option[*ctx]{
				adapter.WithNonce(func(*ctx) string { return "Zmlyc3Q" }),
				adapter.WithNonce(func(*ctx) string { return "c2Vjb25k" }),
			}, "adapter", "10.0.0.1", "c2Vjb25k"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				mw := adapter.NewMiddleware("intercomtest.Middleware", m, hooks, tt.opts...)
				if mw.Messenger() != m {
					t.Fatal("Messenger() is not m")
				}
				r := mw.Start(&ctx{})
				v := r.Visitor()
				if v.User == nil || v.User.ID != tt.user || v.ClientIP != tt.ip || v.Nonce != tt.nonce {
					t.Errorf("visitor %+v (user %+v), want user %s, IP %s, nonce %s", v, v.User, tt.user, tt.ip, tt.nonce)
				}
				if r.Messenger() != m {
					t.Error("Request.Messenger() is not m")
				}
			})
		}
	})
}

type other struct{}

func TestLookup(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	var logged []error
	w := adapter.NewWarning(func(err error) { logged = append(logged, err) })
	r := start(m, glue(), &ctx{})
	if got := adapter.Lookup[*ctx](r, w); got != r || len(logged) != 0 {
		t.Fatalf("Lookup of the request = %p (want %p), logged %v", got, r, logged)
	}
	misses := []struct {
		name string
		v    any
	}{
		{"nothing stored", nil},
		{"another value", "intercom"},
		{"a nil *Request", (*adapter.Request[*ctx])(nil)},
		{"another adapter's Request", adapter.NewMiddleware("other", m, adapter.Hooks[other]{}).Start(other{})},
		{"a Request by value", *r},
	}
	for _, tt := range misses {
		if got := adapter.Lookup[*ctx](tt.v, w); got != nil {
			t.Errorf("%s: Lookup = %p, want nil", tt.name, got)
		}
	}
	if len(logged) != 1 || !errors.Is(logged[0], adapter.ErrNoMiddleware) {
		t.Errorf("logged %v, want ErrNoMiddleware once", logged)
	}
	// A nil Warning, or one without a log function, logs nothing.
	if adapter.Lookup[*ctx](nil, nil) != nil || adapter.Lookup[*ctx](nil, adapter.NewWarning(nil)) != nil {
		t.Error("Lookup of nothing is not nil")
	}
}

func TestWarningOnceAcrossGoroutines(t *testing.T) {
	var mu sync.Mutex
	n := 0
	w := adapter.NewWarning(func(error) { mu.Lock(); n++; mu.Unlock() })
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() { _ = adapter.Lookup[*ctx](nil, w) })
	}
	wg.Wait()
	if n != 1 {
		t.Errorf("logged %d times, want once", n)
	}
}

func TestHooksWith(t *testing.T) {
	base := adapter.Hooks[*ctx]{Nonce: func(*ctx) string { return "YmFzZQ" }}
	got := base.With(nil, adapter.WithNonce(func(*ctx) string { return "b3B0" }), nil, adapter.WithSkipper(skipAll))
	if got.Nonce(nil) != "b3B0" || got.Skip == nil || !got.Skip(nil) {
		t.Error("With did not apply the options in order")
	}
	if base.Nonce(nil) != "YmFzZQ" || base.Skip != nil {
		t.Error("With changed the receiver")
	}
}

// TestAdapt: every hook of the adapted Hooks calls its counterpart with
// via(d); nil hooks stay nil.
func TestAdapt(t *testing.T) {
	type exchange struct {
		c *ctx
	}
	c := &ctx{authUser: "jane", cookies: []string{"a", adapter.ShutdownCookie}}
	var seen []*ctx
	saw := func(c *ctx) { seen = append(seen, c) }
	full := adapter.Hooks[*ctx]{
		User:        func(c *ctx) (intercom.User, bool) { saw(c); return intercom.User{ID: "u"}, true },
		Attributes:  func(c *ctx) intercom.Attributes { saw(c); return intercom.Attributes{"k": 1} },
		Nonce:       func(c *ctx) string { saw(c); return "n" },
		ClientIP:    func(c *ctx) string { saw(c); return "192.0.2.1" },
		Skip:        func(c *ctx) bool { saw(c); return true },
		AuthUser:    func(c *ctx) any { saw(c); return c.authUser },
		HasCookie:   func(c *ctx, name string) bool { saw(c); return slices.Contains(c.cookies, name) },
		Cookie:      func(c *ctx, name string) string { saw(c); return "v-" + name },
		CookieNames: func(c *ctx) []string { saw(c); return c.cookies },
		SetCookie:   func(c *ctx, k *http.Cookie) { saw(c); c.set = append(c.set, k.String()) },
		UserOption:  "intercomtest.Config.User",

		DefaultHeader: func(c *ctx, k, v string) { saw(c); c.set = append(c.set, k+": "+v) },
	}
	via := func(x *exchange) *ctx { return x.c }
	h := adapter.Adapt(full, via)
	hv := reflect.ValueOf(h)
	for i := range hv.NumField() {
		if f := hv.Field(i); f.Kind() == reflect.Func && f.IsNil() || f.Kind() == reflect.String && f.String() == "" {
			t.Errorf("Adapt left %s unset", hv.Type().Field(i).Name)
		}
	}
	if h.UserOption != full.UserOption {
		t.Errorf("Adapt's UserOption is %q, want %q", h.UserOption, full.UserOption)
	}
	x := &exchange{c: c}
	u, ok := h.User(x)
	if u.ID != "u" || !ok || h.Attributes(x)["k"] != 1 || h.Nonce(x) != "n" || h.ClientIP(x) != "192.0.2.1" || !h.Skip(x) ||
		h.AuthUser(x) != "jane" || !h.HasCookie(x, adapter.ShutdownCookie) || h.HasCookie(x, "b") || !slices.Equal(h.CookieNames(x), c.cookies) ||
		h.Cookie(x, "a") != "v-a" {
		t.Error("an adapted hook does not return its counterpart's answer")
	}
	h.SetCookie(x, &http.Cookie{Name: "n", Value: "v"})
	h.DefaultHeader(x, "Cache-Control", "private")
	if !slices.Equal(c.set, []string{"n=v", "Cache-Control: private"}) {
		t.Errorf("SetCookie and DefaultHeader set %q", c.set)
	}
	if funcs := hv.NumField() - 1; len(seen) != funcs+1 { // every hook once, HasCookie twice; UserOption is no func
		t.Errorf("%d calls reached the counterparts, want %d", len(seen), funcs+1)
	}
	for _, s := range seen {
		if s != c {
			t.Fatal("a counterpart got something other than via(d)")
		}
	}
	none := reflect.ValueOf(adapter.Adapt(adapter.Hooks[*ctx]{}, via))
	for i := range none.NumField() {
		if !none.Field(i).IsZero() {
			t.Errorf("Adapt set %s from a nil hook", none.Type().Field(i).Name)
		}
	}
}

func TestWithRequestCookies(t *testing.T) {
	type exchange struct {
		req  *http.Request
		resp http.Header // nil once the headers have gone out
	}
	req := func(x *exchange) *http.Request { return x.req }
	header := func(x *exchange) http.Header { return x.resp }
	newExchange := func(cookies ...string) *exchange {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		for _, c := range cookies {
			r.AddCookie(&http.Cookie{Name: c, Value: "1"})
		}
		return &exchange{req: r, resp: http.Header{}}
	}

	h := adapter.Hooks[*exchange]{}.WithRequestCookies(req, header)
	x := newExchange("session", "intercom-custom-abc12345")
	if !h.HasCookie(x, "session") || h.HasCookie(x, adapter.ShutdownCookie) {
		t.Error("HasCookie does not read the request's cookies")
	}
	if got := h.CookieNames(x); !slices.Equal(got, []string{"session", "intercom-custom-abc12345"}) {
		t.Errorf("CookieNames = %q", got)
	}
	if h.Cookie(x, "session") != "1" || h.Cookie(x, "missing") != "" {
		t.Error("Cookie does not read the request's cookie values")
	}
	h.SetCookie(x, &http.Cookie{Name: "a", Value: "1"})
	h.SetCookie(x, &http.Cookie{Name: "bad name", Value: "1"}) // invalid: no header line
	h.SetCookie(x, &http.Cookie{Name: "b", Value: "2"})
	h.SetCookie(x, &http.Cookie{Name: "ab", Value: "3"})
	if got := x.resp.Values("Set-Cookie"); !slices.Equal(got, []string{"a=1", "b=2", "ab=3"}) {
		t.Errorf("Set-Cookie %q", got)
	}
	// Setting a cookie again replaces its line, also one the app added.
	x.resp.Add("Set-Cookie", "a=app; Path=/x")
	h.SetCookie(x, &http.Cookie{Name: "a", Value: "4"})
	if got := x.resp.Values("Set-Cookie"); !slices.Equal(got, []string{"b=2", "ab=3", "a=4"}) {
		t.Errorf("Set-Cookie after setting a again %q", got)
	}
	x.resp = nil
	h.SetCookie(x, &http.Cookie{Name: "late", Value: "1"}) // the headers have gone out: nothing, no panic

	// The adapter's own hooks are kept.
	own := adapter.Hooks[*exchange]{
		HasCookie:   func(*exchange, string) bool { return true },
		CookieNames: func(*exchange) []string { return []string{"own"} },
		SetCookie:   func(x *exchange, _ *http.Cookie) { x.resp.Set("Own", "1") },
	}.WithRequestCookies(req, header)
	y := newExchange()
	own.SetCookie(y, &http.Cookie{Name: "a", Value: "1"})
	if !own.HasCookie(y, "x") || !slices.Equal(own.CookieNames(y), []string{"own"}) || y.resp.Get("Own") != "1" || y.resp.Get("Set-Cookie") != "" {
		t.Error("WithRequestCookies replaced a hook the adapter set")
	}

	// A logout through them.
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	z := newExchange("intercom-custom-abc12345")
	adapter.NewMiddleware("intercomtest.Middleware", m, h).Start(z).Shutdown()
	want := []string{
		"intercom-session-abc12345=; Path=/" + expired,
		"intercom-id-abc12345=; Path=/" + expired,
		"intercom-device-id-abc12345=; Path=/" + expired,
		"intercom-custom-abc12345=; Path=/" + expired,
		flagCookie,
	}
	if got := z.resp.Values("Set-Cookie"); !slices.Equal(got, want) {
		t.Errorf("Set-Cookie after Shutdown:\n%q\nwant\n%q", got, want)
	}
}

// TestMiddlewareInit: Init is Start into a Request the adapter holds; it
// overwrites what r held before.
func TestMiddlewareInit(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	hooks := glue()
	hooks.Skip = func(c *ctx) bool { return c.authUser == "bot" }
	mw := adapter.NewMiddleware("intercomtest.Middleware", m, hooks)
	var r adapter.Request[*ctx]
	mw.Init(&r, &ctx{authUser: "bot"})
	if !r.Skipped() || r.Messenger() != m {
		t.Fatalf("Init: skipped %v, Messenger %p", r.Skipped(), r.Messenger())
	}
	mw.Init(&r, &ctx{authUser: "jane"})
	r.Set("plan", "pro")
	if got, want := string(r.Settings()), `{"api_base":"https://api-iam.intercom.io","app_id":"abc12345","name":"jane","plan":"pro","user_id":"jane"}`; r.Skipped() || got != want {
		t.Errorf("after a second Init: skipped %v, settings %s; want %s", r.Skipped(), got, want)
	}
	_ = r.Snippet()
	mw.Init(&r, &ctx{})
	if r.Rendered() || len(r.Visitor().Attributes) != 0 || r.Visitor().User != nil {
		t.Error("Init kept state of the previous request")
	}
}

func TestWarningReset(t *testing.T) {
	n := 0
	w := adapter.NewWarning(func(error) { n++ })
	for range 2 {
		_ = adapter.Lookup[*ctx](nil, w)
		_ = adapter.Lookup[*ctx](nil, w)
		w.Reset()
	}
	if n != 2 {
		t.Errorf("logged %d times, want once before and once after Reset", n)
	}
}

// TestSetCannotChangeTheSignedIdentity: once the user channel identified the
// visitor (auto-identify, the User hook, Identify), Set cannot re-sign
// user_hash for another user_id, nor for another email when the email is
// what user_hash signs; the Attributes hook cannot either. Both are dropped
// and reported. (It used to re-sign: an app copying a visitor's fields
// into custom data let the visitor impersonate anyone.)
func TestSetCannotChangeTheSignedIdentity(t *testing.T) {
	const secret = "k"
	hash := func(s string) string {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(s))
		return hex.EncodeToString(mac.Sum(nil))
	}
	const idReport = `intercom: attribute "user_id" dropped: the visitor is identified as a user, whose user_id custom data cannot change`
	const emailReport = `intercom: attribute "email" dropped: the visitor is identified as a user by email, which custom data cannot change`
	hook := adapter.WithUser(func(*ctx) (intercom.User, bool) { return intercom.User{ID: "42"}, true })
	emailHook := adapter.WithUser(func(*ctx) (intercom.User, bool) { return intercom.User{Email: "jane@example.com"}, true })
	attrHook := adapter.WithAttributes(func(*ctx) intercom.Attributes { return intercom.Attributes{"user_id": "0"} })
	tests := []struct {
		name    string
		auth    any
		opts    []adapter.Option[*ctx]
		do      func(r *adapter.Request[*ctx])
		want    map[string]any
		reports []string
	}{
		{"auto-identified", "42", nil, func(r *adapter.Request[*ctx]) { r.Set("user_id", "1") },
			map[string]any{"user_id": "42", "name": "42", "user_hash": hash("42")}, []string{idReport}},
		{"the User hook", nil, []adapter.Option[*ctx]{hook}, func(r *adapter.Request[*ctx]) { r.Set("user_id", 1) },
			map[string]any{"user_id": "42", "user_hash": hash("42")}, []string{idReport}},
		{"Identify", nil, nil, func(r *adapter.Request[*ctx]) {
			r.Identify(intercom.User{ID: "42"})
			r.Set("user_id", "1")
		}, map[string]any{"user_id": "42", "user_hash": hash("42")}, []string{idReport}},
		{"the Attributes hook", nil, []adapter.Option[*ctx]{hook, attrHook}, nil,
			map[string]any{"user_id": "42", "user_hash": hash("42")}, []string{idReport}},
		{"an email-only user", nil, []adapter.Option[*ctx]{emailHook}, func(r *adapter.Request[*ctx]) { r.Set("email", "ceo@example.com") },
			map[string]any{"email": "jane@example.com", "user_hash": hash("jane@example.com")}, []string{emailReport}},
		{"a user with an id keeps a custom email", nil, []adapter.Option[*ctx]{hook}, func(r *adapter.Request[*ctx]) { r.Set("email", "new@example.com") },
			map[string]any{"user_id": "42", "email": "new@example.com", "user_hash": hash("42")}, nil},
		{"no user: Set identifies", nil, nil, func(r *adapter.Request[*ctx]) { r.Set("user_id", "1") },
			map[string]any{"user_id": "1", "user_hash": hash("1")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, rec := newMessenger(t, intercom.Config{AppID: "abc12345", HMACSecret: secret})
			r := start(m, glue(), &ctx{authUser: tt.auth}, tt.opts...)
			if tt.do != nil {
				tt.do(r)
			}
			var got map[string]any
			if err := json.Unmarshal(r.Settings(), &got); err != nil {
				t.Fatal(err)
			}
			want := map[string]any{"app_id": "abc12345", "api_base": "https://api-iam.intercom.io"}
			maps.Copy(want, tt.want)
			if !maps.Equal(got, want) {
				t.Errorf("settings %v\nwant %v", got, want)
			}
			wantReports(t, rec.messages(), tt.reports)
		})
	}
}
