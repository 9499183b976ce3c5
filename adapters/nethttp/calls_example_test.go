package intercomhttp_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	intercomhttp "github.com/goanalytical/intercom/adapters/nethttp"
	intercom "github.com/goanalytical/intercom/core"
)

// A call queued on a POST that redirects runs on the page after the
// redirect, once.
func ExampleCall() {
	m, err := intercom.New(intercom.Config{AppID: "abc12345"})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /invoices/7/pay", func(w http.ResponseWriter, r *http.Request) {
		// ... the app records the payment ...
		if err := intercomhttp.Call(w, r, "trackEvent", "invoice-paid", map[string]any{"amount": 42}); err != nil {
			log.Print(err)
		}
		_ = intercomhttp.Call(w, r, "showNewMessage", "Thanks for paying!")
		http.Redirect(w, r, "/invoices", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /invoices", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, "<body>%s</body>", intercomhttp.Snippet(r))
	})
	app := intercomhttp.Middleware(m)(mux)

	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/invoices/7/pay", nil))
	carried := rec.Result().Cookies()[0]
	fmt.Println(rec.Code, rec.Header().Get("Location"), carried.Name, carried.MaxAge)

	// The browser follows the redirect with the cookie.
	req := httptest.NewRequest(http.MethodGet, "/invoices", nil)
	req.AddCookie(carried)
	rec = httptest.NewRecorder()
	app.ServeHTTP(rec, req)
	fmt.Println(queuedCalls(rec.Body.String()))
	deleted := rec.Result().Cookies()[0]
	fmt.Println(deleted.Name, deleted.MaxAge)
	// Output:
	// 303 /invoices intercom_calls_abc12345 120
	// [["trackEvent","invoice-paid",{"amount":42}],["showNewMessage","Thanks for paying!"]]
	// intercom_calls_abc12345 -1
}

// queuedCalls returns the calls a page's snippet runs after booting.
func queuedCalls(page string) string {
	_, q, _ := strings.Cut(page, "var q=")
	q, _, _ = strings.Cut(q, ",w=window")
	return q
}
