package main

import (
	"io"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/gin-gonic/gin"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/examples/internal/browsertest"
	"github.com/goanalytical/intercom/examples/internal/demo"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	gin.DefaultWriter = io.Discard // the request log
	os.Exit(m.Run())
}

// serve serves the app on 127.0.0.1 for the shared tests.
func serve(t *testing.T, cfg intercom.Config, users demo.Users) string {
	r, err := newApp(cfg, users)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestHTTP(t *testing.T) { browsertest.RunHTTP(t, serve) }

func TestBrowser(t *testing.T) { browsertest.RunBrowser(t, serve) }
