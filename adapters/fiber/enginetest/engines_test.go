// Package enginetest tests intercomfiber's Views and Data with the
// gofiber/template engines that the adapter module's own tests cannot
// build beside html/v2 and django/v3 (see go.mod): ace, amber, handlebars,
// jet, mustache, pug and slim, each with its escaped and its raw tag. It is
// a module of its own, outside go.work; run it with
//
//	cd adapters/fiber/enginetest && GOWORK=off go test ./...
package enginetest_test

import (
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/ace"
	"github.com/gofiber/template/amber"
	"github.com/gofiber/template/handlebars"
	"github.com/gofiber/template/jet"
	"github.com/gofiber/template/mustache"
	"github.com/gofiber/template/pug"
	"github.com/gofiber/template/slim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	intercomfiber "github.com/goanalytical/intercom/adapters/fiber"
	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

func aceViews(fs http.FileSystem) fiber.Views        { return ace.NewFileSystem(fs, ".ace") }
func amberViews(fs http.FileSystem) fiber.Views      { return amber.NewFileSystem(fs, ".amber") }
func handlebarsViews(fs http.FileSystem) fiber.Views { return handlebars.NewFileSystem(fs, ".hbs") }
func jetViews(fs http.FileSystem) fiber.Views        { return jet.NewFileSystem(fs, ".jet") }
func mustacheViews(fs http.FileSystem) fiber.Views   { return mustache.NewFileSystem(fs, ".mustache") }
func pugViews(fs http.FileSystem) fiber.Views        { return pug.NewFileSystem(fs, ".pug") }
func slimViews(fs http.FileSystem) fiber.Views       { return slim.NewFileSystem(fs, ".slim") }

// engineCases are the engines with each of their tags for the snippet. The
// engines built on html/template (ace, amber, pug) have the snippet's type
// tell them it is HTML; the others escape what Data hands them unless the
// tag is a raw one.
var engineCases = []engineCase{
	{engine: "ace", syntax: "{{.Intercom}}", ext: ".ace", views: aceViews,
		page:      "html\n  body\n    h1 {{.Title}}\n    {{.Intercom}}\n",
		misplaced: "html\n  body\n    p title={{.Intercom}} x\n"},
	{engine: "amber", syntax: "#{Intercom}", ext: ".amber", views: amberViews,
		page:      "html\n  body\n    h1 #{Title}\n    | #{Intercom}\n",
		misplaced: "html\n  body\n    p[title=Intercom] x\n"},
	{engine: "handlebars", syntax: "{{Intercom}}", ext: ".hbs", views: handlebarsViews,
		page: "<h1>{{Title}}</h1>{{Intercom}}", dataEscapes: true,
		misplaced: `<p title="{{Intercom}}">x</p>`},
	{engine: "handlebars", syntax: "{{{Intercom}}}", ext: ".hbs", views: handlebarsViews,
		page:      "<h1>{{Title}}</h1>{{{Intercom}}}",
		misplaced: `<script>var s = "{{{Intercom}}}";</script>`},
	{engine: "jet", syntax: "{{ Intercom }}", ext: ".jet", views: jetViews,
		page: "<h1>{{ Title }}</h1>{{ Intercom }}", dataEscapes: true,
		misplaced: `<p title="{{ Intercom }}">x</p>`},
	{engine: "jet", syntax: "{{ Intercom | raw }}", ext: ".jet", views: jetViews,
		page:      "<h1>{{ Title }}</h1>{{ Intercom | raw }}",
		misplaced: `<!-- {{ Intercom | raw }} -->`},
	{engine: "mustache", syntax: "{{Intercom}}", ext: ".mustache", views: mustacheViews,
		page: "<h1>{{Title}}</h1>{{Intercom}}", dataEscapes: true,
		misplaced: `<p title="{{Intercom}}">x</p>`},
	{engine: "mustache", syntax: "{{{Intercom}}}", ext: ".mustache", views: mustacheViews,
		page:      "<h1>{{Title}}</h1>{{{Intercom}}}",
		misplaced: `<textarea>{{{Intercom}}}</textarea>`},
	{engine: "mustache", syntax: "{{& Intercom}}", ext: ".mustache", views: mustacheViews,
		page:      "<h1>{{Title}}</h1>{{& Intercom}}",
		misplaced: `<style>p{font-family:{{& Intercom}}}</style>`},
	{engine: "pug", syntax: "#{ .Intercom }", ext: ".pug", views: pugViews,
		page:      "html\n  body\n    h1 #{ .Title }\n    | #{ .Intercom }\n",
		misplaced: "html\n  body\n    p(title=.Intercom) x\n"},
	{engine: "pug", syntax: "!{ .Intercom }", ext: ".pug", views: pugViews,
		page:      "html\n  body\n    h1 #{ .Title }\n    | !{ .Intercom }\n",
		misplaced: "html\n  body\n    script var s = \"!{ .Intercom }\";\n"},
	{engine: "slim", syntax: "= Intercom", ext: ".slim", views: slimViews,
		page: "html\n  body\n    h1 = Title\n    = Intercom\n", dataEscapes: true,
		misplaced: "html\n  body\n    p title=\"#{Intercom}\" x\n"},
	{engine: "slim", syntax: "== Intercom", ext: ".slim", views: slimViews,
		page:      "html\n  body\n    h1 = Title\n    == Intercom\n",
		misplaced: "html\n  body\n    textarea == Intercom\n"},
}

// engineCase is a gofiber/template engine and a page in its language that
// writes the snippet with one of its tags.
type engineCase struct {
	engine, syntax string
	ext            string
	views          func(http.FileSystem) fiber.Views
	page           string // a heading with Title, then the tag
	// dataEscapes: the engine escapes the snippet Data hands it under this
	// tag (only a placeholder, from Views, comes through).
	dataEscapes bool
	misplaced   string // the tag where no snippet can run
}

// newEngine returns the engine over the case's pages, "page" and
// "misplaced".
func (ec engineCase) newEngine() fiber.Views {
	return ec.views(http.FS(fstest.MapFS{
		"page" + ec.ext:      {Data: []byte(ec.page)},
		"misplaced" + ec.ext: {Data: []byte(ec.misplaced)},
	}))
}

// mark stands in for the snippet where the engine itself renders a page.
const mark = "SNIPPETGOESHERE"

// want renders the page name with the engine itself, Title "Home" and mark
// for the snippet, and returns it with snippet in place of mark.
func (ec engineCase) want(t *testing.T, name, snippet string) string {
	t.Helper()
	e := ec.newEngine()
	require.NoError(t, e.Load())
	var b strings.Builder
	require.NoError(t, e.Render(&b, name, fiber.Map{"Title": "Home", "Intercom": template.HTML(mark)}))
	require.Equal(t, 1, strings.Count(b.String(), mark), "the engine's page: %q", b.String())
	return strings.Replace(b.String(), mark, snippet, 1)
}

// recorder is an intercom.Config.ErrorHandler that keeps the messages of
// what it is given.
type recorder struct {
	mu   sync.Mutex
	errs []string
}

func (r *recorder) handle(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err.Error())
}

