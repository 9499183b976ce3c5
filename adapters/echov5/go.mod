module github.com/goanalytical/intercom/adapters/echov5

go 1.25.0

require github.com/goanalytical/intercom/core v0.0.0

replace github.com/goanalytical/intercom/core => ../../core
