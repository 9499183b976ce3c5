package intercomfiber_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gofiber/fiber/v2"

	intercomfiber "github.com/goanalytical/intercom/adapters/fiber"
	intercom "github.com/goanalytical/intercom/core"
)

// A call queued on a POST that redirects runs on the page after the
// redirect, once.
func ExampleCall() {
	m, err := intercom.New(intercom.Config{AppID: "abc12345"})
	if err != nil {
		log.Fatal(err)
	}
	app := fiber.New()
	app.Use(intercomfiber.New(m))
	app.Post("/invoices/7/pay", func(c *fiber.Ctx) error {
		// ... the app records the payment ...
		if err := intercomfiber.Call(c, "trackEvent", "invoice-paid", fiber.Map{"amount": 42}); err != nil {
			return err
		}
		_ = intercomfiber.Call(c, "showNewMessage", "Thanks for paying!")
		return c.Redirect("/invoices", fiber.StatusSeeOther)
	})
	app.Get("/invoices", func(c *fiber.Ctx) error {
		c.Type("html")
		return c.SendString("<body>" + string(intercomfiber.Snippet(c)) + "</body>")
	})

	resp, err := app.Test(httptest.NewRequest(fiber.MethodPost, "/invoices/7/pay", nil), -1)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	carried := resp.Cookies()[0]
	fmt.Println(resp.StatusCode, resp.Header.Get("Location"), carried.Name, carried.MaxAge)

	// The browser follows the redirect with the cookie.
	req := httptest.NewRequest(fiber.MethodGet, "/invoices", nil)
	req.AddCookie(&http.Cookie{Name: carried.Name, Value: carried.Value})
	resp, err = app.Test(req, -1)
	if err != nil {
		log.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(queuedCalls(string(page)))
	deleted := resp.Cookies()[0]
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
