package adapter

import (
	"net/http"
	"strings"
	"testing"
)

// TestRequestCookieMatchesNetHTTP checks requestCookie against
// (*http.Request).Cookie on Cookie headers of every shape it handles.
func TestRequestCookieMatchesNetHTTP(t *testing.T) {
	many := strings.Repeat("x=1; ", maxRequestCookies) + "intercom-logout=1"
	tests := []struct {
		name  string
		lines []string
	}{
		{"no header", nil},
		{"empty", []string{""}},
		{"one", []string{"intercom-logout=1"}},
		{"among others", []string{"_ga=GA1.2.3; intercom-logout=1; session=abc"}},
		{"no value", []string{"intercom-logout"}},
		{"empty value", []string{"intercom-logout="}},
		{"spaces around", []string{"  intercom-logout  =1  ;x=2"}},
		{"space after =", []string{"intercom-logout= 1"}},
		{"quoted", []string{`intercom-logout="1"`}},
		{"lone quote", []string{`intercom-logout="`}},
		{"quote inside", []string{`intercom-logout=a"b`}},
		{"invalid byte then valid", []string{"intercom-logout=a\\b; intercom-logout=2"}},
		{"duplicate", []string{"intercom-logout=1; intercom-logout=2"}},
		{"second line", []string{"a=1", "intercom-logout=3"}},
		{"prefix of a longer name", []string{"intercom-logout2=1; xintercom-logout=2"}},
		{"empty parts", []string{";;  ; intercom-logout=4;"}},
		{"tab and newline", []string{"\tintercom-logout=5\r\n"}},
		{"non-ASCII", []string{"intercom-logout=é"}},
		{"too many cookies", []string{many}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := http.NewRequest(http.MethodGet, "/", nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.lines != nil {
				r.Header["Cookie"] = tt.lines
			}
			want, err := r.Cookie("intercom-logout")
			got, ok := requestCookie(r.Header, "intercom-logout")
			if ok != (err == nil) {
				t.Fatalf("found %v, net/http: %v", ok, err)
			}
			if ok && got != want.Value {
				t.Fatalf("value %q, net/http %q", got, want.Value)
			}
		})
	}
}

// FuzzRequestCookie compares requestCookie with (*http.Request).Cookie on
// arbitrary Cookie headers.
func FuzzRequestCookie(f *testing.F) {
	for _, s := range []string{"a=1; b=2", `b="x"`, " b = 1 ", "b=\x7f", "b=1;b=2", ";b;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		h := http.Header{"Cookie": {line}}
		want, err := (&http.Request{Header: h}).Cookie("b")
		got, ok := requestCookie(h, "b")
		if ok != (err == nil) || ok && got != want.Value {
			t.Fatalf("%q: got %q %v, net/http %v %v", line, got, ok, want, err)
		}
	})
}
