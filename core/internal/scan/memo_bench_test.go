package scan_test

import (
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/goanalytical/intercom/core/internal/scan"
)

// recorder is a page as html/template writes it: the bytes, and where each
// of the engine's writes ended.
type recorder struct {
	page []byte
	ends []int
}

func (r *recorder) Write(p []byte) (int, error) {
	r.page = append(r.page, p...)
	r.ends = append(r.ends, len(r.page))
	return len(p), nil
}

// benchTemplates are a small page (about 1 KB) and a large one (about 100
// KB: a layout and a table of 900 rows), as apps render them.
var benchTemplates = []struct {
	name string
	tmpl *template.Template
	rows int
}{
	{"1KB", template.Must(template.New("small").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} · Example Shop</title>
<link rel="stylesheet" href="/static/app.css">
</head>
<body>
<header class="site-header"><a class="logo" href="/">Example Shop</a>
<nav><a href="/products">Products</a> <a href="/cart">Cart ({{ .Count }})</a> <a href="/account">{{ .User }}</a></nav>
</header>
<main>
<h1>{{ .Title }}</h1>
<p class="lead">Hello {{ .User }}, you have {{ .Count }} items in your cart.</p>
{{ range .Rows }}<div class="item" data-id="{{ .ID }}"><a href="/products/{{ .ID }}">{{ .Name }}</a> <span class="price">{{ .Note }}</span></div>
{{ end }}</main>
<footer><p>&copy; Example Shop. <a href="/privacy">Privacy</a> · <a href="/terms">Terms</a></p></footer>
<script src="/static/app.js" defer></script>
</body>
</html>
`)), 3},
	{"100KB", template.Must(template.New("large").Parse(`<!doctype html><html><head><title>{{ .Title }}</title></head><body><h1>{{ .Title }}</h1>` +
		`<table>{{ range .Rows }}<tr><td>{{ .ID }}</td><td>{{ .Name }}</td><td>{{ .Email }}</td><td>{{ .Note }}</td></tr>` +
		"\n{{ end }}</table></body></html>\n")), 900},
}

type benchRow struct {
	ID                int
	Name, Email, Note string
}

// renders returns n renders of a template for different users, as html/template
// wrote them.
func renders(b *testing.B, tmpl *template.Template, rows, n int) []recorder {
	b.Helper()
	out := make([]recorder, n)
	for i := range out {
		rs := make([]benchRow, rows)
		for j := range rs {
			rs[j] = benchRow{ID: i*1000 + j, Name: fmt.Sprintf("Jane Doe %d <jane>", i), Email: "jane.doe@example.com", Note: "Lorem ipsum & co."}
		}
		data := map[string]any{"Title": "Customers", "User": fmt.Sprintf("user%d", i), "Count": i, "Rows": rs}
		if err := tmpl.Execute(&out[i], data); err != nil {
			b.Fatal(err)
		}
	}
	return out
}

// BenchmarkTemplatePages scans html/template pages of 1 KB and 100 KB, each
// of 8 renders in turn (the memo sees each template's text again on every
// render): At on the whole page, the Injector given the engine's writes
// one by one and gathered as InjectWriter gathers them, and Text over the
// page written in them (Chunks), up to its end.
func BenchmarkTemplatePages(b *testing.B) {
	for _, bt := range benchTemplates {
		pages := renders(b, bt.tmpl, bt.rows, 8)
		b.Run(bt.name+"/At", func(b *testing.B) {
			inTurn(b, pages, func(p *recorder) {
				if scan.At(p.page) < 0 {
					b.Fatal("no place for the snippet")
				}
			})
		})
		b.Run(bt.name+"/Injector", func(b *testing.B) {
			var j scan.Injector
			inTurn(b, pages, func(p *recorder) {
				j.Reset(io.Discard)
				prev := 0
				for _, e := range p.ends {
					_, _ = j.Write(p.page[prev:e])
					prev = e
				}
				if ok, _ := j.Finish([]byte(snip)); !ok {
					b.Fatal("no snippet")
				}
			})
		})
		b.Run(bt.name+"/InjectorGathered", func(b *testing.B) {
			// As InjectWriter hands them over: writes under 512 bytes
			// gathered into 4 KB, with where each ended.
			var j scan.Injector
			buf := make([]byte, 0, 4096)
			var ends []int
			inTurn(b, pages, func(p *recorder) {
				j.Reset(io.Discard)
				prev := 0
				for _, e := range p.ends {
					if len(buf)+e-prev > cap(buf) {
						_, _ = j.WriteChunks(buf, ends)
						buf, ends = buf[:0], ends[:0]
					}
					buf = append(buf, p.page[prev:e]...)
					ends = append(ends, len(buf))
					prev = e
				}
				_, _ = j.WriteChunks(buf, ends)
				buf, ends = buf[:0], ends[:0]
				if ok, _ := j.Finish([]byte(snip)); !ok {
					b.Fatal("no snippet")
				}
			})
		})
		b.Run(bt.name+"/Text", func(b *testing.B) {
			inTurn(b, pages, func(p *recorder) {
				var txt scan.Text
				txt.Chunks(p.ends)
				if txt.At(p.page, len(p.page)) != true {
					b.Fatal("the page's end is not in its text")
				}
			})
		})
	}
}

// inTurn runs f on each of pages in turn, b.N times in all, reporting bytes
// (of the first page) and allocations.
func inTurn(b *testing.B, pages []recorder, f func(p *recorder)) {
	b.Helper()
	b.SetBytes(int64(len(pages[0].page)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f(&pages[i%len(pages)])
		i++
	}
}

// dashboard is a page of about 30 KB whose table is the same for every
// visitor and whose header names the visitor, its rows written over several
// lines: the median page e2ebench serves (examples/e2ebench's typical page).
var dashboard = template.Must(template.New("dashboard").Parse(`<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Orders · Example Inc.</title>
  <link rel="stylesheet" href="/static/site.css">
</head>
<body class="dashboard">
  <header class="top">
    <a class="brand" href="/">Example Inc.</a>
    <nav aria-label="Main"><a href="/dashboard">Dashboard</a> <a href="/orders" aria-current="page">Orders</a></nav>
    <a class="account" href="/account">{{ .User }}</a>
  </header>
  <main>
    <table class="orders">
      <tbody>
{{- range .Rows }}
        <tr class="status-{{ .Note }}">
          <td><a href="/orders/{{ .ID }}">#{{ .ID }}</a></td>
          <td>{{ .Name }}</td>
          <td><a href="mailto:{{ .Email }}">{{ .Email }}</a></td>
          <td><span class="badge badge-{{ .Note }}">{{ .Note }}</span></td>
          <td class="num">{{ .ID }}.00</td>
          <td><a class="button" href="/orders/{{ .ID }}/edit">Edit</a> <a class="button" href="/orders/{{ .ID }}/invoice">Invoice</a></td>
        </tr>
{{- end }}
      </tbody>
    </table>
  </main>
  <footer><p><a href="/about">About</a> · <a href="/privacy">Privacy</a></p></footer>
</body>
</html>
`))

// BenchmarkDashboard scans the dashboard page, handed over in one write, as
// echo hands its buffered page to whole-page install (Injector) and fiber
// scans a finished body (At): of 8 visitors in turn, whose table is the
// same; and (OwnRows) of 1,024 visitors in turn, whose names differ in
// length and every fifth of whose rows is their own, so that those rows
// miss the memo on every render.
func BenchmarkDashboard(b *testing.B) {
	rows := make([]benchRow, 70)
	for j := range rows {
		rows[j] = benchRow{ID: 48000 + j, Name: fmt.Sprintf("Customer %d", 2000+j), Email: fmt.Sprintf("customer%d@example.com", 2000+j), Note: "paid"}
	}
	pages := make([]recorder, 8)
	for i := range pages {
		if err := dashboard.Execute(&pages[i], map[string]any{"User": fmt.Sprintf("User %d", 1000+i), "Rows": rows}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("Injector", func(b *testing.B) {
		var j scan.Injector
		inTurn(b, pages, func(p *recorder) {
			j.Reset(io.Discard)
			_, _ = j.Write(p.page)
			if ok, _ := j.Finish([]byte(snip)); !ok {
				b.Fatal("no snippet")
			}
		})
	})
	b.Run("At", func(b *testing.B) {
		inTurn(b, pages, func(p *recorder) {
			if scan.At(p.page) < 0 {
				b.Fatal("no place for the snippet")
			}
		})
	})
	b.Run("OwnRows/At", func(b *testing.B) {
		// 1,024 pages of about 32 KB, made only when this runs.
		own := make([]recorder, 1024)
		for i := range own {
			rows := slices.Clone(rows)
			for j := 0; j < len(rows); j += 5 {
				rows[j].ID += 1000003 * (i + 1)
			}
			user := fmt.Sprintf("User %d %s", i, strings.Repeat("x", i%8*3))
			if err := dashboard.Execute(&own[i], map[string]any{"User": user, "Rows": rows}); err != nil {
				b.Fatal(err)
			}
		}
		inTurn(b, own, func(p *recorder) {
			if scan.At(p.page) < 0 {
				b.Fatal("no place for the snippet")
			}
		})
	})
}
