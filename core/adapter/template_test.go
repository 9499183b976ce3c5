package adapter_test

import (
	"bytes"
	"errors"
	"html/template"
	"io"
	"maps"
	"strings"
	"testing"

	intercom "github.com/goanalytical/intercom/core"
)

// execute returns RenderTemplate's render function for tmpl.
func execute(tmpl *template.Template) func(io.Writer, pageData) error {
	return func(w io.Writer, d pageData) error { return tmpl.Execute(w, d) }
}

// growWriter records what RenderTemplate does to a writer with Grow.
type growWriter struct {
	bytes.Buffer
	grown  []int
	writes int
}

func (w *growWriter) Grow(n int) { w.grown = append(w.grown, n); w.Buffer.Grow(n) }

func (w *growWriter) Write(p []byte) (int, error) { w.writes++; return w.Buffer.Write(p) }

func TestRenderTemplate(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	anonymous := string(m.Render(intercom.Visitor{}))
	withPlan := string(m.Render(intercom.Visitor{Attributes: intercom.Attributes{"plan": "pro"}}))
	tests := []struct {
		name         string
		tmpl         string
		data         pageData
		want         string
		wantRendered bool
	}{
		{"in place", `<h1>{{ .title }}</h1>{{ .Intercom }}</body>`, pageData{"title": "Cart"}, "<h1>Cart</h1>" + anonymous + "</body>", true},
		{"intercom_ keys are set", `{{ .Intercom }}`, pageData{"intercom_plan": "pro"}, withPlan, true},
		{"twice", `{{ .Intercom }}<hr>{{ .Intercom }}`, nil, anonymous + "<hr>" + anonymous, true},
		{"caller's Intercom key replaced", `{{ .Intercom }}`, pageData{"Intercom": "stale"}, anonymous, true},
		{"left out", `<p>{{ .title }}</p>`, pageData{"title": "Cart"}, "<p>Cart</p>", false},
		{"if", `{{ if .Intercom }}on{{ end }}`, nil, "on", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl := template.Must(template.New("page").Parse(tt.tmpl))
			r := intercom.NewRequest(m, &intercom.Hooks[*ctx]{}, &ctx{})
			before := maps.Clone(tt.data)
			var w growWriter
			if err := intercom.RenderTemplate(r, &w, tt.data, execute(tmpl)); err != nil {
				t.Fatal(err)
			}
			if got := w.String(); got != tt.want {
				t.Errorf("page\n got %q\nwant %q", got, tt.want)
			}
			if r.Rendered() != tt.wantRendered {
				t.Errorf("Rendered() = %t, want %t", r.Rendered(), tt.wantRendered)
			}
			if !maps.Equal(tt.data, before) {
				t.Errorf("the caller's map was modified: %v", tt.data)
			}
			// With a placeholder, the page is sized once; either way each
			// piece is one Write.
			if tt.wantRendered && (len(w.grown) != 1 || w.grown[0] != len(tt.want)) {
				t.Errorf("Grow calls %v, want [%d]", w.grown, len(tt.want))
			}
			if want := 1 + 2*strings.Count(tt.want, anonymous[:40]); w.writes != want {
				t.Errorf("%d writes, want %d", w.writes, want)
			}
		})
	}
}

func TestRenderTemplateDirect(t *testing.T) {
	disabled, _ := newMessenger(t, intercom.Config{})
	tmpl := template.Must(template.New("page").Parse(`<p>{{ .title }}</p>[{{ .Intercom }}]`))
	tests := []struct {
		name string
		r    *intercom.Request[*ctx]
	}{
		{"no request", nil},
		{"disabled", intercom.NewRequest(disabled, &intercom.Hooks[*ctx]{}, &ctx{})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w strings.Builder
			if err := intercom.RenderTemplate(tt.r, &w, pageData{"title": "Cart"}, execute(tmpl)); err != nil {
				t.Fatal(err)
			}
			if got, want := w.String(), "<p>Cart</p>[]"; got != want {
				t.Errorf("page %q, want %q", got, want)
			}
		})
	}
}

// A render error writes nothing and leaves the request unrendered; a write
// error is returned.
func TestRenderTemplateErrors(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	boom := errors.New("boom")
	r := intercom.NewRequest(m, &intercom.Hooks[*ctx]{}, &ctx{})
	var w bytes.Buffer
	err := intercom.RenderTemplate(r, &w, nil, func(w io.Writer, d pageData) error {
		_, _ = io.WriteString(w, "half")
		_, _ = io.WriteString(w, string(d[intercom.TemplateKey].(template.HTML)))
		return boom
	})
	if !errors.Is(err, boom) || w.Len() != 0 || r.Rendered() {
		t.Errorf("err %v, %d bytes written, Rendered %t; want boom, 0, false", err, w.Len(), r.Rendered())
	}

	tmpl := template.Must(template.New("page").Parse(`<p>{{ .Intercom }}</p>`))
	err = intercom.RenderTemplate(r, failingWriter{boom}, nil, execute(tmpl))
	if !errors.Is(err, boom) {
		t.Errorf("write error: got %v, want boom", err)
	}
}

type failingWriter struct{ err error }

func (f failingWriter) Write([]byte) (int, error) { return 0, f.err }

// Data cannot forge the placeholder: a value equal to it, written by
// html/template in any context, never becomes the snippet, and no NUL byte
// reaches the page.
func TestRenderTemplatePlaceholderNotForgeable(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	var placeholder string
	probe := intercom.NewRequest(m, &intercom.Hooks[*ctx]{}, &ctx{})
	_ = intercom.RenderTemplate(probe, io.Discard, nil, func(_ io.Writer, d pageData) error {
		placeholder = string(d[intercom.TemplateKey].(template.HTML))
		return nil
	})
	if !strings.HasPrefix(placeholder, "\x00") || len(placeholder) < 32 {
		t.Fatalf("placeholder %q: want a NUL byte and a token", placeholder)
	}
	tmpl := template.Must(template.New("page").Parse(
		`<p title="{{ .v }}">{{ .v }}</p><a href="/x?q={{ .v }}">x</a><script>var v = {{ .v }};</script>` +
			`<style>p{font-family:{{ .v }}}</style><textarea>{{ .v }}</textarea>`))
	r := intercom.NewRequest(m, &intercom.Hooks[*ctx]{}, &ctx{})
	var w bytes.Buffer
	if err := intercom.RenderTemplate(r, &w, pageData{"v": placeholder}, execute(tmpl)); err != nil {
		t.Fatal(err)
	}
	if page := w.String(); strings.Contains(page, intercom.SnippetMarker) || strings.Contains(page, "\x00") || r.Rendered() {
		t.Errorf("forged placeholder rendered or NUL written: %q", page)
	}
}
