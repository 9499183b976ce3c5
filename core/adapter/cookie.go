package adapter

import (
	"net/http"
	"net/textproto"
	"strings"
)

// maxRequestCookies is net/http's default limit on the cookies of a
// request (GODEBUG httpcookiemaxnum): a request with more has none for
// Request.Cookie, and none for requestCookie either.
const maxRequestCookies = 3000

// requestCookie returns the value of the first cookie called name in the
// request header h, as (*http.Request).Cookie(name) does (the same
// splitting, trimming and value validation, surrounding double quotes
// removed), without parsing the other cookies into *http.Cookie values:
// the middleware looks for two cookies on every request that renders the
// snippet, and a browser's Cookie header carries a dozen.
func requestCookie(h http.Header, name string) (string, bool) {
	lines := h["Cookie"]
	if len(lines) == 0 || name == "" {
		return "", false
	}
	n := 0
	for _, line := range lines {
		n += strings.Count(line, ";") + 1
	}
	if n > maxRequestCookies {
		return "", false
	}
	for _, line := range lines {
		for line != "" {
			var part string
			part, line, _ = strings.Cut(line, ";")
			// As net/http: the part is trimmed, then its name; the value
			// keeps white space after the "=".
			k, v, _ := strings.Cut(textproto.TrimString(part), "=")
			if textproto.TrimString(k) != name {
				continue
			}
			if v, ok := cookieValue(v); ok {
				return v, true
			}
		}
	}
	return "", false
}

// cookieValue is net/http's parseCookieValue with double quotes allowed:
// quotes around the value are removed, and a value with a byte a cookie
// value cannot hold is not a value.
func cookieValue(raw string) (string, bool) {
	if len(raw) > 1 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		raw = raw[1 : len(raw)-1]
	}
	for i := 0; i < len(raw); i++ {
		if b := raw[i]; b < 0x20 || b >= 0x7f || b == '"' || b == ';' || b == '\\' {
			return "", false
		}
	}
	return raw, true
}

// setDefault sets key, which must be in canonical form, to value in h
// unless h has a non-empty value for it, without the canonicalization
// http.Header's Get and Set do on every call.
func setDefault(h http.Header, key, value string) {
	if v := h[key]; len(v) == 0 || v[0] == "" {
		h[key] = []string{value}
	}
}
