// Command e2ebench measures what Intercom costs a server end to end: each
// adapter's app, bare, with the template helper and with whole-page install
// (Inject), served on loopback and driven by wrk, a real load generator
// (Debian: apt-get install wrk).
//
//	go run ./examples/e2ebench                      # every adapter, typical page, 12 rounds of 2 s
//	go run ./examples/e2ebench -page small          # the 1 KB page: near the worst case
//	go run ./examples/e2ebench -adapters gin,fiber -rounds 20
//
// Every app serves the same html/template page (-page: typical, about
// 30 KB, or small, about 1 KB) to a signed-in visitor (one of 100 users, in
// turn, with identity verification), so the helper and Inject pages carry
// an identified snippet with a user_hash. The bare app is the same app
// without the library: the same template, the same stand-in auth
// middleware. The padded app is the bare app with an HTML comment as long
// as the snippet: what the extra bytes cost on their own.
//
// By default (-together) the configurations of an adapter are driven at
// once, each from a server process of its own, one wrk each (see
// together.go). With -together=false, an adapter's apps are all served in
// this process, each on its own loopback port, and wrk drives one at a
// time, so this process's CPU time (user + system, from getrusage) over a
// run is that app's, collector included; each round runs every
// configuration back to back, in an order that rotates from round to round.
// The report gives, per adapter and configuration, the median over the
// rounds of CPU per request, requests/s and p99 latency, and the median (and
// quartiles, for CPU) of each round's ratio to the bare app of the same
// round.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	var (
		only     = flag.String("adapters", "", "comma-separated adapters to run (default: all: "+strings.Join(adapterNames(), ",")+")")
		rounds   = flag.Int("rounds", 12, "rounds per adapter (with -together, a multiple of 4 drives each process on each configuration equally)")
		duration = flag.Duration("duration", 2*time.Second, "wrk run per configuration and round")
		warmup   = flag.Duration("warmup", time.Second, "wrk run before each measured run, not counted")
		conns    = flag.Int("connections", 16, "wrk connections")
		threads  = flag.Int("threads", 1, "wrk threads")
		wrk      = flag.String("wrk", "wrk", "the wrk binary")
		profiles = flag.String("cpuprofile", "", "directory to write CPU profiles to: of each server process (ADAPTER-N.pprof, serving every configuration in turn), or with -together=false of each measured run (ADAPTER-CONFIG-ROUND.pprof)")
		pageName = flag.String("page", "typical", "the page every app serves: typical (about 30 KB) or small (about 1 KB, near the worst case)")
		together = flag.Bool("together", true, "serve each configuration from a process of its own and drive them all at once (false: one at a time, in this process)")
		serve    = flag.String("serve", "", "ADAPTER: be a server process of the together mode (internal)")
	)
	flag.Parse()
	if p, ok := pages[*pageName]; ok {
		page = p
	} else {
		fmt.Fprintf(os.Stderr, "e2ebench: -page %q: want typical or small\n", *pageName)
		os.Exit(2)
	}
	if *serve != "" {
		if err := serveChild(*serve, *profiles); err != nil {
			fmt.Fprintf(os.Stderr, "e2ebench: -serve %s: %v\n", *serve, err)
			os.Exit(1)
		}
		return
	}
	if _, err := exec.LookPath(*wrk); err != nil {
		fmt.Fprintf(os.Stderr, "e2ebench: %s not found (Debian: apt-get install wrk): %v\n", *wrk, err)
		os.Exit(2)
	}
	selected, err := selectAdapters(*only)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2ebench:", err)
		os.Exit(2)
	}
	r := runner{wrk: *wrk, duration: *duration, warmup: *warmup, conns: *conns, threads: *threads, profiles: *profiles}
	how := "configurations one at a time"
	if *together {
		how = "configurations together, a process each"
	}
	fmt.Printf("e2ebench: %s, GOMAXPROCS %d, %s page, %s, %d rounds × %s, wrk -t%d -c%d each\n",
		runtime.Version(), runtime.GOMAXPROCS(0), *pageName, how, *rounds, *duration, *threads, *conns)
	for _, a := range selected {
		var results map[string][]result
		if *together {
			results, err = r.measureTogether(a, *rounds, *pageName)
		} else {
			results, err = r.measureAll(a, *rounds)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "e2ebench: %s %v\n", a.name, err)
			os.Exit(1)
		}
		if err := report(os.Stdout, a.name, results); err != nil {
			fmt.Fprintln(os.Stderr, "e2ebench:", err)
			os.Exit(1)
		}
	}
}

// configs are the apps of each adapter: bare is the baseline; padded is
// the bare app with an HTML comment as long as the snippet in the page,
// which tells what the extra bytes cost on their own (the wire, the
// kernel, the collector); helper and inject have Intercom.
var configs = []string{"bare", "padded", "helper", "inject"}

