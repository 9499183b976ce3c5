package adapter_test

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"maps"
	"reflect"
	"strconv"
	"strings"
	"testing"
	ttemplate "text/template"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
	"github.com/goanalytical/intercom/core/internal/scan"
)

type pageData map[string]any

func TestConstants(t *testing.T) {
	if adapter.TemplateKey != "Intercom" || adapter.TemplatePrefix != "intercom_" {
		t.Errorf("TemplateKey %q, TemplatePrefix %q", adapter.TemplateKey, adapter.TemplatePrefix)
	}
	// The marker is the id of the element every snippet starts with.
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	if s := string(m.Render(intercom.Visitor{})); adapter.SnippetMarker != "IntercomSettingsScriptTag" || !strings.HasPrefix(s, `<script id="`+adapter.SnippetMarker+`">`) {
		t.Errorf("SnippetMarker %q; snippet %.60s", adapter.SnippetMarker, s)
	}
}

// TestData: Data copies the data, adds the snippet under TemplateKey, and
// sets the intercom_* keys (prefix stripped) on the request, as
// django-analytical's intercom_* template variables were.
func TestData(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	tests := []struct {
		name      string
		request   string // "active", "skipped" or "nil"
		data      pageData
		wantAttrs intercom.Attributes // the visitor's, and so the snippet's
		want      pageData            // without TemplateKey
	}{
		{
			name:    "intercom_ keys become attributes; the rest is copied",
			request: "active",
			data:    pageData{"title": "Cart", "intercom_plan": "pro", "intercom_seats": 3, "intercom_": "no name", "Intercom_x": 1, "xintercom_y": 2, adapter.TemplateKey: "stale"},
			// "intercom_" has no name, and only the exact prefix counts.
			wantAttrs: intercom.Attributes{"plan": "pro", "seats": 3},
			want:      pageData{"title": "Cart", "intercom_plan": "pro", "intercom_seats": 3, "intercom_": "no name", "Intercom_x": 1, "xintercom_y": 2},
		},
		{name: "no intercom_ keys", request: "active", data: pageData{"title": 1}, want: pageData{"title": 1}},
		{name: "nil data", request: "active", want: pageData{}},
		{name: "skipped request", request: "skipped", data: pageData{"title": "Cart", "intercom_plan": "pro"}, want: pageData{"title": "Cart", "intercom_plan": "pro"}},
		{name: "nil request", request: "nil", data: pageData{"title": "Cart", "intercom_plan": "pro"}, want: pageData{"title": "Cart", "intercom_plan": "pro"}},
	}
	// Maps on both sides of eight keys, where a map of the runtime's
	// outgrows one group of slots.
	for _, n := range []int{6, 7, 8, 9, 30} {
		data := pageData{"intercom_n": n}
		for i := range n - 1 {
			data["key"+strconv.Itoa(i)] = i
		}
		tests = append(tests, struct {
			name      string
			request   string
			data      pageData
			wantAttrs intercom.Attributes
			want      pageData
		}{fmt.Sprintf("%d keys", n), "active", data, intercom.Attributes{"n": n}, maps.Clone(data)})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r *adapter.Request[*ctx]
			hooks := adapter.Hooks[*ctx]{}
			switch tt.request {
			case "skipped":
				hooks.Skip = skipAll
				fallthrough
			case "active":
				r = start(m, hooks, &ctx{})
			}
			before := maps.Clone(tt.data)
			out := adapter.Data(r, tt.data)
			if !maps.Equal(tt.data, before) {
				t.Errorf("the caller's map was modified: %v", tt.data)
			}
			snippet := template.HTML("")
			if tt.request == "active" {
				snippet = m.Render(intercom.Visitor{Attributes: tt.wantAttrs})
			}
			want := maps.Clone(tt.want)
			want[adapter.TemplateKey] = snippet
			if !reflect.DeepEqual(out, want) {
				t.Errorf("Data =\n%v\nwant\n%v", out, want)
			}
			if tt.request == "active" {
				if got := r.Visitor().Attributes; len(got) != len(tt.wantAttrs) || len(got) > 0 && !equalJSON(got, tt.wantAttrs) {
					t.Errorf("request attributes %v, want %v", got, tt.wantAttrs)
				}
				if !r.Rendered() {
					t.Error("Data rendered the snippet, yet the request is not Rendered")
				}
			}
		})
	}
}

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
			tmpl := template.Must(template.New("page").Funcs(template.FuncMap{
				"upper": func(h template.HTML) string { return strings.ToUpper(string(h)) },
				"title": func(h template.HTML) string {
					s := string(h)
					return strings.ToUpper(s[:1]) + strings.ReplaceAll(s[1:], "-s", "-S")
				},
			}).Parse(tt.tmpl))
			r := start(m, adapter.Hooks[*ctx]{}, &ctx{})
			before := maps.Clone(tt.data)
			var w growWriter
			if err := adapter.RenderTemplate(r, &w, tt.data, execute(tmpl)); err != nil {
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
			if !tt.wantRendered && len(w.grown) != 0 {
				t.Errorf("Grow calls %v for a page without the snippet", w.grown)
			}
			if want := 1 + 2*strings.Count(tt.want, anonymous[:40]); w.writes != want {
				t.Errorf("%d writes, want %d", w.writes, want)
			}
		})
	}
}

