package intercomfiber_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/template/html/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/valyala/fasthttp"

	intercomfiber "github.com/goanalytical/intercom/adapters/fiber"
	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

// maxTail is how much may follow a page's last </body> for whole-page
// install to use it (the kit's scan.MaxTail).
const maxTail = 64 << 10

var jane = intercom.User{ID: "42", Email: "jane@example.com", Name: "Jane"}

// The page the handlers of the Inject tests send, and the same page with s
// where Inject puts the snippet.
const (
	injectHead = "<!DOCTYPE html><html><head><title>t</title></head><body><h1>Hi</h1>"
	injectTail = "</body></html>\n"
	injectPage = injectHead + injectTail
)

func withSnippet(s string) string { return injectHead + s + injectTail }

// injectViews is the template of the Data and Views cases.
var injectViews = fstest.MapFS{
	"page.html":    {Data: []byte("<html><body><h1>{{ .Title }}</h1>{{ .Intercom }}</body></html>")},
	"nosnip.html":  {Data: []byte("<html><body><h1>{{ .Title }}</h1></body></html>")},
	"layout.html":  {Data: []byte("<html>{{ embed }}</html>")},
	"content.html": {Data: []byte("<body><h1>{{ .Title }}</h1></body>")},
}

// sendHTML sends page as text/html after identifying jane, so the snippet
// Inject adds shows that it sees the handler's Identify.
func sendHTML(page string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		intercomfiber.Identify(c, jane)
		c.Type("html")
		return c.SendString(page)
	}
}

// bigPage returns a page of about size bytes whose only </body> is at the
// end.
func bigPage(size int) string {
	const line = "<p class=\"x\">lorem ipsum dolor sit amet</p>\n"
	return injectHead + strings.Repeat(line, size/len(line)) + injectTail
}

// lateTail is a fragment whose last </body> is followed by more: n bytes
// from its "<" to the end.
func lateTail(n int) string {
	return lateHead + "</body>" + strings.Repeat("x", n-len("</body>"))
}

const lateHead = "<p>x</p>"

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	require.NoError(t, err)
	out, err := io.ReadAll(zr)
	require.NoError(t, err)
	return string(out)
}

