package adapter_test

import (
	"bytes"
	"errors"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

// echoish is a framework context whose response writer can be replaced,
// as echo's can: the hooks that let RenderTemplate splice.
type echoish struct{ w http.ResponseWriter }

func spliceHooks() adapter.Hooks[*echoish] {
	return adapter.Hooks[*echoish]{
		ResponseWriter:    func(c *echoish) http.ResponseWriter { return c.w },
		SetResponseWriter: func(c *echoish, w http.ResponseWriter) { c.w = w },
	}
}

// failWriter is a response writer whose writes fail after ok bytes.
type failWriter struct {
	*httptest.ResponseRecorder
	ok int
}

var errWrite = errors.New("connection reset")

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.ok {
		n, _ := w.ResponseRecorder.Write(p[:w.ok])
		w.ok = 0
		return n, errWrite
	}
	w.ok -= len(p)
	return w.ResponseRecorder.Write(p)
}

// TestRenderTemplateSplice: with hooks that can replace the response
// writer, a page rendered into an empty *bytes.Buffer goes into it without
// the snippet, and the snippet goes out in its place when that page reaches
// the response in one Write, as echo's c.Render sends it; whatever else is
// written passes through unchanged, and the response writer is put back
// once the page went out.
func TestRenderTemplateSplice(t *testing.T) {
	m, rec := newMessenger(t, intercom.Config{AppID: "abc12345"})
	snippet := string(m.Render(intercom.Visitor{}))
	tests := []struct {
		name string
		tmpl string
		// send writes the rendered buffer to w, as the framework or the
		// handler does; nil: the buffer is not sent.
		send        func(w io.Writer, page *bytes.Buffer)
		dst         func() *bytes.Buffer
		hooks       adapter.Hooks[*echoish]
		wantBuffer  string // what RenderTemplate left in the buffer
		wantSent    string // what reached the response
		wantRestore bool   // the response writer is the recorder again
		wantReports int
	}{
		{
			name: "c.Render", tmpl: `<h1>Hi</h1>{{ .Intercom }}</body>`, send: sendBytes,
			wantBuffer: "<h1>Hi</h1></body>", wantSent: "<h1>Hi</h1>" + snippet + "</body>", wantRestore: true,
		},
		{
			name: "a copy of the page (c.HTML(code, buf.String()))", tmpl: `<p>{{ .Intercom }}</p>`,
			send:       func(w io.Writer, b *bytes.Buffer) { _, _ = io.WriteString(w, b.String()) },
			wantBuffer: "<p></p>", wantSent: "<p>" + snippet + "</p>", wantRestore: true,
		},
		{
			name: "twice in the page", tmpl: `{{ .Intercom }}<hr>{{ .Intercom }}.`, send: sendBytes,
			wantBuffer: "<hr>.", wantSent: snippet + "<hr>" + snippet + ".", wantRestore: true,
		},
		{
			name: "one placeholder removed, one spliced", tmpl: `<p title="{{ .Intercom }}">{{ .Intercom }}</p>`, send: sendBytes,
			wantBuffer: `<p title="">` + "</p>", wantSent: `<p title="">` + snippet + "</p>", wantRestore: true, wantReports: 1,
		},
		{
			name: "another write first, of the same length", tmpl: `<p>{{ .Intercom }}</p>`,
			send: func(w io.Writer, b *bytes.Buffer) {
				_, _ = io.WriteString(w, "<b></b>")
				sendBytes(w, b)
			},
			wantBuffer: "<p></p>", wantSent: "<b></b><p>" + snippet + "</p>", wantRestore: true,
		},
		{
			name: "sent in two writes: no snippet", tmpl: `<p>{{ .Intercom }}</p>`,
			send: func(w io.Writer, b *bytes.Buffer) {
				_, _ = w.Write(b.Bytes()[:3])
				_, _ = w.Write(b.Bytes()[3:])
			},
			wantBuffer: "<p></p>", wantSent: "<p></p>",
		},
		{
			name: "never sent: a fragment without the snippet", tmpl: `<p>{{ .Intercom }}</p>`,
			wantBuffer: "<p></p>",
		},
		{
			name: "only the placeholder: written into the buffer", tmpl: `{{ .Intercom }}`, send: sendBytes,
			wantBuffer: snippet, wantSent: snippet, wantRestore: true,
		},
		{
			name: "five places: written into the buffer", tmpl: strings.Repeat(`<i>{{ .Intercom }}</i>`, 5), send: sendBytes,
			wantBuffer: strings.Repeat("<i>"+snippet+"</i>", 5), wantSent: strings.Repeat("<i>"+snippet+"</i>", 5), wantRestore: true,
		},
		{
			name: "a buffer with content: written into it", tmpl: `<p>{{ .Intercom }}</p>`, send: sendBytes,
			dst:        func() *bytes.Buffer { return bytes.NewBufferString("x") },
			wantBuffer: "x<p>" + snippet + "</p>", wantSent: "x<p>" + snippet + "</p>", wantRestore: true,
		},
		{
			name: "no placeholder", tmpl: `<p>plain</p>`, send: sendBytes,
			wantBuffer: "<p>plain</p>", wantSent: "<p>plain</p>", wantRestore: true,
		},
		{
			name: "hooks that cannot replace the writer", tmpl: `<p>{{ .Intercom }}</p>`, send: sendBytes,
			hooks:      adapter.Hooks[*echoish]{ResponseWriter: func(c *echoish) http.ResponseWriter { return c.w }},
			wantBuffer: "<p>" + snippet + "</p>", wantSent: "<p>" + snippet + "</p>", wantRestore: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hooks := tt.hooks
			if hooks.ResponseWriter == nil {
				hooks = spliceHooks()
			}
			tmpl := template.Must(template.New("page").Parse(tt.tmpl))
			// Twice, so that the second render reuses the pooled buffers.
			for range 2 {
				rec.errs = nil
				resp := httptest.NewRecorder()
				c := &echoish{w: resp}
				r := adapter.NewMiddleware("intercomtest.Middleware", m, hooks).Start(c)
				buf := new(bytes.Buffer)
				if tt.dst != nil {
					buf = tt.dst()
				}
				if err := adapter.RenderTemplate(r, buf, pageData{}, execute(tmpl)); err != nil {
					t.Fatal(err)
				}
				if got := buf.String(); got != tt.wantBuffer {
					t.Errorf("buffer\n got %q\nwant %q", got, tt.wantBuffer)
				}
				if tt.send != nil {
					tt.send(c.w, buf)
				}
				if got := resp.Body.String(); got != tt.wantSent {
					t.Errorf("response\n got %q\nwant %q", got, tt.wantSent)
				}
				if got := c.w == http.ResponseWriter(resp); got != tt.wantRestore {
					t.Errorf("response writer put back: %t, want %t", got, tt.wantRestore)
				}
				if len(rec.errors()) != tt.wantReports {
					t.Errorf("reports %v, want %d", rec.errors(), tt.wantReports)
				}
			}
		})
	}
}