// The copy of the data RenderTemplate gives the engine is reused once
// render returns (the engine must not keep it): emptied, and handed to a
// later render, unless the data was large; the caller's map never changes.
func TestRenderTemplateReusesTheDataCopy(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	tests := []struct {
		name      string
		keys      int
		wantEmpty bool
	}{
		{"small data", 3, true},
		{"63 keys", 63, true},
		{"64 keys, not pooled", 64, false},
		{"1000 keys, not pooled", 1000, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := pageData{}
			for i := range tt.keys {
				data["k"+strconv.Itoa(i)] = i
			}
			before := maps.Clone(data)
			var seen map[string]any
			r := start(m, adapter.Hooks[*ctx]{}, &ctx{})
			err := adapter.RenderTemplate(r, io.Discard, data, func(w io.Writer, d pageData) error {
				seen = d
				if len(d) != tt.keys+1 || d["k0"] != 0 || d[adapter.TemplateKey] == nil {
					t.Errorf("the engine got %d keys (k0 %v), want %d and the placeholder", len(d), d["k0"], tt.keys+1)
				}
				_, err := io.WriteString(w, "<p>")
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := len(seen) == 0; got != tt.wantEmpty {
				t.Errorf("after the render the engine's copy holds %d keys; emptied = %t, want %t", len(seen), got, tt.wantEmpty)
			}
			if !maps.Equal(data, before) {
				t.Error("the caller's map was modified")
			}
		})
	}
}

func TestRenderTemplateDirect(t *testing.T) {
	disabled, _ := newMessenger(t, intercom.Config{})
	enabled, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	tmpl := template.Must(template.New("page").Parse(`<p>{{ .title }}</p>[{{ .Intercom }}]`))
	tests := []struct {
		name string
		r    *adapter.Request[*ctx]
	}{
		{"no request", nil},
		{"disabled", start(disabled, adapter.Hooks[*ctx]{}, &ctx{})},
		{"skipped", start(enabled, adapter.Hooks[*ctx]{Skip: skipAll}, &ctx{})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w strings.Builder
			if err := adapter.RenderTemplate(tt.r, &w, pageData{"title": "Cart", "intercom_plan": "pro"}, execute(tmpl)); err != nil {
				t.Fatal(err)
			}
			if got, want := w.String(), "<p>Cart</p>[]"; got != want {
				t.Errorf("page %q, want %q", got, want)
			}
			if tt.r.Rendered() {
				t.Error("Rendered() for a page without the snippet")
			}
		})
	}
}