func TestInject(t *testing.T) {
	rec := &recorder{}
	m := newMessenger(t, rec)
	snippet := string(m.Render(intercom.Visitor{User: &jane}))
	anonymous := string(m.Render(intercom.Visitor{}))
	require.Equal(t, 1, strings.Count(snippet, adapter.SnippetMarker))

	type setup int
	const (
		newThenInject setup = iota
		injectThenNew       // Inject installed before New still works
		injectOnly          // no New on the route
		skipped             // New's Next skips the request
	)
	tests := []struct {
		name      string
		setup     setup
		views     fiber.Views
		locals    bool          // PassLocalsToViews
		before    fiber.Handler // middleware before New and Inject
		after     fiber.Handler // middleware after them
		method    string
		header    map[string]string
		handler   fiber.Handler
		status    int
		want      string // the body as Inject leaves it
		gzipped   bool   // want is the body gunzipped
		wantCount int    // snippets in the body
	}{
		{
			name:      "c.SendString text/html",
			handler:   sendHTML(injectPage),
			want:      withSnippet(snippet),
			wantCount: 1,
		},
		{
			name: "c.Send of a shared page is copied, not changed",
			handler: func(c *fiber.Ctx) error {
				c.Type("html", "utf-8")
				return c.Send(sharedPage)
			},
			want:      withSnippet(anonymous),
			wantCount: 1,
		},
		{
			name: "c.Write in chunks, Content-Length set by hand",
			handler: func(c *fiber.Ctx) error {
				intercomfiber.Identify(c, jane)
				c.Set(fiber.HeaderContentType, "Text/HTML; charset=UTF-8")
				c.Set(fiber.HeaderContentLength, strconv.Itoa(len(injectPage)))
				for _, s := range []string{injectHead, "</bo", "dy></html>\n"} {
					if _, err := c.WriteString(s); err != nil {
						return err
					}
				}
				return nil
			},
			want:      withSnippet(snippet),
			wantCount: 1,
		},
		{
			name:  "c.Render with Data: exactly one snippet",
			views: html.NewFileSystem(http.FS(injectViews), ".html"),
			handler: func(c *fiber.Ctx) error {
				intercomfiber.Identify(c, jane)
				return c.Render("page", intercomfiber.Data(c, fiber.Map{"Title": "Hi"}))
			},
			want:      "<html><body><h1>Hi</h1>" + snippet + "</body></html>",
			wantCount: 1,
		},
		{
			name:   "c.Render with Views and PassLocalsToViews: exactly one snippet",
			views:  intercomfiber.Views(html.NewFileSystem(http.FS(injectViews), ".html")),
			locals: true,
			handler: func(c *fiber.Ctx) error {
				intercomfiber.Identify(c, jane)
				return c.Render("page", fiber.Map{"Title": "Hi"})
			},
			want:      "<html><body><h1>Hi</h1>" + snippet + "</body></html>",
			wantCount: 1,
		},
		{
			name:  "c.Render with a layout, no Data",
			views: html.NewFileSystem(http.FS(injectViews), ".html"),
			handler: func(c *fiber.Ctx) error {
				intercomfiber.Identify(c, jane)
				return c.Render("content", fiber.Map{"Title": "Hi"}, "layout")
			},
			want:      "<html><body><h1>Hi</h1>" + snippet + "</body></html>",
			wantCount: 1,
		},
		{
			// Views only counts a page whose template writes the snippet
			// as rendered (Request.Rendered), so Inject adds it here.
			name:   "Views on a template without the tag: injected",
			views:  intercomfiber.Views(html.NewFileSystem(http.FS(injectViews), ".html")),
			locals: true,
			handler: func(c *fiber.Ctx) error {
				return c.Render("nosnip", fiber.Map{"Title": "Hi"})
			},
			want:      "<html><body><h1>Hi</h1>" + anonymous + "</body></html>",
			wantCount: 1,
		},
		{
			name: "c.JSON holding </body>: untouched",
			handler: func(c *fiber.Ctx) error {
				return c.JSON(fiber.Map{"html": "<body></body>"})
			},
			want: `{"html":"\u003cbody\u003e\u003c/body\u003e"}`,
		},
		{
			name: "text/plain holding </body>: untouched",
			handler: func(c *fiber.Ctx) error {
				return c.SendString(injectPage) // fasthttp's default text/plain
			},
			want: injectPage,
		},
		{
			name:      "compress after Inject: gzip untouched",
			after:     compress.New(),
			header:    map[string]string{fiber.HeaderAcceptEncoding: "gzip"},
			handler:   sendHTML(bigPage(4 << 10)),
			want:      bigPage(4 << 10),
			gzipped:   true,
			wantCount: 0,
		},
		{
			name:    "compress before Inject: the page it compresses has the snippet",
			before:  compress.New(),
			header:  map[string]string{fiber.HeaderAcceptEncoding: "gzip"},
			handler: sendHTML(bigPage(4 << 10)),
			want: strings.TrimSuffix(bigPage(4<<10), injectTail) +
				snippet + injectTail,
			gzipped:   true,
			wantCount: 1,
		},
		{
			// As GET, so that HEAD answers GET's Content-Length and
			// Cache-Control; fasthttp sends no body.
			name:      "HEAD: as GET",
			method:    fiber.MethodHead,
			handler:   sendHTML(injectPage),
			want:      withSnippet(snippet),
			wantCount: 1,
		},
		{
			name: "304: untouched",
			handler: func(c *fiber.Ctx) error {
				c.Status(fiber.StatusNotModified)
				return sendHTML(injectPage)(c)
			},
			status: fiber.StatusNotModified,
			want:   injectPage,
		},
		{
			name: "204: untouched",
			handler: func(c *fiber.Ctx) error {
				c.Status(fiber.StatusNoContent)
				return sendHTML(injectPage)(c)
			},
			status: fiber.StatusNoContent,
			want:   injectPage,
		},
		{
			name: "404 page gets it",
			handler: func(c *fiber.Ctx) error {
				c.Status(fiber.StatusNotFound)
				return sendHTML(injectPage)(c)
			},
			status:    fiber.StatusNotFound,
			want:      withSnippet(snippet),
			wantCount: 1,
		},
		{
			name:      "</body> in a script string: the last one wins",
			handler:   sendHTML(`<body><script>var s = "</body>";</script><p>x</p></body></html>`),
			want:      `<body><script>var s = "</body>";</script><p>x</p>` + snippet + `</body></html>`,
			wantCount: 1,
		},
		{
			name:      "upper-case </BODY>",
			handler:   sendHTML("<HTML><BODY><P>x</P></BODY ></HTML>"),
			want:      "<HTML><BODY><P>x</P>" + snippet + "</BODY ></HTML>",
			wantCount: 1,
		},
		{
			name:    "</body> only in a script string: untouched",
			handler: sendHTML(`<script>var s = "</body>";</script><p>x</p>`),
			want:    `<script>var s = "</body>";</script><p>x</p>`,
		},
		{
			name:    "</body> in a comment: untouched",
			handler: sendHTML(`<p>x</p><!-- </body> -->`),
			want:    `<p>x</p><!-- </body> -->`,
		},
		{
			name:    "</body> in an attribute value: untouched",
			handler: sendHTML(`<p title="</body>">x</p>`),
			want:    `<p title="</body>">x</p>`,
		},
		{
			// The kit lets a </body> go once more than maxTail follows it:
			// that is no page's end.
			name:    "</body> followed by more than maxTail: untouched",
			handler: sendHTML(lateTail(maxTail + 1)),
			want:    lateTail(maxTail + 1),
		},
		{
			name:    "</body> followed by more than 1 MB: untouched",
			handler: sendHTML(lateTail(3 << 20)),
			want:    lateTail(3 << 20),
		},
		{
			name:      "</body> followed by up to maxTail: injected",
			handler:   sendHTML(lateTail(maxTail - 100)),
			want:      lateHead + snippet + lateTail(maxTail - 100)[len(lateHead):],
			wantCount: 1,
		},
		{
			name:    "no </body>: untouched",
			handler: sendHTML("<p>a fragment</p>"),
			want:    "<p>a fragment</p>",
		},
		{
			name:    "</bodyx> is not </body>",
			handler: sendHTML("<p>x</p></bodyx>"),
			want:    "<p>x</p></bodyx>",
		},
		{
			name:      "page holding a snippet rendered by hand: untouched",
			handler:   sendHTML(withSnippet(anonymous)),
			want:      withSnippet(anonymous),
			wantCount: 1,
		},
		{
			name: "snippet in a Snippet(c) call: untouched",
			handler: func(c *fiber.Ctx) error {
				intercomfiber.Identify(c, jane)
				c.Type("html")
				return c.SendString(withSnippet(string(intercomfiber.Snippet(c))))
			},
			want:      withSnippet(snippet),
			wantCount: 1,
		},
		{
			name: "handler error: left to the ErrorHandler",
			handler: func(c *fiber.Ctx) error {
				c.Type("html")
				_ = c.SendString(injectPage)
				return errors.New("boom")
			},
			status: fiber.StatusInternalServerError,
			want:   "boom",
		},
		{
			name: "body stream: untouched",
			handler: func(c *fiber.Ctx) error {
				c.Type("html")
				return c.SendStream(strings.NewReader(injectPage), len(injectPage))
			},
			want: injectPage,
		},
		{
			name:      "Inject before New",
			setup:     injectThenNew,
			handler:   sendHTML(injectPage),
			want:      withSnippet(snippet),
			wantCount: 1,
		},
		{
			name:    "no New: untouched",
			setup:   injectOnly,
			handler: sendHTML(injectPage),
			want:    injectPage,
		},
		{
			name:    "skipped by New's Next: untouched",
			setup:   skipped,
			handler: sendHTML(injectPage),
			want:    injectPage,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := fiber.New(fiber.Config{Views: tt.views, PassLocalsToViews: tt.locals})
			// The body as Inject left it; the wire drops it for HEAD and 304.
			var body []byte
			app.Use(func(c *fiber.Ctx) error {
				err := c.Next()
				if err == nil {
					body = append([]byte(nil), c.Response().Body()...)
				}
				return err
			})
			if tt.before != nil {
				app.Use(tt.before)
			}
			newMW := intercomfiber.New(m)
			if tt.setup == skipped {
				newMW = intercomfiber.New(m, intercomfiber.Config{Next: func(*fiber.Ctx) bool { return true }})
			}
			switch tt.setup {
			case newThenInject, skipped:
				app.Use(newMW, intercomfiber.Inject())
			case injectThenNew:
				app.Use(intercomfiber.Inject(), newMW)
			case injectOnly:
				app.Use(intercomfiber.Inject())
			}
			if tt.after != nil {
				app.Use(tt.after)
			}
			app.Get("/", tt.handler)

			method := tt.method
			if method == "" {
				method = fiber.MethodGet
			}
			req := httptest.NewRequest(method, "/", nil)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := app.Test(req, -1)
			require.NoError(t, err)
			defer resp.Body.Close()
			wire, err := io.ReadAll(resp.Body)
			require.NoError(t, err)

			wantStatus := tt.status
			if wantStatus == 0 {
				wantStatus = fiber.StatusOK
			}
			assert.Equal(t, wantStatus, resp.StatusCode)
			if body == nil { // the ErrorHandler wrote the response
				body = wire
			}
			got := string(body)
			if tt.gzipped {
				assert.Equal(t, "gzip", resp.Header.Get(fiber.HeaderContentEncoding))
				got = gunzip(t, body)
			}
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.wantCount, strings.Count(got, adapter.SnippetMarker))
			if method == fiber.MethodGet && wantStatus != fiber.StatusNotModified && wantStatus != fiber.StatusNoContent {
				assert.Equal(t, body, wire, "what Inject left is what is sent")
				assert.Equal(t, strconv.Itoa(len(wire)), resp.Header.Get(fiber.HeaderContentLength))
			}
		})
	}
	assert.Equal(t, string(sharedPageCopy), string(sharedPage), "c.Send's page was modified")
	assert.Empty(t, rec.got())
}

