package intercom_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	intercom "github.com/goanalytical/intercom/core"
)

// attrJSON renders v as the attribute "v" and returns its JSON as the page
// has it ("" when it was dropped) and what was reported.
func attrJSON(t *testing.T, v any) (string, []string) {
	t.Helper()
	m, rec := newMessenger(t, intercom.Config{AppID: "abc12345"})
	raw := rawSettings(t, m, intercom.Visitor{Attributes: intercom.Attributes{"v": v}})
	var got map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &got); err != nil {
		t.Fatalf("settings %s: %v", raw, err)
	}
	return string(got["v"]), rec.messages()
}

// sameJSON reports whether a and b are the same JSON value once parsed
// (numbers compared as written, object keys in any order).
func sameJSON(a, b []byte) bool {
	parse := func(b []byte) (any, bool) {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var v any
		return v, dec.Decode(&v) == nil
	}
	va, oka := parse(a)
	vb, okb := parse(b)
	return oka && okb && reflect.DeepEqual(va, vb)
}

// uuid is the shape of google/uuid's UUID: an array with MarshalText.
type uuid [16]byte

func (u uuid) MarshalText() ([]byte, error) {
	return fmt.Appendf(nil, "%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:]), nil
}

type pricing struct {
	Name     string   `json:"name"`
	Seats    int      `json:"seats,omitempty"`
	Internal string   `json:"-"`
	Dash     string   `json:"-,"` //nolint:staticcheck // the name "-", on purpose
	Cents    int64    `json:"cents,string"`
	Trial    bool     `json:",omitempty"`
	Tags     []string `json:"tags,omitempty"`
	secret   string
}

// TestValuesIssueTable holds each row of issue #10's table to what
// encoding/json gives for the value (database/sql's Null types to the
// documented rule: their value, or null).
func TestValuesIssueTable(t *testing.T) {
	type Plan struct {
		Name string `json:"name"`
	}
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"a UUID type: [16]byte with MarshalText", uuid{1, 2, 3}, `"01020300-0000-0000-0000-000000000000"`},
		{"netip.Addr, a TextMarshaler", netip.MustParseAddr("1.2.3.4"), `"1.2.3.4"`},
		{"a struct with json tags", Plan{Name: "pro"}, `{"name":"pro"}`},
		{"a pointer to one", &Plan{Name: "pro"}, `{"name":"pro"}`},
		{"[]byte as base64", []byte("hi"), `"aGk="`},
		{"a map with int keys", map[int]string{1: "a"}, `{"1":"a"}`},
		{"sql.NullString, valid: its value", sql.NullString{String: "x", Valid: true}, `"x"`},
		{"sql.NullString, not valid: null", sql.NullString{String: "x"}, `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reports := attrJSON(t, tt.v)
			wantReports(t, reports, nil)
			if got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
			if _, isNull := tt.v.(sql.NullString); isNull {
				return // the documented exception
			}
			js, err := json.Marshal(tt.v)
			if err != nil || string(js) != tt.want {
				t.Errorf("encoding/json gives %s (%v); the test expects %s", js, err, tt.want)
			}
		})
	}
}

type accountID string

type level int

func (l level) MarshalText() ([]byte, error) { return []byte(fmt.Sprintf("L%d", int(l))), nil }

type ptrText struct{ n int }

func (p *ptrText) MarshalText() ([]byte, error) { return []byte(fmt.Sprint("n=", p.n)), nil }

type ptrJSON struct{ N int }

func (p *ptrJSON) MarshalJSON() ([]byte, error) { return []byte(`"ptr"`), nil }

type Embedded struct {
	ID    string `json:"id"`
	Shade string
}

type embedded2 struct {
	Shade string
	Other int
}

type withEmbedded struct {
	Embedded
	*embedded2
	Own string `json:"own"`
}

type conflict struct {
	A1 `json:"a1"`
	A2
	B1
	B2
}

type A1 struct{ X int }
type A2 struct{ X, Y int }
type B1 struct {
	Z int `json:"z"`
}
type B2 struct {
	Z int
}

type named struct {
	S  accountID         `json:"s"`
	I  int16             `json:"i"`
	U  uint8             `json:"u"`
	F  float32           `json:"f"`
	B  bool              `json:"b"`
	M  map[accountID]int `json:"m"`
	L  []level           `json:"l"`
	P  *int              `json:"p,omitempty"`
	PS *string           `json:"ps,string"`
	Q  *float64          `json:"q,string"`
	N  json.Number       `json:"n"`
	NS json.Number       `json:"ns,string"`
	Z  time.Duration     `json:"z,omitzero"`
	E  any               `json:"e"`
	R  json.RawMessage   `json:"r"`
}

type zeroer struct{ v int }

func (z zeroer) IsZero() bool { return z.v < 0 }

type withZero struct {
	A zeroer          `json:"a,omitzero"`
	B *zeroer         `json:"b,omitzero"`
	C [2]int          `json:"c,omitzero"`
	D struct{ X int } `json:"d,omitzero"`
}

// TestValuesLikeEncodingJSON: values of many shapes encode to the JSON
// encoding/json gives for them (parsed: keys here come sorted, and strings
// are escaped for a script), and are never reported.
func TestValuesLikeEncodingJSON(t *testing.T) {
	seven, word, half := 7, "w<>'", 0.5
	tests := []struct {
		name string
		v    any
		want string // exactly as the page has it
	}{
		{"named string", accountID("a-1"), `"a-1"`},
		{"named int with MarshalText", level(3), `"L3"`},
		{"struct tags: omitempty, -, -, (named -), ,string, unexported", pricing{Name: "pro", Internal: "x", Dash: "d", Cents: 250, secret: "s"},
			`{"-":"d","cents":"250","name":"pro"}`},
		{"struct tags, all set", pricing{Name: "pro", Seats: 3, Cents: -1, Trial: true, Tags: []string{"a"}},
			`{"-":"","Trial":true,"cents":"-1","name":"pro","seats":3,"tags":["a"]}`},
		{"embedded structs: same-depth Shade fields hide each other, a nil embedded pointer", withEmbedded{Embedded: Embedded{ID: "e", Shade: "blue"}, Own: "o"},
			`{"id":"e","own":"o"}`},
		{"embedded structs: a tagged one is a member, the rest flatten", conflict{A1: A1{1}, A2: A2{2, 3}, B1: B1{4}, B2: B2{5}},
			`{"X":2,"Y":3,"Z":5,"a1":{"X":1},"z":4}`},
		{"embedded pointer set", withEmbedded{Embedded: Embedded{ID: "e", Shade: "blue"}, embedded2: &embedded2{Shade: "red", Other: 1}},
			`{"Other":1,"id":"e","own":""}`},
		{"named kinds, pointers, ,string, json.Number, RawMessage", named{
			S: "s", I: -2, U: 200, F: 1.5, B: true, M: map[accountID]int{"b": 2, "a": 1}, L: []level{1, 2},
			P: &seven, PS: &word, Q: &half, N: "12.5e3", NS: "7", E: []any{accountID("x"), nil}, R: json.RawMessage(`{"k": [1, 2]}`),
		}, `{"b":true,"e":["x",null],"f":1.5,"i":-2,"l":["L1","L2"],"m":{"a":1,"b":2},"n":12.5e3,"ns":"7","p":7,` +
			`"ps":"\"w\\u003c\\u003e\u0027\"","q":"0.5","r":{"k":[1,2]},"s":"s","u":200}`},
		{"nil pointers and zero json.Number", named{}, `{"b":false,"e":null,"f":0,"i":0,"l":null,"m":null,"n":0,"ns":"0","ps":null,"q":null,"r":null,"s":"","u":0}`},
		{"omitzero: IsZero methods, arrays, structs", withZero{A: zeroer{-1}, B: &zeroer{-1}}, `{}`},
		{"omitzero: kept when not zero (a nil *zeroer is zero)", withZero{A: zeroer{0}, C: [2]int{0, 1}, D: struct{ X int }{1}}, `{"a":{},"c":[0,1],"d":{"X":1}}`},
		{"pointer-receiver MarshalText: used in a slice, not in a map value", map[string]any{
			"slice": []ptrText{{1}}, "map": map[string]ptrText{"k": {2}}, "ptr": &ptrText{3}},
			`{"map":{"k":{}},"ptr":"n=3","slice":["n=1"]}`},
		{"pointer-receiver MarshalJSON: used through a pointer, not on a copy", []any{ptrJSON{1}, &ptrJSON{2}, []ptrJSON{{3}}},
			`[{"N":1},"ptr",["ptr"]]`},
		{"map keys: TextMarshaler, uint, named string", []any{map[level]int{2: 1, 1: 0}, map[uint8]bool{9: true, 10: false}, map[accountID]string{"z": "1"}},
			`[{"L1":0,"L2":1},{"10":false,"9":true},{"z":"1"}]`},
		{"byte slices: named, nil, and arrays of bytes", []any{json.RawMessage(nil), []byte(nil), [2]byte{1, 2}, []uint8{0xff}},
			`[null,null,[1,2],"/w=="]`},
		{"slices of structs and pointers", []*Embedded{{ID: "1"}, nil}, `[{"Shade":"","id":"1"},null]`},
		{"interfaces holding typed nils", []any{(*Embedded)(nil), (*ptrJSON)(nil), (*ptrText)(nil), map[string]int(nil), []int(nil), (*int)(nil)},
			`[null,null,null,null,null,null]`},
		{"unexported fields are left out", struct {
			a, b int
			C    int
		}{1, 2, 3}, `{"C":3}`},
		{"only unexported fields", struct{ x string }{"x"}, `{}`},
		{"errors are structs without exported fields", errors.New("boom"), `{}`},
		{"escaping in struct strings and keys", struct {
			S string `json:"a<b"`
		}{"</script>"}, `{"a\u003cb":"\u003c/script\u003e"}`},
		{"floats as encoding/json", []any{float32(1e21), 1e-7, math.Copysign(0, -1), float32(3.4e38), math.MaxFloat64, math.SmallestNonzeroFloat64},
			`[1e+21,1e-7,-0,3.4e+38,1.7976931348623157e+308,5e-324]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reports := attrJSON(t, tt.v)
			wantReports(t, reports, nil)
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			js, err := json.Marshal(tt.v)
			if err != nil {
				t.Fatalf("encoding/json: %v", err)
			}
			if !sameJSON([]byte(got), js) {
				t.Errorf("not what encoding/json gives:\n got %s\n json %s", got, js)
			}
		})
	}
}

