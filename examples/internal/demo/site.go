package demo

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	intercom "github.com/goanalytical/intercom/core"
)

// The cookies of the demo app itself.
const (
	// SessionCookie holds the signed-in login, signed with a key the app
	// makes at start-up (Site.SignIn).
	SessionCookie = "demo-session"
	// NavCookie holds the navigation the pages use: "plain", "turbo" or
	// "htmx" (set by /demo/nav?to=...).
	NavCookie = "demo-nav"
)

// The navigation modes of the pages.
const (
	NavPlain = "plain" // full page loads
	NavTurbo = "turbo" // Turbo Drive: links and forms replace <body>
	NavHTMX  = "htmx"  // htmx with hx-boost on <body>
)

// NavMode is one navigation mode, for the switch on every page.
type NavMode struct{ Name, Label string }

var navModes = []NavMode{{NavPlain, "plain"}, {NavTurbo, "Turbo"}, {NavHTMX, "htmx"}}

// navOf returns the navigation mode a NavCookie value names, plain unless it
// is one of the modes.
func navOf(cookie string) string {
	for _, m := range navModes {
		if m.Name == cookie {
			return cookie
		}
	}
	return NavPlain
}

// The order the demo's order form places, and the calls it queues.
const (
	OrderEvent   = "order-placed"
	OrderMessage = "I have a question about order 42"
)

// OrderMetadata is the metadata of OrderEvent.
func OrderMetadata() map[string]any {
	return map[string]any{"order": 42, "total": 99.5, "currency": "EUR"}
}

// Site is the part of an example app that is not about its framework: the
// sign-in sessions, the page data, the Content-Security-Policy, and the
// demo's own assets under /demo/ (the stand-in Messenger and its
// verification endpoint, the single-page demo's script, Turbo and htmx).
type Site struct {
	framework string
	setup     Setup
	csp       *CSP
	key       []byte // signs the session cookie
	assets    http.Handler
}

// NewSite returns the site of the example for framework.
func NewSite(framework string, s Setup) *Site {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // crypto/rand.Read never fails (Go 1.24+)
	site := &Site{framework: framework, setup: s, csp: NewCSP(s.Intercom.Region), key: key}
	site.assets = site.newAssets()
	return site
}

// CSP returns the Content-Security-Policy header value for a response whose
// nonce is nonce.
func (s *Site) CSP(nonce string) string { return s.csp.Header(nonce) }

// Templates parses the page templates: "home.html", "account.html",
// "spa.html".
func (s *Site) Templates() *template.Template { return Templates() }

// Assets serves the demo's own files and endpoints under /demo/; mount it
// there.
func (s *Site) Assets() http.Handler { return s.assets }

// User returns the account signed in as login, as Intercom should know it:
// for WithUser.
func (s *Site) User(login string) (intercom.User, bool) {
	u, ok := s.setup.Users.Lookup(login)
	return u.Intercom(), ok
}

// Account returns the account signed in as login.
func (s *Site) Account(login string) (User, bool) { return s.setup.Users.Lookup(login) }

// SignIn checks a login and password and returns the Set-Cookie header value
// that signs the browser in.
func (s *Site) SignIn(login, password string) (setCookie string, ok bool) {
	if !s.setup.Users.Valid(login, password) {
		return "", false
	}
	// Not Secure: the demo serves plain http on localhost.
	c := &http.Cookie{Name: SessionCookie, Value: login + "." + s.sign(login), Path: "/", //nolint:gosec // see above
		HttpOnly: true, SameSite: http.SameSiteLaxMode}
	return c.String(), true
}

// SignOut returns the Set-Cookie header value that signs the browser out.
func (s *Site) SignOut() string {
	c := &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, //nolint:gosec // as SignIn's
		SameSite: http.SameSiteLaxMode}
	return c.String()
}

// Login returns the login a SessionCookie value signs in, or "".
func (s *Site) Login(cookie string) string {
	login, mac, ok := strings.Cut(cookie, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(s.sign(login))) {
		return ""
	}
	if _, ok := s.setup.Users.Lookup(login); !ok {
		return ""
	}
	return login
}

func (s *Site) sign(login string) string {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(login))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// Page returns the template data every page has: Title, Framework, Nonce
// (this response's), Nav (the navigation mode NavCookie navCookie names),
// NavModes, Turbo and HTMX (the script elements' src and integrity), User
// (the signed-in account, or nil), Users, WidgetURL and StandIn (whether the
// stand-in Messenger is in use). Pass it through the adapter's Data, which
// adds the snippet.
func (s *Site) Page(title, nonce, navCookie, login string) map[string]any {
	d := map[string]any{
		"Title":     title,
		"Framework": s.framework,
		"Nonce":     nonce,
		"Nav":       navOf(navCookie),
		"NavModes":  navModes,
		"Turbo":     s.script(Turbo),
		"HTMX":      s.script(HTMX),
		"Users":     s.setup.Users.List(),
		"WidgetURL": s.widgetURL(),
		"StandIn":   s.StandIn(),
		"User":      nil,
	}
	if u, ok := s.setup.Users.Lookup(login); ok {
		d["User"] = u
	}
	return d
}

// SignInFailed adds the sign-in form's error to page data.
func SignInFailed(page map[string]any) map[string]any {
	page["Error"] = "Wrong login or password."
	return page
}

// StandIn reports whether the app loads the stand-in Messenger: its
// Config.WidgetURL is the stand-in's (Load sets it for the demo app id).
func (s *Site) StandIn() bool {
	u, err := url.Parse(s.setup.Intercom.WidgetURL)
	return err == nil && u.Path == StandInPath
}

// widgetURL is where the single-page demo loads the widget from: the
// configured WidgetURL, else Intercom's.
func (s *Site) widgetURL() string {
	if u := s.setup.Intercom.WidgetURL; u != "" {
		return u
	}
	return "https://widget.intercom.io/widget/" + s.setup.Intercom.AppID
}
