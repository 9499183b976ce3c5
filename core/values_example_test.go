package intercom_test

import (
	"database/sql"
	"fmt"
	"net/netip"

	intercom "github.com/goanalytical/intercom/core"
)

// The app's own types as attribute values: they encode as encoding/json
// would encode them (struct tags, TextMarshalers), database/sql's Null types
// as their value, and an identity of a named type identifies the visitor as
// the plain value does.
func ExampleAttributes_appTypes() {
	type AccountID string
	type Plan struct {
		Name  string `json:"name"`
		Seats int    `json:"seats,omitempty"`
		Notes string `json:"-"`
	}
	m, err := intercom.New(intercom.Config{AppID: "abc12345"})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s\n", m.Settings(intercom.Visitor{Attributes: intercom.Attributes{
		"user_id":   AccountID("acct-42"),
		"plan":      Plan{Name: "pro", Notes: "internal"},
		"last_ip":   netip.MustParseAddr("192.0.2.1"),
		"referrer":  sql.NullString{}, // not Valid: null
		"favourite": sql.NullString{String: "teal", Valid: true},
	}}))
	// Output:
	// {"api_base":"https://api-iam.intercom.io","app_id":"abc12345","favourite":"teal","last_ip":"192.0.2.1","plan":{"name":"pro"},"referrer":null,"user_id":"acct-42"}
}
