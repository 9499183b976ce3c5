package demo

import (
	"embed"
	"html/template"
	"io/fs"
)

// The page templates. Each page's data has Title, Framework, the
// Messenger's snippet under adapter.TemplateKey ("Intercom"), and Users
// (the public page) or User (the account page).
//
//go:embed templates/*.html
var templateFiles embed.FS

// TemplateFS holds public.html, account.html and partials.html (which
// defines "header" and "footer"), for engines that load files themselves.
var TemplateFS = func() fs.FS {
	sub, err := fs.Sub(templateFiles, "templates")
	if err != nil {
		panic(err)
	}
	return sub
}()

// Templates parses the page templates; the pages are "public.html" and
// "account.html".
func Templates() *template.Template {
	return template.Must(template.ParseFS(TemplateFS, "*.html"))
}

// AboutPage is a page written as plain HTML, with no template and no
// template helper: whole-page install adds the snippet before </body>.
const AboutPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>About · Intercom example</title>
</head>
<body>
<nav><a href="/">Home</a> <a href="/account">Account</a></nav>
<h1>About</h1>
<p>This page is a plain string written by its handler. Whole-page install inserts the Messenger before the
last &lt;/body&gt; of every text/html response that does not carry the snippet yet, like django-analytical's generic tags.</p>
</body>
</html>
`

// PublicData is the template data of the public page.
func PublicData(framework string, users Users) map[string]any {
	return map[string]any{"Title": "Welcome", "Framework": framework, "Users": users.List()}
}

// AccountData is the template data of the account page of u.
func AccountData(framework string, u User) map[string]any {
	return map[string]any{"Title": "Your account", "Framework": framework, "User": u}
}
