module github.com/goanalytical/intercom/adapters/echov5

go 1.25.0

require (
	github.com/goanalytical/intercom/conformance v0.1.0
	github.com/goanalytical/intercom/core v0.1.0
	github.com/golang-jwt/jwt/v5 v5.3.1
	github.com/labstack/echo/v5 v5.4.6
	github.com/stretchr/testify v1.11.1
)

require (
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	golang.org/x/net v0.57.0 // indirect
	golang.org/x/time v0.15.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

replace github.com/goanalytical/intercom/core => ../../core

replace github.com/goanalytical/intercom/conformance => ../../conformance
