package conformance

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	open   = `<script id="IntercomSettingsScriptTag">`
	loader = `;(function(){})();`
	wrap   = "<!-- Intercom disabled on internal IP address\n"
)

func TestFindSnippet(t *testing.T) {
	for _, c := range []struct {
		name     string
		page     string
		settings map[string]any
		internal bool
		nonce    string
	}{
		{"plain", `<p>x</p>` + open + `window.intercomSettings={"app_id":"a","n":1};` + loader + `</script><p>y</p>`,
			map[string]any{"app_id": "a", "n": json.Number("1")}, false, ""},
		{"nonce and upper-case tags", `<SCRIPT nonce="abc" ID="IntercomSettingsScriptTag">window.intercomSettings={}</SCRIPT>`,
			map[string]any{}, false, "abc"},
		{"internal", wrap + open + `window.intercomSettings={"a":"\u003c!--"}` + loader + "</script>\n-->",
			map[string]any{"a": "<!--"}, true, ""},
		{"other scripts and comments", `<!-- hi --><script>var x="</p>"</script>` + open + `window.intercomSettings={}</script>`,
			map[string]any{}, false, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := FindSnippet([]byte(c.page))
			require.NoError(t, err)
			assert.Equal(t, c.settings, s.Settings)
			assert.Equal(t, c.internal, s.Internal)
			assert.Equal(t, c.nonce, s.Nonce)
			assert.Equal(t, s.Raw, c.page[s.offset:s.offset+len(s.Raw)])
		})
	}
}

func TestFindSnippetErrors(t *testing.T) {
	for _, c := range []struct {
		name, page, want string
	}{
		{"none", `<html><script>window.intercomSettings={}</script></html>`, "no <script"},
		{"two", open + `window.intercomSettings={}</script>` + open + `window.intercomSettings={}</script>`, "2 <script"},
		{"not closed", open + `window.intercomSettings={}`, "not closed"},
		{"self-closing", `<script id="IntercomSettingsScriptTag"/>`, "self-closing"},
		{"no assignment", open + `var s={}</script>`, "does not start with"},
		{"not an object", open + `window.intercomSettings=null;</script>`, "want a JSON object"},
		{"invalid JSON", open + `window.intercomSettings={"a":}</script>`, "not valid JSON"},
		{"duplicate key", open + `window.intercomSettings={"a":1,"a":2}</script>`, `key "a" twice`},
		{"nested duplicate key", open + `window.intercomSettings={"a":[{"b":1,"c":{"d":1,"d":2}}]}</script>`, `key "d" twice`},
		{"script broken out of", open + `window.intercomSettings={"a":"</script><script>alert(1)</script>"}` + loader + `</script>`,
			"not valid JSON"},
		{"comment broken out of", wrap + open + `window.intercomSettings={"a":"-->"}` + loader + "</script>\n-->", "not closed"},
		{"comment not closed", wrap + open + `window.intercomSettings={}</script>`, "unclosed comment"},
		{"other comment", "<!-- disabled\n" + open + `window.intercomSettings={}</script>-->`, "comment is not"},
		{"text after the element", wrap + open + `window.intercomSettings={}</script>x-->`, "comment is not"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := FindSnippet([]byte(c.page))
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestDuplicateKeysAllowedAcrossObjects(t *testing.T) {
	assert.NoError(t, checkDuplicateKeys(`{"a":{"a":1,"b":[{"a":1},{"a":2}]},"b":"a"}`))
}

// TestFindSnippetReadsCore reads back what the core renders, so the suite and
// the core agree on the markup.
func TestFindSnippetReadsCore(t *testing.T) {
	m, err := intercom.New(intercom.Config{AppID: appID, InternalIPs: []string{"10.0.0.0/8"}})
	require.NoError(t, err)
	v := intercom.Visitor{
		User:       &intercom.User{ID: "42", Name: hostileScript},
		Attributes: intercom.Attributes{"c": "-->", "o": "<!--"},
		Nonce:      "r4nd0m-Nonce_12",
	}
	for _, internal := range []bool{false, true} {
		if internal {
			v.ClientIP = "10.1.2.3"
		}
		page := "<body>" + string(m.Render(v)) + "</body>"
		s, err := FindSnippet([]byte(page))
		require.NoError(t, err)
		assert.Equal(t, internal, s.Internal)
		assert.Equal(t, "r4nd0m-Nonce_12", s.Nonce)
		assert.Equal(t, expect(map[string]any{"user_id": "42", "name": hostileScript, "c": "-->", "o": "<!--"}), s.Settings)
		require.NoError(t, checkSnippet(page, s))
		assert.True(t, strings.HasPrefix(s.Loader, ";"), "loader %q", s.Loader)
	}
}

// FuzzFindSnippetReadsCore renders arbitrary strings as a name, a custom
// attribute's key and value and a nonce, inside and outside the internal-IP
// comment, and reads them back: the suite's reader and the core's escaping
// must agree on every input.
func FuzzFindSnippetReadsCore(f *testing.F) {
	for _, s := range []string{"", hostileScript, "<!--", "-->", "--!>", "\u2028\u2029", "x\xff\xfey", "<script>", "]]>", "\x00"} {
		f.Add(s, "key"+s, "r4nd0m-Nonce_12", false)
		f.Add(s, s, s, true)
	}
	m, err := intercom.New(intercom.Config{AppID: appID, InternalIPs: []string{"10.0.0.0/8"}, ErrorHandler: func(error) {}})
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, value, key, nonce string, internal bool) {
		v := intercom.Visitor{
			User:       &intercom.User{ID: "42", Name: value},
			Attributes: intercom.Attributes{key: value},
			Nonce:      nonce,
		}
		if internal {
			v.ClientIP = "10.0.0.1"
		}
		page := "<body>" + string(m.Render(v)) + "</body>"
		s, err := FindSnippet([]byte(page))
		require.NoError(t, err, "page:\n%s", page)
		require.NoError(t, checkSnippet(page, s))
		assert.Equal(t, internal, s.Internal)
		want := string([]rune(value)) // each invalid UTF-8 byte becomes U+FFFD
		if key != "" && utf8.ValidString(key) && !reservedOrUser(key) {
			assert.Equal(t, want, s.Settings[key], "attribute %q", key)
		}
		if key != "name" {
			if name, ok := s.Settings["name"]; value != "" || ok {
				assert.Equal(t, want, name, "name")
			}
		}
		if s.Nonce != "" {
			assert.Equal(t, nonce, s.Nonce)
		}
	})
}

// reservedOrUser reports keys whose value the fuzzed attribute does not
// simply set.
func reservedOrUser(k string) bool {
	switch k {
	case "app_id", "user_hash", "intercom_user_jwt", "user_id", "email":
		return true
	}
	return false
}