// sharedPage is a page a handler sends with c.Send, which fasthttp must not
// modify: Inject copies it.
var (
	sharedPage     = []byte(injectPage)
	sharedPageCopy = []byte(injectPage)
)

// The body buffer fasthttp reuses across requests must not carry one
// request's page into the next.
func TestInjectReusedBuffers(t *testing.T) {
	m := newMessenger(t, nil)
	app := fiber.New()
	app.Use(intercomfiber.New(m), intercomfiber.Inject())
	app.Get("/:n", func(c *fiber.Ctx) error {
		n, err := strconv.Atoi(c.Params("n"))
		if err != nil {
			return err
		}
		intercomfiber.Identify(c, intercom.User{ID: c.Params("n")})
		c.Type("html")
		if n%2 == 0 {
			return c.Send([]byte(bigPage(n * 100)))
		}
		return c.SendString(bigPage(n * 100))
	})
	for _, n := range []int{3000, 10, 2000, 1, 700, 4, 5000, 9} {
		id := strconv.Itoa(n)
		want := strings.TrimSuffix(bigPage(n*100), injectTail) +
			string(m.Render(intercom.Visitor{User: &intercom.User{ID: id}})) + injectTail
		assert.Equal(t, want, get(t, app, "/"+id), id)
	}
}

