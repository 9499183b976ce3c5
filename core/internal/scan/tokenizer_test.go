package scan_test

import (
	"strings"
	"testing"

	"github.com/goanalytical/intercom/core/internal/scan"
)

// The reference below reads a whole page token by token, looking ahead as
// far as it needs, where the scanner is a byte-at-a-time state machine over
// a stream: two ways to the same rules (the package doc), so that each
// checks the other.

// refEndTag is an end tag named body: its "<" and the index after its ">".
type refEndTag struct{ lt, end int }

func isRefSpace(c byte) bool { return strings.IndexByte(" \t\n\r\f", c) >= 0 }

func isRefAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// refTag reads a tag from its name's first byte at i: its name, lower-cased,
// and the index after its ">"; ok is false when the page ends first.
func refTag(page string, i int) (name string, end int, ok bool) {
	j := i
	for j < len(page) && !isRefSpace(page[j]) && page[j] != '/' && page[j] != '>' {
		j++
	}
	name = strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, page[i:j])
	for {
		// Between attributes, "/" is white space unless ">" follows it.
		for j < len(page) && (isRefSpace(page[j]) || page[j] == '/') {
			j++
		}
		if j >= len(page) {
			return name, 0, false
		}
		if page[j] == '>' {
			return name, j + 1, true
		}
		j++ // an attribute name's first byte may be anything, "=" too
		for j < len(page) && !isRefSpace(page[j]) && page[j] != '/' && page[j] != '>' && page[j] != '=' {
			j++
		}
		for j < len(page) && isRefSpace(page[j]) {
			j++
		}
		if j >= len(page) || page[j] != '=' {
			continue
		}
		j++
		for j < len(page) && isRefSpace(page[j]) {
			j++
		}
		switch {
		case j >= len(page):
			return name, 0, false
		case page[j] == '"' || page[j] == '\'':
			k := strings.IndexByte(page[j+1:], page[j])
			if k < 0 {
				return name, 0, false
			}
			j += k + 2
		case page[j] == '>':
		default:
			for j < len(page) && !isRefSpace(page[j]) && page[j] != '>' {
				j++
			}
		}
	}
}

// refEndTagAt reports whether page[i:] starts with "</name" (any case) and a
// byte that ends a tag name.
func refEndTagAt(page string, i int, name string) bool {
	k := i + 2 + len(name)
	return k < len(page) && page[i] == '<' && page[i+1] == '/' &&
		strings.EqualFold(page[i+2:k], name) && (isRefSpace(page[k]) || page[k] == '/' || page[k] == '>')
}

// refComment returns the index after the comment whose text starts at i
// (after "<!--").
func refComment(page string, i int) int {
	switch {
	case strings.HasPrefix(page[i:], ">"):
		return i + 1
	case strings.HasPrefix(page[i:], "->"):
		return i + 2
	}
	for k := i; k < len(page); k++ {
		if strings.HasPrefix(page[k:], "-->") {
			return k + 3
		}
		if strings.HasPrefix(page[k:], "--!>") {
			return k + 4
		}
	}
	return len(page)
}

// refUntilGT returns the index after the next ">" from i.
func refUntilGT(page string, i int) int {
	if k := strings.IndexByte(page[i:], '>'); k >= 0 {
		return i + k + 1
	}
	return len(page)
}

// refScript returns the index of the "<" of the </script that ends the
// script text starting at i, or len(page). xnet takes x/net/html's way
// after "<" and a byte that is neither "/" nor a letter in escaped text.
func refScript(page string, i int, xnet bool) int {
	const (
		plain = iota
		escaped
		double
	)
	mode := plain
	for i < len(page) {
		rest := page[i:]
		switch mode {
		case plain:
			if refEndTagAt(page, i, "script") {
				return i
			}
			if strings.HasPrefix(rest, "<!--") {
				mode = escaped
				i += 2 // the dashes count towards "-->"
				continue
			}
		case escaped:
			switch {
			case strings.HasPrefix(rest, "-->"):
				mode = plain
				i += 3
				continue
			case refEndTagAt(page, i, "script"):
				return i
			case rest[0] == '<' && len(rest) > 7 && strings.EqualFold(rest[1:7], "script") &&
				(isRefSpace(rest[7]) || rest[7] == '/' || rest[7] == '>'):
				mode = double
				i += 8
				continue
			case xnet && rest[0] == '<' && len(rest) > 1 && rest[1] != '/' && !isRefAlpha(rest[1]):
				mode = plain
				i++
				continue
			}
		case double:
			switch {
			case strings.HasPrefix(rest, "-->"):
				mode = plain
				i += 3
				continue
			case refEndTagAt(page, i, "script"):
				mode = escaped
				i += len("</script") + 1
				continue
			}
		}
		i++
	}
	return len(page)
}

