package adapter_test

import (
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

// exampleRenderer is how an adapter wraps its framework's template engine
// (a wrapping echo.Renderer, fiber's Views): it runs the engine through
// adapter.RenderTemplate, so that {{ .Intercom }} is the request's snippet
// and the data's intercom_* keys are custom attributes. Here *http.Request is
// the framework's context type.
type exampleRenderer struct {
	templates *template.Template
}

func (e exampleRenderer) Render(w io.Writer, name string, data map[string]any, req *http.Request) error {
	r := adapter.FromContext[*http.Request](req.Context())
	return adapter.RenderTemplate(r, w, data, func(w io.Writer, data map[string]any) error {
		return e.templates.ExecuteTemplate(w, name, data)
	})
}

// An adapter's template integration that runs the engine itself lets
// RenderTemplate write the snippet into the page.
func ExampleRenderTemplate() {
	m, err := intercom.New(intercom.Config{AppID: "abc12345"})
	if err != nil {
		panic(err)
	}
	// Built once, when the application installs the adapter's middleware.
	mw := adapter.NewMiddleware("intercomexample.Middleware", m, adapter.Hooks[*http.Request]{
		// The framework's auth middleware stored the user name (basic auth).
		AuthUser: func(req *http.Request) any { name, _, _ := req.BasicAuth(); return name },
	})
	renderer := exampleRenderer{templates: template.Must(template.New("page").Parse(`<h1>{{ .Title }}</h1>{{ .Intercom }}`))}

	// Per request: the middleware starts the state and stores it; the
	// handler renders a page.
	req := httptest.NewRequest(http.MethodGet, "/pricing", nil)
	req.SetBasicAuth("jane", "secret")
	r := mw.Start(req)
	req = req.WithContext(adapter.NewContext(req.Context(), r))

	var out strings.Builder
	if err := renderer.Render(&out, "page", map[string]any{"Title": "Pricing", "intercom_plan": "pro"}, req); err != nil {
		panic(err)
	}
	page := out.String()
	fmt.Println(page[:strings.Index(page, ";(function")]) // the page up to the end of the settings
	fmt.Println(r.Rendered())
	// Output:
	// <h1>Pricing</h1><script id="IntercomSettingsScriptTag">window.intercomSettings={"api_base":"https://api-iam.intercom.io","app_id":"abc12345","name":"jane","plan":"pro","user_id":"jane"}
	// true
}

// Whole-page install as a net/http middleware: Inject runs the rest of the
// chain on an InjectWriter and inserts the snippet before </body>.
func ExampleRequest_Inject() {
	m, err := intercom.New(intercom.Config{AppID: "abc12345"})
	if err != nil {
		panic(err)
	}
	mw := adapter.NewMiddleware("intercomexample.Inject", m, adapter.Hooks[*http.Request]{})
	inject := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			r := mw.Start(req)
			req = req.WithContext(adapter.NewContext(req.Context(), r))
			// w is the InjectWriter when there is something to inject,
			// and the ResponseWriter unchanged otherwise.
			_, _ = r.Inject(w, req.Method, func(w http.ResponseWriter, _ *adapter.InjectWriter) {
				next.ServeHTTP(w, req)
			})
		})
	}
	page := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		adapter.FromContext[*http.Request](req.Context()).Set("plan", "pro") // the snippet renders after the handler
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<html><body><h1>Pricing</h1></body></html>")
	})

	rec := httptest.NewRecorder()
	inject(page).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/pricing", nil))
	body := rec.Body.String()
	start, end := strings.Index(body, "<script"), strings.Index(body, "</script>")+len("</script>")
	fmt.Println(body[:start] + "[snippet]" + body[end:])
	fmt.Println(strings.Contains(body[start:end], `"plan":"pro"`))
	fmt.Println(rec.Header().Get("Cache-Control"))
	// Output:
	// <html><body><h1>Pricing</h1>[snippet]</body></html>
	// true
	// private
}
