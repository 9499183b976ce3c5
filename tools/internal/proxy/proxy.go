// Package proxy builds a file-system module proxy (GOPROXY=file://DIR) from a
// working tree: the zips, go.mod files, .info files and version lists the go
// command would fetch from proxy.golang.org once the modules are tagged.
package proxy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"

	"github.com/goanalytical/intercom/tools/internal/repo"
)

// Build writes, under out, version v of each released module of the
// repository at repoDir, as it is in the working tree: the files git tracks
// or would track (so no ignored build output gets in), with the go.mod's
// sibling requirements at v (what the release script writes before tagging).
// A module without a LICENSE of its own gets the repository's, as the go
// command does for a module in a subdirectory.
func Build(repoDir, out, v string, when time.Time) ([]module.Version, error) {
	if err := repo.CheckVersion(v); err != nil {
		return nil, err
	}
	mods, err := repo.Load(repoDir)
	if err != nil {
		return nil, err
	}
	license, err := os.ReadFile(filepath.Join(repoDir, "LICENSE")) //nolint:gosec // the repository's own file
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	var built []module.Version
	for _, m := range mods {
		if !m.Released {
			continue
		}
		if _, err := repo.Siblings(mods, m); err != nil {
			return built, err
		}
		mv := module.Version{Path: m.Path, Version: v}
		if err := buildOne(repoDir, out, m, mv, license, when); err != nil {
			return built, fmt.Errorf("%s: %w", mv, err)
		}
		built = append(built, mv)
	}
	return built, nil
}

func buildOne(repoDir, out string, m repo.Module, mv module.Version, license []byte, when time.Time) error {
	gomod, err := repo.Rewrite(m, mv.Version)
	if err != nil {
		return err
	}
	dir := filepath.Join(repoDir, filepath.FromSlash(m.Dir))
	names, err := gitFiles(dir)
	if err != nil {
		return err
	}
	var files []zip.File
	hasLicense := false
	for _, name := range names {
		switch name {
		case "go.mod":
			files = append(files, memFile{name: name, data: gomod})
			continue
		case "LICENSE":
			hasLicense = true
		}
		files = append(files, diskFile{name: name, file: filepath.Join(dir, filepath.FromSlash(name))})
	}
	if !hasLicense && license != nil {
		files = append(files, memFile{name: "LICENSE", data: license})
	}

	esc, err := module.EscapePath(mv.Path)
	if err != nil {
		return err
	}
	at := filepath.Join(out, filepath.FromSlash(esc), "@v")
	if err := os.MkdirAll(at, 0o750); err != nil {
		return err
	}
	var zbuf bytes.Buffer
	if err := zip.Create(&zbuf, mv, files); err != nil {
		return err
	}
	info, err := json.Marshal(struct {
		Version string
		Time    time.Time
	}{mv.Version, when.UTC().Truncate(time.Second)})
	if err != nil {
		return err
	}
	for name, data := range map[string][]byte{
		mv.Version + ".zip":  zbuf.Bytes(),
		mv.Version + ".mod":  gomod,
		mv.Version + ".info": info,
		"list":               []byte(mv.Version + "\n"),
		"../@latest":         info,
	} {
		if err := os.WriteFile(filepath.Join(at, filepath.FromSlash(name)), data, 0o600); err != nil {
			return err
		}
	}
	zipName := filepath.Join(at, mv.Version+".zip")
	if _, err := zip.CheckZip(mv, zipName); err != nil {
		return err
	}
	return nil
}

// gitFiles lists the files of the module in dir as git sees them: tracked or
// untracked but not ignored, and still present, relative to dir.
func gitFiles(dir string) ([]string, error) {
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--deduplicate", "--", ".")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	outb, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git ls-files in %s: %w: %s", dir, err, strings.TrimSpace(stderr.String()))
	}
	var names []string
	for _, n := range strings.Split(string(outb), "\x00") {
		if n == "" {
			continue
		}
		if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(n))); errors.Is(err, fs.ErrNotExist) {
			continue // deleted in the working tree, not yet in the index
		}
		names = append(names, path.Clean(n))
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("git knows no file in %s", dir)
	}
	return names, nil
}

type diskFile struct{ name, file string }

func (f diskFile) Path() string                 { return f.name }
func (f diskFile) Lstat() (os.FileInfo, error)  { return os.Lstat(f.file) }
func (f diskFile) Open() (io.ReadCloser, error) { return os.Open(f.file) }

type memFile struct {
	name string
	data []byte
}

func (f memFile) Path() string                 { return f.name }
func (f memFile) Lstat() (os.FileInfo, error)  { return memInfo(f), nil }
func (f memFile) Open() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(f.data)), nil }

type memInfo memFile

func (i memInfo) Name() string       { return path.Base(i.name) }
func (i memInfo) Size() int64        { return int64(len(i.data)) }
func (i memInfo) Mode() fs.FileMode  { return 0o644 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }
