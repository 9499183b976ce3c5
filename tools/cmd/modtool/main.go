// Command modtool is the release tooling of the monorepo: the module list,
// the sibling version every go.mod requires, a file module proxy built from
// the working tree, and the consumer test that builds the README's quick
// starts through it. scripts/release and .ci/run call it; run it from tools/
// with GOWORK=off (this module is in go.work, but keeps its own go.sum):
//
//	modtool modules [-released]      the modules go.work lists (-released: those a release tags)
//	modtool version                  check that every go.mod requires its siblings at one version; print it
//	modtool next                     the version a release would tag now (version, or its next patch once tagged)
//	modtool set-version vX.Y.Z       make every go.mod require its siblings at vX.Y.Z
//	modtool proxy -out DIR [-version vX.Y.Z]
//	                                 write a file proxy (GOPROXY=file://DIR) of the released modules
//	modtool consumer [-version vX.Y.Z] [-work DIR] [-keep]
//	                                 the consumer test (see package consumer)
//
// -repo (before the subcommand) names the repository; by default the folder
// above the current one that holds go.work.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/semver"

	"github.com/goanalytical/intercom/tools/internal/consumer"
	"github.com/goanalytical/intercom/tools/internal/proxy"
	"github.com/goanalytical/intercom/tools/internal/repo"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "modtool:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	top := flag.NewFlagSet("modtool", flag.ContinueOnError)
	repoDir := top.String("repo", "", "the repository (default: the nearest folder above with a go.work)")
	if err := top.Parse(args); err != nil {
		return err
	}
	if top.NArg() == 0 {
		return errors.New("want a subcommand: modules, version, next, set-version, proxy, consumer")
	}
	if *repoDir == "" {
		d, err := findRepo()
		if err != nil {
			return err
		}
		*repoDir = d
	}
	mods, err := repo.Load(*repoDir)
	if err != nil {
		return err
	}
	sub, rest := top.Arg(0), top.Args()[1:]
	fs := flag.NewFlagSet("modtool "+sub, flag.ContinueOnError)
	switch sub {
	case "modules":
		released := fs.Bool("released", false, "only the modules a release tags")
		if err := fs.Parse(rest); err != nil {
			return err
		}
		for _, m := range mods {
			if m.Released || !*released {
				fmt.Println(m.Dir)
			}
		}
		return nil
	case "version":
		v, err := repo.Version(mods)
		if err != nil {
			return err
		}
		fmt.Println(v)
		return nil
	case "next":
		v, err := next(*repoDir, mods)
		if err != nil {
			return err
		}
		fmt.Println(v)
		return nil
	case "set-version":
		if err := fs.Parse(rest); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return errors.New("set-version wants one version, such as v0.2.0")
		}
		changed, err := repo.SetVersion(mods, fs.Arg(0))
		for _, f := range changed {
			rel, _ := filepath.Rel(*repoDir, f)
			fmt.Println(filepath.ToSlash(rel))
		}
		return err
	case "proxy":
		out := fs.String("out", "", "the folder to write the proxy to")
		version := fs.String("version", "", "the version to serve (default: modtool next)")
		if err := fs.Parse(rest); err != nil {
			return err
		}
		if *out == "" {
			return errors.New("proxy wants -out DIR")
		}
		v, err := versionOr(*version, *repoDir, mods)
		if err != nil {
			return err
		}
		built, err := proxy.Build(*repoDir, *out, v, time.Now())
		for _, b := range built {
			fmt.Println(b)
		}
		return err
	case "consumer":
		version := fs.String("version", "", "the version to test (default: modtool next)")
		work := fs.String("work", "", "the folder to work in (default: a new temporary one, removed afterwards)")
		keep := fs.Bool("keep", false, "keep the temporary folder")
		if err := fs.Parse(rest); err != nil {
			return err
		}
		v, err := versionOr(*version, *repoDir, mods)
		if err != nil {
			return err
		}
		return consumerTest(*repoDir, v, *work, *keep)
	}
	return fmt.Errorf("unknown subcommand %q", sub)
}

func consumerTest(repoDir, v, work string, keep bool) (err error) {
	if work == "" {
		if work, err = os.MkdirTemp("", "intercom-consumer-"); err != nil {
			return err
		}
		if !keep {
			defer func() {
				if rerr := os.RemoveAll(work); rerr != nil && err == nil {
					err = rerr
				}
			}()
		}
	}
	work, err = filepath.Abs(work)
	if err != nil {
		return err
	}
	absRepo, err := filepath.Abs(repoDir)
	if err != nil {
		return err
	}
	if rel, err := filepath.Rel(absRepo, work); err == nil && !strings.HasPrefix(rel, "..") {
		return fmt.Errorf("-work %s is inside the repository: a consumer module there would see go.work", work)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Minute)
	defer cancel()

	proxyDir := filepath.Join(work, "proxy")
	built, err := proxy.Build(repoDir, proxyDir, v, time.Now())
	if err != nil {
		return err
	}
	fmt.Printf("file proxy %s: %d modules at %s\n", proxyDir, len(built), v)
	start := time.Now()
	if err := consumer.Run(ctx, consumer.Config{Repo: repoDir, Proxy: proxyDir, Version: v, Work: work, Log: os.Stdout}); err != nil {
		return err
	}
	fmt.Printf("\nconsumer test passed: go get of every module at %s, every quick start built, run and served the snippet (%s)\n",
		v, time.Since(start).Round(time.Second))
	return nil
}

func versionOr(v, repoDir string, mods []repo.Module) (string, error) {
	if v != "" {
		return v, repo.CheckVersion(v)
	}
	return next(repoDir, mods)
}

// next is the version a release would tag: the one the go.mod files require,
// or, once that is tagged, its next patch (the release script is then given
// a new version, and updates the go.mod files to it).
func next(repoDir string, mods []repo.Module) (string, error) {
	v, err := repo.Version(mods)
	if err != nil {
		return "", err
	}
	for _, m := range mods {
		if !m.Released {
			continue
		}
		cmd := exec.Command("git", "rev-parse", "-q", "--verify", "refs/tags/"+m.Dir+"/"+v) //nolint:gosec // a tag name from go.work and a checked version
		cmd.Dir = repoDir
		if cmd.Run() == nil {
			return bumpPatch(v)
		}
	}
	return v, nil
}

func bumpPatch(v string) (string, error) {
	if semver.Prerelease(v) != "" {
		return "", fmt.Errorf("%s is tagged: pass the next version with -version", v)
	}
	var major, minor, patch int
	if _, err := fmt.Sscanf(v, "v%d.%d.%d", &major, &minor, &patch); err != nil {
		return "", fmt.Errorf("version %s: %w", v, err)
	}
	return fmt.Sprintf("v%d.%d.%d", major, minor, patch+1), nil
}

func findRepo() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.work")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", errors.New("no go.work in this folder or above: pass -repo")
		}
		d = parent
	}
}