// A render error writes nothing and leaves the request unrendered; a write
// error is returned.
func TestRenderTemplateErrors(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	boom := errors.New("boom")
	r := start(m, adapter.Hooks[*ctx]{}, &ctx{})
	var w bytes.Buffer
	err := adapter.RenderTemplate(r, &w, nil, func(w io.Writer, d pageData) error {
		_, _ = io.WriteString(w, "half")
		_, _ = io.WriteString(w, string(d[adapter.TemplateKey].(template.HTML)))
		return boom
	})
	if !errors.Is(err, boom) || w.Len() != 0 || r.Rendered() {
		t.Errorf("err %v, %d bytes written, Rendered %t; want boom, 0, false", err, w.Len(), r.Rendered())
	}

	tmpl := template.Must(template.New("page").Parse(`<p>{{ .Intercom }}</p>`))
	for _, page := range []*template.Template{tmpl, template.Must(template.New("page").Parse(`<p>no snippet</p>`))} {
		if err := adapter.RenderTemplate(r, failingWriter{boom}, nil, execute(page)); !errors.Is(err, boom) {
			t.Errorf("write error: got %v, want boom", err)
		}
	}
	// Without request state the engine writes to w itself: its error is
	// returned as it is.
	if err := adapter.RenderTemplate[pageData, *ctx](nil, &w, nil, func(io.Writer, pageData) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("render error without a request: got %v, want boom", err)
	}
}

type failingWriter struct{ err error }

func (f failingWriter) Write([]byte) (int, error) { return 0, f.err }

// Data cannot forge the placeholder: a value equal to one, written by
// html/template in any context, never becomes the snippet, and the page
// shows no placeholder.
func TestRenderTemplatePlaceholderNotForgeable(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	var placeholder string
	probe := start(m, adapter.Hooks[*ctx]{}, &ctx{})
	_ = adapter.RenderTemplate(probe, io.Discard, nil, func(_ io.Writer, d pageData) error {
		placeholder = string(d[adapter.TemplateKey].(template.HTML))
		return nil
	})
	if !strings.HasPrefix(placeholder, "intercom-snippet-") || len(placeholder) != len("intercom-snippet-")+32 {
		t.Fatalf("placeholder %q: want the marker and a token", placeholder)
	}
	tmpl := template.Must(template.New("page").Parse(
		`<p title="{{ .v }}">{{ .v }}</p><a href="/x?q={{ .v }}">x</a><script>var v = {{ .v }};</script>` +
			`<style>p{font-family:{{ .v }}}</style><textarea>{{ .v }}</textarea>`))
	r := start(m, adapter.Hooks[*ctx]{}, &ctx{})
	var w bytes.Buffer
	if err := adapter.RenderTemplate(r, &w, pageData{"v": placeholder}, execute(tmpl)); err != nil {
		t.Fatal(err)
	}
	want := `<p title=""></p><a href="/x?q=">x</a><script>var v = "";</script><style>p{font-family:}</style><textarea></textarea>`
	if page := w.String(); page != want || r.Rendered() {
		t.Errorf("forged placeholders: page %q, Rendered %v;\nwant %q, false", page, r.Rendered(), want)
	}
}

// anyExecute returns the untyped render function of RenderData and
// RenderBinding for tmpl, recording the data it got.
func anyExecute(tmpl *template.Template, got *any) func(io.Writer, any) error {
	return func(w io.Writer, d any) error { *got = d; return tmpl.Execute(w, d) }
}

type structData struct{ Title string }

func TestRenderData(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	withPlan := string(m.Render(intercom.Visitor{Attributes: intercom.Attributes{"plan": "pro"}}))
	tmpl := template.Must(template.New("page").Parse(`<h1>{{ .Title }}</h1>{{ .Intercom }}`))
	tmplStruct := template.Must(template.New("page").Parse(`<h1>{{ .Title }}</h1>`))
	tests := []struct {
		name      string
		tmpl      *template.Template
		data      any
		noRequest bool
		want      string
		lookups   int  // calls of the request func
		typed     bool // render got the data's own map type
	}{
		{"the framework's map type", tmpl, pageData{"Title": "Cart", "intercom_plan": "pro"}, false, "<h1>Cart</h1>" + withPlan, 1, true},
		{"map[string]any", tmpl, map[string]any{"Title": "Cart", "intercom_plan": "pro"}, false, "<h1>Cart</h1>" + withPlan, 1, false},
		{"a map without request state", tmpl, pageData{"Title": "Cart", "intercom_plan": "pro"}, true, "<h1>Cart</h1>", 1, true},
		{"struct data: unchanged, no lookup", tmplStruct, structData{"Cart"}, false, "<h1>Cart</h1>", 0, false},
		{"nil data: unchanged, no lookup", template.Must(template.New("page").Parse(`x{{ . }}`)), nil, false, "x", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := start(m, adapter.Hooks[*ctx]{}, &ctx{})
			if tt.noRequest {
				r = nil
			}
			lookups := 0
			find := func() *adapter.Request[*ctx] { lookups++; return r }
			var got any
			var w strings.Builder
			if err := adapter.RenderData[pageData](find, &w, tt.data, anyExecute(tt.tmpl, &got)); err != nil {
				t.Fatal(err)
			}
			if w.String() != tt.want || lookups != tt.lookups {
				t.Errorf("page %q, %d lookups; want %q, %d", w.String(), lookups, tt.want, tt.lookups)
			}
			if _, isPageData := got.(pageData); isPageData != tt.typed {
				t.Errorf("render got %T", got)
			}
			if tt.lookups == 0 && !reflect.DeepEqual(got, tt.data) {
				t.Errorf("render got %#v, want the data unchanged", got)
			}
		})
	}
}

