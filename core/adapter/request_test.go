package adapter_test

import (
	"html/template"
	"strings"
	"testing"

	intercom "github.com/goanalytical/intercom/core"
)

// ctx stands in for a framework's request context.
type ctx struct {
	authUser any
	calls    map[string]int
}

func (c *ctx) count(hook string) { c.calls[hook]++ }

type member struct{ id, mail string }

func (m member) IntercomUser() intercom.User { return intercom.User{ID: m.id, Email: m.mail} }

type broken struct{}

func (broken) IntercomUser() intercom.User { panic("nil deref in app code") }

func TestRequestPrecedence(t *testing.T) {
	hooks := &intercom.Hooks[*ctx]{
		AuthUser: func(c *ctx) any { c.count("auth"); return c.authUser },
		ClientIP: func(c *ctx) string { c.count("ip"); return "198.51.100.1" },
	}
	withUser := *hooks
	withUser.User = func(c *ctx) (intercom.User, bool) { c.count("user"); return intercom.User{ID: "from-hook"}, true }
	withAttrs := *hooks
	withAttrs.Attributes = func(c *ctx) intercom.Attributes {
		c.count("attrs")
		return intercom.Attributes{"plan": "hook", "seats": 1}
	}
	tests := []struct {
		name     string
		cfg      intercom.Config
		hooks    *intercom.Hooks[*ctx]
		auth     any
		do       func(r *intercom.Request[*ctx])
		wantUser string
		wantAttr map[string]any
		reports  []string
	}{
		{"auto-identify a string", intercom.Config{}, hooks, "jane", nil, "jane", nil, nil},
		{"auto-identify an Identifier", intercom.Config{}, hooks, member{"7", "m@x"}, nil, "7", nil, nil},
		{"auto-identify a *User", intercom.Config{}, hooks, &intercom.User{ID: "8"}, nil, "8", nil, nil},
		{"auto-identify off", intercom.Config{DisableAutoIdentify: true}, hooks, "jane", nil, "", nil, nil},
		{"wrong type reported", intercom.Config{}, hooks, 42, nil, "", nil, []string{"intercom: cannot identify user from int: not a string or an intercom.Identifier"}},
		{"panicking Identifier reported", intercom.Config{}, hooks, broken{}, nil, "", nil, []string{"intercom: cannot identify user from intercom_test.broken: IntercomUser panicked"}},
		{"empty string is nobody", intercom.Config{}, hooks, "", nil, "", nil, nil},
		{"User hook beats auto-identify", intercom.Config{}, &withUser, "jane", nil, "from-hook", nil, nil},
		{"Identify beats both", intercom.Config{}, &withUser, "jane", func(r *intercom.Request[*ctx]) { r.Identify(intercom.User{ID: "explicit"}) }, "explicit", nil, nil},
		{"Set beats the Attributes hook", intercom.Config{}, &withAttrs, nil, func(r *intercom.Request[*ctx]) { r.Set("plan", "set") }, "", map[string]any{"plan": "set", "seats": 1}, nil},
		{"Attributes hook alone", intercom.Config{}, &withAttrs, nil, nil, "", map[string]any{"plan": "hook", "seats": 1}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.AppID = "abc12345"
			tt.cfg.InternalIPs = []string{"192.0.2.0/24"} // so that the client IP is asked for
			m, rec := newMessenger(t, tt.cfg)
			c := &ctx{authUser: tt.auth, calls: map[string]int{}}
			r := intercom.NewRequest(m, tt.hooks, c)
			if tt.do != nil {
				tt.do(r)
			}
			for range 3 { // hooks run once however often the visitor is asked for
				v := r.Visitor()
				gotUser := ""
				if v.User != nil {
					gotUser = v.User.ID
				}
				if gotUser != tt.wantUser {
					t.Fatalf("user = %q, want %q", gotUser, tt.wantUser)
				}
				if !equalJSON(map[string]any(v.Attributes), tt.wantAttr) && (len(v.Attributes) != 0 || tt.wantAttr != nil) {
					t.Fatalf("attributes = %v, want %v", v.Attributes, tt.wantAttr)
				}
				if v.ClientIP != "198.51.100.1" {
					t.Fatalf("client IP %q", v.ClientIP)
				}
			}
			for hook, n := range c.calls {
				if n != 1 {
					t.Errorf("hook %s ran %d times, want once", hook, n)
				}
			}
			wantReports(t, rec.messages(), tt.reports)
		})
	}
}

func TestRequestPanickingHooks(t *testing.T) {
	m, rec := newMessenger(t, intercom.Config{AppID: "abc12345", InternalIPs: []string{"192.0.2.1"}})
	hooks := &intercom.Hooks[*ctx]{
		User:       func(*ctx) (intercom.User, bool) { panic("db down") },
		AuthUser:   func(*ctx) any { return "fallback" },
		Attributes: func(*ctx) intercom.Attributes { panic("x") },
		Nonce:      func(*ctx) string { panic("x") },
		ClientIP:   func(*ctx) string { panic("x") },
	}
	r := intercom.NewRequest(m, hooks, &ctx{})
	s := mustParse(t, string(r.Snippet()))
	if s["user_id"] != "fallback" {
		t.Errorf("want auto-identified fallback user, got %v", s)
	}
	want := []string{
		"intercom: ClientIP hook panicked; treated as unset",
		"intercom: Nonce hook panicked; treated as unset",
		"intercom: Attributes hook panicked; treated as unset",
		"intercom: User hook panicked; treated as unset",
	}
	wantReports(t, rec.messages(), want)
}

