package consumer

import (
	"bytes"
	"strings"
	"testing"

	"github.com/goanalytical/intercom/tools/internal/readme"
	"github.com/goanalytical/intercom/tools/internal/repo"
)

func TestCovers(t *testing.T) {
	mods := []repo.Module{
		{Dir: "core", Path: repo.Root + "/core", Released: true},
		{Dir: "adapters/gin", Path: repo.Root + "/adapters/gin", Released: true},
		{Dir: "conformance", Path: repo.Root + "/conformance", Released: true},
		{Dir: "examples", Path: repo.Root + "/examples"},
	}
	get := func(dirs ...string) []readme.Install {
		var in []readme.Install
		for _, d := range dirs {
			in = append(in, readme.Install{Args: []string{repo.Root + "/" + d + "@latest"}})
		}
		return in
	}
	qs := []readme.QuickStart{{Module: "core"}, {Module: "adapters/gin"}}
	if err := covers(mods, qs, get("core", "adapters/gin", "conformance")); err != nil {
		t.Errorf("complete README: %v", err)
	}
	for name, c := range map[string]struct {
		qs   []readme.QuickStart
		inst []readme.Install
		want string
	}{
		"no install line":   {qs, get("core", "adapters/gin"), "conformance@latest 0 times"},
		"two install lines": {qs, get("core", "adapters/gin", "conformance", "core"), "core@latest 2 times"},
		"no quick start":    {qs[:1], get("core", "adapters/gin", "conformance"), "no quick start for adapters/gin"},
		"unreleased":        {append(qs, readme.QuickStart{Module: "examples"}), get("core", "adapters/gin", "conformance"), "not a released module"},
	} {
		err := covers(mods, c.qs, c.inst)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}

func TestQuiet(t *testing.T) {
	var b bytes.Buffer
	q := &quiet{w: &b}
	_, _ = q.Write([]byte("go: downloading a v1\ngo: added a v1\npart"))
	_, _ = q.Write([]byte("ial\ngo: downloading b v2\nlast"))
	q.flush()
	if got := b.String(); got != "go: added a v1\npartial\nlast" {
		t.Errorf("quiet wrote %q", got)
	}
}
