package intercomgin_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	intercomgin "github.com/goanalytical/intercom/adapters/gin"
	"github.com/goanalytical/intercom/conformance"
	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
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
	return benchEngineAuth(b, page, func(c *gin.Context) { c.Set(gin.AuthUserKey, "jane") }, h, mws...)
}

// benchEngineAuth is benchEngine with auth as the stand-in for
// gin.BasicAuth.
func benchEngineAuth(b *testing.B, page string, auth, h gin.HandlerFunc, mws ...gin.HandlerFunc) *gin.Engine {
	b.Helper()
	engine := gin.New()
	if err := engine.SetTrustedProxies(nil); err != nil {
		b.Fatal(err)
	}
	engine.SetHTMLTemplate(template.Must(template.New("page").Parse(page)))
	engine.Use(auth)
	engine.Use(mws...)
	engine.GET("/", h)
	return engine
}

func benchServe(b *testing.B, engine *gin.Engine) {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	// A ResponseWriter that keeps nothing, as net/http's own writes into a
	// fixed buffer: a fresh httptest.ResponseRecorder per request would
	// charge a bigger page for growing its buffer, which no server does.
	w := &discardWriter{header: http.Header{}}
	b.ReportAllocs()
	defer cpuPerOp(b)()
	for b.Loop() {
		w.reset()
		engine.ServeHTTP(w, req)
		if w.code != http.StatusOK || w.n == 0 {
			b.Fatalf("status %d, %d bytes", w.code, w.n)
		}
	}
}

// discardWriter is an http.ResponseWriter that counts what is written.
type discardWriter struct {
	header http.Header
	code   int
	n      int
}

// reset forgets the last response, keeping the header map for the next.
func (w *discardWriter) reset() {
	clear(w.header)
	w.code, w.n = 0, 0
}

func (w *discardWriter) Header() http.Header { return w.header }

func (w *discardWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *discardWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.n += len(p)
	return len(p), nil
}

