module github.com/goanalytical/intercom/adapters/nethttp

go 1.25.0

require (
	github.com/a-h/templ v0.3.977
	github.com/go-chi/chi/v5 v5.5.0
	github.com/goanalytical/intercom/conformance v0.1.0
	github.com/goanalytical/intercom/core v0.1.0
	github.com/klauspost/compress v1.19.2
	github.com/stretchr/testify v1.11.1
)

require (
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	golang.org/x/net v0.56.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

replace (
	github.com/goanalytical/intercom/conformance => ../../conformance
	github.com/goanalytical/intercom/core => ../../core
)
