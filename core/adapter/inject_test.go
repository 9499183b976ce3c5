package adapter_test

import (
	"bytes"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	intercom "github.com/goanalytical/intercom/core"
)

const snip = `<script id="IntercomSettingsScriptTag">S</script>`

func TestInjectBytes(t *testing.T) {
	tests := []struct {
		name, page, want string
		injected         bool
	}{
		{"simple", "<html><body><p>hi</p></body></html>", "<html><body><p>hi</p>" + snip + "</body></html>", true},
		{"upper case", "<BODY>x</BODY></HTML>", "<BODY>x" + snip + "</BODY></HTML>", true},
		{"mixed case with space", "<body>x</Body >", "<body>x" + snip + "</Body >", true},
		{"last of several: </body> in a script string", `<body><script>var s="</body>";</script></body>`, `<body><script>var s="</body>";</script>` + snip + `</body>`, true},
		{"no </body>", "<html><p>fragment", "<html><p>fragment", false},
		{"not a tag: </bodyx>", "<body>x</bodyx>", "<body>x</bodyx>", false},
		{"already has the snippet", "<body>" + snip + "</body>", "<body>" + snip + "</body>", false},
		{"empty page", "", "", false},
		{"only the tag", "</body>", snip + "</body>", true},
		{"tail longer than MaxInjectTail", "<body>x</body>" + strings.Repeat("y", intercom.MaxInjectTail), "<body>x</body>" + strings.Repeat("y", intercom.MaxInjectTail), false},
		{"tail of exactly MaxInjectTail", "<body>x" + "</body>" + strings.Repeat("y", intercom.MaxInjectTail-7), "<body>x" + snip + "</body>" + strings.Repeat("y", intercom.MaxInjectTail-7), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := intercom.InjectBytes([]byte(tt.page), []byte(snip))
			if string(got) != tt.want || ok != tt.injected {
				t.Errorf("InjectBytes = %q, %v\nwant %q, %v", got, ok, tt.want, tt.injected)
			}
			for _, size := range []int{1, 2, 3, 6, 7, 8, 13, 1 << 20} {
				var out bytes.Buffer
				var j intercom.Injector
				j.Reset(&out)
				for p := []byte(tt.page); len(p) > 0; p = p[min(size, len(p)):] {
					if n, err := j.Write(p[:min(size, len(p))]); err != nil || n != min(size, len(p)) {
						t.Fatalf("Write = %d, %v", n, err)
					}
				}
				ok, err := j.Finish([]byte(snip))
				if err != nil || out.String() != tt.want || ok != tt.injected {
					t.Errorf("chunks of %d: %q, %v, %v\nwant %q, %v", size, out.String(), ok, err, tt.want, tt.injected)
				}
			}
		})
	}
}

// FuzzInjector: for any page and any chunking, streaming gives what
// InjectBytes gives.
func FuzzInjector(f *testing.F) {
	f.Add("<body>a</body></html>", uint8(3))
	f.Add("</BODY></body\t</body/", uint8(1))
	f.Add("x</bo"+"dy>"+snip, uint8(5))
	f.Fuzz(func(t *testing.T, page string, chunk uint8) {
		size := int(chunk%16) + 1
		want, wantOK := intercom.InjectBytes([]byte(page), []byte(snip))
		var out bytes.Buffer
		var j intercom.Injector
		j.Reset(&out)
		for p := []byte(page); len(p) > 0; p = p[min(size, len(p)):] {
			if _, err := j.Write(p[:min(size, len(p))]); err != nil {
				t.Fatal(err)
			}
		}
		ok, err := j.Finish([]byte(snip))
		if err != nil || out.String() != string(want) || ok != wantOK {
			t.Fatalf("chunks of %d: %q, %v\nwant %q, %v", size, out.String(), ok, want, wantOK)
		}
	})
}

// countingWriter records the largest single write and the total.
type countingWriter struct{ total int }

func (c *countingWriter) Write(p []byte) (int, error) { c.total += len(p); return len(p), nil }

