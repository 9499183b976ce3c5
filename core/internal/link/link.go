// Package link carries what the adapter kit (package adapter) needs from a
// *intercom.Messenger but applications do not: package intercom fills a
// State for every Messenger and registers Of, so that none of it has to be
// an exported method an application would read past.
package link

import "net/netip"

// ShutdownCookie is the name of the cookie that carries a logout to the next
// page (see adapter.ShutdownCookie). The snippet's shutdown loader deletes
// it, so package intercom needs the name too.
const ShutdownCookie = "intercom_shutdown"

// State is a Messenger's configuration as the adapter kit uses it. It is set
// by intercom.New and never changed afterwards.
type State struct {
	AppID        string
	CookieDomain string
	AutoIdentify bool
	InternalIPs  bool        // Config.InternalIPs is not empty
	Report       func(error) // Config.ErrorHandler, or the default
}

// ForwardedClientIP is intercom.ClientIP over a peer address and the
// X-Forwarded-For header lines, for adapters of frameworks that have no
// *http.Request. Package intercom sets it in its init.
var ForwardedClientIP func(remoteAddr string, hops []string, trusted []netip.Prefix) string

// Of returns the State of m, a *intercom.Messenger (nil for a nil one).
// Package intercom sets it in its init.
var Of func(m any) *State