// TestValuesTimeAndNull: the library's own rules for time.Time (Unix
// seconds, the zero time null) and database/sql's Null types (their value
// when Valid, else null), wherever they are.
func TestValuesTimeAndNull(t *testing.T) {
	joined := time.Date(2024, 3, 1, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	type event struct {
		At    time.Time  `json:"at"`
		Zero  time.Time  `json:"zero"`
		Empty time.Time  `json:"empty,omitempty"` // a struct is never empty, as in encoding/json
		Gone  time.Time  `json:"gone,omitzero"`
		Ptr   *time.Time `json:"ptr"`
		Nil   *time.Time `json:"nil"`
	}
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"time fields", event{At: joined, Ptr: &joined}, `{"at":1709290800,"empty":null,"nil":null,"ptr":1709290800,"zero":null}`},
		{"times in a slice and a map", []any{joined, map[string]time.Time{"t": joined}, []*time.Time{nil, &joined}},
			`[1709290800,{"t":1709290800},[null,1709290800]]`},
		{"every sql.Null type", []any{
			sql.NullString{String: "s", Valid: true}, sql.NullInt64{Int64: 64, Valid: true}, sql.NullInt32{Int32: 32, Valid: true},
			sql.NullInt16{Int16: 16, Valid: true}, sql.NullByte{Byte: 8, Valid: true}, sql.NullFloat64{Float64: 0.5, Valid: true},
			sql.NullBool{Bool: true, Valid: true}, sql.NullTime{Time: joined, Valid: true}, sql.Null[accountID]{V: "a", Valid: true},
		}, `["s",64,32,16,8,0.5,true,1709290800,"a"]`},
		{"not valid: null", []any{sql.NullInt64{Int64: 1}, sql.NullTime{Time: joined}, sql.Null[int]{V: 1}, &sql.NullBool{}},
			`[null,null,null,null]`},
		{"in a struct, through a pointer", struct {
			Plan *sql.NullString `json:"plan"`
			Nope sql.NullString  `json:"nope,omitempty"`
		}{Plan: &sql.NullString{String: "pro", Valid: true}}, `{"nope":null,"plan":"pro"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reports := attrJSON(t, tt.v)
			wantReports(t, reports, nil)
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

type panicText struct{}

func (panicText) MarshalText() ([]byte, error) { panic("secret value") }

type failText struct{}

func (failText) MarshalText() ([]byte, error) { return nil, errors.New("no text") }

type hugeJSON struct{}

func (hugeJSON) MarshalJSON() ([]byte, error) {
	return []byte(`"` + strings.Repeat("x", 1<<20) + `"`), nil
}

type hugeText struct{}

func (hugeText) MarshalText() ([]byte, error) { return bytes.Repeat([]byte("y"), 1<<20), nil }

type node struct {
	Name string `json:"name"`
	Next *node  `json:"next"`
}

type pair struct {
	L, R *pair
}

type panicZero struct{}

func (panicZero) IsZero() bool { panic("zero") }

type selfPtr *selfPtr

// TestValuesBadInput: what encoding/json rejects or cannot finish, and what
// would put too much in the page, is dropped and reported, the rest of the
// settings rendered; never a panic.
func TestValuesBadInput(t *testing.T) {
	ring := &node{Name: "a"}
	ring.Next = &node{Name: "b", Next: ring}
	both := &pair{}
	both.L, both.R = both, both
	var sp selfPtr
	sp = &sp
	var loop any
	loop = &loop
	tests := []struct {
		name   string
		v      any
		report string
	}{
		{"MarshalJSON panics", panickingJSON{}, `MarshalJSON of intercom_test.panickingJSON panicked`},
		{"MarshalJSON panics inside a struct", struct{ P panickingJSON }{}, `MarshalJSON of intercom_test.panickingJSON panicked`},
		{"MarshalJSON returns invalid JSON", []any{1, badJSON{}}, `MarshalJSON of intercom_test.badJSON returned invalid JSON`},
		{"MarshalJSON fails", map[string]failingJSON{"k": {}}, `MarshalJSON of intercom_test.failingJSON: boom`},
		{"MarshalJSON returns huge output", hugeJSON{}, `MarshalJSON of intercom_test.hugeJSON returned 1048578 bytes, more than 64 KiB`},
		{"MarshalText panics", panicText{}, `MarshalText of intercom_test.panicText panicked`},
		{"MarshalText panics as a map key", map[panicText]int{{}: 1}, `MarshalText of intercom_test.panicText panicked`},
		{"MarshalText errors", []failText{{}}, `MarshalText of *intercom_test.failText: no text`},
		{"MarshalText returns huge output", hugeText{}, `MarshalText of intercom_test.hugeText returned 1048576 bytes, more than 64 KiB`},
		{"a value that encodes too large", strings.Repeat("z", 70<<10), `encodes to more than 64 KiB`},
		{"a slice that encodes too large", make([]int, 40<<10), `encodes to more than 64 KiB`},
		{"cyclic pointers through structs", ring, `nested more than 64 levels deep (a cycle?)`},
		{"a cycle through two pointers each", both, `nested more than 64 levels deep (a cycle?)`},
		{"a pointer to itself", sp, `nested more than 64 levels deep (a cycle?)`},
		{"an interface pointing to itself", loop, `nested more than 64 levels deep (a cycle?)`},
		{"an unsupported field", struct{ F func() }{}, `unsupported type func()`},
		{"a complex in a map", map[string]complex64{"c": 1}, `unsupported type complex64`},
		{"float map keys", map[float64]int{}, `unsupported map key type float64`},
		{"NaN in a struct", struct{ F float64 }{math.NaN()}, `NaN is not a finite number`},
		{"Inf in a ,string field", struct {
			F float32 `json:",string"`
		}{float32(math.Inf(1))}, `+Inf is not a finite number`},
		{"invalid json.Number", json.Number("12abc"), `invalid number literal "12abc"`},
		{"IsZero panics", struct {
			Z panicZero `json:",omitzero"`
		}{}, `IsZero of intercom_test.panicZero panicked`},
		{"a __proto__ field", struct {
			P int `json:"__proto__"`
		}{}, `has a "__proto__" key, which a JavaScript object literal takes for its prototype`},
		{"a __proto__ text key", map[accountID]int{"__proto__": 1}, `has a "__proto__" key, which a JavaScript object literal takes for its prototype`},
		{"map keys that collide", map[level]int{1: 1, 2: 2, -1: 3, 4: 4}, ``}, // no collision: a control
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reports := attrJSON(t, tt.v)
			if tt.report == "" {
				wantReports(t, reports, nil)
				return
			}
			if got != "" {
				t.Errorf("rendered %.80s, want it dropped", got)
			}
			wantReports(t, reports, []string{`intercom: attribute "v" dropped: ` + tt.report})
			if strings.Contains(strings.Join(reports, ""), "secret value") {
				t.Error("a panic value reached the report")
			}
		})
	}
}

type sameText int

func (sameText) MarshalText() ([]byte, error) { return []byte("same"), nil }

// TestValuesKeyCollision: two keys that encode alike would be one key in the
// page, the later winning unpredictably; the value is dropped.
func TestValuesKeyCollision(t *testing.T) {
	got, reports := attrJSON(t, map[sameText]int{1: 1, 2: 2})
	if got != "" {
		t.Errorf("rendered %s", got)
	}
	wantReports(t, reports, []string{`intercom: attribute "v" dropped: two map keys encode as "same"`})
}

// TestValuesEncoderCacheConcurrent encodes one recursive type from many
// goroutines at once, its first use: every one gets the same JSON.
func TestValuesEncoderCacheConcurrent(t *testing.T) {
	type tree struct {
		Kids []tree `json:"kids,omitempty"`
		Up   *tree  `json:"up,omitempty"`
		N    int    `json:"n"`
	}
	v := tree{N: 1, Kids: []tree{{N: 2, Up: &tree{N: 0}}}}
	want := `{"kids":[{"n":2,"up":{"n":0}}],"n":1}`
	m, rec := newMessenger(t, intercom.Config{AppID: "abc12345"})
	out := make(chan string, 16)
	for range cap(out) {
		go func() { out <- string(m.Settings(intercom.Visitor{Attributes: intercom.Attributes{"v": v}})) }()
	}
	for range cap(out) {
		if got := <-out; !strings.Contains(got, `"v":`+want) {
			t.Errorf("got %s, want v %s", got, want)
		}
	}
	wantReports(t, rec.messages(), nil)
}