func TestInjectorMemoryIsBoundedByTheTail(t *testing.T) {
	var j intercom.Injector
	w := &countingWriter{}
	j.Reset(w)
	chunk := bytes.Repeat([]byte("<p>0123456789</p>\n"), 1000)
	for range 2800 { // ~50 MB
		if _, err := j.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if w.total < 2800*len(chunk)-8 {
		t.Fatalf("only %d bytes written through before </body>: the page is being buffered", w.total)
	}
	if _, err := io.WriteString(&j, "</body></html>"); err != nil {
		t.Fatal(err)
	}
	ok, _ := j.Finish([]byte(snip))
	if !ok || w.total != 2800*len(chunk)+len(snip)+len("</body></html>") {
		t.Fatalf("injected=%v total=%d", ok, w.total)
	}
}

func TestInjectorLetsAHugeTailGo(t *testing.T) {
	var out bytes.Buffer
	var j intercom.Injector
	j.Reset(&out)
	page := "<body><script>var s='</body>';" + strings.Repeat("x", intercom.MaxInjectTail+10) + "</script>"
	_, _ = io.WriteString(&j, page)
	ok, err := j.Finish([]byte(snip))
	if ok || err != nil || out.String() != page {
		t.Fatalf("a candidate followed by more than MaxInjectTail must be let go: injected=%v err=%v", ok, err)
	}
}

func TestShouldInject(t *testing.T) {
	tests := []struct {
		method   string
		status   int
		ct, ce   string
		expected bool
	}{
		{"GET", 200, "text/html; charset=utf-8", "", true},
		{"GET", 200, "TEXT/HTML", "", true},
		{"POST", 404, "text/html;charset=UTF-8", "identity", true},
		{"GET", 200, "application/json", "", false},
		{"GET", 200, "text/html-sandboxed", "", false},
		{"GET", 200, "text/plain", "", false},
		{"GET", 200, "", "", false},
		{"GET", 200, "text/html", "gzip", false},
		{"GET", 200, "text/html", "br", false},
		{"HEAD", 200, "text/html", "", false},
		{"GET", 204, "text/html", "", false},
		{"GET", 304, "text/html", "", false},
		{"GET", 206, "text/html", "", false},
		{"GET", 302, "text/html", "", false},
		{"POST", 303, "text/html; charset=utf-8", "", false},
		{"GET", 399, "text/html", "", false},
		{"GET", 400, "text/html", "", true},
		{"GET", 101, "text/html", "", false},
	}
	for _, tt := range tests {
		if got := intercom.ShouldInject(tt.method, tt.status, tt.ct, tt.ce); got != tt.expected {
			t.Errorf("ShouldInject(%s, %d, %q, %q) = %v", tt.method, tt.status, tt.ct, tt.ce, got)
		}
	}
}

func TestInjectWriter(t *testing.T) {
	page := "<html><body>hello</body></html>"
	tests := []struct {
		name       string
		method     string
		handler    func(w http.ResponseWriter)
		wantBody   string
		wantLength string // Content-Length header after
		injected   bool
	}{
		{"html with Content-Length", "GET", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Content-Length", "31")
			_, _ = io.WriteString(w, page)
		}, "<html><body>hello" + snip + "</body></html>", "", true},
		{"sniffed html", "GET", func(w http.ResponseWriter) { _, _ = io.WriteString(w, page) }, "<html><body>hello" + snip + "</body></html>", "", true},
		{"content type set after WriteHeader, as gin does", "GET", func(w http.ResponseWriter) {
			w.WriteHeader(201)
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, page)
		}, "<html><body>hello" + snip + "</body></html>", "", true},
		{"json untouched", "GET", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "10")
			_, _ = io.WriteString(w, `{"a":"</body>"}`[:10])
		}, `{"a":"</bo`, "10", false},
		{"gzip untouched", "GET", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = io.WriteString(w, page)
		}, page, "", false},
		{"flush mid-page", "GET", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<html><body>a")
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, "</body></html>")
		}, "<html><body>a" + snip + "</body></html>", "", true},
		{"304 untouched", "GET", func(w http.ResponseWriter) { w.WriteHeader(304) }, "", "", false},
		{"nothing written", "GET", func(w http.ResponseWriter) {}, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			page := &fakePage{}
			w := intercom.NewInjectWriter(rec, tt.method, page)
			tt.handler(w)
			ok, err := w.Finish()
			if err != nil || ok != tt.injected {
				t.Fatalf("Finish = %v, %v; want %v", ok, err, tt.injected)
			}
			if rec.Body.String() != tt.wantBody {
				t.Errorf("body %q, want %q", rec.Body.String(), tt.wantBody)
			}
			if got := rec.Header().Get("Content-Length"); got != tt.wantLength {
				t.Errorf("Content-Length %q, want %q", got, tt.wantLength)
			}
			if tt.injected != (page.renders == 1) || page.renders > 1 {
				t.Errorf("snippet rendered %d times", page.renders)
			}
		})
	}
}

