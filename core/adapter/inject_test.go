package adapter_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

// snippetOf is the snippet an anonymous visitor of m gets.
func snippetOf(m *intercom.Messenger) string { return string(m.Render(intercom.Visitor{})) }

// expand replaces {S} in page with snippet.
func expand(page, snippet string) string { return strings.ReplaceAll(page, "{S}", snippet) }

func TestInject(t *testing.T) {
	const page = "<html><body>hello</body></html>"
	tests := []struct {
		name       string
		method     string
		handler    func(r *adapter.Request[*ctx], w http.ResponseWriter)
		wantCode   int
		wantBody   string // {S} stands for the snippet
		wantLength string // Content-Length header after
		injected   bool
	}{
		{"html with Content-Length", "GET", func(_ *adapter.Request[*ctx], w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Content-Length", "31")
			_, _ = io.WriteString(w, page)
		}, 200, "<html><body>hello{S}</body></html>", "", true},
		{"sniffed html", "GET", func(_ *adapter.Request[*ctx], w http.ResponseWriter) { _, _ = io.WriteString(w, page) },
			200, "<html><body>hello{S}</body></html>", "", true},
		{"content type set after WriteHeader, as gin does", "GET", func(_ *adapter.Request[*ctx], w http.ResponseWriter) {
			w.WriteHeader(201)
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, page)
		}, 201, "<html><body>hello{S}</body></html>", "", true},
		{"an error page", "POST", func(_ *adapter.Request[*ctx], w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(404)
			_, _ = io.WriteString(w, "<body>not found</BODY>")
		}, 404, "<body>not found{S}</BODY>", "", true},
		{"many small writes", "GET", func(_ *adapter.Request[*ctx], w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			for _, s := range []string{"<html>", "<body>", strings.Repeat("<p>x</p>", 2000), "</bo", "dy>", "</html>"} {
				_, _ = io.WriteString(w, s)
			}
		}, 200, "<html><body>" + strings.Repeat("<p>x</p>", 2000) + "{S}</body></html>", "", true},
		{"json untouched", "GET", func(_ *adapter.Request[*ctx], w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "10")
			_, _ = io.WriteString(w, `{"a":"</body>"}`[:10])
		}, 200, `{"a":"</bo`, "10", false},
		{"gzip untouched", "GET", func(_ *adapter.Request[*ctx], w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = io.WriteString(w, page)
		}, 200, page, "", false},
		// HEAD is decided as GET, so both have the same headers; net/http
		// discards the body of a HEAD response (the recorder keeps it).
		{"HEAD with the page written", "HEAD", func(_ *adapter.Request[*ctx], w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Length", "31")
			_, _ = io.WriteString(w, page)
		}, 200, "<html><body>hello{S}</body></html>", "", true},
		// http.ServeContent answers HEAD with the page's Content-Length and
		// no body; GET would not get that length, so HEAD does not either.
		{"HEAD without a body, as http.ServeContent answers it", "HEAD", func(_ *adapter.Request[*ctx], w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Length", "31")
			w.WriteHeader(200)
		}, 200, "", "", false},
		{"HEAD of JSON untouched", "HEAD", func(_ *adapter.Request[*ctx], w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "10")
			w.WriteHeader(200)
		}, 200, "", "10", false},
		{"a page that carries the snippet's marker", "GET", func(_ *adapter.Request[*ctx], w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, `<body><script id="IntercomSettingsScriptTag"></script></body>`)
		}, 200, `<body><script id="IntercomSettingsScriptTag"></script></body>`, "", false},
		{"a page whose template helper rendered the snippet", "GET", func(r *adapter.Request[*ctx], w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<body>"+string(r.Snippet())+"</body>")
		}, 200, "<body>{S}</body>", "", false},
		{"flush mid-page", "GET", func(_ *adapter.Request[*ctx], w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<html><body>a")
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, "</body></html>")
		}, 200, "<html><body>a{S}</body></html>", "", true},
		{"304 untouched", "GET", func(_ *adapter.Request[*ctx], w http.ResponseWriter) { w.WriteHeader(304) }, 304, "", "", false},
		{"redirect untouched", "GET", func(_ *adapter.Request[*ctx], w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(302)
			_, _ = io.WriteString(w, page)
		}, 302, page, "", false},
		{"nothing written", "GET", func(*adapter.Request[*ctx], http.ResponseWriter) {}, 200, "", "", false},
	}
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	snippet := snippetOf(m)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			c := &ctx{}
			r := start(m, glue(), c)
			added, err := r.Inject(rec, tt.method, func(w http.ResponseWriter, iw *adapter.InjectWriter) {
				if iw == nil || w != http.ResponseWriter(iw) {
					t.Fatalf("serve got %T and InjectWriter %p; want the InjectWriter as both", w, iw)
				}
				tt.handler(r, w)
			})
			if err != nil {
				t.Fatal(err)
			}
			want := expand(tt.wantBody, snippet)
			if rec.Code != tt.wantCode || rec.Body.String() != want {
				t.Errorf("got %d %q\nwant %d %q", rec.Code, rec.Body.String(), tt.wantCode, want)
			}
			if got := rec.Header().Get("Content-Length"); got != tt.wantLength {
				t.Errorf("Content-Length %q, want %q", got, tt.wantLength)
			}
			wantAdded := 0
			if tt.injected {
				wantAdded = len(snippet)
			}
			if added != wantAdded {
				t.Errorf("added %d, want %d", added, wantAdded)
			}
			if n := strings.Count(rec.Body.String(), adapter.SnippetMarker); n > 1 {
				t.Errorf("snippet in the page %d times", n)
			}
			if !tt.injected && !strings.Contains(tt.wantBody, "{S}") && (r.Rendered() || len(c.calls) != 0) {
				t.Errorf("not injected, yet rendered %v / hooks ran %v", r.Rendered(), c.calls)
			}
			if tt.injected && !r.Rendered() {
				t.Error("injected, yet not Rendered")
			}
		})
	}
}

