module github.com/goanalytical/intercom/adapters/fiber

go 1.25

require (
	github.com/goanalytical/intercom/conformance v0.0.0
	github.com/goanalytical/intercom/core v0.0.0
)

replace (
	github.com/goanalytical/intercom/conformance => ../../conformance
	github.com/goanalytical/intercom/core => ../../core
)
