package repo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fake writes a repository with go.work and the given go.mod files.
func fake(t *testing.T, mods map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	work := "go 1.25.0\n\nuse (\n"
	for d, gomod := range mods {
		work += "\t./" + d + "\n"
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, d, "go.mod"), []byte(gomod), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "go.work"), []byte(work+")\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

const (
	coreMod = "module github.com/goanalytical/intercom/core\n\ngo 1.25\n"
	ginMod  = `module github.com/goanalytical/intercom/adapters/gin

go 1.25.0

require (
	github.com/gin-gonic/gin v1.12.0
	github.com/goanalytical/intercom/conformance VERSION
	github.com/goanalytical/intercom/core VERSION
)

replace (
	github.com/goanalytical/intercom/conformance => ../../conformance
	github.com/goanalytical/intercom/core => ../../core
)
`
	confMod = `module github.com/goanalytical/intercom/conformance

go 1.25.0

require github.com/goanalytical/intercom/core VERSION

replace github.com/goanalytical/intercom/core => ../core
`
	exMod = `module github.com/goanalytical/intercom/examples

go 1.25.0

require github.com/goanalytical/intercom/adapters/gin VERSION

replace (
	github.com/goanalytical/intercom/adapters/gin => ../adapters/gin
	github.com/goanalytical/intercom/conformance => ../conformance
	github.com/goanalytical/intercom/core => ../core
)
`
)

func at(gomod, v string) string { return strings.ReplaceAll(gomod, "VERSION", v) }

func TestSetVersion(t *testing.T) {
	dir := fake(t, map[string]string{"core": coreMod, "adapters/gin": at(ginMod, "v0.0.0"),
		"conformance": at(confMod, "v0.0.0"), "examples": at(exMod, "v0.0.0")})
	mods, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Version(mods); err == nil || !strings.Contains(err.Error(), "v0.0.0 is no release") {
		t.Errorf("Version at v0.0.0: %v", err)
	}
	changed, err := SetVersion(mods, "v0.2.0")
	if err != nil || len(changed) != 3 {
		t.Fatalf("SetVersion: %v, changed %v", err, changed)
	}
	if v, err := Version(mods); err != nil || v != "v0.2.0" {
		t.Errorf("Version = %q, %v", v, err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "adapters/gin/go.mod"))
	if string(got) != at(ginMod, "v0.2.0") {
		t.Errorf("gin go.mod:\n%s", got)
	}
	for _, m := range mods {
		if m.Released == (m.Dir == "examples") {
			t.Errorf("%s: Released = %v", m.Dir, m.Released)
		}
	}
	if _, err := SetVersion(mods, "v2.0.0"); err == nil {
		t.Error("v2.0.0 accepted")
	}
	if _, err := SetVersion(mods, "0.3"); err == nil {
		t.Error("0.3 accepted")
	}
}

func TestVersionErrors(t *testing.T) {
	for name, mods := range map[string]map[string]string{
		"two versions": {"core": coreMod, "adapters/gin": at(ginMod, "v0.1.0"), "conformance": at(confMod, "v0.2.0")},
		"no replace": {"core": coreMod, "adapters/gin": at(ginMod, "v0.1.0"),
			"conformance": "module github.com/goanalytical/intercom/conformance\n\ngo 1.25.0\n\nrequire github.com/goanalytical/intercom/core v0.1.0\n"},
		"wrong replace": {"core": coreMod, "adapters/gin": at(ginMod, "v0.1.0"), "conformance": strings.ReplaceAll(at(confMod, "v0.1.0"), "=> ../core", "=> ./core")},
		"missing transitive replace": {"core": coreMod, "adapters/gin": at(ginMod, "v0.1.0"), "conformance": at(confMod, "v0.1.0"),
			"examples": strings.ReplaceAll(at(exMod, "v0.1.0"), "\tgithub.com/goanalytical/intercom/conformance => ../conformance\n", "")},
		"stale replace": {"core": coreMod, "conformance": at(confMod, "v0.1.0") + "replace github.com/goanalytical/intercom/adapters/gin => ../adapters/gin\n",
			"adapters/gin": at(ginMod, "v0.1.0")},
		"unreleased sibling": {"core": coreMod, "adapters/gin": at(ginMod, "v0.1.0"), "conformance": at(confMod, "v0.1.0"), "examples": at(exMod, "v0.1.0"),
			"adapters/echo": "module github.com/goanalytical/intercom/adapters/echo\n\ngo 1.25.0\n\nrequire github.com/goanalytical/intercom/examples v0.1.0\n\nreplace github.com/goanalytical/intercom/examples => ../../examples\n"},
	} {
		mods, err := Load(fake(t, mods))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Version(mods); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := Load(fake(t, map[string]string{"core": "module example.com/core\n\ngo 1.25\n"})); err == nil {
		t.Error("a module path that does not match its folder: no error")
	}
}

// The repository itself is consistent.
func TestRepository(t *testing.T) {
	mods, err := Load("../../..")
	if err != nil {
		t.Fatal(err)
	}
	v, err := Version(mods)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("every go.mod requires its siblings at %s", v)
}
