package proxy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/zip"

	"github.com/goanalytical/intercom/tools/internal/repo"
)

// Build, on the repository itself, at a version that is not in its go.mod
// files: every zip is valid, carries the LICENSE, no ignored file, and a
// go.mod requiring its siblings at that version.
func TestBuild(t *testing.T) {
	out := t.TempDir()
	const v = "v0.99.1"
	built, err := Build("../../..", out, v, time.Unix(1700000000, 0))
	if err != nil {
		t.Fatal(err)
	}
	mods, err := repo.Load("../../..")
	if err != nil {
		t.Fatal(err)
	}
	released := 0
	for _, m := range mods {
		if m.Released {
			released++
		}
	}
	if len(built) != released || released < 8 {
		t.Fatalf("built %v, want the %d released modules", built, released)
	}
	for _, mv := range built {
		if mv.Version != v || strings.HasSuffix(mv.Path, "/examples") {
			t.Errorf("built %s", mv)
		}
		at := filepath.Join(out, filepath.FromSlash(mv.Path), "@v")
		files, err := zip.CheckZip(mv, filepath.Join(at, v+".zip"))
		if err != nil {
			t.Fatal(err)
		}
		has := map[string]bool{}
		for _, f := range files.Valid {
			f = strings.TrimPrefix(f, mv.String()+"/")
			has[f] = true
			if strings.HasSuffix(f, ".test") || strings.Contains(f, "/cache/") {
				t.Errorf("%s: ignored file %s in the zip", mv, f)
			}
		}
		if !has["LICENSE"] || !has["go.mod"] {
			t.Errorf("%s: zip without LICENSE or go.mod: %v", mv, has)
		}
		gomod, err := os.ReadFile(filepath.Join(at, v+".mod"))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(gomod), "\n") {
			f := strings.Fields(line)
			if len(f) == 2 && strings.HasPrefix(f[0], repo.Root+"/") && f[1] != v {
				t.Errorf("%s: go.mod line %q, want %s", mv, line, v)
			}
		}
		list, _ := os.ReadFile(filepath.Join(at, "list"))
		latest, _ := os.ReadFile(filepath.Join(at, "..", "@latest"))
		if string(list) != v+"\n" || !strings.Contains(string(latest), `"Version":"`+v+`"`) {
			t.Errorf("%s: list %q, @latest %q", mv, list, latest)
		}
	}
	if _, err := Build("../../..", out, "v0.0.0", time.Now()); err == nil {
		t.Error("v0.0.0 accepted")
	}
}
