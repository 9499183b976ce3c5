module github.com/goanalytical/intercom/conformance

go 1.25

require github.com/goanalytical/intercom/core v0.0.0

replace github.com/goanalytical/intercom/core => ../core