// A 50 MB page comes out whole, with the snippet before its last </body>,
// whether its body is fasthttp's buffer or a slice given to c.Send.
func TestInjectLargePage(t *testing.T) {
	if testing.Short() {
		t.Skip("50 MB page")
	}
	m := newMessenger(t, nil)
	page := bigPage(50 << 20)
	want := strings.TrimSuffix(page, injectTail) + string(m.Render(intercom.Visitor{User: &jane})) + injectTail
	for _, raw := range []bool{false, true} {
		app := fiber.New()
		app.Use(intercomfiber.New(m), intercomfiber.Inject())
		app.Get("/", func(c *fiber.Ctx) error {
			intercomfiber.Identify(c, jane)
			c.Type("html")
			if raw {
				return c.Send([]byte(page))
			}
			return c.SendString(page)
		})
		resp, err := app.Test(httptest.NewRequest(fiber.MethodGet, "/", nil), -1)
		require.NoError(t, err)
		got, err := io.ReadAll(resp.Body)
		require.NoError(t, resp.Body.Close())
		require.NoError(t, err)
		require.Len(t, got, len(want))
		if string(got) != want { // no diff of 50 MB
			t.Fatalf("raw %v: the page differs", raw)
		}
		assert.Equal(t, strconv.Itoa(len(want)), resp.Header.Get(fiber.HeaderContentLength))
	}
}

