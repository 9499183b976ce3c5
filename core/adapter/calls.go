package adapter

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/internal/link"
)

// CallsCookiePrefix begins the name of the cookie that carries queued
// Messenger calls to the next page; the workspace's app id ends it
// ("intercom_calls_abc12345"), so a cookie of another workspace on the same
// site is never read. Like ShutdownCookie it is not HttpOnly, so that the
// page that runs the calls can delete it, and not "intercom-", the
// Messenger's own prefix.
const CallsCookiePrefix = "intercom_calls_"

// Bounds on the calls queued for one page. What is queued always fits the
// cookie, so a call Request.Call accepted survives a redirect.
const (
	// MaxCalls is the most calls queued for one page.
	MaxCalls = 32
	// MaxCallsCookie is the longest value of the calls cookie, in bytes:
	// base64url of the calls' JSON (about 2,300 bytes of it), well inside
	// the 4 KiB browsers keep per cookie.
	MaxCallsCookie = 3072
)

// callsCookieAge is how long queued calls wait for a page to render them:
// enough for a redirect or two, short enough that they never surprise a
// visitor who comes back later.
const callsCookieAge = 2 * time.Minute

// CallsCookieError reports a calls cookie that the request carried but that
// could not be read: not base64url, not a JSON array of calls, too long. It
// is ignored and deleted. The cookie's content is not included: anyone can
// forge a cookie.
type CallsCookieError struct {
	Reason string
}

func (e *CallsCookieError) Error() string {
	return "intercom: queued-calls cookie ignored: " + e.Reason
}

// Call queues a call of the Messenger's JavaScript API for the page that
// renders the snippet for this visitor: this response's, or, when this
// response renders none (a redirect, a fragment, JSON), the next one's. The
// method and its arguments are validated by intercom.Messenger.Call, whose
// documentation lists them. The calls render after the Messenger boots or
// updates, in the order they were queued, each once.
//
// Calls travel to the next page in a cookie of CallsCookiePrefix and the app
// id, set through the SetCookie hook (so queue calls before the response's
// headers go out). Calls the request's cookie already held come first, so
// nothing is lost when two redirects follow each other. The page that
// renders them deletes the cookie: the response where its headers are still
// open, and the snippet's own script.
//
// Call returns a *intercom.CallError, also reported to
// intercom.Config.ErrorHandler, when the call is invalid, when the request's
// queue is full (MaxCalls, MaxCallsCookie), on a request the skipper
// excluded, and after the snippet has rendered on this response. With a
// disabled Messenger a valid call is dropped without an error, as nothing
// renders. On a nil Request (no middleware) it returns ErrNoMiddleware.
func (r *Request[C]) Call(method string, args ...any) error {
	if r == nil {
		return ErrNoMiddleware
	}
	c, err := r.mw.m.Call(method, args...)
	if err != nil {
		r.mw.st.Report(err)
		return err
	}
	switch {
	case r.mw.st.AppID == "":
		return nil
	case r.skipped:
		return r.dropCall(method, "the request is skipped (WithSkipper), so no page of it runs calls")
	case r.rendered:
		return r.dropCall(method, "the snippet has already rendered on this response; queue calls before rendering")
	}
	r.loadCalls()
	if len(r.calls) >= MaxCalls {
		return r.dropCall(method, "more than "+strconv.Itoa(MaxCalls)+" calls queued for one page")
	}
	value := encodeCalls(append(r.calls, c))
	if len(value) > MaxCallsCookie {
		return r.dropCall(method, "the calls queued for one page would exceed "+strconv.Itoa(MaxCallsCookie)+" bytes of cookie")
	}
	r.calls = append(r.calls, c)
	r.callsHeld = true
	r.setCookie(&http.Cookie{ //nolint:gosec // not HttpOnly: the page's script deletes it; not Secure: works on http in development
		Name: r.mw.callsCookie, Value: value, Path: "/",
		MaxAge: int(callsCookieAge / time.Second), SameSite: http.SameSiteLaxMode,
	})
	return nil
}

func (r *Request[C]) dropCall(method, reason string) error {
	err := &intercom.CallError{Method: method, Reason: reason}
	r.mw.st.Report(err)
	return err
}

