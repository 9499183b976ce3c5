package intercomfiber_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/basicauth"
	"github.com/gofiber/template/html/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	intercomfiber "github.com/goanalytical/intercom/adapters/fiber"
	intercom "github.com/goanalytical/intercom/core"
)

// TestCachePrivate: every helper that renders an identified visitor's
// snippet makes the response Cache-Control: private (fasthttp sends the
// headers after the handler, so they are open throughout), unless the app
// set a policy; an anonymous page is left alone.
func TestCachePrivate(t *testing.T) {
	views := func() fiber.Views {
		return html.NewFileSystem(http.FS(fstest.MapFS{"page.html": {Data: []byte("<body>{{ .Intercom }}</body>")}}), ".html")
	}
	helpers := []struct {
		name      string
		wrapViews bool // Views and PassLocalsToViews
		page      fiber.Handler
	}{
		{"Data", false, func(c *fiber.Ctx) error { return c.Render("page", intercomfiber.Data(c, fiber.Map{})) }},
		{"Views", true, func(c *fiber.Ctx) error { return c.Render("page", fiber.Map{}) }},
		{"Snippet", false, func(c *fiber.Ctx) error {
			c.Type("html")
			return c.SendString("<body>" + string(intercomfiber.Snippet(c)) + "</body>")
		}},
		{"Component", false, func(c *fiber.Ctx) error {
			c.Type("html")
			_, _ = c.Response().BodyWriter().Write([]byte("<body>"))
			return intercomfiber.Component().Render(c.UserContext(), c.Response().BodyWriter())
		}},
	}
	visitors := []struct {
		name     string
		auth     bool   // middleware/basicauth signs jane in
		identify bool   // the handler calls Identify
		policy   string // the app's Cache-Control
		want     string
	}{
		{name: "anonymous"},
		{name: "basicauth's user", auth: true, want: "private"},
		{name: "Identify", identify: true, want: "private"},
		{name: "Identify, the app's no-store", identify: true, policy: "no-store", want: "no-store"},
		{name: "Identify, the app's public", identify: true, policy: "public, max-age=60", want: "public, max-age=60"},
	}
	for _, hp := range helpers {
		for _, v := range visitors {
			t.Run(hp.name+"/"+v.name, func(t *testing.T) {
				rec := &recorder{}
				m := newMessenger(t, rec)
				cfg := fiber.Config{Views: views()}
				if hp.wrapViews {
					cfg.Views, cfg.PassLocalsToViews = intercomfiber.Views(cfg.Views), true
				}
				app := fiber.New(cfg)
				if v.auth {
					app.Use(basicauth.New(basicauth.Config{Users: map[string]string{"jane": "secret"}}))
				}
				app.Use(intercomfiber.New(m))
				app.Get("/", func(c *fiber.Ctx) error {
					if v.policy != "" {
						c.Set("Cache-Control", v.policy)
					}
					if v.identify {
						intercomfiber.Identify(c, intercom.User{ID: "42", Email: "jane@example.com"})
					}
					return hp.page(c)
				})
				req := httptest.NewRequest(fiber.MethodGet, "/", nil)
				if v.auth {
					req.SetBasicAuth("jane", "secret")
				}
				resp, err := app.Test(req, -1)
				require.NoError(t, err)
				defer resp.Body.Close()
				assert.Equal(t, fiber.StatusOK, resp.StatusCode)
				var want []string
				if v.want != "" {
					want = []string{v.want}
				}
				assert.Equal(t, want, resp.Header.Values("Cache-Control"))
				body, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				assert.Contains(t, string(body), `<script id="IntercomSettingsScriptTag"`)
				assert.Empty(t, rec.got())
			})
		}
	}
}
