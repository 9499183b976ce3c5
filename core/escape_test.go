package intercom_test

import (
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"unicode/utf8"

	intercom "github.com/goanalytical/intercom/core"
)

func TestEscaping(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{`</script><script>alert(1)</script>`, `"\u003c/script\u003e\u003cscript\u003ealert(1)\u003c/script\u003e"`},
		{"<!-- x -->", `"\u003c!-- x --\u003e"`},
		{"a&b", `"a\u0026b"`},
		{"line\u2028para\u2029end", `"line\u2028para\u2029end"`},
		{"quote\" back\\ slash/", `"quote\" back\\ slash/"`},
		{"\n\r\t\x00\x1f\x7f", `"\n\r\t\u0000\u001f` + "\x7f" + `"`},
		{"bad \xff\xfe utf8 \xe2\x82", `"bad \ufffd\ufffd utf8 \ufffd\ufffd"`},
		{"ünïcødé ✓ 🎉", `"ünïcødé ✓ 🎉"`},
		// Defence in depth: a snippet inside a quoted JavaScript string,
		// a template literal or a quoted attribute cannot end it.
		{`it's a ${"template"} literal` + "`", `"it\u0027s a ${\"template\"} literal\u0060"`},
		{"'; alert(1); '", `"\u0027; alert(1); \u0027"`},
	}
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	for _, tt := range tests {
		raw := rawSettings(t, m, intercom.Visitor{Attributes: intercom.Attributes{"v": tt.in}})
		want := `{"api_base":"https://api-iam.intercom.io","app_id":"abc12345","v":` + tt.want + `}`
		if raw != want {
			t.Errorf("%q:\n got %s\nwant %s", tt.in, raw, want)
		}
	}
}

// TestEscapingMarshaler: a json.Marshaler's output is compacted and escaped
// as strings are, so it cannot end a script, a comment, a quoted string or
// a template literal either.
func TestEscapingMarshaler(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{`{"a" : "</script>" , "b":[1, "<!--"]}`, `{"a":"\u003c/script\u003e","b":[1,"\u003c!--"]}`},
		{`"it's"`, `"it\u0027s"`},
		{"[\"`${x}`\"]", `["\u0060${x}\u0060"]`},
		{"\"a\u2028b\u2029&\"", `"a\u2028b\u2029\u0026"`},
		{`"\u0027 stays \u0060"`, `"\u0027 stays \u0060"`},
	}
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	for _, tt := range tests {
		raw := rawSettings(t, m, intercom.Visitor{Attributes: intercom.Attributes{"v": rawJSON(tt.in)}})
		want := `{"api_base":"https://api-iam.intercom.io","app_id":"abc12345","v":` + tt.want + `}`
		if raw != want {
			t.Errorf("%q:\n got %s\nwant %s", tt.in, raw, want)
		}
	}
}

