package adapter_test

import (
	"net/http"
	"runtime"
	"slices"
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
// 1 KB more than one that writes it at once (the buffer is 24 KB: 16 KB of
// bytes and where 1,024 writes ended).
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

// recordingWriter is a ResponseWriter that keeps what it is sent and the
// size of each write.
type recordingWriter struct {
	h     http.Header
	body  strings.Builder
	sizes []int
}

func (w *recordingWriter) Header() http.Header { return w.h }
func (w *recordingWriter) WriteHeader(int)     {}
func (w *recordingWriter) Write(p []byte) (int, error) {
	w.sizes = append(w.sizes, len(p))
	return w.body.Write(p)
}

// TestInjectWriterSendsGatheredPieces: a page written in small pieces goes
// on in pieces of about 16 KB (fewer chunks and socket writes than the
// template's own, which is what makes Inject cheap under load), and a
// gathered piece holds at most 1,024 writes, so that a page written in
// tinier writes does not grow the pooled buffer's record of them.
func TestInjectWriterSendsGatheredPieces(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345"})
	snippet := snippetOf(m)
	const row = "<tr><td>x</td><td>y</td></tr>\n"
	tests := []struct {
		name  string
		size  int // of the page, about
		write int // bytes a write
		sends int // how many writes reach the wrapped writer, at least
		piece int // the biggest of them, at most, besides the snippet
	}{
		// 16 KB pieces (819 writes each): 7 for 100 KB, not the 25 of 4 KB.
		{"writes of 20 bytes, 100 KB", 100 << 10, 20, 100 << 10 / (16 << 10), 16 << 10},
		// 1,024 writes a piece: 5 KB.
		{"writes of 5 bytes, 100 KB", 100 << 10, 5, 100 << 10 / (5 * 1024), 5 * 1024},
		{"a byte a write, 20 KB", 20 << 10, 1, 20 << 10 / 1024, 1024},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := strings.Repeat(row, tt.size/len(row)) + "</body></html>"
			var pieces []string
			for p := page; len(p) > 0; p = p[min(tt.write, len(p)):] {
				pieces = append(pieces, p[:min(tt.write, len(p))])
			}
			w := &recordingWriter{h: http.Header{}}
			r := start(m, glue(), &ctx{})
			_, err := r.Inject(w, "GET", func(_ http.ResponseWriter, iw *adapter.InjectWriter) {
				iw.Header().Set("Content-Type", "text/html")
				for _, p := range pieces {
					if _, err := iw.Write([]byte(p)); err != nil {
						t.Fatal(err)
					}
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			before, after, _ := strings.Cut(page, "</body>")
			if want := before + snippet + "</body>" + after; w.body.String() != want {
				t.Fatalf("sent %d bytes, want the page with the snippet before </body> (%d bytes)", w.body.Len(), len(want))
			}
			// Each gathered piece goes on as one write, or two where the
			// scan held the tail of the one before (a "<" that might have
			// begun </body>); the snippet and the end go on at finish.
			n, biggest := len(w.sizes), slices.Max(w.sizes)
			if n < tt.sends || n > 2*tt.sends+4 || biggest < tt.piece*3/4 || biggest > tt.piece+len(snippet) {
				t.Errorf("%d writes of %d reached the wrapped writer, the biggest %d bytes; want %d to %d, the biggest %d to %d",
					n, len(pieces), biggest, tt.sends, 2*tt.sends+4, tt.piece*3/4, tt.piece+len(snippet))
			}
		})
	}
}
