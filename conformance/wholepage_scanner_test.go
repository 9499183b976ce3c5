package conformance_test

// This file holds whole-page install's scanner against
// golang.org/x/net/html's tokenizer: the snippet goes in only immediately
// before an end tag that tokenizer reads as body, and the page's own tokens
// are the same with the snippet as without. It drives the public adapter
// kit, as every adapter does: adapter.NewMiddleware(...).Start(...).Inject.

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
	"golang.org/x/net/html"
)

// wholePage is a kit middleware with no hooks: every visitor is anonymous,
// so every injected snippet is the same, wholePageSnippet.
var (
	wholePageMessenger = func() *intercom.Messenger {
		m, err := intercom.New(intercom.Config{AppID: "abc12345", ErrorHandler: func(error) {}})
		if err != nil {
			panic(err)
		}
		return m
	}()
	wholePage        = adapter.NewMiddleware("wholepage scanner test", wholePageMessenger, adapter.Hooks[struct{}]{})
	wholePageSnippet = string(wholePageMessenger.Render(intercom.Visitor{}))
)

// injectPage serves page as text/html through whole-page install, written
// in chunks of size bytes (all at once when size is 0), and returns the
// body the client gets.
func injectPage(t testing.TB, page string, size int) string {
	t.Helper()
	rec := httptest.NewRecorder()
	_, err := wholePage.Start(struct{}{}).Inject(rec, http.MethodGet, func(w http.ResponseWriter, _ *adapter.InjectWriter) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if size <= 0 {
			size = len(page) + 1
		}
		for p := page; len(p) > 0; p = p[min(size, len(p)):] {
			_, _ = io.WriteString(w, p[:min(size, len(p))])
		}
	})
	if err != nil {
		t.Fatalf("Inject: %v", err)
	}
	return rec.Body.String()
}

// token is one token of x/net/html's Tokenizer: its type, its raw bytes
// (which partition the page) and their offset, and its tag name.
type token struct {
	typ  html.TokenType
	raw  string
	off  int
	name string
}

// tokenize returns page's tokens as x/net/html's Tokenizer reads them, the
// way a tokenizer outside foreign content does (no CDATA, raw text after
// script, style, textarea, title, ...).
func tokenize(page string) []token {
	z := html.NewTokenizer(strings.NewReader(page))
	var out []token
	off := 0
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return out
		}
		raw := string(z.Raw())
		tk := token{typ: tt, raw: raw, off: off}
		if tt == html.StartTagToken || tt == html.EndTagToken || tt == html.SelfClosingTagToken {
			name, _ := z.TagName()
			tk.name = string(name)
		}
		out = append(out, tk)
		off += len(raw)
	}
}

// checkInjected fails t unless got is page left alone, or page with
// wholePageSnippet inserted at the offset of an end tag x/net/html reads as
// body, and unless the tokens of got without the snippet's own are
// exactly page's. It returns where the snippet went, or -1.
func checkInjected(t testing.TB, page, got string) int {
	t.Helper()
	if got == page {
		return -1
	}
	at := strings.Index(got, wholePageSnippet)
	if at < 0 || len(got) != len(page)+len(wholePageSnippet) ||
		got[:at] != page[:at] || got[at+len(wholePageSnippet):] != page[at:] {
		t.Fatalf("the page was changed other than by inserting the snippet once:\npage %q\ngot  %q", page, got)
	}
	before := tokenize(page)
	real := false
	for _, tk := range before {
		if tk.off == at && tk.typ == html.EndTagToken && tk.name == "body" {
			real = true
		}
	}
	if !real {
		t.Fatalf("the snippet went in at %d, which x/net/html does not read as the start of a </body> end tag:\npage %q", at, page)
	}
	// The snippet's tokens start at at and end at at+len(snippet); the
	// others are page's, shifted.
	var rest []token
	end := at + len(wholePageSnippet)
	for _, tk := range tokenize(got) {
		switch {
		case tk.off >= at && tk.off+len(tk.raw) <= end:
			continue // the snippet's own
		case tk.off < at && tk.off+len(tk.raw) > at || tk.off < end && tk.off+len(tk.raw) > end:
			t.Fatalf("a token straddles the snippet's edge: %q at %d\npage %q", tk.raw, tk.off, page)
		case tk.off >= end:
			tk.off -= len(wholePageSnippet)
		}
		rest = append(rest, tk)
	}
	if len(rest) != len(before) {
		t.Fatalf("with the snippet, the page's tokens are %d, not %d:\npage %q", len(rest), len(before), page)
	}
	for i := range rest {
		if rest[i] != before[i] {
			t.Fatalf("with the snippet, the page's token %d is %+v, not %+v:\npage %q", i, rest[i], before[i], page)
		}
	}
	return at
}

