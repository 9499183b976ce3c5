package demo

import (
	"strings"

	intercom "github.com/goanalytical/intercom/core"
)

// NonceKey is the context key (gin c.Set, echo c.Set, fiber c.Locals) under
// which the apps' CSP middleware stores the response's nonce.
const NonceKey = "csp-nonce"

// CSP builds the apps' Content-Security-Policy: a strict nonce policy for
// scripts, and Intercom's allowlists (intercom.CSP) for the other
// directives, each with 'self' so the app's own images, forms and requests
// still work.
type CSP struct {
	rest string // everything after script-src
}

// NewCSP returns the policy for a workspace in region.
func NewCSP(region intercom.Region) *CSP {
	var b strings.Builder
	b.WriteString("; object-src 'none'; base-uri 'none'")
	for _, d := range intercom.CSP(region) {
		if d.Name == "script-src" {
			continue // 'strict-dynamic' trusts what the nonced snippet loads
		}
		b.WriteString("; ")
		b.WriteString(d.Name)
		b.WriteString(" 'self'")
		for _, s := range d.Sources {
			b.WriteByte(' ')
			b.WriteString(s)
		}
	}
	return &CSP{rest: b.String()}
}

// Header returns the Content-Security-Policy header value for a response
// whose nonce is nonce (from intercom.NewNonce):
//
//	script-src 'nonce-…' 'strict-dynamic'; object-src 'none'; base-uri 'none'; connect-src 'self' https://… ; …
func (p *CSP) Header(nonce string) string {
	return "script-src 'nonce-" + nonce + "' 'strict-dynamic'" + p.rest
}
