module github.com/goanalytical/intercom/conformance

go 1.25.0

require (
	github.com/goanalytical/intercom/core v0.1.0
	github.com/stretchr/testify v1.11.1
	golang.org/x/net v0.56.0
)

require (
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

replace github.com/goanalytical/intercom/core => ../core