// TestInjectWriterAbort: after a handler panic, what it wrote goes out as
// Finish would send it, but the snippet is neither rendered nor inserted.
func TestInjectWriterAbort(t *testing.T) {
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
		{"status only", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusAccepted)
		}, http.StatusAccepted, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			page := &fakePage{}
			w := intercom.NewInjectWriter(rec, "GET", page)
			tt.handler(w)
			if err := w.Abort(); err != nil {
				t.Fatalf("Abort: %v", err)
			}
			if rec.Code != tt.wantCode || rec.Body.String() != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", rec.Code, rec.Body.String(), tt.wantCode, tt.wantBody)
			}
			if page.renders != 0 {
				t.Errorf("snippet rendered %d times after Abort", page.renders)
			}
		})
	}
}

type fakePage struct{ renders int }

func (p *fakePage) Rendered() bool { return p.renders > 0 }
func (p *fakePage) Snippet() template.HTML {
	p.renders++
	return snip
}

// TestInjectorWritesDoNotAllocate: streaming a page through does not
// allocate per write, whatever the chunk boundaries.
func TestInjectorWritesDoNotAllocate(t *testing.T) {
	chunks := [][]byte{[]byte("<p>plain text</p>\n"), []byte("<"), []byte("/bo"), []byte("x>...")}
	var j intercom.Injector
	j.Reset(io.Discard)
	for _, c := range chunks { // warm the held buffer
		_, _ = j.Write(c)
	}
	allocs := testing.AllocsPerRun(1000, func() {
		for _, c := range chunks {
			_, _ = j.Write(c)
		}
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per round of writes, want 0", allocs)
	}
}

func TestInjectWriterHeadersAndCoalescing(t *testing.T) {
	t.Run("injected response: no length, ranges or validator; private unless a policy is set", func(t *testing.T) {
		for _, policy := range []string{"", "no-cache"} {
			rec := httptest.NewRecorder()
			w := intercom.NewInjectWriter(rec, "GET", &fakePage{})
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
			_, _ = w.Finish()
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
	t.Run("status below 1 is ignored", func(t *testing.T) {
		rec := httptest.NewRecorder()
		w := intercom.NewInjectWriter(rec, "GET", &fakePage{})
		w.WriteHeader(404)
		w.WriteHeader(-1)
		_, _ = io.WriteString(w, "<body></body>")
		_, _ = w.Finish()
		if rec.Code != 404 {
			t.Errorf("status %d, want 404", rec.Code)
		}
	})
	t.Run("an empty first write does not fix the content type", func(t *testing.T) {
		rec := httptest.NewRecorder()
		w := intercom.NewInjectWriter(rec, "GET", &fakePage{})
		_, _ = w.Write(nil)
		_, _ = io.WriteString(w, "<html><body>x</body></html>")
		if ok, _ := w.Finish(); !ok || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
			t.Errorf("injected=%v content type %q", ok, rec.Header().Get("Content-Type"))
		}
	})
	t.Run("small writes are coalesced, and Flush delivers them", func(t *testing.T) {
		rec := httptest.NewRecorder()
		w := intercom.NewInjectWriter(rec, "GET", &fakePage{})
		w.Header().Set("Content-Type", "text/html")
		for _, piece := range []string{"<html>", "<body>", "<p>", "hello", "</p>"} {
			_, _ = w.WriteString(piece)
		}
		if rec.Body.Len() != 0 {
			t.Errorf("small writes reached the client unbuffered: %q", rec.Body.String())
		}
		w.Flush()
		if got := rec.Body.String(); got != "<html><body><p>hello</p>" {
			t.Errorf("after Flush the client has %q", got)
		}
		_, _ = io.WriteString(w, "</body></html>")
		_, _ = w.Finish()
		if got, want := rec.Body.String(), "<html><body><p>hello</p>"+snip+"</body></html>"; got != want {
			t.Errorf("body %q, want %q", got, want)
		}
	})
}
