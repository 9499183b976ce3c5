package intercom_test

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	intercom "github.com/goanalytical/intercom/core"
)

// valueGen builds a Go value from fuzz bytes: each byte picks a shape or a
// length, so the fuzzer explores named scalars, structs with tags, pointers,
// nested maps and slices, TextMarshalers and Marshalers that fail or return
// any bytes at all. No time.Time (the library's own rule) and no map key the
// library refuses ("", invalid UTF-8, "__proto__"): see FuzzValues.
type valueGen struct{ b []byte }

func (g *valueGen) next() byte {
	if len(g.b) == 0 {
		return 0
	}
	c := g.b[0]
	g.b = g.b[1:]
	return c
}

func (g *valueGen) bytes() []byte {
	n := min(int(g.next()%24), len(g.b))
	s := g.b[:n]
	g.b = g.b[n:]
	return s
}

func (g *valueGen) u64() uint64 {
	var b [8]byte
	copy(b[:], g.b)
	g.b = g.b[min(8, len(g.b)):]
	return binary.LittleEndian.Uint64(b[:])
}

// fuzzKeys are the map keys: valid and distinct, some needing escapes.
var fuzzKeys = []string{"a", "b", "</script>", "<!--", "-->", "k&v", "\u2028", "it's", "`", "é", "__proto", "1"}

func (g *valueGen) key() string { return fuzzKeys[int(g.next())%len(fuzzKeys)] }

func (g *valueGen) value(depth int) any {
	if depth > 5 {
		return int(g.next())
	}
	switch g.next() % 30 {
	case 0:
		return nil
	case 1:
		return string(g.bytes())
	case 2:
		return int64(g.u64())
	case 3:
		return math.Float64frombits(g.u64()) // NaN and ±Inf too
	case 4:
		return g.next()%2 == 0
	case 5:
		return accountID(g.bytes())
	case 6:
		return level(int8(g.next()))
	case 7:
		return g.structValue(depth)
	case 8:
		s := g.structValue(depth)
		return &s
	case 9:
		l := make([]any, g.next()%4)
		for i := range l {
			l[i] = g.value(depth + 1)
		}
		return l
	case 10:
		m := map[string]any{}
		for range g.next() % 4 {
			m[g.key()] = g.value(depth + 1)
		}
		return m
	case 11:
		m := map[int16]any{}
		for range g.next() % 3 {
			m[int16(g.next())-128] = g.value(depth + 1)
		}
		return m
	case 12:
		m := map[level][]string{}
		for range g.next() % 3 {
			m[level(g.next())] = []string{string(g.bytes())}
		}
		return m
	case 13:
		return g.bytes()
	case 14:
		return fuzzJSON{raw: string(g.bytes())}
	case 15:
		return fuzzJSON{fail: true}
	case 16:
		return fuzzText{text: string(g.bytes()), fail: g.next()%8 == 0}
	case 17:
		var u uuid
		copy(u[:], g.bytes())
		return u
	case 18:
		if g.next()%2 == 0 {
			return (*int)(nil)
		}
		n := int(int32(g.u64()))
		return &n
	case 19:
		return float32(math.Float64frombits(g.u64()))
	case 20:
		return g.u64()
	case 21:
		return json.Number(g.bytes())
	case 22:
		return []ptrText{{int(g.next())}}
	case 23:
		return map[string]ptrJSON{g.key(): {int(g.next())}}
	case 24:
		return []*ptrJSON{{1}, nil}
	case 25:
		return map[accountID]accountID{accountID(g.key()): accountID(g.bytes())}
	case 26:
		return [3]uint8{g.next(), g.next(), g.next()}
	case 27:
		return []level{level(g.next()), level(g.next())}
	case 28:
		return errors.New(string(g.bytes()))
	case 29:
		return struct {
			F func() `json:",omitempty"`
			C chan int
		}{C: map[bool]chan int{true: make(chan int)}[g.next()%2 == 0]}
	}
	return nil
}

type fuzzInner struct {
	A string `json:"a,omitempty"`
	B *int   `json:"b"`
	C any    `json:"c,omitempty"`
	D int    `json:"d,omitzero"`
}

type fuzzStruct struct {
	fuzzInner
	*Embedded
	Name   accountID      `json:"name"`
	N      int64          `json:"n,string"`
	F      float64        `json:"f,omitempty"`
	S      string         `json:"s,string"`
	Skip   string         `json:"-"`
	Any    any            `json:"any"`
	L      []any          `json:"l,omitempty"`
	M      map[string]any `json:"m,omitzero"`
	P      *fuzzStruct    `json:"p,omitempty"`
	T      fuzzText       `json:"t"`
	Plain  int
	hidden int
}