// refBodyEnds returns page's end tags named body, read whole, tokenizing as
// the HTML standard does, or as x/net/html does (xnet).
func refBodyEnds(page string, xnet bool) []refEndTag {
	var out []refEndTag
	for i := 0; i < len(page); {
		k := strings.IndexByte(page[i:], '<')
		if k < 0 || i+k+1 >= len(page) {
			break
		}
		i += k
		c := page[i+1]
		switch {
		case isRefAlpha(c):
			name, end, ok := refTag(page, i+1)
			if !ok {
				return out
			}
			i = end
			switch name {
			case "plaintext":
				return out
			case "script":
				i = refScript(page, i, xnet)
			case "style", "xmp", "iframe", "noembed", "noframes", "noscript", "textarea", "title":
				for i < len(page) && !refEndTagAt(page, i, name) {
					i++
				}
			}
		case c == '/':
			switch {
			case i+2 >= len(page):
				return out
			case page[i+2] == '>':
				i += 3
			case isRefAlpha(page[i+2]):
				name, end, ok := refTag(page, i+2)
				if !ok {
					return out
				}
				if name == "body" {
					out = append(out, refEndTag{i, end})
				}
				i = end
			default:
				i = refUntilGT(page, i+2)
			}
		case c == '!':
			if strings.HasPrefix(page[i+2:], "--") {
				i = refComment(page, i+4)
			} else {
				i = refUntilGT(page, i+2)
			}
		case c == '?':
			i = refUntilGT(page, i+1)
		default:
			i++
		}
	}
	return out
}

// refAt is At by the reference: the last end tag named body that both ways
// of tokenizing read, at most MaxTail long, with at most MaxTail bytes from
// it to the end of the page, in a page without the marker.
func refAt(page string) int {
	xnet := map[refEndTag]bool{}
	for _, e := range refBodyEnds(page, true) {
		xnet[e] = true
	}
	at := -1
	for _, e := range refBodyEnds(page, false) {
		if xnet[e] && e.end-e.lt <= scan.MaxTail {
			at = e.lt
		}
	}
	if at < 0 || len(page)-at > scan.MaxTail || strings.Contains(page, scan.Marker) {
		return -1
	}
	return at
}

