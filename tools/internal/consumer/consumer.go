// Package consumer is the test of what a user of the modules does: in fresh
// modules outside the repository, with GOPROXY pointing at a file proxy built
// from the working tree, run the README's install commands, build each
// README quick start as written, run it and request a page.
package consumer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/goanalytical/intercom/tools/internal/readme"
	"github.com/goanalytical/intercom/tools/internal/repo"
)

// GoFloor is the oldest Go the modules support; every consumer module is
// made at this go line, and the test fails if a dependency raises it.
const GoFloor = "1.25.0"

// AppID is the demo app id the quick starts run with (INTERCOM_APP_ID).
const AppID = "demo0000"

// Login is the basic-auth account of the quick starts that sign a user in;
// quick starts without auth ignore it.
var Login = [2]string{"jane", "jane-demo"}

// Marks are what the page a quick start serves must contain: the snippet,
// for the app id, with a user and the custom data every quick start sets.
var Marks = []string{`<script id="IntercomSettingsScriptTag"`, `"app_id":"` + AppID + `"`, `"user_id":"`, `"plan":"pro"`}

// Config says where things are.
type Config struct {
	Repo     string    // the repository (README.md, go.work)
	Proxy    string    // the file proxy, built at Version
	Version  string    // the version the proxy serves
	Work     string    // an empty folder outside the repository
	Upstream string    // GOPROXY for everything else ("" = go env GOPROXY)
	Cache    string    // a module cache whose downloads serve as a proxy ahead of Upstream ("" = go env GOMODCACHE)
	Log      io.Writer // progress
}

// Run runs the whole test.
func Run(ctx context.Context, c Config) error {
	md, err := os.ReadFile(filepath.Join(c.Repo, "README.md"))
	if err != nil {
		return err
	}
	qs, inst, err := readme.Parse(md)
	if err != nil {
		return err
	}
	mods, err := repo.Load(c.Repo)
	if err != nil {
		return err
	}
	if err := covers(mods, qs, inst); err != nil {
		return err
	}
	env, err := c.env(ctx)
	if err != nil {
		return err
	}

	// Everything the install section says, in one module: every released
	// module resolves at Version and its packages build for a consumer.
	dir := filepath.Join(c.Work, "install")
	if err := c.newModule(ctx, env, dir, "example.com/consumer/install"); err != nil {
		return err
	}
	for _, in := range inst {
		if err := c.run(ctx, env, dir, append([]string{"go", "get"}, in.Args...)...); err != nil {
			return fmt.Errorf("README.md:%d: %w", in.Line, err)
		}
	}
	if err := c.versions(ctx, env, dir, mods); err != nil {
		return err
	}
	if err := c.run(ctx, env, dir, "go", "build", repo.Root+"/..."); err != nil {
		return err
	}

	for _, q := range qs {
		c.logf("\n-- quick start: %s (README.md:%d)\n", q.Module, q.Line)
		if err := c.quickStart(ctx, env, q, inst, mods); err != nil {
			return fmt.Errorf("the quick start of %s (README.md:%d): %w", q.Module, q.Line, err)
		}
	}
	return nil
}

// covers checks that the README installs every released module and has a
// quick start for the core and each adapter.
func covers(mods []repo.Module, qs []readme.QuickStart, inst []readme.Install) error {
	var errs []error
	for _, m := range mods {
		if !m.Released {
			continue
		}
		want := m.Path + "@latest"
		n := 0
		for _, in := range inst {
			if slices.Contains(in.Args, want) {
				n++
			}
		}
		if n != 1 {
			errs = append(errs, fmt.Errorf("README.md: the install section says go get %s %d times, want once", want, n))
		}
		if m.Dir == "core" || strings.HasPrefix(m.Dir, "adapters/") {
			if !slices.ContainsFunc(qs, func(q readme.QuickStart) bool { return q.Module == m.Dir }) {
				errs = append(errs, fmt.Errorf("README.md: no quick start for %s", m.Dir))
			}
		}
	}
	for _, q := range qs {
		if !slices.ContainsFunc(mods, func(m repo.Module) bool { return m.Dir == q.Module && m.Released }) {
			errs = append(errs, fmt.Errorf("README.md:%d: a quick start for %s, which is not a released module", q.Line, q.Module))
		}
	}
	return errors.Join(errs...)
}