func TestRequestDisabledRunsNoHooks(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{})
	c := &ctx{calls: map[string]int{}}
	r := intercom.NewRequest(m, &intercom.Hooks[*ctx]{AuthUser: func(c *ctx) any { c.count("auth"); return "x" }}, c)
	if r.Snippet() != "" || len(c.calls) != 0 {
		t.Errorf("disabled Messenger rendered or ran hooks: %v", c.calls)
	}
}

// A nil Request is how adapters pass a request their middleware skipped or
// did not see: it renders nothing, and its settings are null, as a disabled
// Messenger's are.
func TestRequestWithoutSnippet(t *testing.T) {
	disabled, _ := newMessenger(t, intercom.Config{})
	for _, tc := range []struct {
		name string
		r    *intercom.Request[*ctx]
	}{
		{"nil request", nil},
		{"disabled Messenger", intercom.NewRequest(disabled, &intercom.Hooks[*ctx]{}, &ctx{})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.r.Snippet(); got != "" {
				t.Errorf("Snippet() = %q, want empty", got)
			}
			if got := string(tc.r.Settings()); got != "null" {
				t.Errorf("Settings() = %q, want null", got)
			}
		})
	}
}

func TestRequestShutdownAndNonce(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	r := intercom.NewRequest(m, &intercom.Hooks[*ctx]{Nonce: func(*ctx) string { return "bm9uY2U" }}, &ctx{})
	r.SetShutdown()
	out := string(r.Snippet())
	if !strings.Contains(out, `i("shutdown");i("boot",s);`) || !strings.Contains(out, ` nonce="bm9uY2U"`) {
		t.Errorf("want shutdown and nonce: %s", out)
	}
}

func TestTemplateAttributes(t *testing.T) {
	got := intercom.TemplateAttributes(map[string]any{"intercom_plan": "pro", "intercom_": "no name", "title": "x", "Intercom": "snippet", "intercom_seats": 3})
	want := intercom.Attributes{"plan": "pro", "seats": 3}
	if !equalJSON(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if intercom.TemplateAttributes(map[string]any{"title": 1}) != nil || intercom.TemplateAttributes(nil) != nil {
		t.Errorf("want nil without intercom_ keys")
	}
}

// TestRequestSkipsClientIPWithoutInternalIPs: the client IP only decides the
// internal-IP rule, so without InternalIPs the hook (and its cost) is skipped.
func TestRequestSkipsClientIPWithoutInternalIPs(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	c := &ctx{calls: map[string]int{}}
	r := intercom.NewRequest(m, &intercom.Hooks[*ctx]{ClientIP: func(c *ctx) string { c.count("ip"); return "192.0.2.1" }}, c)
	if v := r.Visitor(); v.ClientIP != "" || c.calls["ip"] != 0 {
		t.Errorf("ClientIP hook ran %d times (visitor IP %q), want never", c.calls["ip"], v.ClientIP)
	}
}

func TestSkipped(t *testing.T) {
	m, rec := newMessenger(t, intercom.Config{AppID: "abc12345"})
	c := &ctx{}
	if !intercom.Skipped(m, "Skipper", func(*ctx) bool { return true }, c) ||
		intercom.Skipped(m, "Skipper", func(*ctx) bool { return false }, c) ||
		intercom.Skipped[*ctx](m, "Skipper", nil, c) {
		t.Error("Skipped does not return the skipper's answer")
	}
	if intercom.Skipped(m, "Next", func(*ctx) bool { panic("boom") }, c) {
		t.Error("a panicking skipper must not skip")
	}
	wantReports(t, rec.messages(), []string{"intercom: Next hook panicked; treated as unset"})
}

type pageData map[string]any

func TestTemplateData(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	r := intercom.NewRequest(m, &intercom.Hooks[*ctx]{}, &ctx{})
	data := pageData{"title": "Cart", "intercom_plan": "pro", intercom.TemplateKey: "stale"}
	out := intercom.TemplateData(r, data)
	if len(data) != 3 || data[intercom.TemplateKey] != "stale" {
		t.Errorf("the caller's map was modified: %v", data)
	}
	s := mustParse(t, string(out[intercom.TemplateKey].(template.HTML)))
	if out["title"] != "Cart" || s["plan"] != "pro" || len(out) != 3 {
		t.Errorf("TemplateData = %v, settings %v", out, s)
	}
	none := intercom.TemplateData[pageData, *ctx](nil, nil)
	if len(none) != 1 || none[intercom.TemplateKey] != template.HTML("") {
		t.Errorf("no request: %v, want only an empty snippet", none)
	}
}
