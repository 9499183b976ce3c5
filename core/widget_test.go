package intercom_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	intercom "github.com/goanalytical/intercom/core"
)

func TestWidgetURLRejected(t *testing.T) {
	const https = "want an https URL (http only for localhost, 127.0.0.1 or [::1])"
	tests := []struct {
		url, reason string
	}{
		{"http://cdn.example.com/widget.js", https},
		{"http://localhost.example.com/widget.js", https},
		{"http://127.0.0.2/widget.js", https},
		{"http://[::2]/widget.js", https},
		{"ftp://localhost/widget.js", https},
		{"javascript:alert(1)", https},
		{"//cdn.example.com/widget.js", https},
		{"/widget.js", https},
		{"widget.js", https},
		{"https:widget.js", "want an absolute URL with a host and no user info"},
		{"https:///widget.js", "want an absolute URL with a host and no user info"},
		{"https://:443/widget.js", "want an absolute URL with a host and no user info"},
		{"https://user:pw@cdn.example.com/widget.js", "want an absolute URL with a host and no user info"},
		{"https://cdn.example.com/widget.js#top", "a script URL has no fragment"},
		{"https://cdn.example.com/widget.js#", "a script URL has no fragment"},
		{"https://cdn.example.com/wid get.js", "spaces and control characters are not allowed in a URL"},
		{"https://cdn.example.com/widget.js\n", "spaces and control characters are not allowed in a URL"},
		{"https://cdn.example.com/\x00", "spaces and control characters are not allowed in a URL"},
		{"https://cdn.example.com/\x7f", "spaces and control characters are not allowed in a URL"},
		{"https://cdn.exa%mple.com/", "not a URL"},
		{"https://[::1/widget.js", "not a URL"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			_, err := intercom.New(intercom.Config{AppID: "abc12345", WidgetURL: tt.url})
			var ce *intercom.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("New: err = %v, want a *intercom.ConfigError", err)
			}
			want := &intercom.ConfigError{Setting: "WidgetURL", Value: tt.url, Reason: tt.reason}
			if *ce != *want {
				t.Errorf("error %+v, want %+v", *ce, *want)
			}
		})
	}
}

// TestWidgetURLEscaped: a URL that passes validation but holds what could end
// a JavaScript string, the script element or an HTML comment is one JSON
// string in the loader, decoding to the URL exactly; the rest of the loader is
// unchanged and has no "<", ">" or "--".
func TestWidgetURLEscaped(t *testing.T) {
	urls := []string{
		`https://cdn.example.com/w?x="</script><script>alert(1)//`,
		`https://cdn.example.com/w?x=\";alert(1);//`,
		`https://cdn.example.com/--><!--<script>`,
		`https://cdn.example.com/w?a='+alert(1)+'&b=${alert(2)}` + "`",
		"https://cdn.example.com/w?\u2028\u2029",
		"https://cdn.example.com/\xff\xfe",
		`https://xn--bcher-kva.example/widget---js`,
		`http://[::1]:8443/widget/abc12345`,
		`http://127.0.0.1/widget/abc12345`,
		`HTTPS://CDN.EXAMPLE.COM/W`,
	}
	for _, u := range urls {
		t.Run(u, func(t *testing.T) {
			m, rec := newMessenger(t, intercom.Config{AppID: "abc12345", WidgetURL: u})
			for _, v := range []intercom.Visitor{{}, {Nonce: "YWJjZA=="}, {Shutdown: true}, {ClientIP: "10.1.1.1"}} {
				out := string(m.Render(v))
				if _, _, _, err := parseSnippet(out); err != nil {
					t.Fatalf("%v: %s", err, out)
				}
				src, rest := loaderSrc(t, out)
				if want := strings.ToValidUTF8(u, "\ufffd\ufffd"); src != want {
					t.Errorf("the loader loads %q, want %q", src, want)
				}
				loader := out[strings.Index(out, ";(function(){"):]
				if strings.ContainsAny(strings.TrimSuffix(loader, "</script>"), "<>'`&") || strings.Contains(loader, "--") {
					t.Errorf("the loader has <, >, ', `, & or --: %s", loader)
				}
				if !strings.HasPrefix(rest, `;`) {
					t.Errorf("the URL string does not end where the loader's does: %s", rest)
				}
			}
			wantReports(t, rec.messages(), nil)
		})
	}
}