// Hostile page shapes, after an attack run on the old byte matcher. Each
// page has its real end tag written </BODY> where there is one, so that
// want can name it: the snippet goes before the first "</BODY>", or
// nowhere ("").
var hostilePages = []struct {
	name, page string
	wantBefore string // the page's text right after the snippet; "" for left alone
}{
	// The text </body> after the real end tag: byte matching took the
	// later one, and the snippet's </script> ended the page's script.
	{"in a single-quoted JS string after the end tag", "<html><body><p>x</p></BODY><script>var s = '</body>'; evil()</script></html>", "</BODY><script>"},
	{"in a double-quoted JS string after the end tag", "<html><body></BODY><script>var s = \"</body>\";</script></html>", "</BODY><script>"},
	{"in a template literal after the end tag", "<html><body></BODY><script>let s = `a</body>b`;</script></html>", "</BODY><script>"},
	{"in a single-quoted attribute after the end tag", "<html><body></BODY><div title='</body>' onclick=x></div></html>", "</BODY><div"},
	{"in a double-quoted attribute after the end tag", "<html><body></BODY><div title=\"</body>\"></div></html>", "</BODY><div"},
	{"in an unquoted attribute after the end tag", "<html><body></BODY><div title=</body>></div></html>", "</BODY><div"},
	{"in a comment after the end tag", "<html><body></BODY><!-- </body> --></html>", "</BODY><!--"},
	{"in a JSON script after the end tag", "<html><body></BODY><script type=\"application/json\">{\"a\":\"</body>\"}</script></html>", "</BODY><script"},
	// No real </body>: user content that contains the text is not one.
	{"no end tag, user content in a JS string", "<html><body><p>x</p><script>var c = '</body>';</script>", ""},
	{"no end tag, user content in a comment", "<html><body><!-- </body> -->", ""},
	{"no end tag, user content in an attribute", "<html><body><a href='/x</body>'>x</a>", ""},
	{"no end tag, user content in a textarea", "<html><body><textarea></body></textarea>", ""},
	// The text </body> only inside elements whose text is not markup.
	{"only in noscript", "<html><body><noscript></body></noscript>", ""},
	{"only in a textarea", "<html><body><textarea>a</body>b</textarea>", ""},
	{"only in a style", "<html><body><style>a::after{content:'</body>'}</style>", ""},
	{"only in a JSON script", "<html><body><script type=\"application/json\">[\"</body>\"]</script>", ""},
	{"only in a text/template script", "<html><body><script type=\"text/template\"><div></body></div></script>", ""},
	{"only in a title", "<html><head><title></body></title></head>", ""},
	{"only in xmp", "<html><body><xmp></body></xmp>", ""},
	{"only in an iframe's fallback", "<html><body><iframe></body></iframe>", ""},
	{"only in noembed", "<html><body><noembed></body></noembed>", ""},
	{"only in noframes", "<html><body><noframes></body></noframes>", ""},
	{"after plaintext", "<html><body><plaintext></BODY></html>", ""},
	// Comments and other non-tags.
	{"in a comment before the end tag", "<body><!-- </body> --></BODY>", "</BODY>"},
	{"after <!--> (an empty comment)", "<body><!--></BODY>", "</BODY>"},
	{"after <!---> (an empty comment)", "<body><!---></BODY>", "</BODY>"},
	{"in a comment ended by --!>", "<body><!-- </body> --!></BODY>", "</BODY>"},
	{"in a <? bogus comment", "<body><? </body ?></BODY>", "</BODY>"},
	{"in a </ x bogus comment", "<body></ x </body ></BODY>", "</BODY>"},
	{"in a <! bogus comment", "<body><!x </body></BODY>", "</BODY>"},
	{"in a doctype", "<!DOCTYPE html </body><body></BODY>", "</BODY>"},
	{"in a CDATA section (a bogus comment outside foreign content)", "<body><![CDATA[ </body ]]></BODY>", "</BODY>"},
	// Script text and its escapes.
	{"in an escaped script", "<body><script><!-- </body> --></script></BODY>", "</BODY>"},
	{"in a double-escaped script", "<body><script><!--<script></script></body>--></script></BODY>", "</BODY>"},
	{"a double-escaped script does not end at </script>", "<body><script><!--<script></script></BODY>", ""},
	{"an escaped script ends at --> and then </script>", "<body><script><!-- x --></script></BODY>", "</BODY>"},
	{"a script's end tag with a quoted >", "<body><script>x</script a=\"</body>\"></BODY>", "</BODY>"},
	{"a style's end tag needs a terminator", "<body><style></stylex></body></style></BODY>", "</BODY>"},
	{"a self-closing script still has text", "<body><script/></body></script></BODY>", "</BODY>"},
	// The end tag itself.
	{"upper case", "<body>x</BODY>", "</BODY>"},
	{"with attributes holding >", "<body>x</BODY a='>'>", "</BODY a="},
	{"self-closing", "<body>x</BODY/>", "</BODY/>"},
	{"the last real one of two", "<body><template></body></template></BODY>", "</BODY>"},
	{"not body: </bodyx>", "<body>x</bodyx>", ""},
	{"cut short", "<body>x</body", ""},
	{"cut short in an attribute", "<body>x</body a='>", ""},
	{"a start tag is not an end tag", "<body>x<body>", ""},
}

