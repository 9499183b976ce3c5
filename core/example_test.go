package intercom_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"time"

	intercom "github.com/goanalytical/intercom/core"
)

func Example() {
	m, err := intercom.New(intercom.Config{
		AppID:       "abc12345", // a made-up workspace id
		HMACSecret:  "example-secret",
		InternalIPs: []string{"10.0.0.0/8"},
	})
	if err != nil {
		panic(err)
	}
	snippet := m.Render(intercom.Visitor{
		User:       &intercom.User{ID: "42", Name: "Jane", CreatedAt: time.Unix(1700000000, 0)},
		Attributes: intercom.Attributes{"plan": "pro"},
	})
	// Print only the settings part of the one <script> element.
	s := string(snippet)
	fmt.Println(s[strings.Index(s, "window."):strings.Index(s, ";(function")])
	// Output:
	// window.intercomSettings={"api_base":"https://api-iam.intercom.io","app_id":"abc12345","created_at":1700000000,"name":"Jane","plan":"pro","user_hash":"c917b98db477078fa561b358f668189b0bae615bc8c5022a17eaef45c24c0b57","user_id":"42"}
}

func ExampleNew_invalid() {
	_, err := intercom.New(intercom.Config{AppID: "My-App"})
	fmt.Println(err)
	// Output:
	// intercom: invalid AppID "My-App": want lower-case letters and digits only, e.g. abc12345
}

func ExampleMessenger_Render_disabled() {
	m, _ := intercom.New(intercom.Config{}) // no app id: renders nothing, no error
	fmt.Printf("%q\n", m.Render(intercom.Visitor{User: &intercom.User{ID: "42"}}))
	// Output:
	// ""
}

func ExampleMessenger_AppendSnippet() {
	m, _ := intercom.New(intercom.Config{AppID: "abc12345"})
	buf := make([]byte, 0, 2048) // reuse across requests: no allocation
	buf = m.AppendSnippet(buf[:0], intercom.Visitor{Nonce: "cmFuZG9tLW5vbmNl"})
	fmt.Println(string(buf[:64]))
	// Output:
	// <script id="IntercomSettingsScriptTag" nonce="cmFuZG9tLW5vbmNl">
}

func ExampleMessenger_Settings() {
	m, _ := intercom.New(intercom.Config{AppID: "abc12345", Region: intercom.RegionEU})
	fmt.Println(string(m.Settings(intercom.Visitor{User: &intercom.User{Email: "jane@example.com"}})))
	// Output:
	// {"api_base":"https://api-iam.eu.intercom.io","app_id":"abc12345","email":"jane@example.com"}
}

func ExampleClientIP() {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")} // the load balancers
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "10.0.0.2:41000"
	r.Header.Set("X-Forwarded-For", "6.6.6.6, 198.51.100.4") // the client wrote 6.6.6.6 itself
	fmt.Println(intercom.ClientIP(r, trusted))
	// Output:
	// 198.51.100.4
}

func ExampleCSP() {
	for _, d := range intercom.CSP(intercom.RegionEU)[:2] {
		fmt.Println(d.Name, len(d.Sources) > 0)
	}
	// Output:
	// script-src true
	// connect-src true
}
