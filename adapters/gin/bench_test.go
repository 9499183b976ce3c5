package intercomgin_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	intercomgin "github.com/goanalytical/intercom/adapters/gin"
	intercom "github.com/goanalytical/intercom/core"
)

// The page every benchmark serves; only what goes after the heading varies.
const (
	benchHead = `<!DOCTYPE html><html><head><title>{{ .title }}</title></head><body><h1>{{ .title }}</h1>`
	benchTail = `</body></html>`
	// benchByHand is the snippet as an app would template it by hand.
	benchByHand = `<script id="IntercomSettingsScriptTag">window.intercomSettings={{ .settings }};` +
		`(function(){var w=window,d=document,ic=w.Intercom;if(typeof ic==="function"){ic("update",w.intercomSettings)}else{` +
		`var i=function(){i.c(arguments)};i.q=[];i.c=function(a){i.q.push(a)};w.Intercom=i;` +
		`var l=function(){var s=d.createElement("script");s.type="text/javascript";s.async=true;` +
		`s.src="https://widget.intercom.io/widget/{{ .appID }}";var x=d.getElementsByTagName("script")[0];` +
		`x.parentNode.insertBefore(s,x)};if(d.readyState==="complete"){l()}else{w.addEventListener("load",l,false)}}})();</script>`
)

// benchEngine returns an engine that serves GET / with page, after a
// stand-in for gin.BasicAuth that signs in "jane" and the middlewares mws.
func benchEngine(b *testing.B, page string, h gin.HandlerFunc, mws ...gin.HandlerFunc) *gin.Engine {
	b.Helper()
	engine := gin.New()
	if err := engine.SetTrustedProxies(nil); err != nil {
		b.Fatal(err)
	}
	engine.SetHTMLTemplate(template.Must(template.New("page").Parse(page)))
	engine.Use(func(c *gin.Context) { c.Set(gin.AuthUserKey, "jane") })
	engine.Use(mws...)
	engine.GET("/", h)
	return engine
}

func benchServe(b *testing.B, engine *gin.Engine) {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		engine.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

func benchMessenger(b *testing.B) *intercom.Messenger {
	m, err := intercom.New(intercom.Config{AppID: appID, HMACSecret: secret})
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// benchHandler is the route both BenchmarkBareRoute and
// BenchmarkWithIntercom serve: the same handler and template, so that the
// difference is the middleware and the snippet alone.
func benchHandler(c *gin.Context) {
	c.HTML(http.StatusOK, "page", intercomgin.H(c, gin.H{"title": "Pricing"}))
}

// BenchmarkBareRoute is the baseline: the same route without the
// middleware, so {{ .Intercom }} renders empty.
func BenchmarkBareRoute(b *testing.B) {
	saved := gin.DefaultErrorWriter
	gin.DefaultErrorWriter = io.Discard // H warns once that the middleware is missing
	b.Cleanup(func() { gin.DefaultErrorWriter = saved })
	benchServe(b, benchEngine(b, benchHead+`{{ .Intercom }}`+benchTail, benchHandler))
}

// BenchmarkPlainPage is the page with neither the middleware nor the
// {{ .Intercom }} action: what html/template costs without Intercom at all.
func BenchmarkPlainPage(b *testing.B) {
	benchServe(b, benchEngine(b, benchHead+benchTail, func(c *gin.Context) {
		c.HTML(http.StatusOK, "page", gin.H{"title": "Pricing"})
	}))
}

// BenchmarkWithIntercom is the same page with the middleware and the
// snippet for the signed-in user, with identity verification (user_hash).
func BenchmarkWithIntercom(b *testing.B) {
	benchServe(b, benchEngine(b, benchHead+`{{ .Intercom }}`+benchTail, benchHandler, intercomgin.Middleware(benchMessenger(b))))
}

// BenchmarkMiddlewareOnly is the bare page behind the middleware: the cost
// on routes that do not show the Messenger.
func BenchmarkMiddlewareOnly(b *testing.B) {
	benchServe(b, benchEngine(b, benchHead+benchTail, func(c *gin.Context) {
		c.HTML(http.StatusOK, "page", gin.H{"title": "Pricing"})
	}, intercomgin.Middleware(benchMessenger(b))))
}

// BenchmarkByHand is the same page with the snippet written by hand: the
// settings as a gin.H, html/template escaping them, hmac.New per request.
func BenchmarkByHand(b *testing.B) {
	benchServe(b, benchEngine(b, benchHead+benchByHand+benchTail, func(c *gin.Context) {
		settings := gin.H{"app_id": appID, "api_base": "https://api-iam.intercom.io"}
		if user := c.GetString(gin.AuthUserKey); user != "" {
			mac := hmac.New(sha256.New, []byte(secret))
			mac.Write([]byte(user))
			settings["user_id"], settings["name"] = user, user
			settings["user_hash"] = hex.EncodeToString(mac.Sum(nil))
		}
		c.HTML(http.StatusOK, "page", gin.H{"title": "Pricing", "settings": settings, "appID": appID})
	}))
}

// BenchmarkStaticSnippet is the page with a constant snippet of the same
// size in the template data: the cost of a bigger page and of the
// {{ .Intercom }} action, which any way of adding the Messenger pays.
func BenchmarkStaticSnippet(b *testing.B) {
	m := benchMessenger(b)
	static := m.Render(intercom.Visitor{User: &intercom.User{ID: "jane", Name: "jane"}})
	benchServe(b, benchEngine(b, benchHead+`{{ .Intercom }}`+benchTail, func(c *gin.Context) {
		c.HTML(http.StatusOK, "page", gin.H{"title": "Pricing", "Intercom": static})
	}))
}