// TestWholePageHostileShapes: on each hostile shape the snippet goes exactly
// before the real end tag, or the page is left alone, in one write or in
// chunks of every size up to 16 bytes.
func TestWholePageHostileShapes(t *testing.T) {
	for _, tt := range hostilePages {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.page
			if tt.wantBefore != "" {
				i := strings.Index(tt.page, "</BODY")
				if i < 0 || !strings.HasPrefix(tt.page[i:], tt.wantBefore) {
					t.Fatalf("bad case: %q is not at the page's </BODY", tt.wantBefore)
				}
				want = tt.page[:i] + wholePageSnippet + tt.page[i:]
			}
			for size := 0; size <= 16; size++ {
				got := injectPage(t, tt.page, size)
				if got != want {
					t.Fatalf("chunks of %d:\ngot  %q\nwant %q", size, got, want)
				}
				checkInjected(t, tt.page, got)
			}
		})
	}
}

// FuzzWholePageTokenizer: for any page and chunking, whole-page install
// leaves the page alone or puts the snippet immediately before an end tag
// x/net/html reads as body, and the page's tokens are the same with the
// snippet as without.
func FuzzWholePageTokenizer(f *testing.F) {
	for _, tt := range hostilePages {
		f.Add(tt.page, uint8(0))
		f.Add(tt.page, uint8(3))
	}
	f.Add("<script><!--<script>--></script></body>", uint8(1))
	f.Add("<svg><style><!--</style></svg></body>-->", uint8(2))
	f.Add("<script><!-- < <script></script><!-- </script></body> -->", uint8(5))
	f.Fuzz(func(t *testing.T, page string, chunk uint8) {
		if len(page) > 4<<10 {
			return // long pages add nothing here and slow the target down
		}
		checkInjected(t, page, injectPage(t, page, int(chunk%17)))
	})
}

// TestWholePageTokenizerAgreesOnDecoys: a page whose only end tag is real
// gets the snippet there even with decoys in every context before it, and
// the decoys tokenize as before.
func TestWholePageTokenizerAgreesOnDecoys(t *testing.T) {
	var page bytes.Buffer
	page.WriteString("<!DOCTYPE html><html><head><title></body></title><style>p{content:'</body>'}</style></head><body>")
	for _, decoy := range []string{
		"<script>var a='</body>', b=\"</body>\", c=`</body>`;</script>",
		"<script type=application/json>{\"x\":\"</body>\"}</script>",
		"<!-- </body> --><!--></body>--><? </body> ?>",
		"<a title='</body>' data-x=\"</body>\" y=</body>>x</a>",
		"<textarea></body></textarea><noscript></body></noscript><xmp></body></xmp>",
		"<script><!--<script></body></script>--></script>",
	} {
		page.WriteString(decoy)
	}
	page.WriteString("</body></html>")
	got := injectPage(t, page.String(), 0)
	if at := checkInjected(t, page.String(), got); at != strings.LastIndex(page.String(), "</body>") {
		t.Errorf("the snippet went in at %d, want before the real </body> at %d", at, strings.LastIndex(page.String(), "</body>"))
	}
}