// TestInjectOuterEncoding: a Content-Encoding the response had before Inject
// ran was set by a compressing layer outside it (gin-contrib/gzip sets it
// before calling the handler), which compresses what Inject writes: the
// page it sees is plain and gets the snippet. An encoding the handler sets
// or changes, and a body that starts gzip's or zstd's magic number, mean
// the body is encoded already.
func TestInjectOuterEncoding(t *testing.T) {
	const page = "<html><body>hello</body></html>"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = io.WriteString(zw, page)
	_ = zw.Close()
	zstdFrame := "\x28\xb5\x2f\xfd" + page // the magic number is all that counts
	html := func(encoding, body string) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			if encoding != "" {
				w.Header().Set("Content-Encoding", encoding)
			}
			_, _ = io.WriteString(w, body)
		}
	}
	tests := []struct {
		name     string
		outer    string // the Content-Encoding set before Inject ran
		handler  func(w http.ResponseWriter)
		want     string // {S} stands for the snippet
		injected bool
	}{
		{"outer gzip: injected", "gzip", html("", page), "<html><body>hello{S}</body></html>", true},
		{"outer br: injected", "br", html("", page), "<html><body>hello{S}</body></html>", true},
		{"outer gzip set again by the handler: injected", "gzip", html("gzip", page), "<html><body>hello{S}</body></html>", true},
		{"outer gzip removed by the handler: injected", "gzip", func(w http.ResponseWriter) {
			w.Header().Del("Content-Encoding")
			html("", page)(w)
		}, "<html><body>hello{S}</body></html>", true},
		{"outer gzip, the handler's br: untouched", "gzip", html("br", page), page, false},
		{"no outer encoding, the handler's gzip: untouched", "", html("gzip", gz.String()), gz.String(), false},
		{"outer gzip, a gzip body: untouched", "gzip", html("gzip", gz.String()), gz.String(), false},
		{"outer zstd, a zstd body: untouched", "zstd", html("", zstdFrame), zstdFrame, false},
	}
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	snippet := snippetOf(m)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			if tt.outer != "" {
				rec.Header().Set("Content-Encoding", tt.outer)
			}
			r := start(m, glue(), &ctx{})
			added, err := r.Inject(rec, "GET", func(w http.ResponseWriter, _ *adapter.InjectWriter) { tt.handler(w) })
			if err != nil {
				t.Fatal(err)
			}
			if want := expand(tt.want, snippet); rec.Body.String() != want {
				t.Errorf("body %q, want %q", rec.Body.String(), want)
			}
			if got := added == len(snippet); got != tt.injected {
				t.Errorf("added %d, injected %v, want %v", added, got, tt.injected)
			}
			wantCache := ""
			if tt.injected {
				wantCache = "private"
			}
			if got := rec.Header().Get("Cache-Control"); got != wantCache {
				t.Errorf("Cache-Control %q, want %q", got, wantCache)
			}
		})
	}
}

// TestInjectSeesTheHandler: the snippet is rendered after serve returns, so
// it sees what the handler set.
func TestInjectSeesTheHandler(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	r := start(m, glue(), &ctx{authUser: "jane"})
	rec := httptest.NewRecorder()
	added, err := r.Inject(rec, "GET", func(w http.ResponseWriter, _ *adapter.InjectWriter) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<body>")
		r.Identify(intercom.User{ID: "42"})
		_, _ = io.WriteString(w, "</body>")
		r.Set("plan", "pro")
	})
	want := string(m.Render(intercom.Visitor{User: &intercom.User{ID: "42"}, Attributes: intercom.Attributes{"plan": "pro"}}))
	if err != nil || added != len(want) || rec.Body.String() != "<body>"+want+"</body>" {
		t.Errorf("Inject = %d, %v; body %q\nwant %q", added, err, rec.Body.String(), "<body>"+want+"</body>")
	}
}

// TestInjectNothingToInject: serve gets the writer as it is and a nil
// InjectWriter when there is nothing to inject.
func TestInjectNothingToInject(t *testing.T) {
	enabled, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	disabled, _ := newMessenger(t, intercom.Config{})
	const page = "<html><body>hello</body></html>"
	tests := []struct {
		name string
		r    *adapter.Request[*ctx]
	}{
		{"nil request", nil},
		{"skipped request", start(enabled, adapter.Hooks[*ctx]{Skip: skipAll}, &ctx{})},
		{"disabled Messenger", start(disabled, glue(), &ctx{})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			called := false
			added, err := tt.r.Inject(rec, "GET", func(w http.ResponseWriter, iw *adapter.InjectWriter) {
				called = true
				if iw != nil || w != http.ResponseWriter(rec) {
					t.Errorf("serve got %T, %p; want the recorder and nil", w, iw)
				}
				w.Header().Set("Content-Type", "text/html")
				w.Header().Set("Content-Length", "31")
				_, _ = io.WriteString(w, page)
			})
			if !called || added != 0 || err != nil || rec.Body.String() != page || rec.Header().Get("Content-Length") != "31" {
				t.Errorf("Inject = %d, %v; called %v; body %q", added, err, called, rec.Body.String())
			}
		})
	}
}

