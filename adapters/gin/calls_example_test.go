package intercomgin_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gin-gonic/gin"

	intercomgin "github.com/goanalytical/intercom/adapters/gin"
	intercom "github.com/goanalytical/intercom/core"
)

// A call queued on a POST that redirects runs on the page after the
// redirect, once.
func ExampleCall() {
	m, err := intercom.New(intercom.Config{AppID: "abc12345"})
	if err != nil {
		log.Fatal(err)
	}
	r := gin.New()
	r.Use(intercomgin.Middleware(m))
	r.POST("/invoices/7/pay", func(c *gin.Context) {
		// ... the app records the payment ...
		if err := intercomgin.Call(c, "trackEvent", "invoice-paid", gin.H{"amount": 42}); err != nil {
			log.Print(err)
		}
		_ = intercomgin.Call(c, "showNewMessage", "Thanks for paying!")
		c.Redirect(http.StatusSeeOther, "/invoices")
	})
	r.GET("/invoices", func(c *gin.Context) {
		c.Header("Content-Type", "text/html")
		c.String(http.StatusOK, "<body>%s</body>", intercomgin.Snippet(c))
	})

	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/invoices/7/pay", nil))
	carried := rec.Result().Cookies()[0]
	fmt.Println(rec.Code, rec.Header().Get("Location"), carried.Name, carried.MaxAge)

	// The browser follows the redirect with the cookie.
	req := httptest.NewRequest(http.MethodGet, "/invoices", nil)
	req.AddCookie(carried)
	rec = httptest.NewRecorder()
	r.ServeHTTP(rec, req)
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
