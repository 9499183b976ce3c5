// Package repo reads the monorepo's modules from go.work and keeps their
// go.mod files consistent: every module requires its siblings at one real
// version, next to a replace line for GOWORK=off development.
package repo

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// Root is the module path every module of the repository starts with; the
// module in folder d is Root + "/" + d, and its tags are d + "/vX.Y.Z".
const Root = "github.com/goanalytical/intercom"

// Unreleased lists the workspace modules that are never tagged: the example
// apps (package main only, nothing to import; and "go run pkg@version"
// refuses a module with replace lines anyway). They still require their
// siblings at the release version, so GOWORK=off works there. (The release
// tools in tools/ are a module outside go.work: they require no sibling.)
var Unreleased = []string{"examples"}

// Module is one module of the workspace.
type Module struct {
	Dir      string // slash-separated, relative to the repository: "adapters/gin"
	Path     string // module path
	Released bool   // tagged Dir/vX.Y.Z by a release
	GoMod    string // file name of its go.mod
}

// Load returns the modules go.work lists, in its order.
func Load(repoDir string) ([]Module, error) {
	name := filepath.Join(repoDir, "go.work")
	data, err := os.ReadFile(name) //nolint:gosec // the repository's own go.work
	if err != nil {
		return nil, err
	}
	wf, err := modfile.ParseWork(name, data, nil)
	if err != nil {
		return nil, err
	}
	var mods []Module
	for _, u := range wf.Use {
		dir := path.Clean(filepath.ToSlash(u.Path))
		if dir == "." || strings.HasPrefix(dir, "../") || path.IsAbs(dir) {
			return nil, fmt.Errorf("go.work: use %s: want a folder inside the repository", u.Path)
		}
		gomod := filepath.Join(repoDir, filepath.FromSlash(dir), "go.mod")
		f, err := parse(gomod)
		if err != nil {
			return nil, err
		}
		if f.Module == nil {
			return nil, fmt.Errorf("%s: no module line", gomod)
		}
		if want := Root + "/" + dir; f.Module.Mod.Path != want {
			return nil, fmt.Errorf("%s: module %s, want %s (the folder decides the path and the tag prefix)", gomod, f.Module.Mod.Path, want)
		}
		mods = append(mods, Module{Dir: dir, Path: f.Module.Mod.Path, Released: !slices.Contains(Unreleased, dir), GoMod: gomod})
	}
	if len(mods) == 0 {
		return nil, errors.New("go.work lists no module")
	}
	return mods, nil
}

func parse(gomod string) (*modfile.File, error) {
	data, err := os.ReadFile(gomod) //nolint:gosec // a go.mod of the repository
	if err != nil {
		return nil, err
	}
	return modfile.Parse(gomod, data, nil)
}

// CheckVersion reports whether v can be a release of these modules: a
// canonical semantic version below v2 (a v2 would need /v2 module paths).
func CheckVersion(v string) error {
	if !semver.IsValid(v) || semver.Canonical(v) != v || semver.Build(v) != "" {
		return fmt.Errorf("version %q: want a canonical semantic version such as v0.1.0", v)
	}
	if m := semver.Major(v); m != "v0" && m != "v1" {
		return fmt.Errorf("version %s: major %s needs /%s module paths", v, m, m)
	}
	if v == "v0.0.0" {
		return errors.New("version v0.0.0 is no release: pick a real one, such as v0.1.0")
	}
	return nil
}

