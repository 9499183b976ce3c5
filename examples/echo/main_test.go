package main

import (
	"net"
	"testing"

	"github.com/goanalytical/intercom/examples/internal/browsertest"
	"github.com/goanalytical/intercom/examples/internal/demo"
)

// serve serves the app on ln for the shared tests.
func serve(t *testing.T, ln net.Listener, s demo.Setup) {
	e, err := newApp(s)
	if err != nil {
		t.Fatal(err)
	}
	browsertest.ServeHTTP(t, ln, e)
}

func TestHTTP(t *testing.T) { browsertest.RunHTTP(t, serve) }

func TestBrowser(t *testing.T) { browsertest.RunBrowser(t, serve) }

func TestBrowserDemo(t *testing.T) { browsertest.RunDemo(t, serve) }
