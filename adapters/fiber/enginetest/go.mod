module github.com/goanalytical/intercom/adapters/fiber/enginetest

go 1.25.0

require (
	github.com/goanalytical/intercom/adapters/fiber v0.1.0
	github.com/goanalytical/intercom/core v0.1.0
	github.com/gofiber/fiber/v2 v2.52.15
	github.com/gofiber/template v1.8.3
	github.com/stretchr/testify v1.11.1
)

require (
	github.com/CloudyKit/fastprinter v0.0.0-20200109182630-33d98a066a53 // indirect
	github.com/CloudyKit/jet/v6 v6.2.0 // indirect
	github.com/Joker/hpp v1.0.0 // indirect
	github.com/Joker/jade v1.1.3 // indirect
	github.com/andybalholm/brotli v1.1.0 // indirect
	github.com/aymerick/raymond v2.0.2+incompatible // indirect
	github.com/cbroglie/mustache v1.4.0 // indirect
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/eknkc/amber v0.0.0-20171010120322-cdade1c07385 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/klauspost/compress v1.17.9 // indirect
	github.com/mattn/go-colorable v0.1.13 // indirect
	github.com/mattn/go-isatty v0.0.20 // indirect
	github.com/mattn/go-runewidth v0.0.16 // indirect
	github.com/mattn/go-slim v0.0.4 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	github.com/rivo/uniseg v0.2.0 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
	github.com/valyala/fasthttp v1.51.0 // indirect
	github.com/valyala/tcplisten v1.0.0 // indirect
	github.com/yosssi/ace v0.0.5 // indirect
	golang.org/x/net v0.56.0 // indirect
	golang.org/x/sys v0.46.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

replace (
	github.com/goanalytical/intercom/adapters/fiber => ../
	github.com/goanalytical/intercom/conformance => ../../../conformance
	github.com/goanalytical/intercom/core => ../../../core
)

// The module proxy serves gofiber/template's ace, amber, handlebars, jet,
// mustache, pug and slim engines for Fiber v2 only as packages of
// gofiber/template v1.8.0 (ace/v2, jet/v2, ... are not on it). The
// adapter's own tests use html/v2 and django/v3, which need v1.8.3, where
// those packages are gone: a build has one version of a module, so this
// module, outside go.work, keeps v1.8.0 for itself.
replace github.com/gofiber/template => github.com/gofiber/template v1.8.0
