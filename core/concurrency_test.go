package intercom_test

import (
	"encoding/base64"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	intercom "github.com/goanalytical/intercom/core"
)

// TestConcurrentRender shares one Messenger between goroutines (run with
// -race): each sees only its own user and hash, in both identity modes.
func TestConcurrentRender(t *testing.T) {
	const secret = "shared-secret"
	for _, jwt := range []bool{false, true} {
		cfg := intercom.Config{AppID: "abc12345", HMACSecret: secret}
		if jwt {
			cfg.JWT = intercom.JWT{Enabled: true, Lifetime: time.Hour}
		}
		m, _ := newMessenger(t, cfg)
		var wg sync.WaitGroup
		errs := make(chan string, 64)
		for g := range 16 {
			wg.Go(func() {
				buf := make([]byte, 0, 64)
				for i := range 50 {
					id := strconv.Itoa(g*1000 + i)
					v := intercom.Visitor{User: &intercom.User{ID: id}, Attributes: intercom.Attributes{"n": i}}
					var out string
					if i%2 == 0 {
						out = string(m.Render(v))
					} else {
						buf = m.AppendSnippet(buf[:0], v)
						out = string(buf)
					}
					s, _, _, err := parseSnippet(out)
					if err != nil {
						errs <- err.Error()
						return
					}
					if jwt {
						tok, _ := s["intercom_user_jwt"].(string)
						parts := strings.Split(tok, ".")
						payload, err := base64.RawURLEncoding.DecodeString(parts[min(1, len(parts)-1)])
						if len(parts) != 3 || err != nil || !strings.Contains(string(payload), `"user_id":"`+id+`"`) {
							errs <- "user " + id + " got token " + tok
							return
						}
						continue
					}
					if s["user_id"] != id || s["user_hash"] != wantHash(secret, id) {
						errs <- "user " + id + " got " + out
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
	}
}
