// Command indexdb lays out Go vulnerability database OSV records (the
// offline copy in ../shared/vulndb/osv.tar.gz, unpacked) in the v1 format
// govulncheck reads with -db file://DIR: DIR/ID/<id>.json and the index
// files DIR/index/{db,modules,vulns}.json.
//
//	go run .ci/vulndb/indexdb.go OSVDIR DBDIR
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

type osv struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases,omitempty"`
	Affected []struct {
		Package struct {
			Name string `json:"name"`
		} `json:"package"`
	} `json:"affected"`
}

type moduleVuln struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
}

type module struct {
	Path  string       `json:"path"`
	Vulns []moduleVuln `json:"vulns"`
}

type vuln struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases,omitempty"`
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: indexdb OSVDIR DBDIR")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "indexdb:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	files, err := filepath.Glob(filepath.Join(in, "*.json"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no OSV records in %s", in)
	}
	for _, d := range []string{"ID", "index"} {
		if err := os.MkdirAll(filepath.Join(out, d), 0o755); err != nil {
			return err
		}
	}
	modules := map[string][]moduleVuln{}
	var vulns []vuln
	var latest time.Time
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var e osv
		if err := json.Unmarshal(b, &e); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		if !strings.HasPrefix(e.ID, "GO-") {
			return fmt.Errorf("%s: id %q is not a Go vulnerability id", f, e.ID)
		}
		if err := os.WriteFile(filepath.Join(out, "ID", e.ID+".json"), b, 0o644); err != nil {
			return err
		}
		if e.Modified.After(latest) {
			latest = e.Modified
		}
		vulns = append(vulns, vuln{ID: e.ID, Modified: e.Modified, Aliases: e.Aliases})
		seen := map[string]bool{}
		for _, a := range e.Affected {
			if p := a.Package.Name; p != "" && !seen[p] {
				seen[p] = true
				modules[p] = append(modules[p], moduleVuln{ID: e.ID, Modified: e.Modified})
			}
		}
	}
	if latest.IsZero() {
		latest = time.Date(2026, 8, 21, 0, 0, 0, 0, time.UTC) // the copy's date (SOURCE)
	}
	var mods []module
	for _, p := range slices.Sorted(func(yield func(string) bool) {
		for p := range modules {
			if !yield(p) {
				return
			}
		}
	}) {
		mods = append(mods, module{Path: p, Vulns: modules[p]})
	}
	slices.SortFunc(vulns, func(a, b vuln) int { return strings.Compare(a.ID, b.ID) })
	for name, v := range map[string]any{
		"db.json":      map[string]time.Time{"modified": latest},
		"modules.json": mods,
		"vulns.json":   vulns,
	} {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, "index", name), b, 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("indexdb: %d records, %d modules in %s\n", len(vulns), len(mods), out)
	return nil
}