func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.errs
}

// get serves a GET of target with app and returns the 200 page.
func get(t *testing.T, app *fiber.App, target string) string {
	t.Helper()
	resp, err := app.Test(httptest.NewRequest(fiber.MethodGet, target, nil), -1)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, fiber.StatusOK, resp.StatusCode, string(body))
	return string(body)
}

// TestEngines renders a page for a signed-in user through each engine and
// tag, with Views (the placeholder), with Views and Data, and with Data
// alone (the snippet itself): the snippet lands where the tag is, escaped
// tag or raw, except that an engine that escapes what Data hands it shows
// the snippet's text; a tag where no script can run is removed and
// reported. No page shows the placeholder.
func TestEngines(t *testing.T) {
	jane := intercom.User{ID: "42", Email: "jane@example.com", Name: "Jane </script><b>"}
	visitor := intercom.Visitor{User: &jane, Attributes: intercom.Attributes{"plan": "pro", "seats": 3}}
	const snippetElement = `<script id="IntercomSettingsScriptTag"`
	for _, ec := range engineCases {
		t.Run(ec.engine+"/"+ec.syntax, func(t *testing.T) {
			for _, mode := range []struct {
				name        string
				views, data bool
				page        string
			}{
				{"Views", true, false, "page"},
				{"Views and Data", true, true, "page"},
				{"Data", false, true, "page"},
				{"misplaced, Views", true, false, "misplaced"},
			} {
				t.Run(mode.name, func(t *testing.T) {
					rec := &recorder{}
					m, err := intercom.New(intercom.Config{AppID: "abc12345", HMACSecret: "s3cr3t", ErrorHandler: rec.handle})
					require.NoError(t, err)
					engine := ec.newEngine()
					if mode.views {
						engine = intercomfiber.Views(engine)
					}
					app := fiber.New(fiber.Config{Views: engine, PassLocalsToViews: mode.views})
					app.Use(intercomfiber.New(m))
					app.Get("/", func(c *fiber.Ctx) error {
						intercomfiber.Identify(c, jane)
						intercomfiber.Set(c, "plan", "pro")
						d := fiber.Map{"Title": "Home", "intercom_seats": 3}
						if mode.data {
							d = intercomfiber.Data(c, d)
						}
						return c.Render(mode.page, d)
					})
					body := get(t, app, "/")
					assert.NotContains(t, strings.ToLower(body), "intercom-snippet-", "the page shows a placeholder")
					snippet := string(m.Render(visitor))
					switch {
					case mode.page == "misplaced":
						assert.Equal(t, ec.want(t, "misplaced", ""), body)
						assert.Equal(t, []string{(&adapter.PlaceholderError{Removed: 1}).Error()}, rec.got())
						return
					case !mode.views && ec.dataEscapes:
						assert.NotContains(t, body, snippetElement, "the engine escapes what Data gives it")
						assert.Contains(t, body, "IntercomSettingsScriptTag", "the snippet's text")
					default:
						assert.Equal(t, ec.want(t, "page", snippet), body)
					}
					assert.Empty(t, rec.got())
				})
			}
		})
	}
}
