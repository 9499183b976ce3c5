package intercom_test

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"testing"
	"time"

	intercom "github.com/goanalytical/intercom/core"
)

type money struct{ cents int }

func (m money) MarshalJSON() ([]byte, error) {
	return []byte(`{"currency": "EUR", "note": "<b>&</b>", "cents": ` + strconv.Itoa(m.cents) + `}`), nil
}

type badJSON struct{}

func (badJSON) MarshalJSON() ([]byte, error) { return []byte(`{"open":`), nil }

type failingJSON struct{}

func (failingJSON) MarshalJSON() ([]byte, error) { return nil, errors.New("boom") }

type panickingJSON struct{}

func (panickingJSON) MarshalJSON() ([]byte, error) { panic("boom") }

type plan string

func TestSettings(t *testing.T) {
	joined := time.Date(2024, 3, 1, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	base := `"api_base":"https://api-iam.intercom.io","app_id":"abc12345"`
	cyclic := map[string]any{"a": 1}
	cyclic["self"] = cyclic
	tests := []struct {
		name    string
		cfg     intercom.Config
		v       intercom.Visitor
		want    string
		reports []string
	}{
		{"user fields, created_at as UTC Unix seconds",
			intercom.Config{}, intercom.Visitor{User: &intercom.User{ID: "42", Email: "jane@example.com", Name: "Jane", Phone: "+1 555", CreatedAt: joined, AvatarURL: "https://img.example/j.png"}},
			`{` + base + `,"avatar":{"image_url":"https://img.example/j.png","type":"avatar"},"created_at":1709290800,"email":"jane@example.com","name":"Jane","phone":"+1 555","user_id":"42"}`, nil},
		{"anonymous visitor has no created_at and no user_id",
			intercom.Config{}, intercom.Visitor{User: &intercom.User{}},
			`{` + base + `}`, nil},
		{"attributes override user fields and Messenger defaults",
			intercom.Config{Messenger: intercom.Options{Alignment: "left", HideDefaultLauncher: true}},
			intercom.Visitor{User: &intercom.User{ID: "42", Name: "Jane"}, Attributes: intercom.Attributes{"name": "Jane (admin)", "alignment": "right"}},
			`{"alignment":"right",` + base + `,"hide_default_launcher":true,"name":"Jane (admin)","user_id":"42"}`, nil},
		{"app_id, api_base and identity keys are reserved",
			intercom.Config{HMACSecret: "k"}, intercom.Visitor{Attributes: intercom.Attributes{"app_id": "evil", "api_base": "https://evil.example", "user_hash": "x", "intercom_user_jwt": "y"}},
			`{` + base + `}`,
			[]string{`intercom: attribute "api_base" dropped: reserved: only the library sets it`,
				`intercom: attribute "app_id" dropped: reserved: only the library sets it`,
				`intercom: attribute "intercom_user_jwt" dropped: reserved: only the library sets it`,
				`intercom: attribute "user_hash" dropped: reserved: only the library sets it`}},
		{"api_base stays the region's",
			intercom.Config{Region: intercom.RegionEU}, intercom.Visitor{Attributes: intercom.Attributes{"api_base": "https://api-iam.intercom.io"}},
			`{"api_base":"https://api-iam.eu.intercom.io","app_id":"abc12345"}`,
			[]string{`intercom: attribute "api_base" dropped: reserved: only the library sets it`}},
		{"an identified user's user_id is not custom data's",
			intercom.Config{HMACSecret: "k"}, intercom.Visitor{User: &intercom.User{ID: "42", Email: "jane@example.com"}, Attributes: intercom.Attributes{"user_id": "7", "email": "other@example.com"}},
			`{` + base + `,"email":"other@example.com","user_hash":"` + wantHash("k", "42") + `","user_id":"42"}`,
			[]string{`intercom: attribute "user_id" dropped: the visitor is identified as a user, whose user_id custom data cannot change`}},
		{"nor an integer user_id, without a secret too",
			intercom.Config{}, intercom.Visitor{User: &intercom.User{ID: "42"}, Attributes: intercom.Attributes{"user_id": 7}},
			`{` + base + `,"user_id":"42"}`,
			[]string{`intercom: attribute "user_id" dropped: the visitor is identified as a user, whose user_id custom data cannot change`}},
		{"a user_id attribute that agrees is dropped quietly",
			intercom.Config{HMACSecret: "k"}, intercom.Visitor{User: &intercom.User{ID: "42"}, Attributes: intercom.Attributes{"user_id": 42}},
			`{` + base + `,"user_hash":"` + wantHash("k", "42") + `","user_id":"42"}`, nil},
		{"an email-only user's email is not custom data's",
			intercom.Config{HMACSecret: "k"}, intercom.Visitor{User: &intercom.User{Email: "jane@example.com"}, Attributes: intercom.Attributes{"email": "ceo@example.com", "user_id": "1"}},
			`{` + base + `,"email":"jane@example.com","user_hash":"` + wantHash("k", "jane@example.com") + `"}`,
			[]string{`intercom: attribute "email" dropped: the visitor is identified as a user by email, which custom data cannot change`,
				`intercom: attribute "user_id" dropped: the visitor is identified as a user, whose user_id custom data cannot change`}},
		{"a visitor without a user is identified by attributes",
			intercom.Config{HMACSecret: "k"}, intercom.Visitor{Attributes: intercom.Attributes{"user_id": "7", "email": "a@example.com"}},
			`{` + base + `,"email":"a@example.com","user_hash":"` + wantHash("k", "7") + `","user_id":"7"}`, nil},
		{"__proto__ keys are dropped at every depth",
			intercom.Config{}, intercom.Visitor{User: &intercom.User{ID: "1",
				Company: &intercom.Company{ID: "c1", Name: "Acme", Attributes: intercom.Attributes{"__proto__": map[string]any{}}},
				Companies: []intercom.Company{
					{ID: "c2", Name: "Beta", Attributes: intercom.Attributes{"tags": map[string]any{"__proto__": 1}}},
					{ID: "c3", Name: "Gamma", Attributes: intercom.Attributes{"a__proto__": 1}},
				}},
				Attributes: intercom.Attributes{
					"__proto__": map[string]any{"admin": true},
					"nested":    map[string]any{"ok": map[string]any{"__proto__": []any{}}},
					"in_list":   []any{1, map[string]any{"__proto__": nil}},
					"typed_map": map[string]int{"__proto__": 1},
					"attrs":     intercom.Attributes{"__proto__": "x"},
					"json":      rawJSON(`{"a":{"__proto__":{"isAdmin":true}}}`),
					"escaped":   rawJSON(`{"\u005f_pr\u006fto__":1}`),
					"in_value":  rawJSON(`{"k":"__proto__","l":["__proto__"]}`),
					"near":      map[string]any{"__proto_": 1, "__Proto__": 2, " __proto__": 3},
				}},
			`{` + base + `,"companies":[{"a__proto__":1,"company_id":"c3","name":"Gamma"}],` +
				`"in_value":{"k":"__proto__","l":["__proto__"]},"near":{" __proto__":3,"__Proto__":2,"__proto_":1},"user_id":"1"}`,
			[]string{
				`intercom: attribute "__proto__" dropped: a "__proto__" key, which a JavaScript object literal takes for its prototype`,
				`intercom: attribute "attrs" dropped: has a "__proto__" key, which a JavaScript object literal takes for its prototype`,
				`intercom: attribute "companies[0]" dropped: has a "__proto__" key, which a JavaScript object literal takes for its prototype`,
				`intercom: attribute "company" dropped: company attributes have a "__proto__" key, which a JavaScript object literal takes for its prototype`,
				`intercom: attribute "escaped" dropped: MarshalJSON of intercom_test.rawJSON has a "__proto__" key, which a JavaScript object literal takes for its prototype`,
				`intercom: attribute "in_list" dropped: has a "__proto__" key, which a JavaScript object literal takes for its prototype`,
				`intercom: attribute "json" dropped: MarshalJSON of intercom_test.rawJSON has a "__proto__" key, which a JavaScript object literal takes for its prototype`,
				`intercom: attribute "nested" dropped: has a "__proto__" key, which a JavaScript object literal takes for its prototype`,
				`intercom: attribute "typed_map" dropped: has a "__proto__" key, which a JavaScript object literal takes for its prototype`,
			}},
		{"user_id is always a string",
			intercom.Config{}, intercom.Visitor{Attributes: intercom.Attributes{"user_id": 1234}},
			`{` + base + `,"user_id":"1234"}`, nil},
		{"user_id of another type is dropped",
			intercom.Config{}, intercom.Visitor{User: &intercom.User{ID: "9"}, Attributes: intercom.Attributes{"user_id": 1.5}},
			`{` + base + `,"user_id":"9"}`,
			[]string{`intercom: attribute "user_id" dropped: user_id must encode as a JSON string or integer; this float64 encodes as a number with a fraction or an exponent`}},
		{"every supported value type",
			intercom.Config{}, intercom.Visitor{Attributes: intercom.Attributes{
				"s": "x", "b": true, "i": -3, "i8": int8(-8), "i64": int64(1) << 60, "u": uint(7), "u64": uint64(math.MaxUint64),
				"f32": float32(0.5), "f": 99.5, "big": 1e21, "tiny": 1e-7, "t": joined, "zero_t": time.Time{}, "nil": nil,
				"nested": map[string]any{"z": []any{1, "two", map[string]any{"k": false}}, "a": nil},
				"strs":   []string{"a", "b"}, "ints": []int{1, 2}, "named": plan("pro"), "m2": map[string]int{"b": 2, "a": 1},
				"ptr": &joined, "marshaler": money{250}, "nilmap": map[string]any(nil),
			}},
			`{"api_base":"https://api-iam.intercom.io","app_id":"abc12345","b":true,"big":1e+21,"f":99.5,"f32":0.5,` +
				`"i":-3,"i64":1152921504606846976,"i8":-8,"ints":[1,2],"m2":{"a":1,"b":2},` +
				`"marshaler":{"currency":"EUR","note":"\u003cb\u003e\u0026\u003c/b\u003e","cents":250},` +
				`"named":"pro","nested":{"a":null,"z":[1,"two",{"k":false}]},"nil":null,"nilmap":null,"ptr":1709290800,` +
				`"s":"x","strs":["a","b"],"t":1709290800,"tiny":1e-7,"u":7,"u64":18446744073709551615,"zero_t":null}`, nil},
		{"unsupported values are dropped, the rest renders (a struct and int keys encode as encoding/json does)",
			intercom.Config{}, intercom.Visitor{Attributes: intercom.Attributes{
				"ok": 1, "fn": func() {}, "ch": make(chan int), "c": complex(1, 2), "nan": math.NaN(), "inf": math.Inf(-1),
				"cycle": cyclic, "deep_nan": []any{1, math.NaN()}, "struct": struct{ A int }{1},
				"bad_json": badJSON{}, "failing_json": failingJSON{}, "panicking_json": panickingJSON{},
				"bad_key": map[string]any{"": 1}, "intkeys": map[int]string{1: "a"},
			}},
			`{` + base + `,"intkeys":{"1":"a"},"ok":1,"struct":{"A":1}}`,
			[]string{
				`intercom: attribute "bad_json" dropped: MarshalJSON of intercom_test.badJSON returned invalid JSON`,
				`intercom: attribute "bad_key" dropped: map key "" is empty or not valid UTF-8`,
				`intercom: attribute "c" dropped: unsupported type complex128`,
				`intercom: attribute "ch" dropped: unsupported type chan int`,
				`intercom: attribute "cycle" dropped: nested more than 64 levels deep (a cycle?)`,
				`intercom: attribute "deep_nan" dropped: NaN is not a finite number`,
				`intercom: attribute "failing_json" dropped: MarshalJSON of intercom_test.failingJSON: boom`,
				`intercom: attribute "fn" dropped: unsupported type func()`,
				`intercom: attribute "inf" dropped: -Inf is not a finite number`,
				`intercom: attribute "nan" dropped: NaN is not a finite number`,
				`intercom: attribute "panicking_json" dropped: MarshalJSON of intercom_test.panickingJSON panicked`,
			}},
		{"invalid attribute keys are dropped",
			intercom.Config{}, intercom.Visitor{Attributes: intercom.Attributes{"": 1, "\xff": 2, "ok": 3}},
			`{` + base + `,"ok":3}`,
			[]string{`intercom: attribute "" dropped: key is empty or not valid UTF-8`, `intercom: attribute "\xff" dropped: key is empty or not valid UTF-8`}},
		{"company and companies, custom company attributes override typed fields",
			intercom.Config{}, intercom.Visitor{User: &intercom.User{ID: "1",
				Company: &intercom.Company{ID: "c1", Name: "Acme", CreatedAt: joined, Plan: "gold", MonthlySpend: 49.9, Size: 12, Website: "https://acme.example", Industry: "rockets",
					Attributes: intercom.Attributes{"plan": "platinum", "region": "eu"}},
				Companies: []intercom.Company{{ID: "c2", Name: "Beta"}, {Name: "no id"}, {ID: "c3", Name: "Gamma"}},
			}},
			`{` + base + `,"companies":[{"company_id":"c2","name":"Beta"},{"company_id":"c3","name":"Gamma"}],` +
				`"company":{"company_id":"c1","created_at":1709290800,"industry":"rockets","monthly_spend":49.9,"name":"Acme","plan":"platinum","region":"eu","size":12,"website":"https://acme.example"},"user_id":"1"}`,
			[]string{`intercom: attribute "companies[1]" dropped: a company needs both ID (company_id) and Name`}},
		{"a company without a name is dropped",
			intercom.Config{}, intercom.Visitor{User: &intercom.User{ID: "1", Company: &intercom.Company{ID: "c1"}}},
			`{` + base + `,"user_id":"1"}`,
			[]string{`intercom: attribute "company" dropped: a company needs both ID (company_id) and Name`}},
		{"messenger options, sorted",
			intercom.Config{Messenger: intercom.Options{CustomLauncherSelector: "#help", Alignment: "left", VerticalPadding: 20, HorizontalPadding: 40,
				ZIndex: 1000, HideDefaultLauncher: true, HideNotifications: true, ThemeMode: "dark", SessionDuration: 30 * time.Minute,
				ActionColor: "#0057ff", BackgroundColor: "rgb(0, 87, 255)", LinkColor: "teal", LanguageOverride: "pt-BR"}},
			intercom.Visitor{},
			`{"action_color":"#0057ff","alignment":"left",` + base + `,"background_color":"rgb(0, 87, 255)","custom_launcher_selector":"#help",` +
				`"hide_default_launcher":true,"hide_notifications":true,"horizontal_padding":40,"language_override":"pt-BR","link_color":"teal",` +
				`"session_duration":1800000,"theme_mode":"dark","vertical_padding":20,"z_index":1000}`, nil},
		{"custom api_base",
			intercom.Config{APIBase: "https://intercom-proxy.example.com/"}, intercom.Visitor{},
			`{"api_base":"https://intercom-proxy.example.com","app_id":"abc12345"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.AppID = "abc12345"
			m, rec := newMessenger(t, tt.cfg)
			got := rawSettings(t, m, tt.v)
			if got != tt.want {
				t.Errorf("settings:\n got %s\nwant %s", got, tt.want)
			}
			if !json.Valid([]byte(got)) {
				t.Errorf("settings are not valid JSON")
			}
			msgs := rec.messages()
			slices.Sort(msgs)
			if !slices.Equal(msgs, tt.reports) {
				t.Errorf("reported:\n%q\nwant:\n%q", msgs, tt.reports)
			}
		})
	}
}

// TestSettingsDeterministic renders the same visitor many times: map
// iteration order must never show.
func TestSettingsDeterministic(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	attrs := intercom.Attributes{}
	for i := range 40 {
		attrs["k"+strconv.Itoa(i)] = i
	}
	v := intercom.Visitor{Attributes: attrs}
	first := rawSettings(t, m, v)
	for range 50 {
		if got := rawSettings(t, m, v); got != first {
			t.Fatalf("output changed between renders:\n%s\n%s", first, got)
		}
	}
}
