package intercom

import (
	"fmt"
	"log/slog"
	"sync"
)

// AttributeError reports a settings value that was dropped from the page.
type AttributeError struct {
	Key    string // the settings key, e.g. "cart" or "company"
	Reason string
}

func (e *AttributeError) Error() string {
	return fmt.Sprintf("intercom: attribute %q dropped: %s", e.Key, e.Reason)
}

// NonceError reports a CSP nonce that is not base64 or base64url; the snippet
// was rendered without it. The nonce itself is not included: it changes on
// every request and would defeat logging each problem once.
type NonceError struct {
	Len int // length of the rejected nonce
}

func (e *NonceError) Error() string {
	return fmt.Sprintf("intercom: CSP nonce of length %d ignored: want base64 or base64url", e.Len)
}

// UserError reports a value under the framework's auth key that could not be
// used to identify the visitor.
type UserError struct {
	Type   string // the Go type of the value
	Reason string
}

func (e *UserError) Error() string {
	return fmt.Sprintf("intercom: cannot identify user from %s: %s", e.Type, e.Reason)
}

// maxLogged bounds the memory the default handler spends remembering which
// problems it has already logged.
const maxLogged = 1024

// logOnce is the default ErrorHandler: it logs each distinct message once.
type logOnce struct {
	mu   sync.Mutex
	seen map[string]struct{}
}

func (l *logOnce) handle(err error) {
	msg := err.Error()
	l.mu.Lock()
	_, dup := l.seen[msg]
	if !dup && len(l.seen) < maxLogged {
		if l.seen == nil {
			l.seen = make(map[string]struct{})
		}
		l.seen[msg] = struct{}{}
	}
	l.mu.Unlock()
	if !dup {
		slog.Warn(msg)
	}
}