// cpuPerOp reports the CPU time the process used per operation, as
// cpu-ns/op, when the returned function is called after the benchmark
// loop. On a shared machine it varies far less than ns/op, which also
// counts the time spent waiting for a CPU.
func cpuPerOp(b *testing.B) func() {
	start, ok := cpuTime()
	return func() {
		if end, _ := cpuTime(); ok && b.N > 0 {
			b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
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

// benchHandler is the route with Intercom: the page's data through H.
func benchHandler(c *gin.Context) {
	c.HTML(http.StatusOK, "page", intercomgin.Data(c, gin.H{"title": "Pricing"}))
}

// bareHandler is the same route without Intercom: the same data as a plain
// gin.H, so {{ .Intercom }}, where the page has it, renders empty.
func bareHandler(c *gin.Context) {
	c.HTML(http.StatusOK, "page", gin.H{"title": "Pricing"})
}

// BenchmarkBareRoute is the baseline: the same page and data with no
// Intercom code at all.
func BenchmarkBareRoute(b *testing.B) {
	benchServe(b, benchEngine(b, benchHead+`{{ .Intercom }}`+benchTail, bareHandler))
}

// BenchmarkOverhead is what Intercom adds to the route: BareRoute and
// WithIntercom served alternately (see conformance.Paired), for a user who
// comes back (every request signed in as the same user) and for a new user
// on every request (more users than the Messenger's user_hash cache holds).
func BenchmarkOverhead(b *testing.B) {
	page := benchHead + `{{ .Intercom }}` + benchTail
	m := benchMessenger(b)
	for _, tt := range []struct {
		name string
		user func() string
	}{
		{"returning-user", func() string { return "jane" }},
		{"new-user-each-request", conformance.UserNames(1 << 16)},
	} {
		b.Run(tt.name, func(b *testing.B) {
			auth := func(c *gin.Context) { c.Set(gin.AuthUserKey, tt.user()) }
			bare := benchEngineAuth(b, page, auth, bareHandler)
			with := benchEngineAuth(b, page, auth, benchHandler, intercomgin.Middleware(m))
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			w := &discardWriter{header: http.Header{}}
			serve := func(e *gin.Engine) func() {
				return func() {
					w.reset()
					e.ServeHTTP(w, req)
				}
			}
			for _, e := range []*gin.Engine{bare, with} {
				serve(e)()
				if w.code != http.StatusOK || w.n == 0 {
					b.Fatalf("status %d, %d bytes", w.code, w.n)
				}
			}
			conformance.Paired(b, serve(bare), serve(with))
		})
	}
}

// BenchmarkPlainPage is the page with neither the middleware nor the
// {{ .Intercom }} action: what html/template costs without Intercom at all.
func BenchmarkPlainPage(b *testing.B) {
	benchServe(b, benchEngine(b, benchHead+benchTail, bareHandler))
}

// BenchmarkWithIntercom is the same page with the middleware and the
// snippet for the signed-in user, with identity verification (user_hash).
func BenchmarkWithIntercom(b *testing.B) {
	benchServe(b, benchEngine(b, benchHead+`{{ .Intercom }}`+benchTail, benchHandler, intercomgin.Middleware(benchMessenger(b))))
}

// BenchmarkMiddlewareOnly is the bare page behind the middleware: the cost
// on routes that do not show the Messenger.
func BenchmarkMiddlewareOnly(b *testing.B) {
	benchServe(b, benchEngine(b, benchHead+benchTail, bareHandler, intercomgin.Middleware(benchMessenger(b))))
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

// bigPage is a ~100 KB page rendered with html/template: a table of rows,
// each a handful of small writes, as real templates produce.
var bigPage = template.Must(template.New("big").Parse(`<!DOCTYPE html><html><head><title>{{ .title }}</title></head><body>
<h1>{{ .title }}</h1><table>{{ range .rows }}
<tr><td>{{ .ID }}</td><td><a href="/items/{{ .ID }}">{{ .Name }}</a></td><td>{{ .Note }}</td></tr>{{ end }}
</table>{{ .Intercom }}</body></html>`))

type benchRow struct {
	ID         int
	Name, Note string
}

var benchRows = func() []benchRow {
	rows := make([]benchRow, 1000)
	for i := range rows {
		rows[i] = benchRow{ID: i, Name: fmt.Sprintf("Item <%d>", i), Note: "in stock & ready"}
	}
	return rows
}()

// benchBigPage serves bigPage; with h true its data goes through H.
func benchBigPage(b *testing.B, h bool, mws ...gin.HandlerFunc) {
	benchServe(b, bigPageEngine(b, h, mws...))
}

// bigPageEngine returns an engine serving bigPage at GET / behind mws,
// after checking the page.
func bigPageEngine(b *testing.B, h bool, mws ...gin.HandlerFunc) *gin.Engine {
	b.Helper()
	engine := gin.New()
	engine.SetHTMLTemplate(bigPage)
	engine.Use(func(c *gin.Context) { c.Set(gin.AuthUserKey, "jane") })
	engine.Use(mws...)
	engine.GET("/", func(c *gin.Context) {
		data := gin.H{"title": "Items", "rows": benchRows}
		if h {
			data = intercomgin.Data(c, data)
		}
		c.HTML(http.StatusOK, "big", data)
	})
	rec := httptest.NewRecorder()
	engine.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if n := rec.Body.Len(); n < 90<<10 || n > 110<<10 {
		b.Fatalf("page is %d bytes, want ~100 KB", n)
	}
	if want := h || len(mws) > 1; strings.Contains(rec.Body.String(), adapter.SnippetMarker) != want {
		b.Fatalf("snippet in the page: %t, want %t", !want, want)
	}
	return engine
}

// BenchmarkTemplatePage renders a ~100 KB html/template page: behind
// Middleware without the snippet, with the snippet through H, and with the
// snippet inserted by Inject.
func BenchmarkTemplatePage(b *testing.B) {
	m := benchMessenger(b)
	b.Run("Middleware", func(b *testing.B) { benchBigPage(b, false, intercomgin.Middleware(m)) })
	b.Run("Middleware+H", func(b *testing.B) { benchBigPage(b, true, intercomgin.Middleware(m)) })
	b.Run("Middleware+Inject", func(b *testing.B) { benchBigPage(b, false, intercomgin.Middleware(m), intercomgin.Inject()) })
	b.Run("paired", func(b *testing.B) {
		benchPaired(b, bigPageEngine(b, false, intercomgin.Middleware(m)),
			bigPageEngine(b, false, intercomgin.Middleware(m), intercomgin.Inject()))
	})
}

// benchPaired serves base and with alternately (see conformance.Paired).
func benchPaired(b *testing.B, base, with *gin.Engine) {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	serve := func(e *gin.Engine) func() {
		return func() { e.ServeHTTP(httptest.NewRecorder(), req) }
	}
	conformance.Paired(b, serve(base), serve(with))
}

// BenchmarkStaticPage writes a static page of 1 KB and of 1 MB with c.Data,
// behind Middleware, with and without Inject: what Inject allocates must
// not grow with the page.
func BenchmarkStaticPage(b *testing.B) {
	m := benchMessenger(b)
	for _, size := range []int{1 << 10, 1 << 20} {
		head := `<!DOCTYPE html><html><head><title>static</title></head><body>`
		// Whole paragraphs and spaces up to the size: a paragraph cut short
		// ("</" before "</body>") would make the tokenizer read the
		// </body> as part of a bogus comment, and the page would get no
		// snippet.
		line := "<p>lorem ipsum dolor sit amet</p>\n"
		n := size - len(head) - len(benchTail)
		filler := strings.Repeat(line, n/len(line)) + strings.Repeat(" ", n%len(line))
		page := []byte(head + filler + benchTail)
		for _, inject := range []bool{false, true} {
			mws := []gin.HandlerFunc{intercomgin.Middleware(m)}
			name := fmt.Sprintf("%dKB/Middleware", size>>10)
			if inject {
				mws = append(mws, intercomgin.Inject())
				name += "+Inject"
			}
			b.Run(name, func(b *testing.B) {
				engine := gin.New()
				engine.Use(mws...)
				engine.GET("/", func(c *gin.Context) { c.Data(http.StatusOK, "text/html; charset=utf-8", page) })
				rec := httptest.NewRecorder()
				engine.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
				if strings.Contains(rec.Body.String(), adapter.SnippetMarker) != inject {
					b.Fatalf("snippet in the page: %t, want %t", !inject, inject)
				}
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				// A recorder per request would dominate: reuse one.
				rec.Body.Grow(size + 4096)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				defer cpuPerOp(b)()
				for b.Loop() {
					rec.Body.Reset()
					clear(rec.Header())
					engine.ServeHTTP(rec, req)
				}
			})
		}
	}
}
