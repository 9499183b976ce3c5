package scan_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/goanalytical/intercom/core/internal/scan"
)

const snip = `<script id="IntercomSettingsScriptTag">S</script>`

// splice is what a framework holding the page in memory does with At: the
// page with snip inserted at At(page), and whether it was.
func splice(page string) (string, bool) {
	at := scan.At([]byte(page))
	if at < 0 {
		return page, false
	}
	return page[:at] + snip + page[at:], true
}

// stream writes page through an Injector in chunks of size and finishes it
// with snippet.
func stream(t testing.TB, page string, size int, snippet string) (string, bool) {
	t.Helper()
	var out bytes.Buffer
	var j scan.Injector
	j.Reset(&out)
	for p := []byte(page); len(p) > 0; p = p[min(size, len(p)):] {
		if n, err := j.Write(p[:min(size, len(p))]); err != nil || n != min(size, len(p)) {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	ok, err := j.Finish([]byte(snippet))
	if err != nil {
		t.Fatalf("Finish: %v", err)
	}
	return out.String(), ok
}

var chunkSizes = []int{1, 2, 3, 6, 7, 8, 13, 1 << 20}

func TestAtAndInjector(t *testing.T) {
	tests := []struct {
		name, page, want string
		at               int
	}{
		{"simple", "<html><body><p>hi</p></body></html>", "<html><body><p>hi</p>" + snip + "</body></html>", 21},
		{"upper case", "<BODY>x</BODY></HTML>", "<BODY>x" + snip + "</BODY></HTML>", 7},
		{"mixed case with space", "<body>x</Body >", "<body>x" + snip + "</Body >", 7},
		{"self-closing slash", "<body>x</body/>", "<body>x" + snip + "</body/>", 7},
		{"tab after the name", "<body>x</body\t>", "<body>x" + snip + "</body\t>", 7},
		{"last of several: </body> in a script string", `<body><script>var s="</body>";</script></body>`, `<body><script>var s="</body>";</script>` + snip + `</body>`, 39},
		// The text </body> after the real end tag is no end tag; the byte
		// matcher took the last one and put the snippet in the string.
		{"</body> in a script string after the end tag", `<body>x</body><script>var s='</body>';</script>`, `<body>x` + snip + `</body><script>var s='</body>';</script>`, 7},
		{"</body> in a comment after the end tag", `<body>x</body><!-- </body> -->`, `<body>x` + snip + `</body><!-- </body> -->`, 7},
		{"no end tag, </body> in a script string", `<body><script>var s='</body>';</script>`, `<body><script>var s='</body>';</script>`, -1},
		{"an end tag of exactly MaxTail", "<body></body a='" + strings.Repeat("y", scan.MaxTail-12) + "'>", "<body>" + snip + "</body a='" + strings.Repeat("y", scan.MaxTail-12) + "'>", 6},
		{"an end tag longer than MaxTail", "<body></body a='" + strings.Repeat("y", scan.MaxTail-11) + "'>", "<body></body a='" + strings.Repeat("y", scan.MaxTail-11) + "'>", -1},
		{"no </body>", "<html><p>fragment", "<html><p>fragment", -1},
		{"not a tag: </bodyx>", "<body>x</bodyx>", "<body>x</bodyx>", -1},
		{"cut short: </body at the end", "<body>x</body", "<body>x</body", -1},
		{"already has the snippet", "<body>" + snip + "</body>", "<body>" + snip + "</body>", -1},
		{"marker after </body>", "<body>x</body>" + scan.Marker, "<body>x</body>" + scan.Marker, -1},
		{"empty page", "", "", -1},
		{"only the tag", "</body>", snip + "</body>", 0},
		{"tail longer than MaxTail", "<body>x</body>" + strings.Repeat("y", scan.MaxTail), "<body>x</body>" + strings.Repeat("y", scan.MaxTail), -1},
		{"tail of exactly MaxTail", "<body>x" + "</body>" + strings.Repeat("y", scan.MaxTail-7), "<body>x" + snip + "</body>" + strings.Repeat("y", scan.MaxTail-7), 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := scan.At([]byte(tt.page)); got != tt.at {
				t.Errorf("At = %d, want %d", got, tt.at)
			}
			injected := tt.at >= 0
			if got, ok := splice(tt.page); got != tt.want || ok != injected {
				t.Errorf("spliced at At: %q, %v\nwant %q, %v", got, ok, tt.want, injected)
			}
			for _, size := range chunkSizes {
				if got, ok := stream(t, tt.page, size, snip); got != tt.want || ok != injected {
					t.Errorf("chunks of %d: %q, %v\nwant %q, %v", size, got, ok, tt.want, injected)
				}
			}
		})
	}
}

// FuzzInjector: for any page and any chunking, streaming gives what splicing
// at At gives.
func FuzzInjector(f *testing.F) {
	f.Add("<body>a</body></html>", uint8(3))
	f.Add("</BODY></body\t</body/", uint8(1))
	f.Add("x</bo"+"dy>"+snip, uint8(5))
	f.Add("<body>x</body>Intercom"+"SettingsScriptTag", uint8(4))
	f.Fuzz(func(t *testing.T, page string, chunk uint8) {
		size := int(chunk%16) + 1
		want, wantOK := splice(page)
		if got, ok := stream(t, page, size, snip); got != want || ok != wantOK {
			t.Fatalf("chunks of %d: %q, %v\nwant %q, %v", size, got, ok, want, wantOK)
		}
	})
}

func TestInjectorFinish(t *testing.T) {
	tests := []struct {
		name, page, snippet, want string
		injected                  bool
	}{
		{"empty snippet inserts nothing", "<body>x</body>", "", "<body>x</body>", false},
		{"nothing written", "", snip, "", false},
		{"a partial tag is held and sent", "<body>x</bo", snip, "<body>x</bo", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, size := range chunkSizes {
				if got, ok := stream(t, tt.page, size, tt.snippet); got != tt.want || ok != tt.injected {
					t.Errorf("chunks of %d: %q, %v\nwant %q, %v", size, got, ok, tt.want, tt.injected)
				}
			}
		})
	}
}