// Inject puts the snippet exactly where the kit's streaming whole-page
// install (adapter.Request.Inject, which gin and echo use) does, for pages
// built from pieces that matter to it, through both body paths (fasthttp's
// buffer and a c.Send slice).
func TestInjectMatchesCore(t *testing.T) {
	m := newMessenger(t, nil)
	pieces := []string{
		"<p>text</p>", "</body>", "</BODY >", "</body/>", "</bodyx>", "</bo", "dy>", "<", "</", "x",
		"<script>\"</body>\"</script>", "\n", "</html>",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	pages := []string{"", "</body>", "x</body>"}
	for range 300 {
		var sb strings.Builder
		for range rng.IntN(40) {
			sb.WriteString(pieces[rng.IntN(len(pieces))])
			if rng.IntN(30) == 0 { // sometimes a long stretch, for MaxInjectTail
				sb.WriteString(strings.Repeat("y", rng.IntN(2*maxTail)))
			}
		}
		pages = append(pages, sb.String())
	}

	var page string
	app := fiber.New()
	app.Use(intercomfiber.New(m), intercomfiber.Inject())
	app.Get("/buffer", func(c *fiber.Ctx) error {
		intercomfiber.Identify(c, jane)
		c.Type("html")
		return c.SendString(page)
	})
	app.Get("/raw", func(c *fiber.Ctx) error {
		intercomfiber.Identify(c, jane)
		c.Type("html")
		return c.Send([]byte(page))
	})
	injected := 0
	for i, p := range pages {
		page = p
		want, ok := streamInject(m, p)
		if ok {
			injected++
		}
		for _, path := range []string{"/buffer", "/raw"} {
			if got := get(t, app, path); got != want {
				t.Fatalf("page %d via %s (%d bytes): got %d bytes, want %d (injected %v)", i, path, len(p), len(got), len(want), ok)
			}
		}
	}
	assert.Greater(t, injected, 50)
	assert.Less(t, injected, len(pages)-20)
}

// An injected page's headers follow the kit's rule:
// no validator or ranges of the original body, and private unless the
// handler set a caching policy.
func TestInjectHeaders(t *testing.T) {
	for _, policy := range []string{"", "no-cache"} {
		m := newMessenger(t, nil)
		app := fiber.New()
		app.Use(intercomfiber.New(m), intercomfiber.Inject())
		app.Get("/", func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderETag, `"v1"`)
			c.Set(fiber.HeaderAcceptRanges, "bytes")
			if policy != "" {
				c.Set(fiber.HeaderCacheControl, policy)
			}
			c.Type("html")
			return c.SendString("<html><body>x</body></html>")
		})
		resp, err := app.Test(httptest.NewRequest(fiber.MethodGet, "/", nil))
		require.NoError(t, err)
		want := policy
		if want == "" {
			want = "private"
		}
		assert.Equal(t, want, resp.Header.Get(fiber.HeaderCacheControl))
		assert.Empty(t, resp.Header.Get(fiber.HeaderETag))
		assert.Empty(t, resp.Header.Get(fiber.HeaderAcceptRanges))
		require.NoError(t, resp.Body.Close())
	}
}

// streamInject returns page as the kit's streaming whole-page install
// sends it for jane, and whether it inserted the snippet.
func streamInject(m *intercom.Messenger, page string) (string, bool) {
	r := adapter.NewMiddleware("test", m, adapter.Hooks[*http.Request]{}).Start(nil)
	r.Identify(jane)
	rec := httptest.NewRecorder()
	added, err := r.Inject(rec, http.MethodGet, func(w http.ResponseWriter, _ *adapter.InjectWriter) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, page)
	})
	if err != nil {
		panic(err)
	}
	return rec.Body.String(), added > 0
}

// The kit's whole-page install takes fasthttp's response as it is.
var (
	_ adapter.BufferedResponse = (*fasthttp.Response)(nil)
	_ adapter.BufferedHeader   = (*fasthttp.ResponseHeader)(nil)
)
