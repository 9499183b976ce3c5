package main

import (
	"io"
	"net"
	"os"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/goanalytical/intercom/examples/internal/browsertest"
	"github.com/goanalytical/intercom/examples/internal/demo"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	gin.DefaultWriter = io.Discard // the request log
	os.Exit(m.Run())
}

// serve serves the app on ln for the shared tests.
func serve(t *testing.T, ln net.Listener, s demo.Setup) {
	r, err := newApp(s)
	if err != nil {
		t.Fatal(err)
	}
	browsertest.ServeHTTP(t, ln, r)
}

func TestHTTP(t *testing.T) { browsertest.RunHTTP(t, serve) }

func TestBrowser(t *testing.T) { browsertest.RunBrowser(t, serve) }

func TestBrowserDemo(t *testing.T) { browsertest.RunDemo(t, serve) }
