package main

import (
	"net"
	"testing"

	"github.com/gofiber/fiber/v3"

	"github.com/goanalytical/intercom/examples/internal/browsertest"
	"github.com/goanalytical/intercom/examples/internal/demo"
)

// serve serves the app on ln for the shared tests.
func serve(t *testing.T, ln net.Listener, s demo.Setup) {
	app, err := newApp(s)
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
}

func TestHTTP(t *testing.T) { browsertest.RunHTTP(t, serve) }

func TestBrowser(t *testing.T) { browsertest.RunBrowser(t, serve) }

func TestBrowserDemo(t *testing.T) { browsertest.RunDemo(t, serve) }
