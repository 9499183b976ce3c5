package intercom_test

import (
	"fmt"
	"strings"

	intercom "github.com/goanalytical/intercom/core"
)

// Apps that render by hand queue calls in the Visitor; adapters do it with
// their Call helpers.
func ExampleMessenger_Call() {
	m, _ := intercom.New(intercom.Config{AppID: "abc12345"})
	paid, err := m.Call("trackEvent", "invoice-paid", map[string]any{"amount": 42, "currency": "eur"})
	if err != nil {
		panic(err)
	}
	tour, _ := m.Call("startTour", 123) // the SDK types ids as strings
	_, err = m.Call("showSpace", "settings")
	fmt.Println(err)

	s := string(m.Render(intercom.Visitor{Calls: []intercom.Call{paid, tour}}))
	_, q, _ := strings.Cut(s, "var q=")
	q, _, _ = strings.Cut(q, ",w=window")
	fmt.Println(q)
	// Output:
	// intercom: Messenger call "showSpace" dropped: takes one space name: "home", "messages", "help", "news", "tasks" or "tickets"
	// [["trackEvent","invoice-paid",{"amount":42,"currency":"eur"}],["startTour","123"]]
}