// Siblings returns the sibling requirements of one go.mod, and checks that
// each sibling the module reaches through them, directly or not, has a
// replace line to its folder: with GOWORK=off, the go command reads the
// go.mod of every module in the graph (a consumer gets them from the proxy).
func Siblings(mods []Module, m Module) ([]module.Version, error) {
	f, err := parse(m.GoMod)
	if err != nil {
		return nil, err
	}
	byPath := map[string]Module{}
	for _, s := range mods {
		byPath[s.Path] = s
	}
	var errs []error
	var sib []module.Version
	for _, r := range f.Require {
		if !strings.HasPrefix(r.Mod.Path, Root+"/") {
			continue
		}
		sib = append(sib, r.Mod)
		if s, ok := byPath[r.Mod.Path]; !ok {
			errs = append(errs, fmt.Errorf("%s: requires %s, which go.work does not list", m.GoMod, r.Mod.Path))
		} else if !s.Released {
			errs = append(errs, fmt.Errorf("%s: requires %s, which is never released", m.GoMod, r.Mod.Path))
		}
	}
	if len(errs) > 0 {
		return sib, errors.Join(errs...)
	}

	// The siblings m reaches.
	reach := map[string]bool{}
	queue := []string{m.Path}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		g, err := parse(byPath[p].GoMod)
		if err != nil {
			return sib, err
		}
		for _, r := range g.Require {
			if s, ok := byPath[r.Mod.Path]; ok && !reach[s.Path] && s.Path != m.Path {
				reach[s.Path] = true
				queue = append(queue, s.Path)
			}
		}
	}
	replaced := map[string]string{}
	for _, r := range f.Replace {
		if !strings.HasPrefix(r.Old.Path, Root+"/") {
			continue
		}
		replaced[r.Old.Path] = r.New.Path
		if r.Old.Version != "" {
			errs = append(errs, fmt.Errorf("%s: replace %s %s: replace every version (no version on the left)", m.GoMod, r.Old.Path, r.Old.Version))
		}
		if !reach[r.Old.Path] {
			errs = append(errs, fmt.Errorf("%s: replaces %s, which it does not reach: drop the line", m.GoMod, r.Old.Path))
		}
	}
	var paths []string
	for p := range reach {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		rel, err := filepath.Rel(filepath.FromSlash(m.Dir), filepath.FromSlash(byPath[p].Dir))
		if err != nil {
			return sib, err
		}
		want := filepath.ToSlash(rel)
		if got, ok := replaced[p]; !ok {
			errs = append(errs, fmt.Errorf("%s: reaches %s without a replace line (want %s => %s, for GOWORK=off)", m.GoMod, p, p, want))
		} else if path.Clean(got) != want {
			errs = append(errs, fmt.Errorf("%s: replace %s => %s, want => %s", m.GoMod, p, got, want))
		}
	}
	return sib, errors.Join(errs...)
}

// Version checks that every go.mod requires its siblings at one version, a
// real one, and returns it.
func Version(mods []Module) (string, error) {
	var errs []error
	seen := map[string][]string{} // version -> "go.mod: path"
	for _, m := range mods {
		sib, err := Siblings(mods, m)
		if err != nil {
			errs = append(errs, err)
		}
		for _, s := range sib {
			seen[s.Version] = append(seen[s.Version], m.Dir+"/go.mod: "+s.Path)
		}
	}
	if len(seen) == 0 && len(errs) == 0 {
		return "", errors.New("no module requires a sibling: nothing says which version is next")
	}
	var versions []string
	for v := range seen {
		versions = append(versions, v)
	}
	semver.Sort(versions)
	if len(versions) > 1 {
		var b strings.Builder
		for _, v := range versions {
			fmt.Fprintf(&b, "\n  %s: %s", v, strings.Join(seen[v], ", "))
		}
		errs = append(errs, fmt.Errorf("the go.mod files require siblings at %d versions, want one:%s", len(versions), b.String()))
	}
	for _, v := range versions {
		if err := CheckVersion(v); err != nil {
			errs = append(errs, fmt.Errorf("%w (%s)", err, strings.Join(seen[v], ", ")))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return "", err
	}
	return versions[0], nil
}

// Rewrite returns the content of m's go.mod with every sibling required at
// version v, formatted as go mod edit formats it.
func Rewrite(m Module, v string) ([]byte, error) {
	f, err := parse(m.GoMod)
	if err != nil {
		return nil, err
	}
	for _, r := range f.Require {
		if strings.HasPrefix(r.Mod.Path, Root+"/") && r.Mod.Version != v {
			if err := f.AddRequire(r.Mod.Path, v); err != nil {
				return nil, err
			}
		}
	}
	f.Cleanup()
	return modfile.Format(f.Syntax), nil
}

// SetVersion rewrites every go.mod so that it requires its siblings at v and
// returns the files it changed.
func SetVersion(mods []Module, v string) ([]string, error) {
	if err := CheckVersion(v); err != nil {
		return nil, err
	}
	var changed []string
	for _, m := range mods {
		if _, err := Siblings(mods, m); err != nil {
			return changed, err
		}
		old, err := os.ReadFile(m.GoMod)
		if err != nil {
			return changed, err
		}
		fi, err := os.Stat(m.GoMod)
		if err != nil {
			return changed, err
		}
		data, err := Rewrite(m, v)
		if err != nil {
			return changed, err
		}
		if string(data) == string(old) {
			continue
		}
		if err := os.WriteFile(m.GoMod, data, fi.Mode().Perm()); err != nil {
			return changed, err
		}
		changed = append(changed, m.GoMod)
	}
	return changed, nil
}
