package intercomhttp_test

import (
	"context"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	intercomhttp "github.com/goanalytical/intercom/adapters/nethttp"
	"github.com/goanalytical/intercom/conformance"
	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

// benchPage is the page every benchmark serves.
var benchPage = template.Must(template.New("page").Parse(
	`<!DOCTYPE html><html><head><title>{{ .title }}</title></head><body><h1>{{ .title }}</h1>{{ .Intercom }}</body></html>`))

// signedInKey is where the stand-in auth middleware keeps the user.
type signedInKey struct{}

// benchApp is the same small app with and without Intercom: a stand-in auth
// middleware that signs in user(), and one route rendering benchPage with
// html/template. Without Intercom the data is a plain map, so
// {{ .Intercom }} renders empty.
func benchApp(b *testing.B, withIntercom bool, user func() string) http.Handler {
	b.Helper()
	page := func(w http.ResponseWriter, r *http.Request) {
		data := map[string]any{"title": "Pricing"}
		if withIntercom {
			data = intercomhttp.Data(r, data)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := benchPage.Execute(w, data); err != nil {
			b.Error(err)
		}
	}
	var h http.Handler = http.HandlerFunc(page)
	if withIntercom {
		m, err := intercom.New(intercom.Config{AppID: appID, HMACSecret: "s3cret"})
		if err != nil {
			b.Fatal(err)
		}
		h = intercomhttp.Middleware(m, intercomhttp.WithAuthUser(func(r *http.Request) any {
			return r.Context().Value(signedInKey{})
		}))(h)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), signedInKey{}, user())))
	}))
	return mux
}

// discardWriter is an http.ResponseWriter that counts what is written, as
// net/http's own writes into a fixed buffer.
type discardWriter struct {
	header http.Header
	code   int
	n      int
}

func (w *discardWriter) reset() {
	clear(w.header)
	w.code, w.n = 0, 0
}

func (w *discardWriter) Header() http.Header { return w.header }

func (w *discardWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *discardWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.n += len(p)
	return len(p), nil
}

// benchServe serves GET / on h in the benchmark loop.
func benchServe(b *testing.B, h http.Handler, wantSnippet bool) {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), adapter.SnippetMarker) != wantSnippet {
		b.Fatalf("status %d, snippet %t: %s", rec.Code, !wantSnippet, rec.Body)
	}
	w := &discardWriter{header: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		h.ServeHTTP(w, req)
	}
}

// BenchmarkBareRoute is the baseline: the same page with no Intercom code.
func BenchmarkBareRoute(b *testing.B) {
	benchServe(b, benchApp(b, false, func() string { return "jane" }), false)
}

// BenchmarkWithIntercom is the same page behind Middleware, with the snippet
// for the signed-in user and identity verification (user_hash).
func BenchmarkWithIntercom(b *testing.B) {
	benchServe(b, benchApp(b, true, func() string { return "jane" }), true)
}

// BenchmarkOverhead is what Intercom adds to the route: BareRoute and
// WithIntercom served alternately (see conformance.Paired), for a user who
// comes back and for a new user on every request.
func BenchmarkOverhead(b *testing.B) {
	for _, tt := range []struct {
		name string
		user func() string
	}{
		{"returning-user", func() string { return "jane" }},
		{"new-user-each-request", conformance.UserNames(1 << 16)},
	} {
		b.Run(tt.name, func(b *testing.B) {
			bare, with := benchApp(b, false, tt.user), benchApp(b, true, tt.user)
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			w := &discardWriter{header: http.Header{}}
			serve := func(h http.Handler) func() {
				return func() {
					w.reset()
					h.ServeHTTP(w, req)
				}
			}
			conformance.Paired(b, serve(bare), serve(with))
		})
	}
}