func TestRenderBinding(t *testing.T) {
	const key = "intercomtest.state"
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	withPlan := string(m.Render(intercom.Visitor{Attributes: intercom.Attributes{"plan": "pro"}}))
	tmpl := template.Must(template.New("page").Parse(`<h1>{{ .Title }}</h1>[{{ .Intercom }}]`))
	type binding = func(r *adapter.Request[*ctx]) any
	tests := []struct {
		name     string
		data     binding
		want     string
		rendered bool
		page     *template.Template // nil: tmpl
	}{
		{"the framework's map type with the state", func(r *adapter.Request[*ctx]) any {
			return pageData{"Title": "Cart", "intercom_plan": "pro", key: r}
		}, "<h1>Cart</h1>[" + withPlan + "]", true, nil},
		{"map[string]any with the state", func(r *adapter.Request[*ctx]) any {
			return map[string]any{"Title": "Cart", "intercom_plan": "pro", key: r}
		}, "<h1>Cart</h1>[" + withPlan + "]", true, nil},
		{"without the state", func(*adapter.Request[*ctx]) any {
			return pageData{"Title": "Cart"}
		}, "<h1>Cart</h1>[]", false, nil},
		{"the state under another key", func(r *adapter.Request[*ctx]) any {
			return pageData{"Title": "Cart", "other": r}
		}, "<h1>Cart</h1>[]", false, nil},
		{"another context type's state", func(*adapter.Request[*ctx]) any {
			return pageData{"Title": "Cart", key: adapter.NewMiddleware("other", m, adapter.Hooks[other]{}).Start(other{})}
		}, "<h1>Cart</h1>[]", false, nil},
		{"Data already ran: the snippet is rendered in its place again", func(r *adapter.Request[*ctx]) any {
			d := adapter.Data(r, pageData{"Title": "Cart", "intercom_plan": "pro"})
			d[key] = r
			return d
		}, "<h1>Cart</h1>[" + withPlan + "]", true, nil},
		{"struct data", func(*adapter.Request[*ctx]) any { return structData{"Cart"} }, "Cart", false,
			template.Must(template.New("page").Parse(`{{ .Title }}`))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := start(m, adapter.Hooks[*ctx]{}, &ctx{})
			data := tt.data(r)
			page := tt.page
			if page == nil {
				page = tmpl
			}
			var got any
			var w strings.Builder
			if err := adapter.RenderBinding[pageData, *ctx](&w, data, key, anyExecute(page, &got)); err != nil {
				t.Fatal(err)
			}
			if w.String() != tt.want || r.Rendered() != tt.rendered {
				t.Errorf("page %q, rendered %v\nwant %q, %v", w.String(), r.Rendered(), tt.want, tt.rendered)
			}
		})
	}
}

