// Command skipcheck reads the JSON stream of go test -json on its standard
// input, prints what go test without -json would (the package lines, and the
// output of each failed test), lists every skipped test, and fails when a
// test skipped that the allowlist below does not name, or a test failed:
// a skipped test must not pass for a passing one.
//
//	go test -json work | go run .ci/skipcheck/skipcheck.go
//
// Packages without test files are not tests, and are not listed.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// allowed are the tests that may skip in CI, each with why. Keep it short:
// anything added here is a test CI no longer runs.
var allowed = map[string]string{
	// The suite's self-test runs the suite against each broken reference
	// adapter in a child process of TestSuiteCatchesBrokenAdapters, which
	// sets CONFORMANCE_MUTANT; run directly, it has nothing to do.
	"github.com/goanalytical/intercom/conformance TestBrokenHarness":        "runs only as a child process of TestSuiteCatchesBrokenAdapters",
	"github.com/goanalytical/intercom/conformance TestBrokenClientIPRecipe": "runs only as a child process of TestCheckClientIPRecipesCatchesBugs",
}

// event is one line of go test -json (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

// result is what check found.
type result struct {
	passed, failed int
	skipped        []skip
}

type skip struct {
	name    string // "package test"
	reason  string // the allowlist's, "" when not allowed
	message string // the test's own output, for one that is not allowed
}

// check reads a go test -json stream from in and writes to out what go test
// would print without -json.
func check(in io.Reader, out io.Writer) (result, error) {
	var res result
	held := map[string][]string{} // output of tests still running, by "package test"
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			fmt.Fprintf(out, "%s\n", line) // not an event: go's own messages
			continue
		}
		key := e.Package + " " + e.Test
		switch {
		case e.Action == "build-output":
			fmt.Fprint(out, e.Output)
		case e.Test == "":
			if e.Action == "output" && e.Output != "PASS\n" { // go test prints PASS only with -v
				fmt.Fprint(out, e.Output)
			}
			if e.Action == "fail" {
				// A panic or a timeout ends the package with tests still
				// running: their output says what happened.
				var running []string
				for k := range held {
					if strings.HasPrefix(k, e.Package+" ") {
						running = append(running, k)
					}
				}
				sort.Strings(running)
				for _, k := range running {
					fmt.Fprint(out, strings.Join(held[k], ""))
					delete(held, k)
				}
			}
		case e.Action == "output":
			held[key] = append(held[key], e.Output)
		case e.Action == "pass":
			res.passed++
			delete(held, key)
		case e.Action == "fail":
			res.failed++
			fmt.Fprint(out, strings.Join(held[key], ""))
			delete(held, key)
		case e.Action == "skip":
			s := skip{name: key, reason: allowed[key]}
			if s.reason == "" {
				s.message = strings.Join(held[key], "")
			}
			res.skipped = append(res.skipped, s)
			delete(held, key)
		}
	}
	return res, sc.Err()
}

func main() {
	res, err := check(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "skipcheck: reading go test -json:", err)
		os.Exit(2)
	}
	sort.Slice(res.skipped, func(i, j int) bool { return res.skipped[i].name < res.skipped[j].name })
	unexpected := 0
	fmt.Printf("\nskipped tests: %d\n", len(res.skipped))
	for _, s := range res.skipped {
		if s.reason != "" {
			fmt.Printf("  %s (allowed: %s)\n", s.name, s.reason)
			continue
		}
		unexpected++
		fmt.Printf("  %s: NOT ALLOWED\n%s", s.name, indent(s.message))
	}
	fmt.Printf("tests: %d passed, %d failed, %d skipped\n", res.passed, res.failed, len(res.skipped))
	switch {
	case res.failed > 0:
		os.Exit(1)
	case unexpected > 0:
		fmt.Printf("%d tests skipped that .ci/skipcheck/skipcheck.go does not allow: make them run, or allow them there with the reason\n", unexpected)
		os.Exit(1)
	}
}

// indent indents each line of s for the skip list.
func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if l != "" {
			b.WriteString("      " + l)
		}
	}
	if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
		b.WriteString("\n")
	}
	return b.String()
}
