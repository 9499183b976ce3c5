package scan_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/goanalytical/intercom/core/internal/scan"
)

// The memo's differential tests: pages made of static parts (the same bytes
// on every render, as an engine writes a template's text) and dynamic ones
// (new bytes each time), rendered several times so that the memo is hit,
// written in the engine's writes, split further and gathered at random,
// must give exactly what the scanner gives with the memo off: At, the
// Injector's output and Finish, Text.At.

// memoFragments are static parts: the tokenizer's corner cases, and text
// long enough to be memoized in pieces.
var memoFragments = func() []string {
	f := []string{
		"<!doctype html><html><head><title>Shop</title>", "</head><body>\n", "</body>", "</BODY >", "</body></html>\n",
		"<script>", "</script>", "<script><!--", "--></script>", "<script><!--<script>", "<!-- ", " -->", "<style>", "</style>",
		"<title>", "</title>", "<textarea>", "</textarea>", `<a href="`, `">`, "'", `"`, "<", ">", "=", " ", "\n",
		`<div class="item" data-id="42">`, "</div>\n", "<tr><td>", "</td><td>", "</td></tr>\n", "<!", "<?", "</", "-",
		"</body", " a='", "<plaintext>", "<p title=", "</bo", "dy>", "<!-->", "<script><!-- < <script></script>",
		// Writes that end inside a tag, an end tag of a text element, a
		// double escape, a fork: a "\x01" is a write's end, a "\x00" a
		// dynamic part, so that the same write follows different states.
		"<scr\x01ipt>x = '</body>';</script>", "<xyz\x01ipt>x = '</body>';</script>",
		"<script></scr\x01ipx <script></script></body>", "<script><!--</scr\x01ipx <script></script></body>",
		"<script><!--<s\x01cript></script></body>", "<script><!--<sc\x01cript></script></body>",
		"<scrip\x01t></body></script>", "<xcrip\x01t></body></script>", "<textar\x01ea></body></textarea>",
		"<plaintext\x01></body>", "<plaintexz\x01></body>", "<title></tit\x01le></body>", "<style></tit\x01le></body></style>",
		"</body a='\x00'>\n</html>\n", "</bo\x00dy>\n</html>\n", "<body \x00></body>\n</html>\n",
		"<a\x01 href='\x00'></body>", "</a\x01 href='\x00'></body>",
		"<script><!--<1 \x01<script></script>\x01</body>", "<script><!--<1 <script>\x01</script></body>",
		"<script><!--\x01<1 <script></script></body>", "<script><!-- <\x01 x</script></body>-->",
		"<script><!-- < <script></script><!-- </scr\x01ipt></body> -->", "<script><!-- < <scr\x01ipt></script></body>",
		strings.Repeat(`<p>Lorem ipsum dolor sit amet, <b>consectetur</b> adipiscing elit.</p>`+"\n", 12),
		strings.Repeat(`<li><a href="/x?a=1&b=2">An item with a longish name</a></li>`, 14),
	}
	for _, tt := range tokenizerPages {
		f = append(f, tt.page, tt.page[:len(tt.page)/2], tt.page[len(tt.page)/2:])
	}
	return f
}()

// dynamicText is what a dynamic part is made of: escaped data mostly, now
// and then markup.
const dynamicText = "abc xyz 0123 &lt;&gt;&amp; \n\"'=-/!<>body"

type memoTemplate struct {
	parts   []string
	dynamic []bool
}

func newMemoTemplate(rng *rand.Rand) memoTemplate {
	var t memoTemplate
	for range 3 + rng.IntN(40) {
		if rng.IntN(3) == 0 {
			t.add("", true)
			continue
		}
		for i, hole := range strings.Split(memoFragments[rng.IntN(len(memoFragments))], "\x00") {
			if i > 0 {
				t.add("", true)
			}
			for _, w := range strings.Split(hole, "\x01") {
				t.add(w, false)
			}
		}
	}
	return t
}

func (t *memoTemplate) add(s string, dynamic bool) {
	t.parts, t.dynamic = append(t.parts, s), append(t.dynamic, dynamic)
}