// TestInjectTwice: a second Inject on the same request (the middleware
// installed twice) gets a nil InjectWriter and serves on the first one; the
// page gets the snippet once.
func TestInjectTwice(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	snippet := snippetOf(m)
	r := start(m, glue(), &ctx{})
	rec := httptest.NewRecorder()
	var inner struct {
		added int
		err   error
	}
	added, err := r.Inject(rec, "GET", func(w http.ResponseWriter, outer *adapter.InjectWriter) {
		inner.added, inner.err = r.Inject(w, "GET", func(w2 http.ResponseWriter, iw *adapter.InjectWriter) {
			if iw != nil || w2 != http.ResponseWriter(outer) {
				t.Errorf("inner serve got %T, %p; want the outer InjectWriter and nil", w2, iw)
			}
			_, _ = io.WriteString(w2, "<html><body>hi</body></html>")
		})
	})
	if err != nil || inner.err != nil || inner.added != 0 || added != len(snippet) {
		t.Errorf("added %d, %v (inner %d, %v); want %d", added, err, inner.added, inner.err, len(snippet))
	}
	if got, want := rec.Body.String(), "<html><body>hi"+snippet+"</body></html>"; got != want {
		t.Errorf("body %q\nwant %q", got, want)
	}
	// Once the first Inject has returned, the request can be injected again
	// (an adapter that serves an error page after the chain).
	rec2 := httptest.NewRecorder()
	if _, err := r.Inject(rec2, "GET", func(_ http.ResponseWriter, iw *adapter.InjectWriter) {
		if iw == nil {
			t.Error("a later Inject got a nil InjectWriter")
		}
	}); err != nil {
		t.Error(err)
	}
}

// TestInjectPanic: after a handler panic, what it wrote goes out as it would
// have without the snippet, the snippet's hooks do not run, and the panic
// goes on.
func TestInjectPanic(t *testing.T) {
	tests := []struct {
		name     string
		handler  func(w http.ResponseWriter)
		wantCode int
		wantBody string
	}{
		{"page held at </body>", func(w http.ResponseWriter) {
			_, _ = io.WriteString(w, "<html><body>hello</body></html>")
		}, http.StatusOK, "<html><body>hello</body></html>"},
		{"page cut short", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, "<html><body>hel")
		}, http.StatusCreated, "<html><body>hel"},
		{"small writes still gathered", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<body>")
			_, _ = io.WriteString(w, "x</body>")
		}, http.StatusOK, "<body>x</body>"},
		{"status only", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusAccepted)
		}, http.StatusAccepted, ""},
		{"nothing written", func(http.ResponseWriter) {}, http.StatusOK, ""},
	}
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			c := &ctx{}
			r := start(m, glue(), c)
			recovered := func() (p any) {
				defer func() { p = recover() }()
				_, _ = r.Inject(rec, "GET", func(w http.ResponseWriter, _ *adapter.InjectWriter) {
					tt.handler(w)
					panic("handler bug")
				})
				return nil
			}()
			if recovered != "handler bug" {
				t.Fatalf("recovered %v, want the handler's panic", recovered)
			}
			if rec.Code != tt.wantCode || rec.Body.String() != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", rec.Code, rec.Body.String(), tt.wantCode, tt.wantBody)
			}
			if r.Rendered() || len(c.calls) != 0 {
				t.Errorf("after the panic: rendered %v, hooks ran %v", r.Rendered(), c.calls)
			}
			// The request is not left marked as injecting.
			if _, err := r.Inject(httptest.NewRecorder(), "GET", func(_ http.ResponseWriter, iw *adapter.InjectWriter) {
				if iw == nil {
					t.Error("Inject after a panicked one got a nil InjectWriter")
				}
			}); err != nil {
				t.Error(err)
			}
		})
	}
}

// serveInject runs handler through r.Inject on a new recorder and returns it.
func serveInject(t *testing.T, r *adapter.Request[*ctx], handler func(iw *adapter.InjectWriter)) (*httptest.ResponseRecorder, int) {
	t.Helper()
	rec := httptest.NewRecorder()
	added, err := r.Inject(rec, "GET", func(_ http.ResponseWriter, iw *adapter.InjectWriter) {
		if iw == nil {
			t.Fatal("nil InjectWriter")
		}
		handler(iw)
	})
	if err != nil {
		t.Fatal(err)
	}
	return rec, added
}

// A text/html response with no place for the snippet (a fragment, a page
// whose last </body> is followed by more than the scanner holds) renders
// nothing: no hook runs, the request does not count as rendered, and a
// pending logout waits for the next page.
func TestInjectNoPlaceRendersNothing(t *testing.T) {
	for _, body := range []string{
		"<li>an htmx fragment</li>",
		"<html><body><p>x</p></body>" + strings.Repeat("<!-- tail -->", 64<<10/13+1),
	} {
		m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
		c := &ctx{authUser: "jane", cookies: []string{adapter.ShutdownCookie}}
		r := start(m, glue(), c)
		rec, added := serveInject(t, r, func(iw *adapter.InjectWriter) {
			iw.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = io.WriteString(iw, body)
		})
		if rec.Body.String() != body || added != 0 || r.Rendered() {
			t.Errorf("%.30q: body changed %v, added %d, rendered %v", body, rec.Body.String() != body, added, r.Rendered())
		}
		if len(c.calls) != 0 || len(c.set) != 0 {
			t.Errorf("%.30q: hooks ran %v, cookies set %v", body, c.calls, c.set)
		}
	}
}

