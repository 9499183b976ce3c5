package demo

import (
	"embed"
	"html/template"
	"io/fs"
)

// The page templates. Each page's data is Site.Page's, with the
// Messenger's snippet under adapter.TemplateKey ("Intercom").
//
//go:embed templates/*.html
var templateFiles embed.FS

// TemplateFS holds home.html, account.html, spa.html and partials.html
// (which defines "header", "order" and "footer"), for engines that load
// files themselves.
var TemplateFS = func() fs.FS {
	sub, err := fs.Sub(templateFiles, "templates")
	if err != nil {
		panic(err)
	}
	return sub
}()

// Templates parses the page templates; the pages are "home.html",
// "account.html" and "spa.html".
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
<nav><a id="nav-home" href="/">Home</a> <a id="nav-account" href="/account">Account</a></nav>
<h1>About</h1>
<p>This page is a plain string written by its handler. Whole-page install inserts the Messenger before the
last &lt;/body&gt; of every text/html response that does not carry the snippet yet, like django-analytical's generic tags.</p>
</body>
</html>
`
