package browsertest

import (
	"os"
	"path/filepath"
	"testing"
)

// ArtifactsEnv names the folder the browser tests keep their screenshots
// in, for a reviewer to look at; .ci/run sets it and prints it. The default
// is intercom-artifacts in the system's temporary folder. The files are
// named after the example and the page, such as gin-account.png, and each
// run replaces them.
const ArtifactsEnv = "INTERCOM_ARTIFACTS"

// artifactsDir returns the artifacts folder, made if need be.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv(ArtifactsEnv)
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "intercom-artifacts")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil { //nolint:gosec // the folder the person running the tests names
		t.Fatalf("the artifacts folder (%s): %v", ArtifactsEnv, err)
	}
	return dir
}

// exampleName is the name of the example under test: its folder, where go
// test runs its tests.
func exampleName(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Base(wd)
}

// saveArtifact writes data as the artifact name of the example under test
// and returns its path.
func saveArtifact(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(artifactsDir(t), exampleName(t)+"-"+name)
	if err := os.WriteFile(p, data, 0o644); err != nil { //nolint:gosec // a screenshot for reviewers, not a secret
		t.Fatalf("saving %s: %v", p, err)
	}
	t.Logf("saved %s", p)
	return p
}
