package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The together mode (the default) drives every configuration of an adapter
// at once, one wrk each, so whatever slows the machine down during a run
// slows every configuration down in the same run and the per-round ratios
// to bare cancel it. Run one after the other, as the -together=false mode
// does, the configurations meet the machine's slow and fast phases at
// different times, and the ratios of a shared VM move by ±5–10% from round
// to round.
//
// Each configuration is driven in a server process of its own, so that the
// process's CPU time is that configuration's. Every process serves all the
// configurations, each on its own port, and which one a process is driven
// on rotates from round to round (a Latin square): a process that happens
// to run faster than the others (its place in the caches, on the cores)
// lends that to every configuration in turn, not to one.

// measureTogether starts one server process per configuration, each
// serving all of a's configurations; checks a page of each and warms each
// up; then, round after round, runs a wrk against each process at the same
// time, on the configuration its turn gives, reading each process's CPU
// time before and after.
func (r runner) measureTogether(a adapterApps, rounds int, pageName string) (map[string][]result, error) {
	children := make([]*child, len(configs))
	defer func() {
		for _, c := range children {
			if c != nil {
				c.stop()
			}
		}
	}()
	for i := range children {
		c, err := startChild(a.name, pageName, r.profiles, i)
		if err != nil {
			return nil, err
		}
		children[i] = c
		for j, cfg := range configs {
			if err := checkPage(c.urls[j], cfg); err != nil {
				return nil, fmt.Errorf("%s: %w", cfg, err)
			}
		}
	}
	// turn is the configuration process i is driven on in round n.
	turn := func(i, n int) int { return (i + n) % len(configs) }
	urls := func(n int) []string {
		u := make([]string, len(children))
		for i, c := range children {
			u[i] = c.urls[turn(i, n)]
		}
		return u
	}
	for n := range configs {
		if _, err := r.runAll(urls(n), r.warmup); err != nil {
			return nil, err
		}
	}
	results := make(map[string][]result, len(configs))
	for n := range rounds {
		before := make([]time.Duration, len(children))
		for i, c := range children {
			if err := c.get("/gc", nil); err != nil {
				return nil, err
			}
			if err := c.get("/cpu", &before[i]); err != nil {
				return nil, err
			}
		}
		outs, err := r.runAll(urls(n), r.duration)
		if err != nil {
			return nil, err
		}
		round := make(map[string]result, len(configs))
		for i, c := range children {
			cfg := configs[turn(i, n)]
			var after time.Duration
			if err := c.get("/cpu", &after); err != nil {
				return nil, err
			}
			res, err := runResult(outs[i], after-before[i])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", cfg, err)
			}
			round[cfg] = res
		}
		for _, cfg := range configs {
			results[cfg] = append(results[cfg], round[cfg])
		}
	}
	return results, nil
}

// runAll runs a wrk against each of urls at the same time and returns their
// reports, in the order of urls.
func (r runner) runAll(urls []string, d time.Duration) ([][]byte, error) {
	outs := make([][]byte, len(urls))
	errs := make([]error, len(urls))
	var wg sync.WaitGroup
	for i, url := range urls {
		wg.Go(func() { outs[i], errs[i] = r.run(url, d) })
	}
	wg.Wait()
	return outs, errors.Join(errs...)
}

// child is a server process of this program (-serve ADAPTER).
type child struct {
	cmd   *exec.Cmd
	stdin io.Closer
	urls  []string // of the configurations, in the order of configs
	ctrl  string
}

// startChild starts this program serving adapter's apps, the i-th such
// process, and reads the addresses it prints.
func startChild(adapter, pageName, profiles string, i int) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{"-serve", adapter, "-page", pageName}
	if profiles != "" {
		args = append(args, "-cpuprofile", filepath.Join(profiles, adapter+"-"+strconv.Itoa(i+1)+".pprof"))
	}
	cmd := exec.Command(exe, args...) //nolint:gosec // this program, with arguments it built
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, stdin: stdin}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if f := strings.Fields(line); err == nil && len(f) == len(configs)+2 && f[0] == "serving" {
		c.urls, c.ctrl = f[1:len(f)-1], f[len(f)-1]
		return c, nil
	}
	c.stop()
	if err != nil {
		return nil, fmt.Errorf("server process: reading its addresses: %w", err)
	}
	return nil, fmt.Errorf("server process: printed %q, want \"serving\", %d URLs", line, len(configs)+1)
}

// get fetches path from c's control server; into, when not nil, gets the
// body as a number of nanoseconds.
func (c *child) get(path string, into *time.Duration) error {
	body, err := fetch(c.ctrl + path)
	if err != nil {
		return err
	}
	if into != nil {
		n, err := strconv.ParseInt(strings.TrimSpace(string(body)), 10, 64)
		if err != nil {
			return fmt.Errorf("GET %s: %q: %w", c.ctrl+path, body, err)
		}
		*into = time.Duration(n)
	}
	return nil
}

// stop closes c's standard input, which makes it shut down, and waits for
// it.
func (c *child) stop() {
	_ = c.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			fmt.Fprintf(os.Stderr, "e2ebench: server process %s: %v\n", c.cmd.Args[2], err)
		}
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		if err := <-done; err != nil {
			fmt.Fprintf(os.Stderr, "e2ebench: server process %s did not stop in 10 s: %v\n", c.cmd.Args[2], err)
		}
	}
}

// serveChild is the server process: it serves each of adapter's apps on a
// loopback port of its own and a control server on another (GET /cpu: this
// process's CPU time in nanoseconds; GET /gc: a collection), prints
// "serving URL... CONTROL-URL" (the apps' in the order of configs), and
// stops when its standard input closes. Its apps are served as the
// -together=false mode serves them (serve). profile, when set, is a file for a
// CPU profile of the process's life.
func serveChild(adapter, profile string) error {
	a, err := selectAdapters(adapter)
	if err != nil {
		return err
	}
	var line strings.Builder
	line.WriteString("serving")
	for _, cfg := range configs {
		url, stop, err := serve(a[0], cfg)
		if err != nil {
			return fmt.Errorf("%s: %w", cfg, err)
		}
		defer stop()
		line.WriteString(" " + url)
	}
	ctrlLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	ctrl := http.NewServeMux()
	ctrl.HandleFunc("GET /cpu", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = fmt.Fprintln(w, int64(cpuTime()))
	})
	ctrl.HandleFunc("GET /gc", func(w http.ResponseWriter, _ *http.Request) {
		runtime.GC()
		_, _ = io.WriteString(w, "ok\n")
	})
	ctrlSrv := &http.Server{Handler: ctrl, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = ctrlSrv.Serve(ctrlLn) }()
	if profile != "" {
		stop, err := startProfile(profile)
		if err != nil {
			return err
		}
		defer stop()
	}
	fmt.Printf("%s http://%s\n", line.String(), ctrlLn.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin) // until the parent closes it
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return ctrlSrv.Shutdown(ctx) // and then the apps' stops, which report a serving error
}
