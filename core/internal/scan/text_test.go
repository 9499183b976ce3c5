package scan_test

import (
	"strings"
	"testing"

	"github.com/goanalytical/intercom/core/internal/scan"
)

// TestTextAt: each "|" in a page marks a place; want lists, in order,
// whether each is in the page's text (the "|" removed, the place is the
// byte after it).
func TestTextAt(t *testing.T) {
	tests := []struct {
		name string
		page string
		want []bool
	}{
		{"body text", "<html><body><p>|x</p>|x</body></html>", []bool{true, true}},
		{"start of the page", "|x<p>", []bool{true}},
		{"end of the page", "<p>x|", []bool{true}},
		{"double-quoted attribute", `<p title="|x">|x`, []bool{false, true}},
		{"single-quoted attribute", `<p title='|x'>|x`, []bool{false, true}},
		{"unquoted attribute", `<p title=|x>|x`, []bool{false, true}},
		{"attribute name", `<p |x>|x`, []bool{false, true}},
		{"tag name", `a<|x>b`, []bool{false}},
		{"end tag", `</p |x>|x`, []bool{false, true}},
		{"script", `<script>var s = "|x";</script>|x`, []bool{false, true}},
		{"script with </script> in a comment", `<script><!-- "</script>" |x --></script>|x`, []bool{true, true}},
		{"style", `<style>p::after { content: "|x" }</style>|x`, []bool{false, true}},
		{"title", `<title>|x</title>|x`, []bool{false, true}},
		{"textarea", `<textarea>|x</textarea>|x`, []bool{false, true}},
		{"noscript", `<noscript>|x</noscript>|x`, []bool{false, true}},
		{"xmp, iframe, noembed, noframes", `<xmp>|x</xmp><iframe>|x</iframe><noembed>|x</noembed><noframes>|x</noframes>|x`,
			[]bool{false, false, false, false, true}},
		{"plaintext", `<plaintext>|x</plaintext>|x`, []bool{false, false}},
		{"comment", `<!-- |x -->|x<!--->|x`, []bool{false, true, true}},
		{"doctype and bogus comment", `<!doctype |x>|x<?xml |x?>|x`, []bool{false, true, false, true}},
		{"a < that starts no tag", `a < |x`, []bool{true}},
		// The standard stays in the script's escaped text after "<1"; x/net/html
		// goes back to script data, where </script> ends the script for it
		// only: a place is text only when both say so.
		{"where the tokenizers disagree", `<script><!--<1 <script></script>|x</script>|x`, []bool{false, true}},
		{"the same place twice", `<p>|x`, []bool{true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := strings.Split(tt.page, "|")
			page := strings.Join(parts, "")
			var txt scan.Text
			off := 0
			var got []bool
			for _, p := range parts[:len(parts)-1] {
				off += len(p)
				got = append(got, txt.At([]byte(page), off))
			}
			if tt.name == "the same place twice" {
				again := txt.At([]byte(page), off)
				got = append(got[:0], got[0] && again)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%d places, want %d", len(got), len(tt.want))
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("place %d of %q: in text = %v, want %v", i+1, tt.page, got[i], tt.want[i])
				}
			}
		})
	}
}
