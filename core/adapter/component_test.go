package adapter_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

type ctxKeyOfTest struct{}

func TestContext(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	r := start(m, glue(), &ctx{})
	withR := adapter.NewContext(context.Background(), r)
	tests := []struct {
		name string
		ctx  context.Context
		want *adapter.Request[*ctx]
	}{
		{"carried", withR, r},
		{"carried through derived contexts", context.WithValue(withR, ctxKeyOfTest{}, 1), r},
		{"none", context.Background(), nil},
		{"nil context", nil, nil},
		{"another adapter's state only", adapter.NewContext(context.Background(), adapter.NewMiddleware("other", m, adapter.Hooks[other]{}).Start(other{})), nil},
		{"a nil Request: the context as it is", adapter.NewContext[*ctx](context.Background(), nil), nil},
		{"a nil Request over one: the context as it is", adapter.NewContext(withR, (*adapter.Request[*ctx])(nil)), r},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := adapter.FromContext[*ctx](tt.ctx); got != tt.want {
				t.Errorf("FromContext = %p, want %p", got, tt.want)
			}
		})
	}
	// ContextKey is the key NewContext stores under, one per context type.
	if got := withR.Value(adapter.ContextKey[*ctx]()); got != r {
		t.Errorf("Value(ContextKey) = %v, want the Request", got)
	}
	if adapter.ContextKey[*ctx]() == adapter.ContextKey[other]() {
		t.Error("two context types share a key")
	}
	if adapter.ContextKey[*ctx]() != adapter.ContextKey[*ctx]() {
		t.Error("ContextKey is not stable")
	}
	if got := withR.Value(adapter.ContextKey[other]()); got != nil {
		t.Errorf("another type's key finds %v", got)
	}
	// The parent's values, and a nil Request's context is the parent itself.
	parent := context.WithValue(context.Background(), ctxKeyOfTest{}, "parent")
	if got := adapter.NewContext(parent, start(m, glue(), &ctx{})).Value(ctxKeyOfTest{}); got != "parent" {
		t.Errorf("the parent's value is %v", got)
	}
	if got := adapter.NewContext[*ctx](parent, nil); got != parent {
		t.Errorf("NewContext with a nil Request = %v, want the parent", got)
	}
	// Cancellation passes through.
	cancelled, cancel := context.WithCancel(context.Background())
	withCancel := adapter.NewContext(cancelled, start(m, glue(), &ctx{}))
	cancel()
	if withCancel.Err() != context.Canceled {
		t.Errorf("Err() = %v after the parent's cancel", withCancel.Err())
	}
}