func sendBytes(w io.Writer, b *bytes.Buffer) { _, _ = w.Write(b.Bytes()) }

// passThrough is a handler's own response writer wrapper that counts its
// writes.
type passThrough struct {
	http.ResponseWriter
	writes int
}

func (w *passThrough) Write(p []byte) (int, error) { w.writes++; return w.ResponseWriter.Write(p) }

// While the page has not gone out, the writer in front of the response
// unwraps to the response writer (http.ResponseController, echo's
// UnwrapResponse); a second page of the same request, while the first one
// waits, is written whole; a failing write reports the error and how much
// of the page went out.
func TestRenderTemplateSpliceEdges(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	snippet := string(m.Render(intercom.Visitor{}))
	tmpl := template.Must(template.New("page").Parse(`<p>{{ .Intercom }}</p>`))

	t.Run("unwraps", func(t *testing.T) {
		resp := httptest.NewRecorder()
		c := &echoish{w: resp}
		r := adapter.NewMiddleware("intercomtest.Middleware", m, spliceHooks()).Start(c)
		if err := adapter.RenderTemplate(r, new(bytes.Buffer), pageData{}, execute(tmpl)); err != nil {
			t.Fatal(err)
		}
		u, ok := c.w.(interface{ Unwrap() http.ResponseWriter })
		if !ok || u.Unwrap() != http.ResponseWriter(resp) {
			t.Fatalf("the writer in front of the response (%T) does not unwrap to it", c.w)
		}
		if err := http.NewResponseController(c.w).Flush(); err != nil {
			t.Errorf("Flush through it: %v", err)
		}
	})

	t.Run("a second page while the first waits", func(t *testing.T) {
		resp := httptest.NewRecorder()
		c := &echoish{w: resp}
		r := adapter.NewMiddleware("intercomtest.Middleware", m, spliceHooks()).Start(c)
		first, second := new(bytes.Buffer), new(bytes.Buffer)
		for _, b := range []*bytes.Buffer{first, second} {
			if err := adapter.RenderTemplate(r, b, pageData{}, execute(tmpl)); err != nil {
				t.Fatal(err)
			}
		}
		if got, want := first.String()+"|"+second.String(), "<p></p>|<p>"+snippet+"</p>"; got != want {
			t.Errorf("buffers %q, want %q", got, want)
		}
		sendBytes(c.w, second)
		sendBytes(c.w, first)
		if got, want := resp.Body.String(), "<p>"+snippet+"</p><p>"+snippet+"</p>"; got != want {
			t.Errorf("response %q, want %q", got, want)
		}
	})

	t.Run("a writer put in front of it", func(t *testing.T) {
		resp := httptest.NewRecorder()
		c := &echoish{w: resp}
		r := adapter.NewMiddleware("intercomtest.Middleware", m, spliceHooks()).Start(c)
		first, second := new(bytes.Buffer), new(bytes.Buffer)
		if err := adapter.RenderTemplate(r, first, pageData{}, execute(tmpl)); err != nil {
			t.Fatal(err)
		}
		outer := &passThrough{ResponseWriter: c.w} // a handler's own wrapper
		c.w = outer
		sendBytes(c.w, first)
		// The splice cannot be taken out from under outer: it passes writes
		// through, and the next page is written whole.
		if err := adapter.RenderTemplate(r, second, pageData{}, execute(tmpl)); err != nil {
			t.Fatal(err)
		}
		sendBytes(c.w, second)
		_, _ = io.WriteString(c.w, "!")
		if got, want := second.String(), "<p>"+snippet+"</p>"; got != want {
			t.Errorf("second buffer %q, want %q", got, want)
		}
		if got, want := resp.Body.String(), "<p>"+snippet+"</p><p>"+snippet+"</p>!"; got != want {
			t.Errorf("response %q, want %q", got, want)
		}
		if c.w != http.ResponseWriter(outer) || outer.writes != 3 {
			t.Errorf("response writer %T after %d writes, want the handler's wrapper after 3", c.w, outer.writes)
		}
	})

	t.Run("a failing write", func(t *testing.T) {
		resp := &failWriter{ResponseRecorder: httptest.NewRecorder(), ok: 5}
		c := &echoish{w: resp}
		r := adapter.NewMiddleware("intercomtest.Middleware", m, spliceHooks()).Start(c)
		buf := new(bytes.Buffer)
		if err := adapter.RenderTemplate(r, buf, pageData{}, execute(tmpl)); err != nil {
			t.Fatal(err)
		}
		n, err := c.w.Write(buf.Bytes())
		if !errors.Is(err, errWrite) || n != 3 {
			t.Errorf("Write = %d, %v; want 3 (the page's bytes before the snippet) and %v", n, err, errWrite)
		}
		if got, want := resp.Body.String(), "<p>"+snippet[:2]; got != want {
			t.Errorf("response %q, want %q", got, want)
		}
	})
}
