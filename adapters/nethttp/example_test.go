package intercomhttp_test

import (
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"

	intercomhttp "github.com/goanalytical/intercom/adapters/nethttp"
	intercom "github.com/goanalytical/intercom/core"
)

// A page identifies its visitor and sets custom data; Data hands the
// snippet to html/template.
func Example() {
	m, err := intercom.New(intercom.Config{AppID: "abc12345"})
	if err != nil {
		panic(err)
	}
	page := template.Must(template.New("page").Parse(`<body><h1>{{ .Title }}</h1>{{ .Intercom }}</body>`))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /pricing", func(w http.ResponseWriter, r *http.Request) {
		intercomhttp.Identify(r, intercom.User{ID: "42", Name: "Jane"})
		_ = page.Execute(w, intercomhttp.Data(r, map[string]any{"Title": "Pricing", "intercom_plan": "pro"}))
	})
	app := intercomhttp.Middleware(m)(mux)

	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/pricing", nil))
	body := rec.Body.String()
	fmt.Println(strings.HasPrefix(body, `<body><h1>Pricing</h1><script id="IntercomSettingsScriptTag">`))
	fmt.Println(strings.Contains(body, `"plan":"pro"`), strings.Contains(body, `"user_id":"42"`))
	// Output:
	// true
	// true true
}

// Inject puts the snippet into a page written without a template.
func ExampleInject() {
	m, err := intercom.New(intercom.Config{AppID: "abc12345"})
	if err != nil {
		panic(err)
	}
	static := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = fmt.Fprint(w, "<html><body><p>About us</p></body></html>")
	})
	app := intercomhttp.Middleware(m)(intercomhttp.Inject()(static))

	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/about", nil))
	body := rec.Body.String()
	fmt.Println(strings.HasPrefix(body, `<html><body><p>About us</p><script id="IntercomSettingsScriptTag">`))
	fmt.Println(strings.HasSuffix(body, "</script></body></html>"), rec.Header().Get("Cache-Control"))
	// Output:
	// true
	// true private
}

// A logout handler ends the Messenger session; the next page shuts it down.
func ExampleShutdown() {
	m, err := intercom.New(intercom.Config{AppID: "abc12345"})
	if err != nil {
		panic(err)
	}
	logout := intercomhttp.Middleware(m)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		intercomhttp.Shutdown(w, r)
		http.Redirect(w, r, "/", http.StatusSeeOther)
	}))
	rec := httptest.NewRecorder()
	logout.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/logout", nil))
	for _, c := range rec.Result().Cookies() {
		fmt.Println(c.Name, c.MaxAge)
	}
	// Output:
	// intercom-session-abc12345 -1
	// intercom-id-abc12345 -1
	// intercom-device-id-abc12345 -1
	// intercom_shutdown 600
}

// Behind a load balancer, name it: X-Forwarded-For is then believed from it,
// and only from it.
func ExampleWithTrustedProxies() {
	m, err := intercom.New(intercom.Config{AppID: "abc12345", InternalIPs: []string{"203.0.113.0/24"}})
	if err != nil {
		panic(err)
	}
	app := intercomhttp.Middleware(m, intercomhttp.WithTrustedProxies("10.0.0.0/8"))(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = fmt.Fprint(w, intercomhttp.Snippet(r))
		}))
	for _, peer := range []string{"10.1.2.3:5000", "198.51.100.4:5000"} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = peer
		req.Header.Set("X-Forwarded-For", "203.0.113.7")
		rec := httptest.NewRecorder()
		app.ServeHTTP(rec, req)
		fmt.Println(peer, strings.HasPrefix(rec.Body.String(), "<!-- Intercom disabled on internal IP address"))
	}
	// Output:
	// 10.1.2.3:5000 true
	// 198.51.100.4:5000 false
}