// TestInjectorMarkerAcrossWrites: the snippet's marker is found however the
// writes split it, and only the whole marker counts.
func TestInjectorMarkerAcrossWrites(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		seen   bool
	}{
		{"in one write", []string{"<body>" + scan.Marker + "</body>"}, true},
		{"split in two", []string{"<body>Intercom", "SettingsScriptTag</body>"}, true},
		{"one byte each", strings.Split("<p>"+scan.Marker, ""), true},
		{"split after a long write", []string{strings.Repeat("z", 100) + "IntercomSettings", "ScriptTag"}, true},
		{"split across three", []string{"Intercom", "Settings", "ScriptTag"}, true},
		{"a prefix only", []string{"<body>IntercomSettingsScript", "</body>"}, false},
		{"broken by a byte", []string{"IntercomSettings", "_", "ScriptTag"}, false},
		{"no marker", []string{"<body>", "</body>"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			var j scan.Injector
			j.Reset(&out)
			page := ""
			for _, w := range tt.writes {
				if _, err := io.WriteString(&j, w); err != nil {
					t.Fatal(err)
				}
				page += w
			}
			if j.SnippetSeen() != tt.seen {
				t.Errorf("SnippetSeen = %v, want %v", j.SnippetSeen(), tt.seen)
			}
			ok, err := j.Finish([]byte(snip))
			want, wantOK := splice(page)
			if err != nil || ok != wantOK || out.String() != want {
				t.Errorf("Finish: %q, %v, %v\nwant %q, %v", out.String(), ok, err, want, wantOK)
			}
			if tt.seen && ok {
				t.Errorf("inserted the snippet into a page that carries it")
			}
		})
	}
}

// TestInjectorReset: Reset makes an Injector ready for a new page and a new
// writer, forgetting the marker and the held candidate of the last one.
func TestInjectorReset(t *testing.T) {
	var j scan.Injector
	var first, second bytes.Buffer
	j.Reset(&first)
	_, _ = io.WriteString(&j, "<body>"+scan.Marker+"</body>")
	j.Reset(&second)
	if j.SnippetSeen() {
		t.Fatal("Reset kept the marker of the previous page")
	}
	_, _ = io.WriteString(&j, "<body>x</body>")
	ok, err := j.Finish([]byte(snip))
	if !ok || err != nil || second.String() != "<body>x"+snip+"</body>" || first.String() != "<body>"+scan.Marker {
		t.Errorf("after Reset: %v, %v, %q; first writer got %q", ok, err, second.String(), first.String())
	}
}

// errWriter fails every write.
type errWriter struct{ err error }

func (w errWriter) Write([]byte) (int, error) { return 0, w.err }

func TestInjectorWriteError(t *testing.T) {
	boom := io.ErrClosedPipe
	var j scan.Injector
	j.Reset(errWriter{boom})
	if n, err := io.WriteString(&j, "<p>some text"); !errors.Is(err, boom) || n != 0 {
		t.Errorf("Write = %d, %v; want 0, %v", n, err, boom)
	}
	if n, err := io.WriteString(&j, "</body>"); !errors.Is(err, boom) || n != 0 {
		t.Errorf("Write after a failure = %d, %v; want 0, %v", n, err, boom)
	}
	if ok, err := j.Finish([]byte(snip)); ok || !errors.Is(err, boom) {
		t.Errorf("Finish = %v, %v; want false, %v", ok, err, boom)
	}
}

