package browsertest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// BrowserEnv names the environment variable that points the browser tests
// at a Chromium or Chrome binary, as a path or a command on PATH, when the
// usual places do not hold one.
const BrowserEnv = "INTERCOM_BROWSER"

// browserNames are the commands Chromium and Chrome packages put on PATH:
// Debian's chromium, Ubuntu's and Fedora's chromium-browser, Google's
// google-chrome and google-chrome-stable.
var browserNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// browserPaths returns where Chromium and Chrome install themselves on goos,
// for a PATH that lacks them (/snap/bin often is not on it); home is the
// user's home folder, for the per-user macOS Applications folder.
func browserPaths(goos, home string) []string {
	if goos == "darwin" {
		apps := []string{
			"Google Chrome.app/Contents/MacOS/Google Chrome",
			"Chromium.app/Contents/MacOS/Chromium",
		}
		var paths []string
		for _, dir := range []string{"/Applications", filepath.Join(home, "Applications")} {
			if dir == "Applications" { // no home folder
				continue
			}
			for _, a := range apps {
				paths = append(paths, filepath.Join(dir, a))
			}
		}
		return paths
	}
	return []string{
		"/usr/bin/chromium", "/usr/bin/chromium-browser",
		"/usr/bin/google-chrome", "/usr/bin/google-chrome-stable",
		"/snap/bin/chromium",
	}
}

// errNoBrowser is what findBrowser returns when it finds no browser and
// BrowserEnv is not set.
var errNoBrowser = errors.New("no Chromium or Chrome")

// findBrowser returns the browser binary to drive: the one BrowserEnv names
// (getenv reads it), else the first of names found on PATH, else the first
// of paths that is an executable file. A BrowserEnv that names no
// executable is an error of its own, never passed over for another browser.
func findBrowser(getenv func(string) string, names, paths []string) (string, error) {
	if v := getenv(BrowserEnv); v != "" {
		p, err := exec.LookPath(v)
		if err != nil {
			return "", fmt.Errorf("%s=%q is not an executable browser binary: %w", BrowserEnv, v, err)
		}
		return p, nil
	}
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: none of %s on PATH, nor %s; set %s to the browser's binary (Debian: apt-get install chromium)",
		errNoBrowser, strings.Join(names, ", "), strings.Join(paths, ", "), BrowserEnv)
}

// browserPath returns the browser binary the tests drive on this machine.
func browserPath() (string, error) {
	home, _ := os.UserHomeDir()
	return findBrowser(os.Getenv, browserNames, browserPaths(runtime.GOOS, home))
}

// skipper is the part of testing.TB that needBrowser uses.
type skipper interface {
	Helper()
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
}

// needBrowser returns the browser binary find finds (browserPath: the
// tests drive it). Without one it skips t, saying how to point the tests at
// one, unless INTERCOM_E2E=1 is set: then, as for a BrowserEnv that names
// no browser, it fails t.
func needBrowser(t skipper, find func() (string, error)) string {
	t.Helper()
	p, err := find()
	switch {
	case err == nil:
		return p
	case !errors.Is(err, errNoBrowser):
		t.Fatalf("%v", err)
	case e2eRequired():
		t.Fatalf("INTERCOM_E2E=1 but %v", err)
	default:
		t.Skipf("skipping the browser tests: %v; or set INTERCOM_E2E=1 to make this a failure", err)
	}
	return ""
}