// probePlaceholder returns the placeholder a render of r gets.
func probePlaceholder(t *testing.T, r *adapter.Request[*ctx]) string {
	t.Helper()
	var ph string
	if err := adapter.RenderTemplate(r, io.Discard, nil, func(_ io.Writer, d pageData) error {
		ph = string(d[adapter.TemplateKey].(template.HTML))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return ph
}

// TestRenderTemplatePlaceholderIsFresh: every render, of any request, gets a
// placeholder of its own: the marker and 32 random hex digits.
// (It used to be one for the whole process.)
func TestRenderTemplatePlaceholderIsFresh(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	seen := map[string]bool{}
	r := start(m, adapter.Hooks[*ctx]{}, &ctx{})
	for i := range 500 {
		if i%2 == 0 {
			r = start(m, adapter.Hooks[*ctx]{}, &ctx{})
		}
		ph := probePlaceholder(t, r)
		token, ok := strings.CutPrefix(ph, "intercom-snippet-")
		if !ok || len(token) != 32 || strings.Trim(token, "0123456789abcdef") != "" {
			t.Fatalf("placeholder %q", ph)
		}
		if seen[ph] {
			t.Fatalf("placeholder %q handed out twice", ph)
		}
		seen[ph] = true
	}
}

// TestRenderTemplateEscapedPlaceholder: where the template wrote the
// placeholder outside the page's text, or changed it, it is removed from the
// page and reported; the one in the page's text still becomes the snippet.
// (The escaped placeholder used to show on the page.)
func TestRenderTemplateEscapedPlaceholder(t *testing.T) {
	m, rec := newMessenger(t, intercom.Config{AppID: "abc12345"})
	snippet := string(m.Render(intercom.Visitor{}))
	tests := []struct {
		name, tmpl, want string
		removed          int
	}{
		{"quoted attribute", `<p title="{{ .Intercom }}">x</p>`, `<p title="">x</p>`, 1},
		{"unquoted attribute", `<p title={{ .Intercom }}>x</p>`, `<p title=>x</p>`, 1},
		{"URL", `<a href="/x?q={{ .Intercom }}">x</a>`, `<a href="/x?q=">x</a>`, 1},
		{"script", `<script>var s = {{ .Intercom }};</script>`, `<script>var s = "";</script>`, 1},
		{"event handler", `<p onclick="f({{ .Intercom }})">x</p>`, `<p onclick="f(&#34;&#34;)">x</p>`, 1},
		{"textarea", `<textarea>{{ .Intercom }}</textarea>`, `<textarea></textarea>`, 1},
		{"style", `<style>p{font-family:{{ .Intercom }}}</style>`, `<style>p{font-family:}</style>`, 1},
		{"title", `<title>{{ .Intercom }}</title>`, `<title></title>`, 1},
		{"upper-cased", `<p>{{ upper .Intercom }}</p>`, `<p></p>`, 1},
		{"title-cased", `<p>{{ title .Intercom }}</p>`, `<p></p>`, 1},
		{"cut short", `<p>{{ slice (printf "%s" .Intercom) 0 24 }}</p>`, `<p></p>`, 1},
		{"the marker alone", `<p>{{ slice (printf "%s" .Intercom) 0 17 }}</p>`, `<p></p>`, 1},
		// A function that keeps the placeholder whole in the text gets the
		// snippet, with what it adds around it.
		{"printf", `<p>{{ printf "%q" .Intercom }}</p>`, `<p>&#34;` + snippet + `&#34;</p>`, 0},
		{"escaped and whole", `<p title="{{ .Intercom }}">x</p>{{ .Intercom }}`, `<p title="">x</p>` + snippet, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec.errs = nil
			tmpl := template.Must(template.New("page").Funcs(template.FuncMap{
				"upper": func(h template.HTML) string { return strings.ToUpper(string(h)) },
				"title": func(h template.HTML) string {
					s := string(h)
					return strings.ToUpper(s[:1]) + strings.ReplaceAll(s[1:], "-s", "-S")
				},
			}).Parse(tt.tmpl))
			r := start(m, adapter.Hooks[*ctx]{}, &ctx{})
			var w growWriter
			if err := adapter.RenderTemplate(r, &w, nil, execute(tmpl)); err != nil {
				t.Fatal(err)
			}
			if got := w.String(); got != tt.want {
				t.Errorf("page\n got %q\nwant %q", got, tt.want)
			}
			if r.Rendered() != strings.Contains(tt.want, snippet) {
				t.Errorf("Rendered() = %v", r.Rendered())
			}
			var want []error
			if tt.removed > 0 {
				want = []error{&adapter.PlaceholderError{Removed: tt.removed}}
			}
			if got := rec.errors(); !reflect.DeepEqual(got, want) {
				t.Errorf("reported %v, want %v", got, want)
			}
			if len(w.grown) > 0 && w.grown[0] != len(tt.want) {
				t.Errorf("grown to %d, want %d", w.grown[0], len(tt.want))
			}
		})
	}
}

// TestRenderTemplateStalePlaceholder: a data value holding the placeholder
// of an earlier render never becomes a snippet, in an engine that escapes
// nothing (text/template here, pongo2 with |safe alike): it is removed and
// reported. (With one placeholder per process it used to expand.)
func TestRenderTemplateStalePlaceholder(t *testing.T) {
	m, rec := newMessenger(t, intercom.Config{AppID: "abc12345"})
	snippet := string(m.Render(intercom.Visitor{}))
	r := start(m, adapter.Hooks[*ctx]{}, &ctx{})
	stale := probePlaceholder(t, r)
	tmpl := ttemplate.Must(ttemplate.New("page").Parse(`<p>{{ .name }}</p>{{ .Intercom }}`))
	var w strings.Builder
	err := adapter.RenderTemplate(r, &w, pageData{"name": stale}, func(w io.Writer, d pageData) error { return tmpl.Execute(w, d) })
	if err != nil {
		t.Fatal(err)
	}
	if got, want := w.String(), "<p></p>"+snippet; got != want {
		t.Errorf("page\n got %q\nwant %q", got, want)
	}
	if got := rec.errors(); !reflect.DeepEqual(got, []error{&adapter.PlaceholderError{Removed: 1}}) {
		t.Errorf("reported %v", got)
	}
}

// TestRenderTemplateEscapingEngine: the placeholder comes through an
// engine's HTML and JavaScript escapers unchanged (text/template's html and
// js are the escapers jet and mustache build on), so an escaped tag in the
// page's text becomes the snippet as a raw one does; in a tag or a script
// it is removed, escaped or not. No page shows the placeholder.
func TestRenderTemplateEscapingEngine(t *testing.T) {
	m, rec := newMessenger(t, intercom.Config{AppID: "abc12345"})
	snippet := string(m.Render(intercom.Visitor{}))
	tests := []struct {
		name, tmpl, want string
		removed          int
	}{
		{"raw", `<p>{{ .Intercom }}</p>`, `<p>` + snippet + `</p>`, 0},
		{"html", `<p>{{ html .Intercom }}</p>`, `<p>` + snippet + `</p>`, 0},
		{"html, piped", `<p>{{ .Intercom | html }}</p>`, `<p>` + snippet + `</p>`, 0},
		{"js", `<p>{{ js .Intercom }}</p>`, `<p>` + snippet + `</p>`, 0},
		{"html in an attribute", `<p title="{{ html .Intercom }}">x</p>`, `<p title="">x</p>`, 1},
		{"raw in a script", `<script>var s = "{{ .Intercom }}";</script>`, `<script>var s = "";</script>`, 1},
		{"raw in a comment", `<!-- {{ .Intercom }} -->`, `<!--  -->`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec.errs = nil
			tmpl := ttemplate.Must(ttemplate.New("page").Parse(tt.tmpl))
			r := start(m, adapter.Hooks[*ctx]{}, &ctx{})
			var w strings.Builder
			if err := adapter.RenderTemplate(r, &w, nil, func(w io.Writer, d pageData) error { return tmpl.Execute(w, d) }); err != nil {
				t.Fatal(err)
			}
			if got := w.String(); got != tt.want || strings.Contains(strings.ToLower(got), "intercom-snippet-") {
				t.Errorf("page\n got %q\nwant %q", got, tt.want)
			}
			var want []error
			if tt.removed > 0 {
				want = []error{&adapter.PlaceholderError{Removed: tt.removed}}
			}
			if got := rec.errors(); !reflect.DeepEqual(got, want) {
				t.Errorf("reported %v, want %v", got, want)
			}
		})
	}
}

