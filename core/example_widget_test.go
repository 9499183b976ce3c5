package intercom_test

import (
	"fmt"

	intercom "github.com/goanalytical/intercom/core"
)

// A widget mirror: the loader loads the script from Config.WidgetURL, and
// Messenger.CSP allows its origin.
func ExampleMessenger_CSP() {
	m, err := intercom.New(intercom.Config{
		AppID:     "abc12345",
		WidgetURL: "https://intercom-mirror.example.com/widget/abc12345",
	})
	if err != nil {
		panic(err)
	}
	for _, d := range m.CSP()[:1] {
		fmt.Println(d.Name, d.Sources)
	}
	// Output:
	// script-src [https://app.intercom.io https://widget.intercom.io https://js.intercomcdn.com https://intercom-mirror.example.com]
}

func ExampleConfig_widgetURL() {
	_, err := intercom.New(intercom.Config{AppID: "abc12345", WidgetURL: "http://mirror.example.com/widget.js"})
	fmt.Println(err)
	// Output:
	// intercom: invalid WidgetURL "http://mirror.example.com/widget.js": want an https URL (http only for localhost, 127.0.0.1 or [::1])
}