func (c Config) env(ctx context.Context) ([]string, error) {
	goenv := func(name string) (string, error) {
		out, err := exec.CommandContext(ctx, "go", "env", name).Output() //nolint:gosec // go env of a fixed variable name
		return strings.TrimSpace(string(out)), err
	}
	up, cache := c.Upstream, c.Cache
	var err error
	if up == "" {
		if up, err = goenv("GOPROXY"); err != nil {
			return nil, err
		}
	}
	if cache == "" {
		if cache, err = goenv("GOMODCACHE"); err != nil {
			return nil, err
		}
	}
	proxy, err := filepath.Abs(c.Proxy)
	if err != nil {
		return nil, err
	}
	chain := []string{"file://" + filepath.ToSlash(proxy)}
	// The downloads of the developer's module cache form a proxy too: the
	// third-party modules come from there when they are present, from
	// Upstream otherwise. Our own modules only ever come from c.Proxy, which
	// is first and answers for every version it has.
	if dl := filepath.Join(cache, "cache", "download"); isDir(dl) {
		chain = append(chain, "file://"+filepath.ToSlash(dl))
	}
	chain = append(chain, up)

	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GOWORK", "GOFLAGS", "GOPROXY", "GONOPROXY", "GOPRIVATE", "GONOSUMDB", "GOMODCACHE", "GOTOOLCHAIN",
			"GOINSECURE", "PORT", "INTERCOM_APP_ID", "INTERCOM_HMAC_SECRET_KEY", "INTERCOM_INTERNAL_IPS",
			"ANALYTICAL_INTERNAL_IPS", "INTERNAL_IPS", "INTERCOM_REGION", "ANALYTICAL_AUTO_IDENTIFY":
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"GOWORK=off",
		"GOFLAGS=-mod=mod -modcacherw",
		"GOPROXY="+strings.Join(chain, ","),
		// Checksum lookups off for this project's modules only: they are not
		// published, so sum.golang.org cannot know them. Everything else is
		// checked as usual.
		"GONOSUMDB="+repo.Root,
		"GOPRIVATE=",
		"GONOPROXY=",
		// A module cache of its own, so that no earlier run's zip of the same
		// version (the go command never fetches a cached version again)
		// stands in for this working tree.
		"GOMODCACHE="+filepath.Join(c.Work, "modcache"),
		"GOTOOLCHAIN=local",
	), nil
}

func (c Config) newModule(ctx context.Context, env []string, dir, path string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	if err := c.run(ctx, env, dir, "go", "mod", "init", path); err != nil {
		return err
	}
	// The floor: a dependency that needs a newer Go makes go get or go mod
	// tidy raise this line, which goLine then reports.
	return c.run(ctx, env, dir, "go", "mod", "edit", "-go="+GoFloor)
}

// versions checks that every module of ours in dir's build list is at
// c.Version, and that the go line is still the floor.
func (c Config) versions(ctx context.Context, env []string, dir string, mods []repo.Module) error {
	out, err := c.output(ctx, env, dir, "go", "list", "-m", "-f", "{{.Path}} {{.Version}}", "all")
	if err != nil {
		return err
	}
	var errs []error
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		p, v, _ := strings.Cut(line, " ")
		if !strings.HasPrefix(p, repo.Root+"/") {
			continue
		}
		n++
		if v != c.Version {
			errs = append(errs, fmt.Errorf("%s resolved to %q, want %s", p, v, c.Version))
		}
	}
	if n == 0 {
		errs = append(errs, errors.New("no module of this repository in the build list"))
	}
	goLine, err := c.output(ctx, env, dir, "go", "mod", "edit", "-json")
	if err != nil {
		return err
	}
	if !strings.Contains(goLine, `"Go": "`+GoFloor+`"`) {
		errs = append(errs, fmt.Errorf("a dependency raised the consumer's go line above %s:\n%s", GoFloor, goLine))
	}
	return errors.Join(errs...)
}