// FuzzRenderTemplate writes the placeholder between any two runs of bytes:
// the page gets the snippet exactly where the HTML tokenizer is in the
// page's text there, and never shows the render's token, in any letter
// case, whatever the bytes around it (markers and tokens of their own
// included).
func FuzzRenderTemplate(f *testing.F) {
	for _, s := range [][2]string{
		{"<p>", "</p>"},
		{`<p title="`, `">`},
		{"<script>var s='", "';</script>"},
		{"<!-- ", " -->"},
		{"<title>", "</title>"},
		{"intercom-snippet-", "0123"},
		{"INTERCOM-SNIPPET-", "intercom-snippet-abcdef"},
		{"<p>a<", "b"},
	} {
		f.Add(s[0], s[1])
	}
	m, err := intercom.New(intercom.Config{AppID: "abc12345"})
	if err != nil {
		f.Fatal(err)
	}
	snippet := string(m.Render(intercom.Visitor{}))
	mw := adapter.NewMiddleware("fuzz", m, adapter.Hooks[struct{}]{})
	f.Fuzz(func(t *testing.T, before, after string) {
		var ph string
		var w strings.Builder
		err := adapter.RenderTemplate(mw.Start(struct{}{}), &w, nil, func(w io.Writer, d pageData) error {
			ph = string(d[adapter.TemplateKey].(template.HTML))
			_, err := io.WriteString(w, before+ph+after)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		page := w.String()
		token := ph[len("intercom-snippet-"):]
		if strings.Contains(strings.ToLower(page), token) {
			t.Fatalf("the page shows the token: %q", page)
		}
		var text scan.Text
		inText := text.At([]byte(before+ph+after), len(before))
		want := 0
		if inText {
			want = 1
		}
		if got := strings.Count(page, snippet) - strings.Count(before+after, snippet); got != want {
			t.Fatalf("%d snippets, want %d (placeholder in the text: %v); page %q", got, want, inText, page)
		}
	})
}

// TestBuffered: the page reaches send whole, or not at all when render
// fails; send's error is returned; and a buffer back from the pool starts
// empty, however much the page before it wrote.
func TestBuffered(t *testing.T) {
	boom, sendErr := errors.New("boom"), errors.New("send")
	big := strings.Repeat("x", 70_000)
	for _, tt := range []struct {
		name     string
		writes   []string
		render   error
		send     error
		wantSent []string // what send got, per call; nil: not called
		wantErr  error
	}{
		{"one write", []string{"<p>page</p>"}, nil, nil, []string{"<p>page</p>"}, nil},
		{"many writes", []string{"<p>", "page", "</p>"}, nil, nil, []string{"<p>page</p>"}, nil},
		{"empty page", nil, nil, nil, []string{""}, nil},
		{"a big page, then a small one", []string{big}, nil, nil, []string{big}, nil},
		{"render fails after writing", []string{"half"}, boom, nil, nil, boom},
		{"send fails", []string{"<p>page</p>"}, nil, sendErr, []string{"<p>page</p>"}, sendErr},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var sent []string
			err := adapter.Buffered(func(w io.Writer) error {
				for _, s := range tt.writes {
					if _, err := io.WriteString(w, s); err != nil {
						return err
					}
				}
				return tt.render
			}, func(page []byte) error {
				sent = append(sent, string(page))
				return tt.send
			})
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Errorf("err %v, want %v", err, tt.wantErr)
			}
			if !reflect.DeepEqual(sent, tt.wantSent) {
				t.Errorf("sent %.40q, want %.40q", sent, tt.wantSent)
			}
		})
	}
	// The next page starts in an empty buffer, whichever the pool gives.
	for range 4 {
		err := adapter.Buffered(func(w io.Writer) error { _, err := io.WriteString(w, "<p>next</p>"); return err },
			func(page []byte) error {
				if string(page) != "<p>next</p>" {
					t.Errorf("page %.40q, want <p>next</p>", page)
				}
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestBufferedAllocatesNothing: once the pool holds a buffer, a page costs
// no allocation, where a fresh buffer per page would cost at least one.
func TestBufferedAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop what it is given")
	}
	page := []byte(strings.Repeat("<p>a line of the page</p>\n", 400))
	render := func(w io.Writer) error { _, err := w.Write(page); return err }
	send := func(p []byte) error {
		if len(p) != len(page) {
			return fmt.Errorf("sent %d bytes, want %d", len(p), len(page))
		}
		return nil
	}
	if err := adapter.Buffered(render, send); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _ = adapter.Buffered(render, send) }); n != 0 {
		t.Errorf("Buffered allocates %v times a page, want 0", n)
	}
}