func TestInjectWriterHeadersAndCoalescing(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	snippet := snippetOf(m)
	t.Run("injected response: no length, ranges or validator; private unless a policy is set", func(t *testing.T) {
		for _, policy := range []string{"", "no-cache"} {
			rec, _ := serveInject(t, start(m, glue(), &ctx{}), func(w *adapter.InjectWriter) {
				h := w.Header()
				h.Set("Content-Type", "text/html")
				h.Set("Content-Length", "30")
				h.Set("Accept-Ranges", "bytes")
				h.Set("ETag", `"abc"`)
				h.Set("Last-Modified", "Mon, 02 Jan 2006 15:04:05 GMT")
				if policy != "" {
					h.Set("Cache-Control", policy)
				}
				_, _ = io.WriteString(w, "<html><body>x</body></html>")
			})
			want := policy
			if want == "" {
				want = "private"
			}
			got := rec.Result().Header
			if got.Get("Cache-Control") != want || got.Get("Content-Length") != "" || got.Get("Accept-Ranges") != "" || got.Get("ETag") != "" || got.Get("Last-Modified") == "" {
				t.Errorf("headers %v", got)
			}
		}
	})
	t.Run("a response left alone keeps its headers", func(t *testing.T) {
		rec, _ := serveInject(t, start(m, glue(), &ctx{}), func(w *adapter.InjectWriter) {
			h := w.Header()
			h.Set("Content-Type", "text/plain")
			h.Set("Accept-Ranges", "bytes")
			h.Set("ETag", `"abc"`)
			_, _ = io.WriteString(w, "</body>")
		})
		got := rec.Result().Header
		if got.Get("Cache-Control") != "" || got.Get("Accept-Ranges") != "bytes" || got.Get("ETag") != `"abc"` {
			t.Errorf("headers %v", got)
		}
	})
	t.Run("status below 1 is ignored, and so is a second status", func(t *testing.T) {
		rec, _ := serveInject(t, start(m, glue(), &ctx{}), func(w *adapter.InjectWriter) {
			w.WriteHeader(404)
			w.WriteHeader(-1)
			w.WriteHeader(0)
			_, _ = io.WriteString(w, "<body></body>")
			w.WriteHeader(500)
		})
		if rec.Code != 404 || rec.Body.String() != "<body>"+snippet+"</body>" {
			t.Errorf("got %d %q, want 404 and the page with the snippet", rec.Code, rec.Body.String())
		}
	})
	t.Run("an empty first write does not fix the content type", func(t *testing.T) {
		rec, added := serveInject(t, start(m, glue(), &ctx{}), func(w *adapter.InjectWriter) {
			_, _ = w.Write(nil)
			_, _ = io.WriteString(w, "<html><body>x</body></html>")
		})
		if added != len(snippet) || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
			t.Errorf("added %d, content type %q", added, rec.Header().Get("Content-Type"))
		}
	})
	t.Run("small writes are coalesced, and Flush delivers them", func(t *testing.T) {
		rec, _ := serveInject(t, start(m, glue(), &ctx{}), func(w *adapter.InjectWriter) {
			w.Header().Set("Content-Type", "text/html")
			for _, piece := range []string{"<html>", "<body>", "<p>", "hello", "</p>"} {
				_, _ = w.WriteString(piece)
			}
			if got := w.Unwrap().(*httptest.ResponseRecorder).Body.String(); got != "" {
				t.Errorf("small writes reached the client unbuffered: %q", got)
			}
			w.Flush()
			if got := w.Unwrap().(*httptest.ResponseRecorder).Body.String(); got != "<html><body><p>hello</p>" {
				t.Errorf("after Flush the client has %q", got)
			}
			_, _ = io.WriteString(w, "</body></html>")
		})
		if got, want := rec.Body.String(), "<html><body><p>hello</p>"+snippet+"</body></html>"; got != want || !rec.Flushed {
			t.Errorf("body %q, want %q (flushed %v)", got, want, rec.Flushed)
		}
	})
	t.Run("http.ResponseController reaches the recorder through Unwrap", func(t *testing.T) {
		rec, _ := serveInject(t, start(m, glue(), &ctx{}), func(w *adapter.InjectWriter) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<body>")
			if err := http.NewResponseController(w).Flush(); err != nil {
				t.Error(err)
			}
			_, _ = io.WriteString(w, "</body>")
		})
		if !rec.Flushed || rec.Body.String() != "<body>"+snippet+"</body>" {
			t.Errorf("flushed %v, body %q", rec.Flushed, rec.Body.String())
		}
	})
}

