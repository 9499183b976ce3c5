// Package readme reads the install commands and the quick starts out of
// README.md, so that the consumer test builds exactly what a reader copies.
//
// A quick start is one or more fenced code blocks, each right after a marker
// line naming the module it is about and the file the block is:
//
//	<!-- quickstart adapters/gin: main.go -->
//	```go
//	package main
//	...
//	```
//
// A marker may name several modules ("adapters/fiber adapters/fiberv3") for a
// file they share, such as a template. The install commands are the `go get`
// lines of the fenced block right after "<!-- install -->".
package readme

import (
	"bytes"
	"errors"
	"fmt"
	"go/format"
	"path"
	"regexp"
	"slices"
	"strings"
)

// QuickStart is the program one quick start shows.
type QuickStart struct {
	Module string            // the folder of the module it shows: "adapters/gin", "core"
	Files  map[string][]byte // file name (slash-separated) -> content
	Line   int               // line of its first marker, for messages
}

// Install is one `go get` command of the install section.
type Install struct {
	Args []string // the arguments after "go get"
	Line int
}

var (
	quickMarker   = regexp.MustCompile(`^<!-- quickstart ([a-z0-9/ ]+): ([A-Za-z0-9_./-]+) -->$`)
	installMarker = "<!-- install -->"
	getLine       = regexp.MustCompile(`^go get ([^#]+?)\s*(#.*)?$`)
)

// Parse returns the quick starts, in the order of their first marker, and the
// install commands. Go files must be gofmt-clean, since readers copy them.
func Parse(md []byte) ([]QuickStart, []Install, error) {
	lines := strings.Split(strings.ReplaceAll(string(md), "\r\n", "\n"), "\n")
	var (
		qs      []QuickStart
		inst    []Install
		errs    []error
		byName  = map[string]int{}
		sawInst bool
	)
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		m := quickMarker.FindStringSubmatch(line)
		if m == nil && line != installMarker {
			if strings.HasPrefix(line, "<!-- quickstart") || strings.HasPrefix(line, "<!-- install") {
				errs = append(errs, fmt.Errorf("README.md:%d: malformed marker %q", i+1, line))
			}
			continue
		}
		body, start, end, err := fence(lines, i+1)
		if err != nil {
			errs = append(errs, fmt.Errorf("README.md:%d: %s: %w", i+1, line, err))
			continue
		}
		if m == nil { // install
			sawInst = true
			for j, l := range strings.Split(strings.TrimRight(body, "\n"), "\n") {
				l = strings.TrimSpace(l)
				if l == "" || strings.HasPrefix(l, "#") {
					continue
				}
				g := getLine.FindStringSubmatch(l)
				if g == nil {
					errs = append(errs, fmt.Errorf("README.md:%d: the install block holds only go get lines, not %q", start+2+j, l))
					continue
				}
				inst = append(inst, Install{Args: strings.Fields(g[1]), Line: start + 2 + j})
			}
			i = end
			continue
		}
		file := m[2]
		if path.Clean(file) != file || strings.HasPrefix(file, "../") || path.IsAbs(file) {
			errs = append(errs, fmt.Errorf("README.md:%d: file %q must stay inside the program's folder", i+1, file))
		}
		if strings.HasSuffix(file, ".go") {
			if f, err := format.Source([]byte(body)); err != nil {
				errs = append(errs, fmt.Errorf("README.md:%d: %s of %s does not parse: %w", i+1, file, m[1], err))
			} else if !bytes.Equal(f, []byte(body)) {
				errs = append(errs, fmt.Errorf("README.md:%d: %s of %s is not gofmt-clean; gofmt makes it:\n%s", i+1, file, m[1], f))
			}
		}
		for _, mod := range strings.Fields(m[1]) {
			k, ok := byName[mod]
			if !ok {
				k = len(qs)
				byName[mod] = k
				qs = append(qs, QuickStart{Module: mod, Files: map[string][]byte{}, Line: i + 1})
			}
			if _, dup := qs[k].Files[file]; dup {
				errs = append(errs, fmt.Errorf("README.md:%d: a second %s for %s", i+1, file, mod))
			}
			qs[k].Files[file] = []byte(body)
		}
		i = end
	}
	if !sawInst {
		errs = append(errs, errors.New("README.md has no "+installMarker+" block"))
	}
	for _, q := range qs {
		if !slices.ContainsFunc(keys(q.Files), func(f string) bool { return strings.HasSuffix(f, ".go") }) {
			errs = append(errs, fmt.Errorf("README.md:%d: the quick start of %s has no Go file", q.Line, q.Module))
		}
	}
	return qs, inst, errors.Join(errs...)
}

// fence returns the content of the fenced block that starts at lines[i]
// (blank lines before it allowed), the index of its opening line and that
// of its closing line.
func fence(lines []string, i int) (string, int, int, error) {
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	if i == len(lines) || !strings.HasPrefix(lines[i], "```") {
		return "", 0, 0, errors.New("want a fenced code block (```) right after the marker")
	}
	var b strings.Builder
	for j := i + 1; j < len(lines); j++ {
		if lines[j] == "```" {
			return b.String(), i, j, nil
		}
		b.WriteString(lines[j])
		b.WriteByte('\n')
	}
	return "", 0, 0, errors.New("the code block is never closed")
}

func keys(m map[string][]byte) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	slices.Sort(k)
	return k
}
