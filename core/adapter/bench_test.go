package adapter_test

import (
	"html/template"
	"io"
	"testing"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

// BenchmarkRenderTemplate renders a small html/template page with the
// snippet through RenderTemplate, as echo's Renderer and fiber's Views do,
// beside the same page rendered with the snippet from Data (the engine
// writes it itself).
func BenchmarkRenderTemplate(b *testing.B) {
	m, err := intercom.New(intercom.Config{AppID: "abc12345"})
	if err != nil {
		b.Fatal(err)
	}
	tmpl := template.Must(template.New("page").Parse(`<html><body><h1>{{ .title }}</h1><p>{{ .text }}</p>{{ .Intercom }}</body></html>`))
	data := map[string]any{"title": "Cart", "text": "Three items", "intercom_plan": "pro"}
	render := func(w io.Writer, d map[string]any) error { return tmpl.Execute(w, d) }
	mw := adapter.NewMiddleware("bench", m, adapter.Hooks[struct{}]{})
	b.Run("RenderTemplate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r := mw.Start(struct{}{})
			if err := adapter.RenderTemplate(r, io.Discard, data, render); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Data", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r := mw.Start(struct{}{})
			if err := tmpl.Execute(io.Discard, adapter.Data(r, data)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
