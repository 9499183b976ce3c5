package browsertest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goanalytical/intercom/examples/internal/demo"
)

// TestBrowserLibraries fetches Turbo, htmx and Intercom's SDK from npm (as
// the browser tests do; .ci/run runs it first) and checks that Turbo's and
// htmx's files are the ones the demo pages pin with Subresource Integrity
// and load from jsDelivr.
func TestBrowserLibraries(t *testing.T) {
	dir := LibDir(t)
	for _, l := range demo.Libraries() {
		if err := checkIntegrity(l, dir); err != nil {
			t.Error(err)
		}
		body, err := os.ReadFile(l.Path(dir))
		if err != nil {
			t.Fatal(err)
		}
		// The file says which version it is: the pin and the package agree.
		if !bytes.Contains(body[:min(len(body), 4096)], []byte(l.Version)) {
			t.Errorf("%s does not name version %s in its first 4 KiB", l.Path(dir), l.Version)
		}
	}
	// And Intercom's SDK, for TestBrowserCalls.
	pkg, err := os.ReadFile(filepath.Join(SDKDir(t), "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	if want := `"version": "` + messengerSDK.Version + `"`; !bytes.Contains(pkg, []byte(want)) {
		t.Errorf("the SDK's package.json lacks %s", want)
	}
}

func TestLibraryNames(t *testing.T) {
	for _, c := range []struct {
		l                 demo.Library
		spec, folder, cdn string
	}{
		{demo.Turbo, "@hotwired/turbo@8.0.23", "hotwired-turbo-8.0.23",
			"https://cdn.jsdelivr.net/npm/@hotwired/turbo@8.0.23/dist/turbo.es2017-umd.js"},
		{demo.HTMX, "htmx.org@4.0.1", "htmx.org-4.0.1", "https://cdn.jsdelivr.net/npm/htmx.org@4.0.1/dist/htmx.min.js"},
	} {
		if got := c.l.Spec(); got != c.spec {
			t.Errorf("Spec() = %q, want %q", got, c.spec)
		}
		if got := c.l.Folder(); got != c.folder {
			t.Errorf("Folder() = %q, want %q", got, c.folder)
		}
		if got := c.l.CDN(); got != c.cdn {
			t.Errorf("CDN() = %q, want %q", got, c.cdn)
		}
	}
}

// tgz writes a gzipped tarball of name → content (a name ending in "/" is a
// folder, one starting with "->" a symbolic link) into dir.
func tgz(t *testing.T, dir string, files [][2]string) string {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range files {
		h := &tar.Header{Name: f[0], Mode: 0o644, Size: int64(len(f[1])), Typeflag: tar.TypeReg}
		switch {
		case strings.HasSuffix(f[0], "/"):
			h.Typeflag, h.Size, h.Mode = tar.TypeDir, 0, 0o755
		case strings.HasPrefix(f[1], "->"):
			h.Typeflag, h.Size, h.Linkname = tar.TypeSymlink, 0, strings.TrimPrefix(f[1], "->")
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write([]byte(f[1])); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "p.tgz")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUntar(t *testing.T) {
	for _, c := range []struct {
		name    string
		files   [][2]string
		want    map[string]string // the files untar makes
		wantErr string
	}{
		{"a package", [][2]string{{"package/", ""}, {"package/dist/x.js", "x"}, {"package/package.json", "{}"}},
			map[string]string{"package/dist/x.js": "x", "package/package.json": "{}"}, ""},
		{"links are left out", [][2]string{{"package/a.js", "a"}, {"package/l.js", "->/etc/passwd"}},
			map[string]string{"package/a.js": "a"}, ""},
		{"a path up", [][2]string{{"../evil.js", "x"}}, nil, "a path outside the package"},
		{"a path up inside", [][2]string{{"package/../../evil.js", "x"}}, nil, "a path outside the package"},
		{"an absolute path", [][2]string{{"/tmp/evil.js", "x"}}, nil, "a path outside the package"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "out")
			err := untar(tgz(t, dir, c.files), out)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("untar: %v, want an error with %q", err, c.wantErr)
				}
				if _, err := os.Stat(filepath.Join(dir, "evil.js")); err == nil {
					t.Errorf("untar wrote outside its folder")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			_ = filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					b, _ := os.ReadFile(p)
					rel, _ := filepath.Rel(out, p)
					got[filepath.ToSlash(rel)] = string(b)
				}
				return nil
			})
			equalJSON(t, "the files", got, c.want)
		})
	}
}