// render returns a page of t and the ends of the writes it came in: each
// part one write, some cut in two, dynamic parts new text.
func (t memoTemplate) render(rng *rand.Rand, mostlyText bool) ([]byte, []int) {
	var page []byte
	var ends []int
	for i, s := range t.parts {
		if t.dynamic[i] {
			var b strings.Builder
			for range rng.IntN(24) {
				if mostlyText {
					b.WriteByte(dynamicText[rng.IntN(20)])
				} else {
					b.WriteByte(dynamicText[rng.IntN(len(dynamicText))])
				}
			}
			s = b.String()
		}
		if len(s) > 1 && rng.IntN(8) == 0 {
			k := 1 + rng.IntN(len(s)-1)
			page = append(page, s[:k]...)
			ends = append(ends, len(page))
			s = s[k:]
		}
		page = append(page, s...)
		ends = append(ends, len(page))
	}
	return page, ends
}

// checkMemo compares the memo's results on page, written in writes ending
// at ends, with the scanner's without it.
func checkMemo(t *testing.T, rng *rand.Rand, page []byte, ends []int) {
	t.Helper()
	if got, want := scan.At(page), scan.AtRaw(page); got != want {
		t.Fatalf("At = %d, without the memo %d: %q", got, want, page)
	}

	// The Injector: one write per engine write, and the writes gathered
	// at random into WriteChunks, against the writes without the memo.
	var want, got, gathered bytes.Buffer
	raw := scan.RawInjector()
	raw.Reset(&want)
	var j, g scan.Injector
	j.Reset(&got)
	g.Reset(&gathered)
	prev, from := 0, 0
	var rel []int
	for i, e := range ends {
		_, _ = raw.Write(page[prev:e])
		_, _ = j.Write(page[prev:e])
		rel = append(rel, e-from)
		if rng.IntN(4) == 0 || i == len(ends)-1 {
			_, _ = g.WriteChunks(page[from:e], rel)
			from, rel = e, rel[:0]
		}
		prev = e
	}
	wantOK, _ := raw.Finish([]byte(snip))
	gotOK, _ := j.Finish([]byte(snip))
	gatheredOK, _ := g.Finish([]byte(snip))
	if got.String() != want.String() || gotOK != wantOK {
		t.Fatalf("Injector: %q, %v\nwithout the memo %q, %v", got.String(), gotOK, want.String(), wantOK)
	}
	if gathered.String() != want.String() || gatheredOK != wantOK {
		t.Fatalf("Injector, gathered: %q, %v\nwithout the memo %q, %v", gathered.String(), gatheredOK, want.String(), wantOK)
	}

	// Text at a few places, write ends and the bytes after them among them.
	var offs []int
	for _, e := range ends {
		if rng.IntN(6) == 0 {
			offs = append(offs, e, min(e+1, len(page)))
		}
	}
	for range 3 {
		offs = append(offs, rng.IntN(len(page)+1))
	}
	slices.Sort(offs)
	var txt scan.Text
	txt.Chunks(ends)
	ref := scan.RawText()
	for _, o := range offs {
		if got, want := txt.At(page, o), ref.At(page, o); got != want {
			t.Fatalf("Text.At(%d) = %v, without the memo %v: %q", o, got, want, page)
		}
	}
}

func TestMemoMatchesTheScanner(t *testing.T) {
	for seed := range uint64(1500) {
		rng := rand.New(rand.NewPCG(seed, 14))
		tmpl := newMemoTemplate(rng)
		mostlyText := seed%2 == 0
		for range 4 { // the second render inserts, the others hit
			page, ends := tmpl.render(rng, mostlyText)
			checkMemo(t, rng, page, ends)
		}
	}
}

// TestMemoConcurrent: renders of the same templates at once, as a
// server's requests do (run it with -race): the memo is shared, lookups
// and inserts race, and every result is still the scanner's.
func TestMemoConcurrent(t *testing.T) {
	for g := range 4 {
		t.Run(fmt.Sprint(g), func(t *testing.T) {
			t.Parallel()
			for seed := range uint64(60) {
				rng := rand.New(rand.NewPCG(seed, 14))
				tmpl := newMemoTemplate(rng)
				rng = rand.New(rand.NewPCG(seed, uint64(g)))
				for range 4 {
					page, ends := tmpl.render(rng, true)
					checkMemo(t, rng, page, ends)
				}
			}
		})
	}
}