func TestInjectWriterStatus(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	tests := []struct {
		name     string
		handler  func(w *adapter.InjectWriter)
		want     int // Status() after the handler
		wantCode int // what the client got
	}{
		{"nothing", func(*adapter.InjectWriter) {}, 0, 200},
		{"a write", func(w *adapter.InjectWriter) { _, _ = io.WriteString(w, "x") }, 200, 200},
		{"a status", func(w *adapter.InjectWriter) { w.WriteHeader(201) }, 201, 201},
		{"WriteHeaderNow sends the headers", func(w *adapter.InjectWriter) {
			w.WriteHeader(204)
			w.WriteHeaderNow()
			if code := w.Unwrap().(*httptest.ResponseRecorder).Code; code != 204 {
				t.Errorf("after WriteHeaderNow the client has %d", code)
			}
		}, 204, 204},
		{"WriteHeaderNow without a status is 200", func(w *adapter.InjectWriter) { w.WriteHeaderNow() }, 200, 200},
		{"101 goes out at once", func(w *adapter.InjectWriter) {
			w.WriteHeader(http.StatusSwitchingProtocols)
			if code := w.Unwrap().(*httptest.ResponseRecorder).Code; code != 101 {
				t.Errorf("the client has %d", code)
			}
		}, 101, 101},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var status int
			rec, added := serveInject(t, start(m, glue(), &ctx{}), func(w *adapter.InjectWriter) {
				if w.Status() != 0 {
					t.Errorf("Status() = %d before the handler", w.Status())
				}
				tt.handler(w)
				status = w.Status()
			})
			if status != tt.want || rec.Code != tt.wantCode || added != 0 {
				t.Errorf("Status() = %d, client %d, added %d; want %d, %d, 0", status, rec.Code, added, tt.want, tt.wantCode)
			}
		})
	}
}

// brokenWriter is a client connection that fails every write.
type brokenWriter struct {
	discard
	err error
}

func (b *brokenWriter) Write([]byte) (int, error) { return 0, b.err }

func TestInjectWriteError(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	boom := errors.New("connection reset")
	r := start(m, glue(), &ctx{})
	added, err := r.Inject(&brokenWriter{err: boom}, "GET", func(w http.ResponseWriter, _ *adapter.InjectWriter) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, strings.Repeat("<p>x</p>", 100)+"</body>")
	})
	if !errors.Is(err, boom) || added != 0 {
		t.Errorf("Inject = %d, %v; want 0, %v", added, err, boom)
	}
}

// fakeResponse is a response held whole in memory, as fasthttp's
// *fasthttp.Response is: a body buffer of its own, a body it does not own
// (set with SetBodyRaw, as fiber's c.Send does), or a body stream.
type fakeResponse struct {
	status int
	own    []byte
	raw    []byte
	stream io.Reader
	size   int
	hdr    *fakeHeader
}

// newFakeResponse returns a response with body as its own buffer (owned) or
// as a raw body, with a Content-Type (unless "") and a Content-Length.
func newFakeResponse(status int, contentType, body string, owned bool) *fakeResponse {
	r := &fakeResponse{status: status, hdr: &fakeHeader{h: http.Header{}}}
	if contentType != "" {
		r.hdr.Set("Content-Type", contentType)
	}
	if owned {
		r.own = slices.Clip([]byte(body))
	} else {
		r.raw = []byte(body)
	}
	r.hdr.SetContentLength(len(body))
	return r
}

func (r *fakeResponse) Body() []byte {
	if r.raw != nil {
		return r.raw
	}
	return r.own
}

// SwapBody swaps the response's own buffer and, as fasthttp's does, drops a
// raw body.
func (r *fakeResponse) SwapBody(b []byte) []byte {
	r.raw = nil
	old := r.own
	r.own = b
	return old
}

// SetBodyStream replaces the body and, as fasthttp's does, sets the
// Content-Length to size.
func (r *fakeResponse) SetBodyStream(body io.Reader, size int) {
	r.own, r.raw = nil, nil
	r.stream, r.size = body, size
	r.hdr.SetContentLength(size)
}

func (r *fakeResponse) IsBodyStream() bool { return r.stream != nil }
func (r *fakeResponse) StatusCode() int    { return r.status }