// loaderSrc decodes the JSON string assigned to e.src in a snippet and
// returns it and the loader after it.
func loaderSrc(t *testing.T, snippet string) (src, rest string) {
	t.Helper()
	_, after, ok := strings.Cut(snippet, "e.src=")
	if !ok {
		t.Fatalf("no e.src= in %s", snippet)
	}
	dec := json.NewDecoder(strings.NewReader(after))
	if err := dec.Decode(&src); err != nil {
		t.Fatalf("e.src is not one JSON string: %v: %s", err, after)
	}
	return src, after[dec.InputOffset():]
}

func TestMessengerCSP(t *testing.T) {
	sources := func(dirs []intercom.CSPDirective) map[string][]string {
		out := map[string][]string{}
		for _, d := range dirs {
			out[d.Name] = d.Sources
		}
		return out
	}
	tests := []struct {
		name string
		cfg  intercom.Config
		want func(map[string][]string) // edits CSP(region)'s sources into the expected ones
	}{
		{"defaults are CSP(region)", intercom.Config{AppID: "abc12345", Region: intercom.RegionEU}, func(map[string][]string) {}},
		{"disabled", intercom.Config{}, func(map[string][]string) {}},
		{"widget mirror in script-src", intercom.Config{AppID: "abc12345", WidgetURL: "https://cdn.example.com:8443/intercom/widget.js?x=1"},
			func(s map[string][]string) { s["script-src"] = append(s["script-src"], "https://cdn.example.com:8443") }},
		{"widget on localhost", intercom.Config{AppID: "abc12345", WidgetURL: "http://[::1]:9000/w"},
			func(s map[string][]string) { s["script-src"] = append(s["script-src"], "http://[::1]:9000") }},
		{"mirror of Intercom's own host adds nothing", intercom.Config{AppID: "abc12345", WidgetURL: "https://widget.intercom.io/widget/abc12345"},
			func(map[string][]string) {}},
		{"custom api base", intercom.Config{AppID: "abc12345", Region: intercom.RegionAU, APIBase: "https://intercom-proxy.example.com/"},
			func(s map[string][]string) {
				s["connect-src"] = append(s["connect-src"], "https://intercom-proxy.example.com")
				s["form-action"] = []string{"https://intercom.help", "https://intercom-proxy.example.com"}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newMessenger(t, tt.cfg)
			want := sources(intercom.CSP(tt.cfg.Region))
			tt.want(want)
			got := m.CSP()
			if !reflect.DeepEqual(sources(got), want) {
				t.Errorf("Messenger.CSP:\n got %v\nwant %v", sources(got), want)
			}
			var names []string
			for _, d := range got {
				names = append(names, d.Name)
			}
			if want := []string{"script-src", "connect-src", "child-src", "frame-src", "font-src", "form-action", "media-src", "img-src", "style-src"}; !reflect.DeepEqual(names, want) {
				t.Errorf("directives %q, want %q", names, want)
			}
		})
	}
	// The package-level lists are not changed by a Messenger's.
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345", WidgetURL: "https://cdn.example.com/w"})
	m.CSP()[0].Sources[0] = "changed"
	if got := intercom.CSP(intercom.RegionUS)[0].Sources; got[0] != "https://app.intercom.io" || len(got) != 3 {
		t.Errorf("CSP(RegionUS) script-src = %q after Messenger.CSP", got)
	}
}

func TestWidgetURLFromEnv(t *testing.T) {
	tests := []struct {
		value, want, wantErr string
	}{
		{"", "", ""},
		{"  https://cdn.example.com/widget.js ", "https://cdn.example.com/widget.js", ""},
		{"http://localhost:8080/widget/abc12345", "http://localhost:8080/widget/abc12345", ""},
		{"http://cdn.example.com/widget.js", "", `intercom: invalid INTERCOM_WIDGET_URL "http://cdn.example.com/widget.js": want an https URL (http only for localhost, 127.0.0.1 or [::1])`},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			for _, v := range []string{"INTERCOM_APP_ID", "INTERCOM_INTERNAL_IPS", "ANALYTICAL_INTERNAL_IPS", "INTERNAL_IPS", "INTERCOM_REGION", "ANALYTICAL_AUTO_IDENTIFY"} {
				t.Setenv(v, "")
				unsetenv(t, v)
			}
			t.Setenv("INTERCOM_WIDGET_URL", tt.value)
			c, err := intercom.ConfigFromEnv()
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil || c.WidgetURL != tt.want {
				t.Fatalf("WidgetURL = %q, %v; want %q", c.WidgetURL, err, tt.want)
			}
		})
	}
}
