package demo

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Library is a JavaScript file from an npm package that the navigation pages
// load: pinned to one version and checked with Subresource Integrity, from
// jsDelivr (which serves npm's files unchanged) or, when Setup.LibDir is set,
// from a local copy of the npm package (the browser tests fetch it with npm).
// Neither is committed to this repository.
type Library struct {
	Name      string // the file name under /demo/lib/
	Package   string // the npm package
	Version   string
	File      string // the file in the package
	Integrity string // the file's SRI hash
}

// The libraries, at their current majors: Turbo 8 and htmx 4.
var (
	Turbo = Library{Name: "turbo.js", Package: "@hotwired/turbo", Version: "8.0.23", File: "dist/turbo.es2017-umd.js",
		Integrity: "sha384-2ePXINFSJiSCWUJkjFJGYdr2kyM132s7uBi9k+JISp4P+AjN9DXn4H/1enWEHu36"}
	HTMX = Library{Name: "htmx.js", Package: "htmx.org", Version: "4.0.1", File: "dist/htmx.min.js",
		Integrity: "sha384-Qp9rdC8H7EqOoX+nR0P3RPG2Noji+qdwJlGpfzwQJsfOpp3sGwIdSP9xO3+UlEhn"}
)

// Libraries lists Turbo and HTMX.
func Libraries() []Library { return []Library{Turbo, HTMX} }

// Spec returns the npm package spec, such as "htmx.org@4.0.1".
func (l Library) Spec() string { return l.Package + "@" + l.Version }

// CDN returns the file's jsDelivr URL.
func (l Library) CDN() string { return "https://cdn.jsdelivr.net/npm/" + l.Spec() + "/" + l.File }

// Folder returns the name of the folder a LibDir holds the package in: the
// name npm pack gives its tarball, without ".tgz" ("hotwired-turbo-8.0.23").
func (l Library) Folder() string {
	return strings.ReplaceAll(strings.TrimPrefix(l.Package, "@"), "/", "-") + "-" + l.Version
}

// Path returns where the file is in a LibDir: in the tarball's "package"
// folder, in the package's Folder.
func (l Library) Path(libDir string) string {
	return filepath.Join(libDir, l.Folder(), "package", filepath.FromSlash(l.File))
}

// Script is a library's script element in a page.
type Script struct{ Src, Integrity string }

func (s *Site) script(l Library) Script {
	if s.setup.LibDir == "" {
		return Script{Src: l.CDN(), Integrity: l.Integrity}
	}
	return Script{Src: path.Join(libPath, l.Name), Integrity: l.Integrity}
}

// LibCacheEnv names the folder that holds local copies of the libraries
// (a Setup.LibDir): the browser tests fetch them there with npm, and Load
// serves them from there when it holds them all. The default is
// goanalytical-intercom/npm in the user's cache folder (os.UserCacheDir:
// $XDG_CACHE_HOME or ~/.cache on Linux).
const LibCacheEnv = "INTERCOM_NPM_CACHE"

// LibCache returns the folder LibCacheEnv names, or the default.
func LibCache() (string, error) {
	if d := os.Getenv(LibCacheEnv); d != "" {
		return filepath.Abs(d)
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache folder (%w); set %s", err, LibCacheEnv)
	}
	return filepath.Join(d, "goanalytical-intercom", "npm"), nil
}

// haveLibs reports whether dir holds every library.
func haveLibs(dir string) bool {
	for _, l := range Libraries() {
		if fi, err := os.Stat(l.Path(dir)); err != nil || !fi.Mode().IsRegular() {
			return false
		}
	}
	return true
}