// replaceInvalid is the expected decoding of s after escaping: each byte of
// invalid UTF-8 becomes U+FFFD (as encoding/json does).
func replaceInvalid(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// FuzzRender: whatever the strings, the snippet is exactly one intact script
// element (or one intact comment around it) and its JSON parses back to the
// input.
func FuzzRender(f *testing.F) {
	for _, s := range []string{"</script>", "<!--", "-->", "--!>", "\u2028", "\xff", "<script>", "\"", "\\", "</SCRIPT", "&lt;", "'", "`", "__proto__", ""} {
		f.Add(s, s, s, false)
		f.Add("k"+s, s, "name", true)
	}
	m, _ := newMessenger(f, intercom.Config{AppID: "abc12345", HMACSecret: "k", InternalIPs: []string{"10.0.0.0/8"}})
	f.Fuzz(func(t *testing.T, key, value, name string, internal bool) {
		v := intercom.Visitor{
			User:       &intercom.User{ID: "u", Name: name, Email: value},
			Attributes: intercom.Attributes{key: value, "nested": map[string]any{value: []any{name, key}}},
		}
		if internal {
			v.ClientIP = "10.0.0.1"
		}
		out := string(m.Render(v))
		if strings.ContainsAny(out, "'`") {
			t.Fatalf("a quote or backtick in the snippet: %q", out)
		}
		if internal {
			const open, end = "<!-- Intercom disabled on internal IP address\n", "\n-->"
			if !strings.HasPrefix(out, open) || !strings.HasSuffix(out, end) {
				t.Fatalf("not one comment: %q", out)
			}
			out = out[len(open) : len(out)-len(end)]
		}
		s, _, _, err := parseSnippet(out)
		if err != nil {
			t.Fatalf("%v: %q", err, out)
		}
		wantName := nilIfEmpty(replaceInvalid(name))
		if key == "name" {
			wantName = replaceInvalid(value) // the attribute overrides the user's name
		}
		if s["name"] != wantName || s["email"] != nilIfEmpty(replaceInvalid(value)) {
			t.Fatalf("user fields do not round-trip: %v", s)
		}
		nested, _ := s["nested"].(map[string]any)
		validNested := utf8.ValidString(value) && value != "" && value != "__proto__"
		if validNested {
			inner, _ := nested[value].([]any)
			if len(inner) != 2 || inner[0] != replaceInvalid(name) || inner[1] != replaceInvalid(key) {
				t.Fatalf("nested value does not round-trip: %v", s["nested"])
			}
		} else if s["nested"] != nil {
			t.Fatalf("nested map with an invalid key rendered: %v", s["nested"])
		}
		reserved := key == "app_id" || key == "api_base" || key == "user_hash" || key == "intercom_user_jwt" || key == "__proto__"
		if utf8.ValidString(key) && key != "" && !reserved && key != "nested" && key != "email" && key != "user_id" {
			if s[key] != replaceInvalid(value) {
				t.Fatalf("attribute %q = %v, want %q", key, s[key], replaceInvalid(value))
			}
		}
	})
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// FuzzNonce: a nonce is either rendered on both the element and the widget
// script, or not at all; it can never add markup.
func FuzzNonce(f *testing.F) {
	for _, s := range []string{"YWJjZA==", "ab-_cd", `x" onload="y`, "a<b", "===", "abc\x00"} {
		f.Add(s)
	}
	m, _ := newMessenger(f, intercom.Config{AppID: "abc12345"})
	f.Fuzz(func(t *testing.T, nonce string) {
		out := string(m.Render(intercom.Visitor{Nonce: nonce}))
		_, _, got, err := parseSnippet(out)
		if err != nil {
			t.Fatalf("%v: %q", err, out)
		}
		switch {
		case got == "":
			if strings.Contains(out, "nonce") {
				t.Fatalf("rejected nonce still rendered: %q", out)
			}
		case got != nonce || strings.Count(out, nonce) < 2 || strings.Trim(got, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_=") != "":
			t.Fatalf("nonce %q rendered as %q: %q", nonce, got, out)
		}
	})
}

// FuzzMarshaler: whatever a json.Marshaler returns, the page stays one
// script element with parseable settings.
func FuzzMarshaler(f *testing.F) {
	for _, s := range []string{`{"a":"</script>"}`, `"<!--"`, `[1,2`, "\"\xff\"", `{"a":"\u2028"}`, `  {"k" : [ 1 , "-->" ] }  `, `{"it's":"` + "`" + `"}`, `{"__proto__":{}}`, `[{"\u005f_proto__":1}]`, `{"a":"__proto__"}`} {
		f.Add(s)
	}
	m, _ := newMessenger(f, intercom.Config{AppID: "abc12345"})
	f.Fuzz(func(t *testing.T, raw string) {
		out := string(m.Render(intercom.Visitor{Attributes: intercom.Attributes{"m": rawJSON(raw)}}))
		if _, _, _, err := parseSnippet(out); err != nil {
			t.Fatalf("%v: %q", err, out)
		}
		if strings.ContainsAny(out, "'`") {
			t.Fatalf("a quote or backtick in the snippet: %q", out)
		}
	})
}

type rawJSON string

func (r rawJSON) MarshalJSON() ([]byte, error) { return []byte(r), nil }

// FuzzClientIP: any header and peer yield "" or a parseable address, never a panic.
func FuzzClientIP(f *testing.F) {
	f.Add("10.0.0.1:80", "1.2.3.4, 10.0.0.2")
	f.Add("[::1]:1", "::ffff:1.2.3.4,,")
	m, _ := newMessenger(f, intercom.Config{AppID: "abc12345", InternalIPs: []string{"1.2.3.0/24", "::1"}})
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	f.Fuzz(func(t *testing.T, remote, xff string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		r.Header.Set("X-Forwarded-For", xff)
		ip := intercom.ClientIP(r, proxies)
		if ip != "" {
			if _, err := netip.ParseAddr(ip); err != nil {
				t.Fatalf("ClientIP returned unparsable %q", ip)
			}
		}
		_ = m.IsInternal(ip)
		_ = m.IsInternal(xff)
	})
}
