package intercomgin_test

import (
	"context"
	"errors"
	"html/template"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	intercomgin "github.com/goanalytical/intercom/adapters/gin"
	"github.com/goanalytical/intercom/conformance"
	intercom "github.com/goanalytical/intercom/core"
)

// pageTemplate is the page the conformance app renders through c.HTML.
var pageTemplate = template.Must(template.New("page").Parse(
	`<!DOCTYPE html><html><head><title>conformance</title></head><body><p>page</p>{{ .Intercom }}</body></html>`))

// harness builds a gin app for a conformance.Scenario.
var harness = conformance.HarnessFunc(func(t testing.TB, ln net.Listener, s conformance.Scenario) {
	t.Helper()
	engine := gin.New()
	// gin trusts every proxy unless told otherwise; nil trusts none, so an
	// untrusted peer's X-Forwarded-For is ignored.
	if err := engine.SetTrustedProxies(s.TrustedProxies); err != nil {
		t.Errorf("SetTrustedProxies(%q): %v", s.TrustedProxies, err)
		_ = ln.Close() // fail the suite's requests at once instead of hanging them
		return
	}
	engine.SetHTMLTemplate(pageTemplate)

	// Stand-in for gin.BasicAuth: store the scenario's user where it would.
	if s.SignedIn != nil {
		engine.Use(func(c *gin.Context) {
			if v := s.SignedIn(c.GetHeader); v != nil {
				c.Set(gin.AuthUserKey, v)
			}
		})
	}
	// UncoveredPath is registered on a group without the Intercom
	// middleware; every other route is behind it.
	uncovered := engine.Group("")
	if s.WholePage {
		uncovered.Use(intercomgin.Inject())
	}
	covered := engine.Group("")
	installs := 1 // of each middleware
	if s.Twice {
		installs = 2
	}
	for range installs {
		covered.Use(intercomgin.Middleware(s.Messenger, scenarioOptions(s)...))
	}
	for range installs {
		if s.WholePage {
			covered.Use(intercomgin.Inject())
		}
	}

	// identifyAndSet does what the scenario's page handler does first.
	identifyAndSet := func(c *gin.Context) {
		if s.CacheControl != "" { // the app's own caching policy
			c.Header("Cache-Control", s.CacheControl)
		}
		if s.Identify != nil {
			if u, ok := s.Identify(c.GetHeader); ok {
				intercomgin.Identify(c, u)
			}
		}
		for _, a := range s.Set {
			intercomgin.Set(c, a.Key, a.Value)
		}
		if s.Calls != nil {
			for _, call := range s.Calls(c.GetHeader) {
				_ = intercomgin.Call(c, call.Method, call.Args...)
			}
		}
	}
	covered.GET(conformance.PagePath, func(c *gin.Context) {
		identifyAndSet(c)
		c.HTML(http.StatusOK, "page", intercomgin.Data(c, nil))
	})
	component := func(c *gin.Context) {
		c.Header("Content-Type", "text/html; charset=utf-8")
		c.Status(http.StatusOK)
		_, _ = c.Writer.WriteString(conformance.ComponentPage.Head)
		_ = intercomgin.Component().Render(c.Request.Context(), c.Writer)
		_, _ = c.Writer.WriteString(conformance.ComponentPage.Tail)
	}
	covered.GET(conformance.ComponentPath, func(c *gin.Context) {
		identifyAndSet(c)
		component(c)
	})
	uncovered.GET(conformance.UncoveredPath, func(c *gin.Context) {
		identifyAndSet(c)
		intercomgin.Shutdown(c)
		c.HTML(http.StatusOK, "page", intercomgin.Data(c, nil))
		component(c)
	})
	raw := func(c *gin.Context) {
		identifyAndSet(c)
		for k, v := range s.Raw.Header {
			c.Header(k, v)
		}
		if s.Raw.Status != 0 {
			c.Status(s.Raw.Status)
		}
		for _, chunk := range s.Raw.Chunks {
			if _, err := c.Writer.Write(chunk); err != nil {
				return // the client went away
			}
			if s.Raw.Flush {
				c.Writer.Flush()
			}
		}
	}
	covered.GET(conformance.RawPath, raw)
	covered.HEAD(conformance.RawPath, raw)
	covered.GET(conformance.LogoutPath, func(c *gin.Context) {
		intercomgin.Shutdown(c)
		c.Redirect(http.StatusFound, conformance.PagePath)
	})
	redirect := func(c *gin.Context) {
		identifyAndSet(c)
		c.Redirect(http.StatusSeeOther, conformance.PagePath)
	}
	covered.GET(conformance.RedirectPath, redirect)
	covered.POST(conformance.RedirectPath, redirect)
	covered.GET(conformance.SettingsPath, intercomgin.SettingsHandler())

	srv := &http.Server{Handler: engine, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutting down the gin app: %v", err)
		}
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serving the gin app: %v", err)
		}
	})
})

// scenarioOptions maps the scenario's header-based callbacks to options.
func scenarioOptions(s conformance.Scenario) []intercomgin.Option {
	var opts []intercomgin.Option
	if s.WithUser != nil {
		opts = append(opts, intercomgin.WithUser(func(c *gin.Context) (intercom.User, bool) {
			return s.WithUser(c.GetHeader)
		}))
	}
	if s.WithAttributes != nil {
		opts = append(opts, intercomgin.WithAttributes(func(c *gin.Context) intercom.Attributes {
			return s.WithAttributes(c.GetHeader)
		}))
	}
	if s.WithNonce != nil {
		opts = append(opts, intercomgin.WithNonce(func(c *gin.Context) string {
			return s.WithNonce(c.GetHeader)
		}))
	}
	if s.Skip {
		opts = append(opts, intercomgin.WithSkipper(func(*gin.Context) bool { return true }))
	}
	return opts
}

func TestConformance(t *testing.T) {
	conformance.Run(t, harness)
}
