package intercom_test

import (
	"database/sql"
	"encoding/json"
	"net/netip"
	"testing"
	"time"

	intercom "github.com/goanalytical/intercom/core"
)

// benchPlan is a struct attribute as apps write them.
type benchPlan struct {
	Name    string    `json:"name"`
	Seats   int       `json:"seats,omitempty"`
	Price   float64   `json:"price"`
	Renews  time.Time `json:"renews"`
	Addons  []string  `json:"addons,omitempty"`
	Trial   bool      `json:"trial,omitempty"`
	Account accountID `json:"account"`
}

// BenchmarkValues: the settings of one attribute of each shape the
// reflective encoder handles (its encoder is cached per type), against
// json.Marshal of the same attribute map, the hand-written way.
func BenchmarkValues(b *testing.B) {
	cases := []struct {
		name string
		v    any
	}{
		{"struct_tags", benchPlan{Name: "pro", Seats: 5, Price: 49.5, Renews: benchJoined, Addons: []string{"sso", "audit"}, Account: "a-1"}},
		{"uuid", uuid{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}},
		{"netip_addr", netip.MustParseAddr("192.0.2.1")},
		{"map_int_keys", map[int]string{1: "a", 2: "b", 3: "c"}},
		{"named_scalars", []any{accountID("x"), level(3), UserID(5)}},
		{"sql_null", sql.NullString{String: "x", Valid: true}},
	}
	m, err := intercom.New(intercom.Config{AppID: "abc12345"})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range cases {
		attrs := intercom.Attributes{"v": bc.v}
		b.Run(bc.name+"/AppendSettings", func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 0, 1024)
			for b.Loop() {
				buf = m.AppendSettings(buf[:0], intercom.Visitor{Attributes: attrs})
			}
		})
		b.Run(bc.name+"/json.Marshal", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := json.Marshal(map[string]any(attrs)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