func (c Config) quickStart(ctx context.Context, env []string, q readme.QuickStart, inst []readme.Install, mods []repo.Module) error {
	dir := filepath.Join(c.Work, "quickstart", strings.ReplaceAll(q.Module, "/", "-"))
	if err := c.newModule(ctx, env, dir, "example.com/consumer/"+strings.ReplaceAll(q.Module, "/", "-")); err != nil {
		return err
	}
	for name, data := range q.Files {
		file := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(file), 0o750); err != nil {
			return err
		}
		if err := os.WriteFile(file, data, 0o600); err != nil {
			return err
		}
	}
	path := repo.Root + "/" + q.Module
	got := false
	for _, in := range inst {
		if slices.Contains(in.Args, path+"@latest") {
			if err := c.run(ctx, env, dir, append([]string{"go", "get"}, in.Args...)...); err != nil {
				return fmt.Errorf("README.md:%d: %w", in.Line, err)
			}
			got = true
		}
	}
	if !got {
		return fmt.Errorf("no install line for %s", path)
	}
	// What a user does next: go mod tidy adds the framework itself.
	if err := c.run(ctx, env, dir, "go", "mod", "tidy"); err != nil {
		return err
	}
	if err := c.versions(ctx, env, dir, mods); err != nil {
		return err
	}
	if err := c.run(ctx, env, dir, "go", "vet", "."); err != nil {
		return err
	}
	bin := filepath.Join(dir, "quickstart")
	if err := c.run(ctx, env, dir, "go", "build", "-o", bin, "."); err != nil {
		return err
	}
	return c.serve(ctx, env, dir, bin)
}

// serve runs the program on a free port and requests its page.
func (c Config) serve(ctx context.Context, env []string, dir, bin string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	var logs buffer
	cmd := exec.Command(bin)
	cmd.Dir = dir
	cmd.Env = append(slices.Clone(env), "PORT="+strconv.Itoa(port), "INTERCOM_APP_ID="+AppID)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	c.logf("+ PORT=%d INTERCOM_APP_ID=%s ./quickstart\n", port, AppID)
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	defer func() {
		select {
		case <-exited:
		default:
			_ = cmd.Process.Kill() // the process this test started, by its own handle
			<-exited
		}
	}()

	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	deadline := time.Now().Add(60 * time.Second)
	client := &http.Client{Timeout: 10 * time.Second}
	for {
		body, status, err := get(ctx, client, url)
		if err == nil {
			c.logf("+ GET %s (basic auth %s): %d, %d bytes\n", url, Login[0], status, len(body))
			var errs []error
			if status != http.StatusOK {
				errs = append(errs, fmt.Errorf("GET %s: status %d, want 200", url, status))
			}
			for _, mark := range Marks {
				if !strings.Contains(body, mark) {
					errs = append(errs, fmt.Errorf("GET %s: the page lacks %s", url, mark))
				}
			}
			if len(errs) > 0 {
				return fmt.Errorf("%w\npage:\n%s\nprogram output:\n%s", errors.Join(errs...), body, logs.String())
			}
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("the program exited before serving (%s); its output:\n%s", fmt.Sprint(waitErr), logs.String())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nothing served on %s within 60 s (%w); program output:\n%s", url, err, logs.String())
		}
	}
}

func get(ctx context.Context, client *http.Client, url string) (string, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", 0, err
	}
	req.SetBasicAuth(Login[0], Login[1])
	resp, err := client.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return string(b), resp.StatusCode, err
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (c Config) run(ctx context.Context, env []string, dir string, args ...string) error {
	c.logf("+ %s\n", strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, args[0], args[1:]...) //nolint:gosec // the go command, with arguments from README.md's install lines
	cmd.Dir, cmd.Env = dir, env
	out := &quiet{w: c.Log}
	cmd.Stdout, cmd.Stderr = out, out
	err := cmd.Run()
	out.flush()
	if err != nil {
		return fmt.Errorf("%s: %w", strings.Join(args, " "), err)
	}
	return nil
}

func (c Config) output(ctx context.Context, env []string, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, args[0], args[1:]...) //nolint:gosec // the go command
	cmd.Dir, cmd.Env = dir, env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out), nil
}

func (c Config) logf(format string, args ...any) {
	_, _ = fmt.Fprintf(c.Log, format, args...)
}

// buffer collects a program's output, which its copying goroutines write
// while the test may read it.
type buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// quiet passes a go command's output on, less its "go: downloading" lines
// (every module comes from a file proxy into a fresh module cache here).
type quiet struct {
	w    io.Writer
	line []byte
}

func (q *quiet) Write(p []byte) (int, error) {
	for _, b := range p {
		q.line = append(q.line, b)
		if b == '\n' {
			q.flush()
		}
	}
	return len(p), nil
}

func (q *quiet) flush() {
	if len(q.line) > 0 && !bytes.HasPrefix(q.line, []byte("go: downloading ")) {
		_, _ = q.w.Write(q.line)
	}
	q.line = q.line[:0]
}

func isDir(name string) bool {
	fi, err := os.Stat(name)
	return err == nil && fi.IsDir()
}
