package browsertest

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/goanalytical/intercom/examples/internal/demo"
)

// The browser tests run the pages with the real Turbo and htmx, fetched
// from npm at test time with the npm client (npm pack), never committed,
// into demo.LibCache (INTERCOM_NPM_CACHE).

// messengerSDK is Intercom's own loader and API (@intercom/messenger-js-sdk),
// whose calls the browser tests compare the queued calls with; pinned to the
// version the loader follows, and npm checks the package's integrity.
var messengerSDK = demo.Library{Package: "@intercom/messenger-js-sdk", Version: "0.0.20", File: "dist/index.js"}

// SDKDir returns the folder of the messengerSDK package ("package", with
// dist/index.js and what it requires), fetching it when need be; it skips
// or fails t as LibDir does.
func SDKDir(t *testing.T) string {
	t.Helper()
	root := LibDir(t)
	sdkOnce.Do(func() {
		if _, err := os.Stat(messengerSDK.Path(root)); errors.Is(err, os.ErrNotExist) {
			sdkErr = fetchPackage(root, messengerSDK)
		}
	})
	if sdkErr != nil {
		npmFailed(t, sdkErr)
	}
	return filepath.Join(root, messengerSDK.Folder(), "package")
}

var (
	sdkOnce sync.Once
	sdkErr  error
)

// LibDir returns the folder with the npm packages of demo.Libraries(),
// fetching the ones it does not hold yet, each checked against the
// integrity hash the pages pin. Without npm, or when the registry cannot be
// reached, it skips t, unless INTERCOM_E2E=1 is set: then it fails t.
func LibDir(t *testing.T) string {
	t.Helper()
	dir, err := libDir()
	if err != nil {
		npmFailed(t, err)
	}
	return dir
}

// npmFailed skips t, or fails it under INTERCOM_E2E=1, for a package that
// could not be had from npm.
func npmFailed(t *testing.T, err error) {
	t.Helper()
	msg := fmt.Sprintf("the browser tests need packages from npm (%s): %v\n"+
		"Install Node.js and npm (Debian: apt-get install nodejs npm) and run the tests again, "+
		"or fetch them by hand into %s: npm pack each, then tar xzf the .tgz in a folder named as the .tgz without .tgz",
		specs(), err, cacheDirHint())
	if e2eRequired() {
		t.Fatal("INTERCOM_E2E=1 but " + msg)
	}
	t.Skip("skipping: " + msg + "; set INTERCOM_E2E=1 to make this a failure")
}

var (
	libOnce sync.Once
	libRoot string
	libErr  error
)

func libDir() (string, error) {
	libOnce.Do(func() { libRoot, libErr = fetchLibs() })
	return libRoot, libErr
}

func specs() string {
	var s []string
	for _, l := range append(demo.Libraries(), messengerSDK) {
		s = append(s, l.Spec())
	}
	return strings.Join(s, " and ")
}

func cacheDirHint() string {
	if d, err := demo.LibCache(); err == nil {
		return d
	}
	return "$" + demo.LibCacheEnv
}

// fetchLibs makes sure the cache holds every library and that each file is
// the one the pages pin.
func fetchLibs() (string, error) {
	root, err := demo.LibCache()
	if err != nil {
		return "", err
	}
	for _, l := range demo.Libraries() {
		if _, err := os.Stat(l.Path(root)); errors.Is(err, os.ErrNotExist) {
			if err := fetchPackage(root, l); err != nil {
				return "", err
			}
		}
		if err := checkIntegrity(l, root); err != nil {
			return "", err
		}
	}
	return root, nil
}

// checkIntegrity compares the file with the SRI hash the pages use.
func checkIntegrity(l demo.Library, root string) error {
	body, err := os.ReadFile(l.Path(root))
	if err != nil {
		return err
	}
	sum := sha512.Sum384(body)
	if got := "sha384-" + base64.StdEncoding.EncodeToString(sum[:]); got != l.Integrity {
		return fmt.Errorf("%s %s has the integrity %s, the pages pin %s (a changed package, or a stale pin in examples/internal/demo/libs.go)",
			l.Spec(), l.File, got, l.Integrity)
	}
	return nil
}

// fetchPackage runs npm pack for l and unpacks the tarball into
// root/l.Folder(), atomically: test binaries of several examples may fetch
// at the same time.
func fetchPackage(root string, l demo.Library) error {
	spec := l.Spec()
	npm, err := exec.LookPath("npm")
	if err != nil {
		return errors.New("npm is not on PATH")
	}
	if err := os.MkdirAll(root, 0o750); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(root, ".fetch-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	cmd := exec.Command(npm, "pack", spec, "--pack-destination", tmp, "--silent") //nolint:gosec // npm with a pinned spec
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "npm_config_update_notifier=false", "npm_config_fund=false", "npm_config_audit=false")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("npm pack %s: %w\n%s", spec, err, out)
	}
	tgz, err := filepath.Glob(filepath.Join(tmp, "*.tgz"))
	if err != nil || len(tgz) != 1 {
		return fmt.Errorf("npm pack %s left %d tarballs (output: %s)", spec, len(tgz), out)
	}
	unpacked := filepath.Join(tmp, "unpacked")
	if err := untar(tgz[0], unpacked); err != nil {
		return fmt.Errorf("unpacking %s: %w", tgz[0], err)
	}
	if err := os.Rename(unpacked, filepath.Join(root, l.Folder())); err != nil {
		if _, statErr := os.Stat(filepath.Join(root, l.Folder())); statErr == nil {
			return nil // another test binary was first
		}
		return err
	}
	return nil
}

// untar unpacks the regular files of a gzipped tarball into dir, refusing
// paths that leave it.
func untar(file, dir string) error {
	f, err := os.Open(file) //nolint:gosec // our own temporary file
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		name := filepath.Clean(filepath.FromSlash(h.Name))
		if filepath.IsAbs(name) || name == ".." || strings.HasPrefix(name, ".."+string(filepath.Separator)) {
			return fmt.Errorf("%s: a path outside the package", h.Name)
		}
		dst := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
			return err
		}
		w, err := os.Create(dst) //nolint:gosec // checked above to stay inside dir
		if err != nil {
			return err
		}
		_, err = io.Copy(w, io.LimitReader(tr, 64<<20))
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
}