// tokenizerPages are pages whose place for the snippet is the first
// "</BODY" in them, or nowhere when they have none (the decoys are lower
// case): each is a state of the tokenizer that the text "</body>" must not
// escape from.
var tokenizerPages = []struct{ name, page string }{
	{"JS strings and a template literal", "<body><script>a='</body>';b=\"</body>\";c=`</body>`</script></BODY>"},
	{"JS strings after the end tag", "<body></BODY><script>a='</body>'</script>"},
	{"a regexp and a JS comment", "<body><script>/<\\/body>/; // </body>\n/* </body> */</script></BODY>"},
	{"JSON and text/template scripts", "<body><script type=application/json>\"</body>\"</script><script type=text/template></body></script></BODY>"},
	{"attribute values", "<body><a x='</body>' y=\"</body>\" z=</body>></a></BODY>"},
	{"an attribute name with a quote is no quote", "<body><a b'c></BODY>'>"},
	{"an equals sign starting an attribute name", "<body><a =\"></BODY>"},
	{"a quote after an unquoted value", "<body><a b=c'd></BODY>'>"},
	{"a value after white space", "<body><a b = '</body>'></BODY>"},
	{"a slash before the value", "<body><a b/='</body>'></BODY>'>"},
	{"comments", "<body><!-- </body> --><!-- a --!></BODY>"},
	{"a comment with dashes", "<body><!----- </body> ---></BODY>"},
	{"a comment not ended by --!", "<body><!-- --! </body> --></BODY>"},
	{"a comment not ended by ->", "<body><!-- -> </body> --></BODY>"},
	{"empty comments", "<body><!--><!---></BODY>"},
	{"a nested comment opener", "<body><!-- <!-- </body> --></BODY>"},
	{"bogus comments", "<body><? </body ?><!x </body><!- </body></ 1 </body></BODY>"},
	{"</> is nothing", "<body></></BODY>"},
	{"a doctype", "<!DOCTYPE html PUBLIC \"</body>\"></BODY>"},
	{"rcdata", "<title></body></title><textarea></body></textarea></BODY>"},
	{"rawtext", "<style></body></style><xmp></body></xmp><iframe></body></iframe><noembed></body></noembed><noframes></body></noframes><noscript></body></noscript></BODY>"},
	{"rawtext ends only at its own end tag", "<style></xmp></body></style></BODY>"},
	{"rawtext end tags in any case", "<STYLE></body></StYlE></BODY>"},
	{"a rawtext end tag needs a terminator", "<style></style1></body></style\t></BODY>"},
	{"a raw end tag with attributes", "<textarea></textarea a='</body>'></BODY>"},
	{"plaintext", "<plaintext></body>"},
	{"escaped script text", "<script><!-- </body> --></script></BODY>"},
	{"escaped at once", "<script><!--></script></BODY>"},
	{"double-escaped script text", "<script><!--<script></body></script></body>--></script></BODY>"},
	{"double escape needs the whole name", "<script><!--<scripts></script></BODY>"},
	{"double escape in any case", "<script><!--<SCRIPT></script></body>--></script></BODY>"},
	{"a script ended while double-escaped is not", "<script><!--<script></script></body>"},
	{"real for the standard, a comment for x/net/html", "<script><!-- < <script></script><!-- </script></body> -->"},
	{"real for x/net/html, script text for the standard", "<script><!-- < <script></script></body>"},
	{"the two agree again", "<script><!-- < <script></script><!-- </script></body> --></script></BODY>"},
	{"a start tag is not an end tag", "<body><body></BODY>"},
	{"</body> with attributes", "<body></BODY a=\">\" b='<'>"},
	{"</body/>", "<body></BODY/>"},
	{"tabs and newlines", "<body></BODY\n\t>"},
	{"not body", "<body></bodyx></bod></BODY>"},
	{"the end tag cut short", "<body></body"},
	{"the end tag cut short in a value", "<body></body a='>"},
	{"a script never ended", "<script></body>"},
}

func TestScannerFollowsTheTokenizer(t *testing.T) {
	for _, tt := range tokenizerPages {
		t.Run(tt.name, func(t *testing.T) {
			want := strings.Index(tt.page, "</BODY")
			if got := refAt(tt.page); got != want {
				t.Fatalf("the reference says %d, the case %d", got, want)
			}
			if got := scan.At([]byte(tt.page)); got != want {
				t.Errorf("At = %d, want %d", got, want)
			}
			wantPage := tt.page
			if want >= 0 {
				wantPage = tt.page[:want] + snip + tt.page[want:]
			}
			for _, size := range chunkSizes {
				if got, _ := stream(t, tt.page, size, snip); got != wantPage {
					t.Errorf("chunks of %d: %q\nwant %q", size, got, wantPage)
				}
			}
		})
	}
}

// FuzzInjectorTokenizer: for any page and any chunking, the Injector
// streams what splicing at At gives, and At is the place the reference
// finds: the snippet only ever lands right before a real end tag.
func FuzzInjectorTokenizer(f *testing.F) {
	for _, tt := range tokenizerPages {
		f.Add(tt.page, uint8(1))
		f.Add(tt.page, uint8(7))
	}
	f.Fuzz(func(t *testing.T, page string, chunk uint8) {
		if len(page) > 4<<10 {
			return // long pages add nothing here and slow the target down
		}
		at := scan.At([]byte(page))
		if want := refAt(page); at != want {
			t.Fatalf("At = %d, the reference says %d: %q", at, want, page)
		}
		want := page
		if at >= 0 {
			want = page[:at] + snip + page[at:]
		}
		if got, ok := stream(t, page, int(chunk%16)+1, snip); got != want || ok != (at >= 0) {
			t.Fatalf("chunks of %d: %q, %v\nwant %q", chunk%16+1, got, ok, want)
		}
	})
}
