package intercom

import (
	"crypto/rand"
	"encoding/base64"
	"slices"
	"strings"
)

// validNonce reports whether s is base64 or base64url, padded or not: the
// forms nonce generators emit, and only characters safe in an attribute.
func validNonce(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	body := strings.TrimRight(s, "=")
	padded := len(body) != len(s)
	if len(s)-len(body) > 2 || body == "" || padded && len(s)%4 != 0 || len(body)%4 == 1 {
		return false
	}
	std, url := false, false
	for i := 0; i < len(body); i++ {
		switch c := body[i]; {
		case isAlnum(c):
		case c == '+' || c == '/':
			std = true
		case c == '-' || c == '_':
			url = true
		default:
			return false
		}
	}
	return !std || !url
}

// NewNonce returns a fresh CSP nonce: 16 random bytes, unpadded base64, as
// unrolled/secure and most nonce middlewares make them.
func NewNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+).
	return base64.RawStdEncoding.EncodeToString(b[:])
}

// CSPDirective is one Content-Security-Policy directive and the sources
// Intercom needs in it.
type CSPDirective struct {
	Name    string
	Sources []string
}

// CSP returns the directives the Messenger needs in allowlist mode for a
// workspace in region (Intercom's "Using Intercom with Content Security
// Policy"), in a stable order, or nil for an unknown region. Merge them into the app's own policy. Apps
// using a strict nonce policy with 'strict-dynamic' need only the nonce for
// script-src; the other directives still apply.
func CSP(region Region) []CSPDirective {
	regional := map[Region][]string{
		RegionUS: {"https://api.intercom.io", "https://api-iam.intercom.io",
			"https://nexus-websocket-a.intercom.io", "wss://nexus-websocket-a.intercom.io",
			"https://nexus-websocket-b.intercom.io", "wss://nexus-websocket-b.intercom.io"},
		RegionEU: {"https://api.eu.intercom.io", "https://api-iam.eu.intercom.io",
			"https://nexus-europe-websocket.intercom.io", "wss://nexus-europe-websocket.intercom.io",
			"https://uploads.intercomcdn.eu", "https://uploads.eu.intercomcdn.com"},
		RegionAU: {"https://api.au.intercom.io", "https://api-iam.au.intercom.io",
			"https://nexus-australia-websocket.intercom.io", "wss://nexus-australia-websocket.intercom.io",
			"https://uploads.au.intercomcdn.com"},
	}
	if region == "" {
		region = RegionUS
	}
	if region.APIBase() == "" {
		return nil
	}
	connect := []string{"https://via.intercom.io", "https://api-ping.intercom.io",
		"https://*.intercom-messenger.com", "wss://*.intercom-messenger.com",
		"https://uploads.intercomcdn.com", "https://uploads.intercomusercontent.com"}
	connect = append(connect, regional[region]...)
	return []CSPDirective{
		{"script-src", []string{"https://app.intercom.io", "https://widget.intercom.io", "https://js.intercomcdn.com"}},
		{"connect-src", connect},
		{"child-src", frameSources()},
		{"frame-src", frameSources()},
		{"font-src", []string{"https://js.intercomcdn.com", "https://fonts.intercomcdn.com"}},
		{"form-action", []string{"https://intercom.help", region.APIBase()}},
		{"media-src", []string{"https://js.intercomcdn.com"}},
		{"img-src", []string{"blob:", "data:", "https://js.intercomcdn.com", "https://static.intercomassets.com",
			"https://downloads.intercomcdn.com", "https://uploads.intercomusercontent.com", "https://gifs.intercomcdn.com",
			"https://video-messages.intercomcdn.com", "https://messenger-apps.intercom.io",
			"https://*.intercom-attachments-5.com", "https://*.intercom-attachments-6.com",
			"https://*.intercom-attachments-9.com"}},
		{"style-src", []string{"'unsafe-inline'"}},
	}
}

func frameSources() []string {
	return []string{"https://intercom-sheets.com", "https://www.intercom-reporting.com",
		"https://www.youtube.com", "https://player.vimeo.com", "https://fast.wistia.net"}
}

// CSP returns the directives this Messenger needs in allowlist mode: those
// of the package-level CSP for its Config.Region, with the origin of
// Config.WidgetURL added to script-src and a custom Config.APIBase added to
// connect-src and in form-action instead of the region's API host. Intercom's
// own hosts stay: the widget, wherever it is loaded from, fetches the rest
// of the Messenger from them (and a caching mirror may redirect to
// widget.intercom.io).
func (m *Messenger) CSP() []CSPDirective {
	dirs := CSP(m.region)
	for i := range dirs {
		d := &dirs[i]
		switch d.Name {
		case "script-src":
			if m.widgetURL != "" {
				d.Sources = appendNew(d.Sources, origin(m.widgetURL))
			}
		case "connect-src":
			d.Sources = appendNew(d.Sources, m.apiBase)
		case "form-action":
			d.Sources = []string{"https://intercom.help", m.apiBase}
		}
	}
	return dirs
}

// appendNew appends s to list unless it is there already.
func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