// TestMemoIsHit: a page's static start is in the memo after two renders,
// and so are the pieces of a long static write, cut at newlines.
func TestMemoIsHit(t *testing.T) {
	head := "<!doctype html><html><head><title>Memo</title></head><body>"
	long := strings.Repeat("<p>A line of <b>static</b> text in a layout.</p>\n", 40)
	var results []int
	for i := range 3 {
		page := []byte(head + long + "<p>" + strings.Repeat("x", i) + "</p></body></html>")
		var txt scan.Text
		txt.Chunks([]int{len(head), len(head) + len(long), len(page)})
		txt.At(page, len(page))
		results = append(results, scan.At(page))
	}
	if !scan.Memoized([]byte(head)) {
		t.Errorf("the page's start %q is not in the memo after three renders", head)
	}
	// At(page) cut the whole page in pieces: the first ends at the first
	// newline at or after scan.MemoCut bytes.
	page := head + long
	first := page[:scan.MemoCut+strings.IndexByte(page[scan.MemoCut-1:], '\n')]
	if !scan.Memoized([]byte(first)) {
		t.Errorf("At's first piece %q is not in the memo", first)
	}
	for i, at := range results {
		if want := len(head) + len(long) + 7 + i; at != want {
			t.Errorf("render %d: At = %d, want %d", i, at, want)
		}
	}
}

// TestMemoHitsDoNotAllocate: a lookup that hits allocates nothing, for
// pieces and for sequences of writes.
func TestMemoHitsDoNotAllocate(t *testing.T) {
	page := []byte(strings.Repeat(`<div class="item"><a href="/p">A product</a></div>`+"\n", 200) + "</body></html>")
	ends := []int{1000, 5000, len(page)}
	// A table in a template's writes: its rows are sequences of writes.
	var table []byte
	var rowEnds []int
	for i := range 300 {
		for _, w := range []string{"<tr><td>", fmt.Sprint(i), "</td><td>", "Jane &lt;jane&gt;", "</td></tr>\n"} {
			table = append(table, w...)
			rowEnds = append(rowEnds, len(table))
		}
	}
	var sink int
	scanAll := func() {
		sink += scan.At(page)
		var txt scan.Text
		txt.Chunks(ends)
		if txt.At(page, len(page)) {
			sink++
		}
		var rows scan.Text
		rows.Chunks(rowEnds)
		if rows.At(table, len(table)) {
			sink++
		}
	}
	for range 3 {
		scanAll()
	}
	if !scan.SequenceMemoized([]byte("<tr><td>")) {
		t.Error("the table's rows are not in the memo as sequences of writes")
	}
	allocs := testing.AllocsPerRun(50, scanAll)
	if allocs != 0 {
		t.Errorf("%.1f allocations per At and Text scans of memoized pages, want 0", allocs)
	}
	if sink == 0 {
		t.Error("no results")
	}
}

// FuzzMemo: for any template (parts split at "|"; a part starting with "$"
// is dynamic, new text each render) and any writes, rendered several
// times, the memo changes nothing.
func FuzzMemo(f *testing.F) {
	f.Add("<body>|$x|</body></html>", uint64(1))
	f.Add("<script><!--|$<|<script></script>|$a|</body>", uint64(2))
	for _, tt := range tokenizerPages {
		f.Add(tt.page[:len(tt.page)/2]+"|$|"+tt.page[len(tt.page)/2:], uint64(len(tt.page)))
	}
	f.Fuzz(func(t *testing.T, src string, seed uint64) {
		if len(src) > 8<<10 {
			return
		}
		rng := rand.New(rand.NewPCG(seed, 9))
		var tmpl memoTemplate
		for _, p := range strings.Split(src, "|") {
			dyn := strings.HasPrefix(p, "$")
			tmpl.add(p, dyn)
		}
		for range 4 {
			page, ends := tmpl.render(rng, seed%2 == 0)
			checkMemo(t, rng, page, ends)
		}
	})
}
