package intercomecho_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/labstack/echo/v5"

	intercomecho "github.com/goanalytical/intercom/adapters/echov5"
	intercom "github.com/goanalytical/intercom/core"
)

// A call queued on a POST that redirects runs on the page after the
// redirect, once.
func ExampleCall() {
	m, err := intercom.New(intercom.Config{AppID: "abc12345"})
	if err != nil {
		log.Fatal(err)
	}
	e := echo.New()
	e.Use(intercomecho.Middleware(m))
	e.POST("/invoices/7/pay", func(c *echo.Context) error {
		// ... the app records the payment ...
		if err := intercomecho.Call(c, "trackEvent", "invoice-paid", map[string]any{"amount": 42}); err != nil {
			return err
		}
		_ = intercomecho.Call(c, "showNewMessage", "Thanks for paying!")
		return c.Redirect(http.StatusSeeOther, "/invoices")
	})
	e.GET("/invoices", func(c *echo.Context) error {
		return c.HTML(http.StatusOK, "<body>"+string(intercomecho.Snippet(c))+"</body>")
	})

	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/invoices/7/pay", nil))
	carried := rec.Result().Cookies()[0]
	fmt.Println(rec.Code, rec.Header().Get("Location"), carried.Name, carried.MaxAge)

	// The browser follows the redirect with the cookie.
	req := httptest.NewRequest(http.MethodGet, "/invoices", nil)
	req.AddCookie(carried)
	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, req)
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
