package conformance

import (
	"math"
	"slices"
	"testing"
	"time"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/stretchr/testify/assert"
)

// rawJSON is a custom type that encodes itself, as apps' types do.
type rawJSON string

func (r rawJSON) MarshalJSON() ([]byte, error) { return []byte(r), nil }

func testSupportedTypes(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{AppID: appID}, Scenario{Set: []Attr{
		{"a_string", "text"},
		{"a_bool", true},
		{"a_false", false},
		{"an_int", -42},
		{"an_int64", int64(math.MaxInt64)},
		{"a_uint", uint(math.MaxUint64)},
		{"a_float", 99.5},
		{"a_whole_float", 3.0},
		{"a_time", time.Date(2024, time.February, 29, 12, 0, 0, 0, time.FixedZone("UTC+5", 5*3600))},
		{"a_nil", nil},
		{"a_map", map[string]any{"b": 1, "a": "x", "c": map[string]any{"d": []any{}}}},
		{"a_slice", []any{1, "two", 3.5, false, nil, map[string]any{"k": "v"}}},
		{"a_marshaler", rawJSON(`{ "z" : [1, 2], "a" : "b" }`)},
	}})
	s := a.get(t, "", nil).mustSnippet(t)
	assert.Equal(t, expect(map[string]any{
		"a_string":      "text",
		"a_bool":        true,
		"a_false":       false,
		"an_int":        num("-42"),
		"an_int64":      num("9223372036854775807"),
		"a_uint":        num("18446744073709551615"),
		"a_float":       num("99.5"),
		"a_whole_float": num("3"),
		"a_time":        num("1709190000"), // 2024-02-29T07:00:00Z
		"a_nil":         nil,
		"a_map":         map[string]any{"a": "x", "b": num("1"), "c": map[string]any{"d": []any{}}},
		"a_slice":       []any{num("1"), "two", num("3.5"), false, nil, map[string]any{"k": "v"}},
		"a_marshaler":   map[string]any{"a": "b", "z": []any{num("1"), num("2")}},
	}), s.Settings)
	a.noErrors(t)
}

func testUnsupportedDropped(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{AppID: appID}, Scenario{Set: []Attr{
		{"kept", "yes"},
		{"a_func", func() {}},
		{"a_chan", make(chan int)},
		{"a_nan", math.NaN()},
		{"an_inf", math.Inf(-1)},
		{"a_complex", complex(1, 2)},
		{"a_nested_func", map[string]any{"ok": 1, "bad": func() {}}},
		{"also_kept", 7},
	}})
	s := a.get(t, "", nil).mustSnippet(t)
	assert.Equal(t, expect(map[string]any{"kept": "yes", "also_kept": num("7")}), s.Settings)
	assert.Equal(t, []string{"a_chan", "a_complex", "a_func", "a_nan", "a_nested_func", "an_inf"},
		attributeErrorKeys(t, a), "dropped attributes reported")
}

func testReservedKeys(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{AppID: appID, HMACSecret: secret}, Scenario{
		Identify: func(Header) (intercom.User, bool) { return intercom.User{ID: "42"}, true },
		Set: []Attr{
			{"app_id", "evil"},
			{"user_hash", "forged"},
			{"intercom_user_jwt", "forged"},
			{"plan", "pro"},
		},
	})
	s := a.get(t, "", nil).mustSnippet(t)
	assert.Equal(t, expect(map[string]any{"user_id": "42", "user_hash": userHash("42"), "plan": "pro"}), s.Settings)
	assert.Equal(t, []string{"app_id", "intercom_user_jwt", "user_hash"}, attributeErrorKeys(t, a),
		"reserved attributes reported")
}