func TestNewContextDoesNotAllocate(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	mw := adapter.NewMiddleware("intercomtest.Middleware", m, glue())
	r, c := new(adapter.Request[*ctx]), &ctx{}
	parent := context.Background()
	allocs := testing.AllocsPerRun(100, func() {
		mw.Init(r, c) // a new request in the same memory
		if adapter.FromContext[*ctx](adapter.NewContext(parent, r)) != r {
			t.Fatal("lost the Request")
		}
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per NewContext and FromContext, want 0", allocs)
	}
}

// StartWithRequest gives the request state and a copy of the request whose
// context carries it and the original's values, in one allocation; a nil
// request gives the state alone.
func TestStartWithRequest(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	mw := adapter.NewMiddleware("intercomtest.Middleware", m, glue())
	orig := httptest.NewRequest(http.MethodGet, "/cart?x=1", nil)
	orig = orig.WithContext(context.WithValue(orig.Context(), ctxKeyOfTest{}, "auth"))
	c := &ctx{}
	r, req := mw.StartWithRequest(c, orig)
	if r == nil || req == nil || req == orig {
		t.Fatalf("StartWithRequest = %p, %p (the original is %p); want a state and a new request", r, req, orig)
	}
	if got := adapter.FromContext[*ctx](req.Context()); got != r {
		t.Errorf("the new request's context carries %p, want the state %p", got, r)
	}
	if got := req.Context().Value(ctxKeyOfTest{}); got != "auth" {
		t.Errorf("the new request's context lost the original's value: %v", got)
	}
	if req.URL.String() != "/cart?x=1" || req.Method != http.MethodGet {
		t.Errorf("the new request is %s %s, want GET /cart?x=1", req.Method, req.URL)
	}
	if adapter.FromContext[*ctx](orig.Context()) != nil {
		t.Error("the original request's context carries the state")
	}
	if r.Skipped() || r.Messenger() != m {
		t.Errorf("state: skipped %v, Messenger %p; want an active request of %p", r.Skipped(), r.Messenger(), m)
	}
	allocs := testing.AllocsPerRun(100, func() {
		if r, req := mw.StartWithRequest(c, orig); r == nil || req == nil {
			t.Fatal("no state")
		}
	})
	if allocs != 1 {
		t.Errorf("%.1f allocations per StartWithRequest, want 1", allocs)
	}
	if r, req := mw.StartWithRequest(c, nil); r == nil || req != nil {
		t.Errorf("StartWithRequest(c, nil) = %p, %p; want a state and no request", r, req)
	}
}

// NewContext on a context that already carries the request returns it as
// it is; a second parent for the same request gets a context of its own,
// and the first keeps its parent.
func TestNewContextTwice(t *testing.T) {
	type key struct{}
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	r := start(m, glue(), &ctx{})
	first := adapter.NewContext(context.WithValue(context.Background(), key{}, "first"), r)
	if again := adapter.NewContext(first, r); again != first {
		t.Errorf("NewContext(NewContext(x, r), r) = %v, want the same context", again)
	}
	second := adapter.NewContext(context.WithValue(context.Background(), key{}, "second"), r)
	for _, tt := range []struct {
		ctx  context.Context
		want string
	}{{first, "first"}, {second, "second"}} {
		if got := tt.ctx.Value(key{}); got != tt.want {
			t.Errorf("Value(key) = %v, want %q", got, tt.want)
		}
		if adapter.FromContext[*ctx](tt.ctx) != r {
			t.Errorf("FromContext lost the Request")
		}
		if err := tt.ctx.Err(); err != nil {
			t.Errorf("Err() = %v", err)
		}
	}
}

func TestComponent(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	disabled, _ := newMessenger(t, intercom.Config{})
	var logged []error
	w := adapter.NewWarning(func(err error) { logged = append(logged, err) })
	component := adapter.NewComponent[*ctx](w, nil)

	nonce := adapter.WithNonce(func(*ctx) string { return "bm9uY2U" })
	r := start(m, glue(), &ctx{authUser: "jane"}, nonce)
	r.Set("plan", "pro")
	want := string(m.Render(intercom.Visitor{
		User:       &intercom.User{ID: "jane", Name: "jane"},
		Attributes: intercom.Attributes{"plan": "pro"},
		Nonce:      "bm9uY2U",
	}))
	tests := []struct {
		name     string
		ctx      context.Context
		want     string
		rendered bool
	}{
		{"the request's snippet", adapter.NewContext(context.Background(), r), want, true},
		{"a skipped request writes nothing", adapter.NewContext(context.Background(), start(m, adapter.Hooks[*ctx]{Skip: skipAll}, &ctx{})), "", false},
		{"a disabled Messenger writes nothing", adapter.NewContext(context.Background(), start(disabled, glue(), &ctx{})), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			if err := component.Render(tt.ctx, &out); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("Render wrote\n%q\nwant\n%q", out.String(), tt.want)
			}
			if got := adapter.FromContext[*ctx](tt.ctx).Rendered(); got != tt.rendered {
				t.Errorf("Rendered() = %v, want %v", got, tt.rendered)
			}
		})
	}
	if len(logged) != 0 {
		t.Errorf("warned with request state: %v", logged)
	}

	t.Run("without request state: nothing written, nil error, one warning", func(t *testing.T) {
		for _, c := range []context.Context{context.Background(), nil, adapter.NewContext(context.Background(), adapter.NewMiddleware("other", m, adapter.Hooks[other]{}).Start(other{}))} {
			var out strings.Builder
			if err := component.Render(c, &out); err != nil || out.Len() != 0 {
				t.Errorf("Render = %v, wrote %q", err, out.String())
			}
		}
		if len(logged) != 1 || !errors.Is(logged[0], adapter.ErrNoMiddleware) {
			t.Errorf("logged %v, want ErrNoMiddleware once", logged)
		}
	})

	t.Run("a write error is returned", func(t *testing.T) {
		boom := errors.New("boom")
		c := adapter.NewContext(context.Background(), start(m, glue(), &ctx{}))
		if err := component.Render(c, failingWriter{boom}); !errors.Is(err, boom) {
			t.Errorf("Render = %v, want boom", err)
		}
	})

	t.Run("an adapter's own lookup", func(t *testing.T) {
		r := start(m, glue(), &ctx{})
		var got []context.Context
		find := func(c context.Context) *adapter.Request[*ctx] {
			got = append(got, c)
			if c.Value(ctxKeyOfTest{}) == "mine" {
				return r
			}
			return nil
		}
		own := adapter.NewComponent(w, find)
		c := context.WithValue(context.Background(), ctxKeyOfTest{}, "mine")
		var out strings.Builder
		if err := own.Render(c, &out); err != nil || out.String() != snippetOf(m) || !r.Rendered() {
			t.Errorf("Render = %v, wrote %q, rendered %v", err, out.String(), r.Rendered())
		}
		// A nil context never reaches find.
		if err := own.Render(nil, &out); err != nil || len(got) != 1 { //nolint:staticcheck // SA1012: a nil context is what this checks
			t.Errorf("Render(nil) = %v; find called %d times, want once", err, len(got))
		}
	})

	t.Run("the zero Component and a nil Warning", func(t *testing.T) {
		var out strings.Builder
		for _, c := range []adapter.Component{{}, adapter.NewComponent[*ctx](nil, nil)} {
			if err := c.Render(context.Background(), &out); err != nil || out.Len() != 0 {
				t.Errorf("Render = %v, wrote %q", err, out.String())
			}
		}
	})
}