// loadCalls reads the calls the request's cookie carries, once.
func (r *Request[C]) loadCalls() {
	if r.callsRead {
		return
	}
	r.callsRead = true
	h, st := &r.mw.hooks, r.mw.st
	if h.Cookie == nil || st.AppID == "" {
		return
	}
	name := r.mw.callsCookie
	value, _ := guard(st, "Cookie", func() string { return h.Cookie(r.ctx, name) })
	if value == "" {
		return
	}
	r.callsHeld = true
	calls, err := decodeCalls(r.mw.m, st, value)
	if err != nil {
		st.Report(err)
	}
	r.calls = calls
}

// takeCalls returns the queued calls for a snippet that renders now: the
// page consumes them and the cookie that carried them.
func (r *Request[C]) takeCalls() []intercom.Call {
	r.loadCalls()
	calls := r.calls
	r.calls = nil
	if r.callsHeld {
		// Where the headers have gone out, the SetCookie hook does nothing
		// and the snippet's own script deletes the cookie.
		r.callsHeld = false
		r.setCookie(&http.Cookie{ //nolint:gosec // expiring; as the cookie was set
			Name: r.mw.callsCookie, Value: "", Path: "/",
			Expires: time.Unix(0, 0), MaxAge: -1, SameSite: http.SameSiteLaxMode,
		})
	}
	return calls
}

// encodeCalls returns the cookie value for calls: base64url, unpadded, of
// their JSON array.
func encodeCalls(calls []intercom.Call) string {
	b := []byte{'['}
	for i, c := range calls {
		if i > 0 {
			b = append(b, ',')
		}
		js, _ := c.MarshalJSON()
		b = append(b, js...)
	}
	b = append(b, ']')
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCalls parses a calls cookie. It is data only: each entry must be a
// JSON array of a method and its arguments, and is validated again by
// Messenger.Call exactly as the app's own calls are, so a forged cookie can
// at most queue allowed calls with plain data. A cookie that cannot be
// parsed yields no calls; entries that fail validation are dropped, each
// reported.
func decodeCalls(m *intercom.Messenger, st *link.State, value string) ([]intercom.Call, error) {
	if len(value) > MaxCallsCookie {
		return nil, &CallsCookieError{Reason: "longer than " + strconv.Itoa(MaxCallsCookie) + " bytes"}
	}
	js, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil {
		return nil, &CallsCookieError{Reason: "not unpadded base64url"}
	}
	var entries []json.RawMessage
	if err := json.Unmarshal(js, &entries); err != nil {
		return nil, &CallsCookieError{Reason: "not a JSON array of calls"}
	}
	if len(entries) > MaxCalls {
		return nil, &CallsCookieError{Reason: "more than " + strconv.Itoa(MaxCalls) + " calls"}
	}
	calls := make([]intercom.Call, 0, len(entries))
	for i, e := range entries {
		method, args, ok := decodeCall(e)
		if !ok {
			st.Report(&CallsCookieError{Reason: fmt.Sprintf("entry %d is not [method, args...]", i)})
			continue
		}
		c, err := m.Call(method, args...)
		if err != nil {
			st.Report(err)
			continue
		}
		calls = append(calls, c)
	}
	return calls, nil
}

// decodeCall splits one cookie entry into its method and arguments: strings
// decoded, anything else kept as raw JSON for Messenger.Call to judge (an
// object is metadata; nothing else fits an argument).
func decodeCall(e json.RawMessage) (method string, args []any, ok bool) {
	var parts []json.RawMessage
	if json.Unmarshal(e, &parts) != nil || len(parts) == 0 || json.Unmarshal(parts[0], &method) != nil {
		return "", nil, false
	}
	for _, p := range parts[1:] {
		var s string
		if len(p) > 0 && p[0] == '"' && json.Unmarshal(p, &s) == nil {
			args = append(args, s)
			continue
		}
		args = append(args, rawJSON(bytes.Clone(p)))
	}
	return method, args, true
}

// rawJSON is cookie JSON handed to Messenger.Call, which validates, escapes
// and re-encodes it as it does any json.Marshaler's output.
type rawJSON []byte

func (r rawJSON) MarshalJSON() ([]byte, error) { return r, nil }