// sent returns the body as it goes to the client, closing a stream as
// fasthttp does.
func (r *fakeResponse) sent(t *testing.T) string {
	t.Helper()
	if r.stream == nil {
		return string(r.Body())
	}
	var b bytes.Buffer
	if _, err := io.Copy(&b, r.stream); err != nil {
		t.Fatal(err)
	}
	if c, ok := r.stream.(io.Closer); ok {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

type fakeHeader struct{ h http.Header }

func (f *fakeHeader) ContentType() []byte     { return f.Peek("Content-Type") }
func (f *fakeHeader) ContentEncoding() []byte { return f.Peek("Content-Encoding") }
func (f *fakeHeader) Peek(key string) []byte {
	if v := f.h.Get(key); v != "" {
		return []byte(v)
	}
	return nil
}
func (f *fakeHeader) Set(key, value string)  { f.h.Set(key, value) }
func (f *fakeHeader) Del(key string)         { f.h.Del(key) }
func (f *fakeHeader) SetContentLength(n int) { f.h.Set("Content-Length", strconv.Itoa(n)) }

var (
	_ adapter.BufferedResponse = (*fakeResponse)(nil)
	_ adapter.BufferedHeader   = (*fakeHeader)(nil)
)

func TestInjectBuffered(t *testing.T) {
	enabled, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	disabled, _ := newMessenger(t, intercom.Config{})
	snippet := snippetOf(enabled)
	const page = "<html><body>hello</body></html>"
	type setup struct {
		method   string
		status   int
		ct, ce   string
		owned    bool
		spare    bool // the owned buffer has room for the snippet
		stream   bool // the body is a stream already
		rendered bool // a template helper rendered the snippet
		request  string
	}
	tests := []struct {
		name     string
		setup    setup
		body     string
		want     string // {S} stands for the snippet
		injected bool
	}{
		{"own buffer", setup{owned: true}, page, "<html><body>hello{S}</body></html>", true},
		{"own buffer with room to spare", setup{owned: true, spare: true}, page, "<html><body>hello{S}</body></html>", true},
		{"a raw body the response does not own", setup{}, page, "<html><body>hello{S}</body></html>", true},
		{"raw, only the tag", setup{}, "</BODY>", "{S}</BODY>", true},
		{"raw, a large page", setup{}, strings.Repeat("<p>x</p>", 10000) + "</body>" + strings.Repeat("y", 5000),
			strings.Repeat("<p>x</p>", 10000) + "{S}</body>" + strings.Repeat("y", 5000), true},
		{"an error page", setup{status: 500, ct: "text/html; charset=utf-8", owned: true}, page, "<html><body>hello{S}</body></html>", true},
		{"HEAD, as GET", setup{method: "HEAD", owned: true}, page, "<html><body>hello{S}</body></html>", true},
		{"HEAD of a page the response does not own", setup{method: "HEAD"}, page, "<html><body>hello{S}</body></html>", true},
		{"HEAD of a redirect", setup{method: "HEAD", status: 302, owned: true}, page, page, false},
		{"redirect", setup{status: 302, owned: true}, page, page, false},
		{"204", setup{status: 204}, page, page, false},
		{"json", setup{ct: "application/json"}, `{"a":"</body>"}`, `{"a":"</body>"}`, false},
		{"gzip", setup{ce: "gzip", owned: true}, page, page, false},
		{"a fragment", setup{owned: true}, "<p>partial</p>", "<p>partial</p>", false},
		{"a page that carries the marker", setup{}, `<body><script id="IntercomSettingsScriptTag"></script></body>`, `<body><script id="IntercomSettingsScriptTag"></script></body>`, false},
		{"a page whose template helper rendered the snippet", setup{rendered: true, owned: true}, page, page, false},
		{"a body stream", setup{stream: true}, page, page, false},
		{"nil request", setup{request: "nil", owned: true}, page, page, false},
		{"skipped request", setup{request: "skipped", owned: true}, page, page, false},
		{"disabled Messenger", setup{request: "disabled", owned: true}, page, page, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.setup
			if s.method == "" {
				s.method = "GET"
			}
			if s.status == 0 {
				s.status = 200
			}
			if s.ct == "" {
				s.ct = "text/html"
			}
			resp := newFakeResponse(s.status, s.ct, tt.body, s.owned)
			if s.spare {
				resp.own = append(make([]byte, 0, len(tt.body)+len(snippet)+100), tt.body...)
			}
			if s.ce != "" {
				resp.hdr.Set("Content-Encoding", s.ce)
			}
			if s.stream {
				resp.SetBodyStream(strings.NewReader(tt.body), len(tt.body))
			}
			resp.hdr.Set("Accept-Ranges", "bytes")
			resp.hdr.Set("ETag", `"abc"`)
			raw := resp.raw
			c := &ctx{}
			var r *adapter.Request[*ctx]
			switch s.request {
			case "":
				r = start(enabled, glue(), c)
			case "skipped":
				r = start(enabled, adapter.Hooks[*ctx]{Skip: skipAll}, c)
			case "disabled":
				r = start(disabled, glue(), c)
			}
			if s.rendered {
				_ = r.Snippet()
			}
			if got := r.InjectBuffered(s.method, resp, resp.hdr); got != tt.injected {
				t.Errorf("InjectBuffered = %v, want %v", got, tt.injected)
			}
			if raw != nil && string(raw) != tt.body {
				t.Errorf("the raw page was modified: %q", raw)
			}
			want := expand(tt.want, snippet)
			if !tt.injected {
				if resp.IsBodyStream() != s.stream {
					t.Error("the body became a stream")
				}
				if got := resp.sent(t); got != want {
					t.Errorf("body %q, want it unchanged", got)
				}
				wantHeader := http.Header{"Content-Length": {strconv.Itoa(len(tt.body))}, "Content-Type": {s.ct}, "Accept-Ranges": {"bytes"}, "Etag": {`"abc"`}}
				if s.ce != "" {
					wantHeader.Set("Content-Encoding", s.ce)
				}
				if !equalJSON(resp.hdr.h, wantHeader) {
					t.Errorf("headers %v, want them unchanged %v", resp.hdr.h, wantHeader)
				}
				if !s.rendered && (r.Rendered() || len(c.calls) != 0) {
					t.Errorf("rendered %v, hooks ran %v for a page left alone", r.Rendered(), c.calls)
				}
				return
			}
			if resp.IsBodyStream() != !s.owned {
				t.Errorf("body stream %v; want one only for a body the response does not own", resp.IsBodyStream())
			}
			if !s.owned && resp.size != len(want) {
				t.Errorf("stream size %d, want %d", resp.size, len(want))
			}
			if got := resp.sent(t); got != want {
				t.Errorf("body\n got %q\nwant %q", got, want)
			}
			wantHeader := http.Header{"Content-Length": {strconv.Itoa(len(want))}, "Content-Type": {s.ct}, "Cache-Control": {"private"}}
			if !equalJSON(resp.hdr.h, wantHeader) {
				t.Errorf("headers %v, want %v", resp.hdr.h, wantHeader)
			}
			if !r.Rendered() {
				t.Error("injected, yet not Rendered")
			}
		})
	}
}

// TestInjectBufferedStream: the spliced body of a page the response does not
// own reads correctly in any pattern of reads, and keeps a caching policy
// the handler set.
func TestInjectBufferedStream(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	snippet := snippetOf(m)
	page := "<html><body>" + strings.Repeat("0123456789", 300) + "</body></html>"
	want := "<html><body>" + strings.Repeat("0123456789", 300) + snippet + "</body></html>"
	resp := newFakeResponse(200, "text/html", page, false)
	resp.hdr.Set("Cache-Control", "no-cache")
	if !start(m, glue(), &ctx{}).InjectBuffered("GET", resp, resp.hdr) {
		t.Fatal("not injected")
	}
	if err := iotest.TestReader(resp.stream, []byte(want)); err != nil {
		t.Error(err)
	}
	if got := resp.hdr.h.Get("Cache-Control"); got != "no-cache" {
		t.Errorf("Cache-Control %q, want the handler's no-cache", got)
	}
	if err := resp.stream.(io.Closer).Close(); err != nil {
		t.Error(err)
	}
}

// TestInjectBufferedConcurrent: the pooled splices of concurrent responses
// do not mix.
func TestInjectBufferedConcurrent(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				id := strconv.Itoa(g*1000 + i)
				page := "<body>" + id + "</body>"
				resp := newFakeResponse(200, "text/html", page, i%2 == 0)
				r := start(m, glue(), &ctx{})
				r.Identify(intercom.User{ID: id})
				if !r.InjectBuffered("GET", resp, resp.hdr) {
					t.Error("not injected")
					return
				}
				snippet := string(m.Render(intercom.Visitor{User: &intercom.User{ID: id}}))
				var b bytes.Buffer
				if resp.stream != nil {
					_, _ = io.Copy(&b, resp.stream)
					_ = resp.stream.(io.Closer).Close()
				} else {
					b.Write(resp.Body())
				}
				if want := "<body>" + id + snippet + "</body>"; b.String() != want {
					t.Errorf("body %q, want %q", b.String(), want)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestInjectBufferedShutdownFlag: the page after a logout clears the flag
// through SetCookie (the headers are still open); a fragment leaves it for
// the next page, and so does a response to HEAD, whose snippet nobody runs,
// though it has the snippet GET would have.
func TestInjectBufferedShutdownFlag(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	tests := []struct {
		name, method, body string
		injected, cleared  bool
	}{
		{"a page", "GET", "<body>x</body>", true, true},
		{"a fragment", "GET", "<p>x</p>", false, false},
		{"HEAD of a page", "HEAD", "<body>x</body>", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &ctx{cookies: []string{adapter.ShutdownCookie}}
			r := start(m, glue(), c)
			resp := newFakeResponse(200, "text/html", tt.body, true)
			if got := r.InjectBuffered(tt.method, resp, resp.hdr); got != tt.injected {
				t.Fatalf("InjectBuffered = %v", got)
			}
			var wantSet []string
			if tt.cleared {
				wantSet = []string{doneCookie}
			}
			if tt.injected {
				if body := string(resp.Body()); !strings.Contains(body, shutdownCall) {
					t.Errorf("no shutdown in %s", body)
				}
			}
			if !equalJSON(c.set, wantSet) {
				t.Errorf("Set-Cookie %q, want %q", c.set, wantSet)
			}
		})
	}
}

// sniffCases are responses a handler writes without a Content-Type (unless
// header says otherwise), in pieces, with a Flush after piece flushAt (-1:
// none): net/http sniffs the first 512 bytes it has buffered.
var sniffCases = []struct {
	name    string
	header  map[string][]string
	status  int
	pieces  []string
	flushAt int
}{
	{"a page in one write", nil, 0, []string{"<html><body>x</body></html>"}, -1},
	{"a newline first", nil, 0, []string{"\n", "<!DOCTYPE html><html><body>x</body></html>"}, -1},
	{"white space first", nil, 0, []string{" \t\r\n", "\n", "<html><body>x</body></html>"}, -1},
	{"a doctype split", nil, 0, []string{"<!DOC", "TYPE html><body>x</body>"}, -1},
	{"a byte order mark", nil, 0, []string{"\xef\xbb\xbf", "<html><body>x</body></html>"}, -1},
	{"binary", nil, 0, []string{"\x00\x01\x02\x03", "\x04"}, -1},
	{"text, then binary", nil, 0, []string{"hello ", "\x00\x01"}, -1},
	{"text, then html", nil, 0, []string{"hello ", "<html><body>x</body></html>"}, -1},
	{"an empty write first", nil, 0, []string{"", "\n", "<html><body>x</body></html>"}, -1},
	{"a flush after the newline", nil, 0, []string{"\n", "<html><body>x</body></html>"}, 0},
	{"600 bytes of white space", nil, 0, []string{strings.Repeat(" ", 600), "<html><body>x</body></html>"}, -1},
	{"white space past 512 bytes in pieces", nil, 0, []string{strings.Repeat("\n", 300), strings.Repeat("\n", 300), "<body>x</body>"}, -1},
	{"html past 512 bytes in pieces", nil, 0, []string{"\n\n", "<html><body>" + strings.Repeat("<p>x</p>", 100), "</body></html>"}, -1},
	{"a status, then a newline", nil, http.StatusNotFound, []string{"\n", "<html><body>not found</body></html>"}, -1},
	{"an explicit type", map[string][]string{"Content-Type": {"text/plain"}}, 0, []string{"\n", "<html><body>x</body></html>"}, -1},
	{"sniffing turned off", map[string][]string{"Content-Type": nil}, 0, []string{"\n", "<html><body>x</body></html>"}, -1},
	{"an encoded body", map[string][]string{"Content-Encoding": {"gzip"}}, 0, []string{"\n", "<html><body>x</body></html>"}, -1},
	{"no content", nil, http.StatusNoContent, nil, -1},
}

// writeSniffCase is a handler writing case i.
func writeSniffCase(w http.ResponseWriter, i int) {
	tt := sniffCases[i]
	for k, v := range tt.header {
		w.Header()[k] = v
	}
	if tt.status != 0 {
		w.WriteHeader(tt.status)
	}
	for j, p := range tt.pieces {
		_, _ = io.WriteString(w, p)
		if j == tt.flushAt {
			w.(http.Flusher).Flush()
		}
	}
}

// TestInjectSniffsAsNetHTTP: a response without a Content-Type gets the
// type net/http's server sniffs for it without Inject, and the snippet when
// that is text/html. (Inject used to sniff the first write alone: "\n"
// made a page text/plain.)
func TestInjectSniffsAsNetHTTP(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	snippet := snippetOf(m)
	serve := func(inject bool) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			i, _ := strconv.Atoi(req.URL.Query().Get("case"))
			if !inject {
				writeSniffCase(w, i)
				return
			}
			_, _ = start(m, glue(), &ctx{}).Inject(w, req.Method, func(w http.ResponseWriter, _ *adapter.InjectWriter) { writeSniffCase(w, i) })
		}))
	}
	plain, injected := serve(false), serve(true)
	defer plain.Close()
	defer injected.Close()
	type response struct {
		status int
		header http.Header
		body   string
	}
	get := func(srv *httptest.Server, i int) response {
		resp, err := srv.Client().Get(srv.URL + "/?case=" + strconv.Itoa(i))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return response{resp.StatusCode, resp.Header, string(b)}
	}
	for i, tt := range sniffCases {
		t.Run(tt.name, func(t *testing.T) {
			want, got := get(plain, i), get(injected, i)
			page, body := want.body, got.body
			if got.status != want.status || got.header.Get("Content-Type") != want.header.Get("Content-Type") {
				t.Errorf("with Inject %d %q, without %d %q", got.status, got.header.Get("Content-Type"), want.status, want.header.Get("Content-Type"))
			}
			_, typed := got.header["Content-Type"]
			isHTML := typed && strings.HasPrefix(got.header.Get("Content-Type"), "text/html") && got.header.Get("Content-Encoding") == ""
			wantBody := page
			if at := strings.LastIndex(page, "</body>"); isHTML && at >= 0 {
				wantBody = page[:at] + snippet + page[at:]
			}
			if body != wantBody {
				t.Errorf("body %q\nwant %q", body, wantBody)
			}
		})
	}
}

