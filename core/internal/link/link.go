// Package link carries what the adapter kit (package adapter) needs from a
// *intercom.Messenger but applications do not: package intercom fills a
// State for every Messenger and registers Of, so that none of it has to be
// an exported method an application would read past.
package link

import (
	"net/netip"
	"sync"
	"sync/atomic"
)

// ShutdownCookie is the name of the cookie that carries a logout to the next
// page (see adapter.ShutdownCookie). The snippet's shutdown loader deletes
// it, so package intercom needs the name too.
const ShutdownCookie = "intercom_shutdown"

// CallsCookie returns the name of the cookie that carries queued Messenger
// calls of workspace appID to the next page (see adapter.CallsCookie). A
// snippet that runs queued calls deletes it, so package intercom needs the
// name too.
func CallsCookie(appID string) string { return "intercom_calls_" + appID }

// State is a Messenger's configuration as the adapter kit uses it. It is set
// by intercom.New and never changed afterwards.
type State struct {
	AppID        string
	CookieDomain string
	AutoIdentify bool
	InternalIPs  bool        // Config.InternalIPs is not empty
	Report       func(error) // Config.ErrorHandler, or the default

	Once *Once // for ReportOnce; nil: it reports every time
}

// Once is the set of keys ReportOnce has reported.
type Once struct {
	seen sync.Map
	size atomic.Int32
}

// maxOnce bounds the keys ReportOnce remembers; past it, it reports every
// time, as Report does.
const maxOnce = 256

// ReportOnce reports err the first time it is called with key, for problems
// of the app's set-up (an auth value of a type the kit cannot use) that
// would otherwise be reported on every request to a custom ErrorHandler.
func (s *State) ReportOnce(key string, err error) {
	if o := s.Once; o != nil {
		if _, seen := o.seen.Load(key); seen {
			return
		}
		if o.size.Load() < maxOnce {
			if _, seen := o.seen.LoadOrStore(key, struct{}{}); seen {
				return
			}
			o.size.Add(1)
		}
	}
	s.Report(err)
}

// ForwardedClientIP is intercom.ClientIP over a peer address and the
// X-Forwarded-For header lines, for adapters of frameworks that have no
// *http.Request. Package intercom sets it in its init.
var ForwardedClientIP func(remoteAddr string, hops []string, trusted []netip.Prefix) string

// IdentityString is how package intercom reads an identity value (user_id,
// email): the string of a value that encodes as a JSON string, with
// integers also the digits of one that encodes as a JSON integer. Package
// intercom sets it in its init.
var IdentityString func(v any, integers bool) (string, error)

// Of returns the State of m, a *intercom.Messenger (nil for a nil one).
// Package intercom sets it in its init.
var Of func(m any) *State
