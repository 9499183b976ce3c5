package conformance

import (
	"strconv"
	"testing"
	"time"
)

// Paired is the benchmark loop for what Intercom adds to a route: each
// iteration serves one request with base (the route without Intercom) and
// one with with (the same route with the adapter), timing each, and
// alternates which goes first. It reports
//
//   - base-ns/req and with-ns/req, each one's time per request;
//   - added-ns/req, with minus base; and
//   - added-%, the same relative to base.
//
// Interleaving cancels the drift of a shared machine's speed, which two
// benchmarks run seconds apart do not: there, a slower second half shows
// up as Intercom's cost. It errs the other way: the two apps evict each
// other's caches, so both run slower than either alone, and the one with
// more to do slows more. Read added-ns/req as an upper bound. ns/op is the pair's time; B/op and allocs/op, when
// reported, are both requests'. Run base and with as separate benchmarks
// too for each one's allocations.
//
// The Gin, Echo and Fiber adapters are held to 1.5 µs of added-ns/req for a
// small page with an identified user and identity verification.
//
// base and with must check nothing per call: verify each one's response
// once before calling Paired.
func Paired(b *testing.B, base, with func()) {
	b.Helper()
	var spent [2]time.Duration
	serve := func(i int, f func()) {
		start := time.Now()
		f()
		spent[i] += time.Since(start)
	}
	n := 0
	for b.Loop() {
		if n%2 == 0 {
			serve(0, base)
			serve(1, with)
		} else {
			serve(1, with)
			serve(0, base)
		}
		n++
	}
	if n == 0 {
		return
	}
	perBase := float64(spent[0]) / float64(n)
	perWith := float64(spent[1]) / float64(n)
	b.ReportMetric(perBase, "base-ns/req")
	b.ReportMetric(perWith, "with-ns/req")
	b.ReportMetric(perWith-perBase, "added-ns/req")
	b.ReportMetric(100*(perWith-perBase)/perBase, "added-%")
}

// UserNames returns a function that gives a different user name on each
// call ("user-100000", "user-100001", ...), n of them round and round: the
// signed-in user of a benchmark that measures a user's first request, when
// n is larger than any per-user cache the library keeps.
func UserNames(n int) func() string {
	names := make([]string, n)
	for i := range names {
		names[i] = "user-" + strconv.Itoa(100000+i)
	}
	i := -1
	return func() string {
		i++
		return names[i%n]
	}
}
