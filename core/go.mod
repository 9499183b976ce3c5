module github.com/goanalytical/intercom/core

go 1.25
