package main

import (
	"net"
	"testing"

	"github.com/gofiber/fiber/v3"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/examples/internal/browsertest"
	"github.com/goanalytical/intercom/examples/internal/demo"
)

// serve serves the app on 127.0.0.1 for the shared tests.
func serve(t *testing.T, cfg intercom.Config, users demo.Users) string {
	app, err := newApp(cfg, users)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- app.Listener(ln, fiber.ListenConfig{DisableStartupMessage: true}) }()
	t.Cleanup(func() {
		if err := app.Shutdown(); err != nil {
			t.Errorf("shutting the app down: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("serving: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

func TestHTTP(t *testing.T) { browsertest.RunHTTP(t, serve) }

func TestBrowser(t *testing.T) { browsertest.RunBrowser(t, serve) }
