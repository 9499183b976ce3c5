package intercomfiber_test

import (
	"html/template"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/django/v3"
	"github.com/gofiber/template/html/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	intercomfiber "github.com/goanalytical/intercom/adapters/fiber"
	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

// The engines of gofiber/template's current Fiber v2 line. The others (ace,
// amber, handlebars, jet, mustache, pug, slim) are tested in the enginetest
// module beside this one: the module proxy serves them only in
// gofiber/template v1.8.0, which cannot share a build with these two.
var engineCases = []engineCase{
	{
		engine: "html", syntax: "{{ .Intercom }}", ext: ".html",
		views:     func(fs http.FileSystem) fiber.Views { return html.NewFileSystem(fs, ".html") },
		page:      "<h1>{{ .Title }}</h1>{{ .Intercom }}",
		misplaced: `<p title="{{ .Intercom }}">x</p>`,
	},
	{
		engine: "django", syntax: "{{ Intercom }}", ext: ".django",
		views:       func(fs http.FileSystem) fiber.Views { return django.NewFileSystem(fs, ".django") },
		page:        "<h1>{{ Title }}</h1>{{ Intercom }}",
		dataEscapes: true,
		misplaced:   `<script>var s = "{{ Intercom }}";</script>`,
	},
	{
		engine: "django", syntax: "{{ Intercom|safe }}", ext: ".django",
		views:     func(fs http.FileSystem) fiber.Views { return django.NewFileSystem(fs, ".django") },
		page:      "<h1>{{ Title }}</h1>{{ Intercom|safe }}",
		misplaced: `<p title="{{ Intercom|safe }}">x</p>`,
	},
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

// noPlaceholder fails t when page shows the snippet's placeholder, in any
// letter case; do checks every page the tests get.
func noPlaceholder(t testing.TB, page string) {
	t.Helper()
	assert.NotContains(t, strings.ToLower(page), "intercom-snippet-", "the page shows a placeholder")
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
					m := newMessenger(t, rec)
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
					noPlaceholder(t, body)
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