func rotate(s []string, n int) []string {
	n %= len(s)
	return append(slices.Clone(s[n:]), s[:n]...)
}

func adapterNames() []string {
	names := make([]string, len(adapters))
	for i, a := range adapters {
		names[i] = a.name
	}
	return names
}

func selectAdapters(list string) ([]adapterApps, error) {
	if list == "" {
		return adapters, nil
	}
	var out []adapterApps
	for name := range strings.SplitSeq(list, ",") {
		i := slices.IndexFunc(adapters, func(a adapterApps) bool { return a.name == name })
		if i < 0 {
			return nil, fmt.Errorf("unknown adapter %q (have %s)", name, strings.Join(adapterNames(), ", "))
		}
		out = append(out, adapters[i])
	}
	return out, nil
}

// server is one app listening on loopback.
type server interface {
	Serve(ln net.Listener) error
	Shutdown(ctx context.Context) error
}

// adapterApps builds an adapter's three apps.
type adapterApps struct {
	name  string
	build func(cfg string) (server, error)
}

type result struct {
	requests  int
	rps       float64
	p99       time.Duration
	cpuPerReq time.Duration
}

type runner struct {
	wrk              string
	duration, warmup time.Duration
	conns, threads   int
	profiles         string // a directory for CPU profiles, or ""
}

// measureAll serves each of a's apps on a loopback port of its own, checks
// a page of each and warms each up; then, round after round, runs wrk
// against each in turn, in an order that rotates from round to round,
// counting this process's CPU time over each run. Only the app wrk drives
// is busy, so the CPU time of a run is that app's.
func (r runner) measureAll(a adapterApps, rounds int) (map[string][]result, error) {
	urls := make(map[string]string, len(configs))
	for _, cfg := range configs {
		url, stop, err := serve(a, cfg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cfg, err)
		}
		defer stop()
		if err := checkPage(url, cfg); err != nil {
			return nil, fmt.Errorf("%s: %w", cfg, err)
		}
		if _, err := r.run(url, r.warmup); err != nil {
			return nil, fmt.Errorf("%s: %w", cfg, err)
		}
		urls[cfg] = url
	}
	results := make(map[string][]result, len(configs))
	for round := range rounds {
		for _, cfg := range rotate(configs, round) {
			res, err := r.measure(urls[cfg], fmt.Sprintf("%s-%s-%d.pprof", a.name, cfg, round+1))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", cfg, err)
			}
			results[cfg] = append(results[cfg], res)
		}
	}
	return results, nil
}

// serve starts a's app for cfg on a loopback port and returns its URL and
// what shuts it down.
func serve(a adapterApps, cfg string) (url string, stop func(), err error) {
	srv, err := a.build(cfg)
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	stop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		if err := <-done; err != nil {
			fmt.Fprintf(os.Stderr, "e2ebench: %s %s: serving: %v\n", a.name, cfg, err)
		}
	}
	return "http://" + ln.Addr().String() + "/", stop, nil
}

// measure runs wrk against url for r.duration, after a collection, and
// returns its report with this process's CPU time per request.
func (r runner) measure(url, profile string) (result, error) {
	runtime.GC()
	stop, err := r.profile(profile)
	if err != nil {
		return result{}, err
	}
	before := cpuTime()
	out, err := r.run(url, r.duration)
	cpu := cpuTime() - before
	stop()
	if err != nil {
		return result{}, err
	}
	return runResult(out, cpu)
}

// runResult is the result of a run: wrk's report out, and cpu, the server's
// CPU time over the run, per request.
func runResult(out []byte, cpu time.Duration) (result, error) {
	res, err := parseWrk(out)
	if err != nil {
		return result{}, err
	}
	if res.requests == 0 {
		return result{}, errors.New("wrk completed no request")
	}
	res.cpuPerReq = cpu / time.Duration(res.requests)
	return res, nil
}

// profile starts a CPU profile to file name in r.profiles, when set, and
// returns what stops it.
func (r runner) profile(name string) (stop func(), err error) {
	if r.profiles == "" {
		return func() {}, nil
	}
	return startProfile(filepath.Join(r.profiles, name))
}

// startProfile starts a CPU profile to the file path and returns what stops
// it.
func startProfile(path string) (stop func(), err error) {
	f, err := os.Create(path) //nolint:gosec // in the directory the user named with -cpuprofile
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "e2ebench:", err)
		}
	}, nil
}