// countingWriter records the total written.
type countingWriter struct{ total int }

func (c *countingWriter) Write(p []byte) (int, error) { c.total += len(p); return len(p), nil }

func TestInjectorMemoryIsBoundedByTheTail(t *testing.T) {
	var j scan.Injector
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

// TestInjectorLetsAHugeTailGo: a real </body> followed by more than MaxTail
// is let go, and a later real one is still found. (This test used to put
// its first </body> in a script string, which the byte matcher took for a
// candidate; the scanner does not, so the tail now follows a real end tag.)
func TestInjectorLetsAHugeTailGo(t *testing.T) {
	huge := "<!--" + strings.Repeat("x", scan.MaxTail) + "-->"
	tests := []struct {
		name, page string
		at         int // -1: let go
	}{
		{"a real </body> and a huge comment after it", "<body>x</body>" + huge, -1},
		{"a later real </body> after the huge comment", "<body>x</body>" + huge + "</body>", len("<body>x</body>") + len(huge)},
		{"a huge script after the end tag", "<body>x</body><script>" + strings.Repeat("x", scan.MaxTail) + "</script>", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.page
			if tt.at >= 0 {
				want = tt.page[:tt.at] + snip + tt.page[tt.at:]
			}
			if got := scan.At([]byte(tt.page)); got != tt.at {
				t.Errorf("At = %d, want %d", got, tt.at)
			}
			for _, size := range []int{1000, 1 << 20} {
				if got, ok := stream(t, tt.page, size, snip); got != want || ok != (tt.at >= 0) {
					t.Errorf("chunks of %d: injected=%v, page changed=%v", size, ok, got != want)
				}
			}
		})
	}
}

func TestShouldInject(t *testing.T) {
	tests := []struct {
		status   int
		ct, ce   string
		expected bool
	}{
		{200, "text/html; charset=utf-8", "", true},
		{200, "TEXT/HTML", "", true},
		{200, " text/html ; charset=utf-8", " ", true},
		{404, "text/html;charset=UTF-8", "identity", true},
		{200, "text/html", "IDENTITY", true},
		{200, "application/json", "", false},
		{200, "text/html-sandboxed", "", false},
		{200, "text/plain", "", false},
		{200, "application/xhtml+xml", "", false},
		{200, "", "", false},
		{200, "text/html", "gzip", false},
		{200, "text/html", "br", false},
		{204, "text/html", "", false},
		{304, "text/html", "", false},
		{206, "text/html", "", false},
		{302, "text/html", "", false},
		{303, "text/html; charset=utf-8", "", false},
		{399, "text/html", "", false},
		{400, "text/html", "", true},
		{500, "text/html", "", true},
		{101, "text/html", "", false},
		{0, "text/html", "", false},
	}
	for _, tt := range tests {
		if got := scan.ShouldInject(tt.status, tt.ct, tt.ce); got != tt.expected {
			t.Errorf("ShouldInject(%d, %q, %q) = %v", tt.status, tt.ct, tt.ce, got)
		}
	}
}

// TestInjectorWritesDoNotAllocate: streaming a page through does not
// allocate per write, whatever the chunk boundaries.
func TestInjectorWritesDoNotAllocate(t *testing.T) {
	chunks := [][]byte{[]byte("<p>plain text</p>\n"), []byte("<"), []byte("/bo"), []byte("x>...")}
	var j scan.Injector
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

// benchPage is a page of about 100 KB as templates write them: markup,
// attributes, text, an inline script and a style.
var benchPage = func() []byte {
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html><html><head><title>Shop</title><style>p{margin:0}a::after{content:'>'}</style></head><body>\n")
	for b.Len() < 100<<10 {
		b.WriteString(`<div class="item" data-id="42"><a href="/products/42?ref=list">A product name</a> <span>€ 19.99</span></div>` + "\n")
		if b.Len()%(16<<10) < 120 {
			b.WriteString("<script>window.data = {\"a\": \"<b>\", list: [1, 2, 3]}; if (a < b && c > d) {}</script>\n")
		}
	}
	b.WriteString("</body></html>\n")
	return b.Bytes()
}()

func BenchmarkInjector(b *testing.B) {
	var j scan.Injector
	b.SetBytes(int64(len(benchPage)))
	b.ReportAllocs()
	for b.Loop() {
		j.Reset(io.Discard)
		for p := benchPage; len(p) > 0; p = p[min(4096, len(p)):] {
			_, _ = j.Write(p[:min(4096, len(p))])
		}
		_, _ = j.Finish([]byte(snip))
	}
}

func BenchmarkAt(b *testing.B) {
	b.SetBytes(int64(len(benchPage)))
	b.ReportAllocs()
	for b.Loop() {
		scan.At(benchPage)
	}
}
