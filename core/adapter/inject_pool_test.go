package adapter_test

import (
	"net/http"
	"runtime"
	"strings"
	"testing"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/adapter"
)

// discardWriter is a ResponseWriter that keeps nothing, as a server writes
// into a fixed buffer.
type discardWriter struct {
	h http.Header
	n int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) WriteHeader(int)             {}
func (d *discardWriter) Write(p []byte) (int, error) { d.n += len(p); return len(p), nil }

// TestInjectWriterPoolsItsGatheringBuffer: a page written in small pieces
// is gathered in a pooled buffer, not one allocated per request (issue
// 14): a request that writes the page in 1,500 pieces allocates less than
// 1 KB more than one that writes it at once (the buffer is 4 KB).
func TestInjectWriterPoolsItsGatheringBuffer(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop what it is given")
	}
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	snippet := snippetOf(m)
	page := strings.Repeat("<tr><td>x</td><td>y</td></tr>\n", 300) + "</body></html>"
	var pieces [][]byte
	for _, p := range strings.SplitAfter(page, ">") {
		pieces = append(pieces, []byte(p))
	}
	serve := func(w *discardWriter, pieces [][]byte) {
		r := start(m, glue(), &ctx{})
		_, err := r.Inject(w, "GET", func(_ http.ResponseWriter, iw *adapter.InjectWriter) {
			iw.Header().Set("Content-Type", "text/html")
			for _, p := range pieces {
				_, _ = iw.Write(p)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	perRequest := func(pieces [][]byte) uint64 {
		w := &discardWriter{h: http.Header{}}
		serve(w, pieces)
		if want := len(page) + len(snippet); w.n != want {
			t.Fatalf("sent %d bytes, want %d", w.n, want)
		}
		const rounds = 200
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for range rounds {
			w.n = 0
			clear(w.h)
			serve(w, pieces)
		}
		runtime.ReadMemStats(&after)
		return (after.TotalAlloc - before.TotalAlloc) / rounds
	}
	whole, small := perRequest([][]byte{[]byte(page)}), perRequest(pieces)
	if len(pieces) < 1000 || small >= whole+1024 {
		t.Errorf("%d pieces: %d bytes allocated per request, %d for the page at once; want less than 1024 more", len(pieces), small, whole)
	}
}