// checkPage fetches one page and checks it is what cfg should serve: a
// snippet with a user_hash for helper and inject, none for bare.
func checkPage(url, cfg string) error {
	body, err := fetch(url)
	if err != nil {
		return err
	}
	n := bytes.Count(body, []byte(`id="IntercomSettingsScriptTag"`))
	want := 1
	if !withIntercom(cfg) {
		want = 0
	}
	if n != want || (want == 1 && !bytes.Contains(body, []byte(`"user_hash":"`))) {
		return fmt.Errorf("GET %s: %d snippets (want %d, identified): %.300s", url, n, want, body)
	}
	return nil
}

// fetch returns the body of a GET of url, an error unless it answers 200.
func fetch(url string) ([]byte, error) {
	resp, err := http.Get(url) //nolint:gosec // a loopback URL this program built or a server process printed
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return body, nil
}

func (r runner) run(url string, d time.Duration) ([]byte, error) {
	secs := max(1, int(d.Round(time.Second)/time.Second))
	cmd := exec.Command(r.wrk, //nolint:gosec // the wrk the user named, on a URL this program built "-t", strconv.Itoa(r.threads), "-c", strconv.Itoa(r.conns),
		"-d", strconv.Itoa(secs)+"s", "--latency", url)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %s", cmd, err, out)
	}
	return out, nil
}

// parseWrk reads the request count, requests/s and p99 latency from wrk's
// report; non-2xx answers fail the run.
func parseWrk(out []byte) (result, error) {
	var res result
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) >= 3 && f[1] == "requests" && f[2] == "in":
			n, err := strconv.Atoi(f[0])
			if err != nil {
				return res, fmt.Errorf("wrk request count %q: %w", f[0], err)
			}
			res.requests = n
		case len(f) == 2 && f[0] == "Requests/sec:":
			v, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				return res, fmt.Errorf("wrk Requests/sec %q: %w", f[1], err)
			}
			res.rps = v
		case len(f) == 2 && f[0] == "99%":
			d, err := parseLatency(f[1])
			if err != nil {
				return res, err
			}
			res.p99 = d
		case len(f) >= 1 && (f[0] == "Non-2xx" || f[0] == "Socket"):
			return res, fmt.Errorf("wrk: %s", sc.Text())
		}
	}
	if res.rps == 0 || res.p99 == 0 {
		return res, fmt.Errorf("could not read wrk's report:\n%s", out)
	}
	return res, nil
}

// parseLatency reads wrk's latencies: 812.00us, 1.20ms, 2.01s.
func parseLatency(s string) (time.Duration, error) {
	for _, u := range []struct {
		suffix string
		unit   time.Duration
	}{{"us", time.Microsecond}, {"ms", time.Millisecond}, {"s", time.Second}, {"m", time.Minute}} {
		if v, ok := strings.CutSuffix(s, u.suffix); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return 0, fmt.Errorf("wrk latency %q: %w", s, err)
			}
			return time.Duration(math.Round(f * float64(u.unit))), nil
		}
	}
	return 0, fmt.Errorf("wrk latency %q: unknown unit", s)
}

// cpuTime is this process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func median[T int64 | float64 | time.Duration](v []T) T {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// quantile is the q-quantile of v (0 ≤ q ≤ 1), interpolated between the
// two nearest ranks.
func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	pos := q * float64(len(s)-1)
	lo := int(pos)
	if lo+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[lo] + (pos-float64(lo))*(s[lo+1]-s[lo])
}

// report prints one adapter's table: per configuration the medians over the
// rounds, and the medians of the per-round ratios to bare.
func report(w io.Writer, name string, results map[string][]result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "\n%s\n", name)
	fmt.Fprintf(&b, "  %-7s %12s %10s %10s   %8s %13s %8s %8s\n", "config", "CPU/req", "req/s", "p99", "CPU×", "CPU× q1–q3", "req/s×", "p99×")
	bare := results["bare"]
	for _, cfg := range configs {
		rs := results[cfg]
		var cpu, p99 []time.Duration
		var rps, cpuX, rpsX, p99X []float64
		for i, r := range rs {
			cpu = append(cpu, r.cpuPerReq)
			p99 = append(p99, r.p99)
			rps = append(rps, r.rps)
			cpuX = append(cpuX, float64(r.cpuPerReq)/float64(bare[i].cpuPerReq))
			rpsX = append(rpsX, r.rps/bare[i].rps)
			p99X = append(p99X, float64(r.p99)/float64(bare[i].p99))
		}
		fmt.Fprintf(&b, "  %-7s %12s %10.0f %10s   %8.3f %6.3f–%-6.3f %8.3f %8.3f\n", cfg,
			median(cpu).Round(10*time.Nanosecond), median(rps), median(p99).Round(time.Microsecond),
			median(cpuX), quantile(cpuX, 0.25), quantile(cpuX, 0.75), median(rpsX), median(p99X))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