// ginLike is a framework writer that records the status and sends the
// headers itself (gin's gin.ResponseWriter does): it reports Written.
type ginLike struct {
	*httptest.ResponseRecorder
	status int
	sent   bool
}

func (g *ginLike) WriteHeader(code int) { g.status = code }
func (g *ginLike) Written() bool        { return g.sent }
func (g *ginLike) WriteHeaderNow() {
	if !g.sent {
		g.sent = true
		g.ResponseRecorder.WriteHeader(g.status)
	}
}
func (g *ginLike) Write(p []byte) (int, error) {
	g.WriteHeaderNow()
	return g.ResponseRecorder.Write(p)
}

// TestInjectSniffsWithAFrameworkWriter: over a writer that sends the
// headers itself, the first writes are held only after SniffFirst (the
// adapter's writer then waits for Decided); the status the handler set is
// passed on before them.
func TestInjectSniffsWithAFrameworkWriter(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	snippet := snippetOf(m)
	for _, first := range []bool{false, true} {
		g := &ginLike{ResponseRecorder: httptest.NewRecorder(), status: 200}
		var decidedAfterNewline bool
		_, err := start(m, glue(), &ctx{}).Inject(g, "GET", func(w http.ResponseWriter, iw *adapter.InjectWriter) {
			if first {
				iw.SniffFirst()
			}
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, "\n")
			decidedAfterNewline = iw.Decided()
			if iw.Decided() || !first {
				g.WriteHeaderNow() // the adapter's writer, as gin's does after each write
			}
			w.WriteHeader(http.StatusTeapot) // after a write: ignored
			if first && iw.Status() != http.StatusNotFound {
				t.Errorf("Status() = %d while holding", iw.Status())
			}
			_, _ = io.WriteString(w, "<html><body>x</body></html>")
		})
		if err != nil {
			t.Fatal(err)
		}
		wantType, wantBody := "text/plain; charset=utf-8", "\n<html><body>x</body></html>"
		if first {
			wantType, wantBody = "text/html; charset=utf-8", "\n<html><body>x"+snippet+"</body></html>"
		}
		if decidedAfterNewline == first || g.Code != http.StatusNotFound || g.Header().Get("Content-Type") != wantType || g.Body.String() != wantBody {
			t.Errorf("SniffFirst %v: decided after the newline %v; %d %q %q", first, decidedAfterNewline, g.Code, g.Header().Get("Content-Type"), g.Body.String())
		}
	}
}
