package adapter

import (
	"html/template"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/goanalytical/intercom/core/internal/scan"
)

// TestFindPlaceholdersWithTheMemo: the placeholders found in pages rendered
// into a pageWriter again and again, scanned a write at a time through the
// scanner's memo, and at random ends, are those the scanner finds with the
// memo off, placeholder by placeholder (where, and whether it expands).
func TestFindPlaceholdersWithTheMemo(t *testing.T) {
	layout := `<!doctype html><html><head><title>{{ .T }}</title><style>p::after{content:"</body>"}</style></head><body>
<header><a href="/">Home</a> <a href="/u/{{ .T }}" title="{{ .T }}">{{ .T }}</a></header>
{{ range .Rows }}<tr><td>{{ . }}</td><td class="x">{{ . }}</td></tr>
{{ end }}<script>var a = "{{ .T }}"; if (a < 1) {}</script><!-- {{ .T }} -->`
	places := []string{
		`<p>{{ .Intercom }}</p>`,
		`<p title="{{ .Intercom }}">x</p>{{ .Intercom }}`,
		`<script>var s = {{ .Intercom }};</script>{{ .Intercom }}`,
		`<textarea>{{ .Intercom }}</textarea><p>{{ .Intercom }}</p>`,
		`<!-- x -->{{ .Intercom }}<title>{{ .Intercom }}</title>`,
		`<noscript>{{ .Intercom }}</noscript>{{ .Intercom }}`,
	}
	rng := rand.New(rand.NewPCG(14, 9))
	for _, place := range places {
		tmpl := template.Must(template.New("page").Parse(layout + place + "</body></html>\n"))
		for i := range 5 {
			ph := freshPlaceholder()
			var w pageWriter
			rows := make([]string, rng.IntN(30))
			for j := range rows {
				rows[j] = strings.Repeat("<&>x", rng.IntN(4))
			}
			data := map[string]any{"T": strings.Repeat("t", i), "Rows": rows, TemplateKey: template.HTML(ph)}
			if err := tmpl.Execute(&w, data); err != nil {
				t.Fatal(err)
			}
			want := findPlaceholdersWith(scan.RawText(), w.buf, ph, nil)
			if len(want) == 0 {
				t.Fatalf("%s: no placeholder found", place)
			}
			if got := findPlaceholders(w.buf, w.ends, ph, nil); !slices.Equal(got, want) {
				t.Errorf("%s, render %d: %v, without the memo %v", place, i, got, want)
			}
			var ends []int
			for e := rng.IntN(40); e < len(w.buf); e += 1 + rng.IntN(80) {
				ends = append(ends, e)
			}
			if got := findPlaceholders(w.buf, ends, ph, nil); !slices.Equal(got, want) {
				t.Errorf("%s, render %d, random ends: %v, without the memo %v", place, i, got, want)
			}
		}
	}
}