// attributeErrorKeys returns the sorted, distinct keys of the reported
// *intercom.AttributeError values.
func attributeErrorKeys(t *testing.T, a *app) []string {
	t.Helper()
	var keys []string
	for _, e := range reported[*intercom.AttributeError](t, a) {
		keys = append(keys, e.Key)
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// Values that would end a script element or an HTML comment, or confuse a
// JavaScript parser, if they were not escaped.
const (
	hostileScript = `</script><script>alert(1)</script>`
	hostileID     = `"><img src=x onerror=alert(2)>`
)

func testHostile(internal bool) func(*testing.T, Harness) {
	return func(t *testing.T, h Harness) {
		from := ""
		c := intercom.Config{AppID: appID, HMACSecret: secret}
		if internal {
			from = "127.0.0.7"
			needSource(t, from)
			c.InternalIPs = []string{from}
		}
		a := start(t, h, c, Scenario{
			Identify: func(Header) (intercom.User, bool) {
				return intercom.User{ID: hostileID, Name: hostileScript, Email: "a&b@example.com"}, true
			},
			WithAttributes: withAttributes(intercom.Attributes{"from_attributes": "<!--<script>"}),
			Set: []Attr{
				{"comment_open", "<!--"},
				{"comment_close", "-->"},
				{"comment_bang", "--!>"},
				{"separators", "a\u2028b\u2029c"},
				{"invalid_utf8", "x\xff\xfey"},
				{"cdata", "]]>"},
				{"entities", "&lt;&amp;&#x3C;"},
				{"quotes", `\"'` + "`${x}`"},
				{"controls", "\x00\x1f\x7f\n\r\t"},
				{"</script><!--", "hostile key"},
				{"nested", map[string]any{"</script>": []any{"-->", "<!--", hostileScript}}},
			},
		})
		p := a.get(t, from, nil)
		s := p.mustSnippet(t)
		assert.Equal(t, internal, s.Internal, "snippet inside the internal-IP comment")
		assert.NotContains(t, p.body, "<script>alert(", "an injected script element is in the page")
		assert.NotContains(t, p.body, "<img", "an injected element is in the page")
		assert.Equal(t, expect(map[string]any{
			"user_id":         hostileID,
			"user_hash":       userHash(hostileID),
			"name":            hostileScript,
			"email":           "a&b@example.com",
			"from_attributes": "<!--<script>",
			"comment_open":    "<!--",
			"comment_close":   "-->",
			"comment_bang":    "--!>",
			"separators":      "a\u2028b\u2029c",
			"invalid_utf8":    "x\ufffd\ufffdy",
			"cdata":           "]]>",
			"entities":        "&lt;&amp;&#x3C;",
			"quotes":          `\"'` + "`${x}`",
			"controls":        "\x00\x1f\x7f\n\r\t",
			"</script><!--":   "hostile key",
			"nested":          map[string]any{"</script>": []any{"-->", "<!--", hostileScript}},
		}), s.Settings, "hostile values must round-trip exactly")
		a.noErrors(t)
	}
}

// The comprehensive scenario's inputs.
var (
	janeJoined = time.Date(2020, time.May, 17, 11, 30, 0, 0, time.FixedZone("CEST", 2*3600))
	acmeFound  = time.Date(2019, time.January, 1, 0, 0, 0, 0, time.UTC)
)

func testComprehensive(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{
		AppID:      appID,
		HMACSecret: secret,
		Region:     intercom.RegionEU,
		Messenger: intercom.Options{
			CustomLauncherSelector: "#help-button",
			Alignment:              "left",
			VerticalPadding:        40,
			HorizontalPadding:      24,
			ZIndex:                 1000,
			HideDefaultLauncher:    true,
			HideNotifications:      true,
			ThemeMode:              "dark",
			SessionDuration:        30 * time.Minute,
			ActionColor:            "#0057ff",
			BackgroundColor:        "rgb(0, 87, 255)",
			LinkColor:              "teal",
			LanguageOverride:       "pt-BR",
		},
	}, Scenario{
		SignedIn: signedIn("someone-else"),
		WithUser: withUser(intercom.User{
			ID:        "42",
			Email:     "jane@example.com",
			Name:      "Jane Doe",
			Phone:     "+44 20 7946 0000",
			CreatedAt: janeJoined,
			AvatarURL: "https://example.com/jane.png",
			Company: &intercom.Company{
				ID: "acme", Name: "Acme", CreatedAt: acmeFound, Plan: "gold", MonthlySpend: 49.5,
				Size: 12, Website: "https://acme.example", Industry: "Anvils",
				Attributes: intercom.Attributes{"region": "emea"},
			},
			Companies: []intercom.Company{{ID: "beta", Name: "Beta"}},
		}),
		WithAttributes: withAttributes(intercom.Attributes{"plan": "enterprise", "cart_value": 99.5}),
		Set:            []Attr{{"signed_up_via", "google"}, {"logins", 7}},
	})
	s := a.get(t, "", nil).mustSnippet(t)
	assert.Equal(t, map[string]any{
		"app_id":                   appID,
		"api_base":                 euAPIBase,
		"custom_launcher_selector": "#help-button",
		"alignment":                "left",
		"vertical_padding":         num("40"),
		"horizontal_padding":       num("24"),
		"z_index":                  num("1000"),
		"hide_default_launcher":    true,
		"hide_notifications":       true,
		"theme_mode":               "dark",
		"session_duration":         num("1800000"),
		"action_color":             "#0057ff",
		"background_color":         "rgb(0, 87, 255)",
		"link_color":               "teal",
		"language_override":        "pt-BR",
		"user_id":                  "42",
		"email":                    "jane@example.com",
		"name":                     "Jane Doe",
		"phone":                    "+44 20 7946 0000",
		"created_at":               num("1589707800"), // 2020-05-17T09:30:00Z
		"avatar":                   map[string]any{"type": "avatar", "image_url": "https://example.com/jane.png"},
		"company": map[string]any{
			"company_id":    "acme",
			"name":          "Acme",
			"created_at":    num("1546300800"),
			"plan":          "gold",
			"monthly_spend": num("49.5"),
			"size":          num("12"),
			"website":       "https://acme.example",
			"industry":      "Anvils",
			"region":        "emea",
		},
		"companies":     []any{map[string]any{"company_id": "beta", "name": "Beta"}},
		"user_hash":     userHash("42"),
		"plan":          "enterprise",
		"cart_value":    num("99.5"),
		"signed_up_via": "google",
		"logins":        num("7"),
	}, s.Settings)
	a.noErrors(t)
}
