package browsertest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// executable writes an executable file at dir/name and returns its path.
func executable(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFindBrowser(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin") // the PATH of every case
	chrome := executable(t, bin, "google-chrome")
	custom := executable(t, dir, "opt/my chrome/chrome")
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, []byte("not executable"), 0o644); err != nil {
		t.Fatal(err)
	}
	snap := executable(t, dir, "snap/chromium")
	missing := filepath.Join(dir, "missing")
	t.Setenv("PATH", bin)

	tests := []struct {
		name    string
		env     string
		names   []string
		paths   []string
		want    string
		wantErr string // a part of the error; "" for none
		noneErr bool   // the error is errNoBrowser
	}{
		{name: "variable with a path wins over PATH", env: custom, names: browserNames, want: custom},
		{name: "variable with a command on PATH", env: "google-chrome", want: chrome},
		{name: "variable naming a missing file", env: missing, names: browserNames, paths: []string{snap},
			wantErr: `INTERCOM_BROWSER="` + missing + `" is not an executable browser binary`},
		{name: "variable naming a file that is not executable", env: plain, names: browserNames,
			wantErr: `INTERCOM_BROWSER="` + plain + `" is not an executable browser binary`},
		{name: "variable naming an unknown command", env: "no-such-browser", names: browserNames,
			wantErr: `INTERCOM_BROWSER="no-such-browser" is not an executable browser binary`},
		{name: "first name found on PATH", names: browserNames, paths: []string{snap}, want: chrome},
		{name: "a path when PATH has none", names: []string{"chromium"}, paths: []string{missing, dir, plain, snap}, want: snap},
		{name: "nothing anywhere", names: []string{"chromium", "chromium-browser"}, paths: []string{missing, plain},
			noneErr: true, wantErr: "no Chromium or Chrome: none of chromium, chromium-browser on PATH, nor " + missing + ", " + plain +
				"; set INTERCOM_BROWSER to the browser's binary (Debian: apt-get install chromium)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == BrowserEnv {
					return tt.env
				}
				return ""
			}
			got, err := findBrowser(getenv, tt.names, tt.paths)
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Fatalf("findBrowser = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("findBrowser = %q, %v; want an error with %q", got, err, tt.wantErr)
			}
			if errors.Is(err, errNoBrowser) != tt.noneErr {
				t.Errorf("errors.Is(%v, errNoBrowser) = %v, want %v", err, !tt.noneErr, tt.noneErr)
			}
		})
	}
}

func TestBrowserPaths(t *testing.T) {
	tests := []struct {
		goos, home string
		want       []string
	}{
		{"linux", "/home/u", []string{
			"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome",
			"/usr/bin/google-chrome-stable", "/snap/bin/chromium",
		}},
		{"darwin", "/Users/u", []string{
			"/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
			"/Applications/Chromium.app/Contents/MacOS/Chromium",
			"/Users/u/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
			"/Users/u/Applications/Chromium.app/Contents/MacOS/Chromium",
		}},
		{"darwin", "", []string{
			"/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
			"/Applications/Chromium.app/Contents/MacOS/Chromium",
		}},
	}
	for _, tt := range tests {
		got := browserPaths(tt.goos, tt.home)
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("browserPaths(%q, %q) =\n %q\nwant\n %q", tt.goos, tt.home, got, tt.want)
		}
	}
}

// recorder is a skipper that records what needBrowser did.
type recorder struct{ fatal, skip string }

func (r *recorder) Helper()                        {}
func (r *recorder) Fatalf(format string, a ...any) { r.fatal = fmt.Sprintf(format, a...) }
func (r *recorder) Skipf(format string, a ...any)  { r.skip = fmt.Sprintf(format, a...) }

func TestNeedBrowser(t *testing.T) {
	none := fmt.Errorf("%w: none of chromium on PATH; set INTERCOM_BROWSER to the browser's binary", errNoBrowser)
	bad := errors.New(`INTERCOM_BROWSER="/x" is not an executable browser binary`)
	tests := []struct {
		name        string
		e2e         string
		path        string
		err         error
		want        string
		fatal, skip string
	}{
		{name: "found", path: "/usr/bin/chromium", want: "/usr/bin/chromium"},
		{name: "none: skips, naming the variables", err: none,
			skip: "skipping the browser tests: " + none.Error() + "; or set INTERCOM_E2E=1 to make this a failure"},
		{name: "none with INTERCOM_E2E=1: fails", e2e: "1", err: none, fatal: "INTERCOM_E2E=1 but " + none.Error()},
		{name: "a bad INTERCOM_BROWSER fails", err: bad, fatal: bad.Error()},
		{name: "a bad INTERCOM_BROWSER fails with INTERCOM_E2E=1", e2e: "1", err: bad, fatal: bad.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("INTERCOM_E2E", tt.e2e)
			var r recorder
			got := needBrowser(&r, func() (string, error) { return tt.path, tt.err })
			if got != tt.want || r.fatal != tt.fatal || r.skip != tt.skip {
				t.Errorf("needBrowser = %q, Fatalf %q, Skipf %q;\nwant %q, Fatalf %q, Skipf %q",
					got, r.fatal, r.skip, tt.want, tt.fatal, tt.skip)
			}
		})
	}
}
