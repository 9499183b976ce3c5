package conformance

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testNonce(nonce string) func(*testing.T, Harness) {
	return func(t *testing.T, h Harness) {
		a := start(t, h, intercom.Config{AppID: appID}, Scenario{
			WithNonce: func(Header) string { return nonce },
		})
		s := a.get(t, "", nil).mustSnippet(t)
		assert.Equal(t, nonce, s.Nonce, "the element's nonce attribute")
		assert.Contains(t, s.Loader, `setAttribute("nonce","`+nonce+`")`, "the loader must put the nonce on the widget script")
		assert.Equal(t, expect(nil), s.Settings)
		a.noErrors(t)
	}
}

func testNonceInvalid(t *testing.T, h Harness) {
	const bad = `abc" onload="x`
	a := start(t, h, intercom.Config{AppID: appID}, Scenario{
		WithNonce: func(Header) string { return bad },
	})
	p := a.get(t, "", nil)
	s := p.mustSnippet(t)
	assert.Empty(t, s.Nonce, "the element has a nonce attribute")
	assert.NotContains(t, s.Raw, "nonce", "the snippet uses the invalid nonce")
	assert.NotContains(t, p.body, `onload="x`, "the invalid nonce reached the page")
	assert.Equal(t, expect(nil), s.Settings)
	reported[*intercom.NonceError](t, a)
}

func testSkip(t *testing.T, h Harness) {
	var calls atomic.Int32
	a := start(t, h, intercom.Config{AppID: appID}, Scenario{
		Skip:     true,
		SignedIn: signedIn("jane"),
		WithUser: func(Header) (intercom.User, bool) {
			calls.Add(1)
			return intercom.User{ID: "42"}, true
		},
		WithAttributes: func(Header) intercom.Attributes {
			calls.Add(1)
			return intercom.Attributes{"plan": "pro"}
		},
	})
	a.get(t, "", nil).mustNotHaveSnippet(t)
	assert.Zero(t, calls.Load(), "WithUser or WithAttributes called on a skipped request")
	a.noErrors(t)
}

func testSkipHandlerCalls(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{AppID: appID}, Scenario{
		Skip:     true,
		Identify: func(Header) (intercom.User, bool) { return intercom.User{ID: "42"}, true },
		Set:      []Attr{{"plan", "pro"}},
	})
	// Identify and Set on a skipped request must neither fail the page nor
	// bring the snippet back.
	a.get(t, "", nil).mustNotHaveSnippet(t)
}

func testCallbacksOnce(t *testing.T, h Harness) {
	var mu sync.Mutex
	calls := map[string]int{} // "callback request" -> calls
	count := func(name string, hd Header) {
		mu.Lock()
		calls[name+" "+hd(requestHeader)]++
		mu.Unlock()
	}
	a := start(t, h, intercom.Config{AppID: appID}, Scenario{
		WithUser: func(hd Header) (intercom.User, bool) {
			count("WithUser", hd)
			return intercom.User{ID: "u-" + hd(requestHeader)}, true
		},
		WithAttributes: func(hd Header) intercom.Attributes {
			count("WithAttributes", hd)
			return intercom.Attributes{"request": hd(requestHeader)}
		},
		WithNonce: func(hd Header) string {
			count("WithNonce", hd)
			return "r4nd0m-Nonce_12"
		},
	})
	const n = 3
	for i := range n {
		id := strconv.Itoa(i)
		s := a.get(t, "", headerMap(requestHeader, id)).mustSnippet(t)
		assert.Equal(t, expect(map[string]any{"user_id": "u-" + id, "request": id}), s.Settings)
		assert.Equal(t, "r4nd0m-Nonce_12", s.Nonce)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, name := range []string{"WithUser", "WithAttributes", "WithNonce"} {
		for i := range n {
			key := fmt.Sprintf("%s %d", name, i)
			assert.LessOrEqual(t, calls[key], 1, "%s called %d times for one request", name, calls[key])
		}
	}
	a.noErrors(t)
}

func testConcurrency(t *testing.T, h Harness) {
	const n = 200
	a := start(t, h, intercom.Config{AppID: appID, HMACSecret: secret}, Scenario{
		SignedIn: func(hd Header) any {
			if u := hd(userHeader); u != "" {
				return u
			}
			return nil
		},
		WithAttributes: func(hd Header) intercom.Attributes {
			return intercom.Attributes{"request_user": hd(userHeader)}
		},
	})
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	c := newClient("")
	defer c.CloseIdleConnections()

	type result struct {
		user string
		page *page
		err  error
	}
	results := make(chan result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user := fmt.Sprintf("user-%d", i)
			p, err := fetch(ctx, c, a.url, headerMap(userHeader, user))
			results <- result{user, p, err}
		}()
	}
	wg.Wait()
	close(results)

	failures := 0
	for r := range results {
		if r.err == nil && r.page.err == nil && r.page.snippet != nil {
			want := expect(map[string]any{
				"user_id":      r.user,
				"name":         r.user,
				"user_hash":    userHash(r.user),
				"request_user": r.user,
			})
			if assert.ObjectsAreEqual(want, r.page.snippet.Settings) && checkSnippet(r.page.body, r.page.snippet) == nil {
				continue
			}
		}
		if failures++; failures > 5 {
			continue // enough to diagnose
		}
		switch {
		case r.err != nil:
			t.Errorf("request for %s: %v", r.user, r.err)
		case r.page.err != nil || r.page.snippet == nil:
			t.Errorf("request for %s: no valid snippet (%v); page:\n%s", r.user, r.page.err, r.page.body)
		default:
			t.Errorf("request for %s: got settings %v (%v)", r.user, r.page.snippet.Settings,
				checkSnippet(r.page.body, r.page.snippet))
		}
	}
	require.Zero(t, failures, "%d of %d concurrent requests did not show exactly their own user", failures, n)
	a.noErrors(t)
}
