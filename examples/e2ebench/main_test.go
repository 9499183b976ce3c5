package main

import (
	"html/template"
	"io"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"
)

// wrkReport is wrk 4.1.0's report for a 1 s run with --latency.
const wrkReport = `Running 1s test @ http://127.0.0.1:18089/
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    11.23ms    5.97ms  24.32ms   56.57%
    Req/Sec   173.60     44.00   272.00     70.00%
  Latency Distribution
     50%   10.01ms
     75%   16.90ms
     90%   19.73ms
     99%   23.29ms
  173 requests in 1.00s, 3.76MB read
Requests/sec:    172.92
Transfer/sec:      3.76MB
`

func TestParseWrk(t *testing.T) {
	tests := []struct {
		name    string
		out     string
		want    result
		wantErr bool
	}{
		{"report", wrkReport, result{requests: 173, rps: 172.92, p99: 23290 * time.Microsecond}, false},
		{"non-2xx", wrkReport + "  Non-2xx or 3xx responses: 12\n", result{}, true},
		{"socket errors", wrkReport + "  Socket errors: connect 0, read 3, write 0, timeout 0\n", result{}, true},
		{"no report", "unable to connect to 127.0.0.1:1 Connection refused\n", result{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseWrk([]byte(tt.out))
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseWrk: err = %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && got != tt.want {
				t.Errorf("parseWrk = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseLatency(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"812.00us", 812 * time.Microsecond, false},
		{"1.20ms", 1200 * time.Microsecond, false},
		{"2.01s", 2010 * time.Millisecond, false},
		{"1.50m", 90 * time.Second, false},
		{"12", 0, true},
		{"x.0ms", 0, true},
	}
	for _, tt := range tests {
		got, err := parseLatency(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("parseLatency(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestRotate(t *testing.T) {
	in := []string{"bare", "helper", "inject"}
	for n, want := range [][]string{
		{"bare", "helper", "inject"},
		{"helper", "inject", "bare"},
		{"inject", "bare", "helper"},
		{"bare", "helper", "inject"},
	} {
		if got := rotate(in, n); !slices.Equal(got, want) {
			t.Errorf("rotate(%v, %d) = %v, want %v", in, n, got, want)
		}
	}
}

// TestApps serves each adapter's apps once with each page and checks them:
// a snippet with a user_hash on the helper and inject pages, none on bare
// and padded; and the padded page is exactly as long as the helper page.
func TestApps(t *testing.T) {
	defer func(p *template.Template) { page = p }(page)
	for _, name := range []string{"small", "typical"} {
		page = pages[name]
		lengths := make(map[string]int)
		for _, a := range adapters {
			for _, cfg := range configs {
				t.Run(name+"/"+a.name+"/"+cfg, func(t *testing.T) {
					url, stop, err := serve(a, cfg)
					if err != nil {
						t.Fatal(err)
					}
					defer stop()
					if err := checkPage(url, cfg); err != nil {
						t.Error(err)
					}
					lengths[a.name+"/"+cfg] = pageLength(t, url)
				})
			}
			if p, h := lengths[a.name+"/padded"], lengths[a.name+"/helper"]; p != h || p == 0 {
				t.Errorf("%s page, %s: the padded page has %d bytes, the helper page %d", name, a.name, p, h)
			}
		}
		if n := lengths["gin/bare"]; name == "typical" && (n < 25<<10 || n > 35<<10) {
			t.Errorf("the typical page has %d bytes, want about 30 KB", n)
		}
	}
}

// pageLength returns the length of the body GET url answers.
func pageLength(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return len(body)
}

// TestMain lets the test binary be a server process of the together mode,
// as the program is: startChild runs os.Executable with -serve.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "-serve" {
		main()
		return
	}
	os.Exit(m.Run())
}

// TestChild starts a server process as measureTogether does and checks what
// it serves: each configuration's page on its own URL, its CPU time rising
// as it serves, and a clean stop when its standard input closes.
func TestChild(t *testing.T) {
	c, err := startChild("nethttp", "small", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.stop()
	if len(c.urls) != len(configs) || c.ctrl == "" {
		t.Fatalf("child URLs %v, control %q; want %d URLs and a control URL", c.urls, c.ctrl, len(configs))
	}
	var before, after time.Duration
	if err := c.get("/cpu", &before); err != nil {
		t.Fatal(err)
	}
	for i, cfg := range configs {
		for range 200 {
			if err := checkPage(c.urls[i], cfg); err != nil {
				t.Fatalf("%s: %v", cfg, err)
			}
		}
	}
	if err := c.get("/gc", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.get("/cpu", &after); err != nil {
		t.Fatal(err)
	}
	if before <= 0 || after <= before {
		t.Errorf("the child's CPU time went from %v to %v over 800 pages; want it to rise", before, after)
	}
}
