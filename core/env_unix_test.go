package intercom_test

import (
	"os"
	"testing"
)

// unsetenv removes v for the test; t.Setenv has restored it afterwards.
func unsetenv(t *testing.T, v string) {
	t.Helper()
	if err := os.Unsetenv(v); err != nil {
		t.Fatal(err)
	}
}
