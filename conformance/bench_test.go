package conformance_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goanalytical/intercom/conformance"
)

func TestPaired(t *testing.T) {
	var calls []string
	res := testing.Benchmark(func(b *testing.B) {
		calls = calls[:0]
		conformance.Paired(b,
			func() { calls = append(calls, "base") },
			func() { calls = append(calls, "with") })
	})
	require.Positive(t, res.N)
	require.Len(t, calls, 2*res.N, "one call of each per iteration")
	for i := 0; i < len(calls); i += 2 {
		// Iteration i/2 goes base first when even, with first when odd.
		want := []string{"base", "with"}
		if (i/2)%2 == 1 {
			want = []string{"with", "base"}
		}
		require.Equal(t, want, calls[i:i+2], "iteration %d", i/2)
	}
	for _, unit := range []string{"base-ns/req", "with-ns/req", "added-ns/req", "added-%"} {
		assert.Contains(t, res.Extra, unit)
	}
	assert.InDelta(t, res.Extra["with-ns/req"]-res.Extra["base-ns/req"], res.Extra["added-ns/req"], 1e-6)
	assert.Positive(t, res.Extra["base-ns/req"])
}

func TestUserNames(t *testing.T) {
	next := conformance.UserNames(3)
	var got []string
	for range 7 {
		got = append(got, next())
	}
	assert.Equal(t, []string{"user-100000", "user-100001", "user-100002", "user-100000", "user-100001", "user-100002", "user-100000"}, got)
}
