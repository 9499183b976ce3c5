package readme

import (
	"os"
	"strings"
	"testing"
)

const sample = "# x\n\n" +
	"<!-- install -->\n```sh\ngo get example.com/a@latest   # A\n\n# a comment\ngo get example.com/b@latest\n```\n\n" +
	"<!-- quickstart adapters/a: main.go -->\n```go\npackage main\n\nfunc main() {}\n```\n\n" +
	"<!-- quickstart adapters/a adapters/b: views/p.html -->\n```html\n<p>{{ .Intercom }}</p>\n```\n\n" +
	"<!-- quickstart adapters/b: main.go -->\n\n```go\npackage main\n\nfunc main() {}\n```\n"

func TestParse(t *testing.T) {
	qs, inst, err := Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	if len(inst) != 2 || strings.Join(inst[0].Args, " ") != "example.com/a@latest" || inst[0].Line != 5 || inst[1].Line != 8 {
		t.Errorf("install = %+v", inst)
	}
	if len(qs) != 2 || qs[0].Module != "adapters/a" || qs[1].Module != "adapters/b" {
		t.Fatalf("quick starts = %+v", qs)
	}
	for _, q := range qs {
		if string(q.Files["views/p.html"]) != "<p>{{ .Intercom }}</p>\n" || string(q.Files["main.go"]) != "package main\n\nfunc main() {}\n" {
			t.Errorf("%s: files %q", q.Module, q.Files)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for name, md := range map[string]string{
		"no install":     "<!-- quickstart core: main.go -->\n```go\npackage main\n\nfunc main() {}\n```\n",
		"not gofmt":      "<!-- install -->\n```sh\n```\n<!-- quickstart core: main.go -->\n```go\npackage main\nfunc main() {  }\n```\n",
		"no fence":       "<!-- install -->\n```sh\n```\n<!-- quickstart core: main.go -->\ntext\n",
		"unclosed":       "<!-- install -->\n```sh\n```\n<!-- quickstart core: main.go -->\n```go\npackage main\n",
		"not go get":     "<!-- install -->\n```sh\ngo install example.com/a@latest\n```\n",
		"escapes folder": "<!-- install -->\n```sh\n```\n<!-- quickstart core: ../x.go -->\n```go\npackage main\n```\n",
		"malformed":      "<!-- install -->\n```sh\n```\n<!-- quickstart core main.go -->\n",
		"no go file":     "<!-- install -->\n```sh\n```\n<!-- quickstart core: a.html -->\n```html\n<p></p>\n```\n",
		"twice":          "<!-- install -->\n```sh\n```\n<!-- quickstart core: main.go -->\n```go\npackage main\n```\n<!-- quickstart core: main.go -->\n```go\npackage main\n```\n",
	} {
		if _, _, err := Parse([]byte(md)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// The repository's own README parses: every quick start is gofmt-clean.
// (The consumer test in .ci/run builds and runs them.)
func TestREADME(t *testing.T) {
	md, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	qs, inst, err := Parse(md)
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) < 7 || len(inst) < 8 {
		t.Errorf("README.md: %d quick starts, %d install lines", len(qs), len(inst))
	}
}