func (g *valueGen) structValue(depth int) fuzzStruct {
	s := fuzzStruct{Name: accountID(g.bytes()), N: int64(g.u64()), S: string(g.bytes()), Skip: "x", hidden: 1}
	flags := g.next()
	if flags&1 != 0 {
		s.A = string(g.bytes())
		n := int(g.next())
		s.B = &n
	}
	if flags&2 != 0 {
		s.C = g.value(depth + 1)
		s.D = int(g.next()) - 100
	}
	if flags&4 != 0 {
		s.Any = g.value(depth + 1)
		s.F = math.Float64frombits(g.u64())
	}
	if flags&8 != 0 {
		s.L = []any{g.value(depth + 1)}
		s.M = map[string]any{g.key(): g.value(depth + 1)}
	}
	if flags&16 != 0 && depth <= 5 {
		// Bounded as value bounds its nesting: a chain of pointers to
		// structs deep enough to pass maxDepth is dropped by design
		// (TestValuesBadInput), where json.Marshal follows it.
		p := g.structValue(depth + 2)
		s.P = &p
	}
	if flags&32 != 0 {
		s.Embedded = &Embedded{ID: string(g.bytes())}
	}
	s.T = fuzzText{text: string(g.bytes()), fail: flags&64 != 0 && flags&128 != 0}
	return s
}

// fuzzJSON's MarshalJSON returns raw, whatever it is, or fails.
type fuzzJSON struct {
	raw  string
	fail bool
}

func (f fuzzJSON) MarshalJSON() ([]byte, error) {
	if f.fail {
		return nil, errors.New("marshal failed")
	}
	return []byte(f.raw), nil
}

// fuzzText's MarshalText returns text, or fails.
type fuzzText struct {
	text string
	fail bool
}

func (f fuzzText) MarshalText() ([]byte, error) {
	if f.fail {
		return nil, errors.New("text failed")
	}
	return []byte(f.text), nil
}

// FuzzValues holds the value encoder to encoding/json: for a generated
// value, the attribute the page gets parses to the same JSON as
// json.Marshal's, or it is dropped and reported exactly when json.Marshal
// fails (NaN and ±Inf included); the snippet is always one intact script
// element and the other attributes render. The one other drop is a
// Marshaler's "__proto__" key (which json.Marshal lets through).
func FuzzValues(f *testing.F) {
	for _, seed := range []string{
		"\x07\x03abc\x01\x02\x03\x04\x05\x06\x07\x08\x02xy\xff",
		"\x09\x03\x01\x05hello\x0e\x08{\"a\":1}\x10\x04</sc",
		"\x0a\x03\x00\x01\x03\x00\x00\x00\x00\x00\x00\xf8\x7f\x05\x07\x02",
		"\x0e\x0a{\"k\":\"\xff\"}",
		"\x0e\x05[1,2",
		"\x15\x04-1.5",
		"\x15\x031e5",
		"\x08\x02ab\x01\x00\x00\x00\x00\x00\x00\x00\x03a<b\xff\x3f",
		"\x1d\x01",
		"\x0e\x14{\"__proto__\":null}",
	} {
		f.Add([]byte(seed))
	}
	m, rec := newMessenger(f, intercom.Config{AppID: "abc12345"})
	f.Fuzz(func(t *testing.T, data []byte) {
		g := valueGen{b: data}
		v := g.value(0)
		rec.mu.Lock()
		rec.errs = nil
		rec.mu.Unlock()

		out := string(m.Render(intercom.Visitor{Attributes: intercom.Attributes{"v": v, "w": "ok"}}))
		settings, raw, _, err := parseSnippet(out)
		if err != nil {
			t.Fatalf("%v: %q", err, out)
		}
		if strings.ContainsAny(out, "'`") {
			t.Fatalf("a quote or backtick in the snippet: %q", out)
		}
		if settings["w"] != "ok" {
			t.Fatalf("the other attribute is missing: %s", raw)
		}
		var attrs map[string]json.RawMessage
		if err := json.Unmarshal([]byte(raw), &attrs); err != nil {
			t.Fatal(err)
		}
		got, rendered := attrs["v"]
		reports := rec.messages()

		want, jsonErr, jsonPanicked := marshal(v)
		switch {
		case jsonPanicked:
			// encoding/json panics on a few values (a nil pointer whose
			// value-receiver MarshalJSON it calls); there is no answer to
			// compare with, only the intact page above.
		case jsonErr != nil:
			if rendered || len(reports) != 1 {
				t.Fatalf("json.Marshal fails (%v), but the page has %s, reports %q", jsonErr, got, reports)
			}
		case !rendered:
			if len(reports) != 1 || !strings.Contains(reports[0], "__proto__") || !hasProtoJSON(want) {
				t.Fatalf("dropped (%q), but json.Marshal gives %s", reports, want)
			}
		case len(reports) != 0:
			t.Fatalf("rendered %s, and reported %q", got, reports)
		case !sameJSON(got, want):
			t.Fatalf("page has %s, json.Marshal gives %s", got, want)
		}
	})
}

// marshal is json.Marshal, a panic in it recovered.
func marshal(v any) (b []byte, err error, panicked bool) {
	defer func() {
		if recover() != nil {
			panicked = true
		}
	}()
	b, err = json.Marshal(v)
	return b, err, false
}

func hasProtoJSON(b []byte) bool {
	var v any
	return json.Unmarshal(b, &v) == nil && hasProto(v)
}
