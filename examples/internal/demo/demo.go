// Package demo is what the six example apps share and what is not about
// their framework: the demo users, the Intercom configuration read from the
// environment, the Content-Security-Policy, and the page templates.
package demo

import (
	"crypto/subtle"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	intercom "github.com/goanalytical/intercom/core"
)

// AppID is the clearly fake workspace id the examples use when
// INTERCOM_APP_ID is unset, so that they run with no set-up. With it they
// load the local stand-in Messenger (StandInPath) instead of Intercom's
// widget.
const AppID = "demo0000"

// Secret is the identity verification secret the examples use when
// INTERCOM_HMAC_SECRET_KEY is unset, so that identified pages show a
// user_hash. It is public (it is in this file): never use it for a real
// workspace.
const Secret = "demo-secret-DO-NOT-USE-IN-PRODUCTION" //nolint:gosec // G101: a labelled demo value, not a credential

// Setup is what an example app is built from: Load reads it from the
// environment for main; the tests build their own.
type Setup struct {
	Intercom intercom.Config
	Users    Users
	// LibDir, when set, is a directory with the npm packages of Turbo and
	// htmx (LibDir/<Library.Folder>/package/...), served by the app at
	// /demo/lib/; when empty, the pages load them from jsDelivr. Both are
	// pinned to one version and checked with Subresource Integrity. Load
	// sets it to LibCache when that holds them.
	LibDir string
}

// Load reads the Intercom settings from the environment with
// intercom.ConfigFromEnv (INTERCOM_APP_ID, INTERCOM_HMAC_SECRET_KEY,
// INTERCOM_INTERNAL_IPS, ...). Without an app id it uses the demo app id and
// the local stand-in Messenger, and then the demo secret unless one is set;
// it says so on w.
func Load(w io.Writer) (Setup, error) {
	cfg, err := intercom.ConfigFromEnv()
	if err != nil {
		return Setup{}, err
	}
	var b strings.Builder
	demoWorkspace := cfg.AppID == ""
	if demoWorkspace {
		cfg.AppID = AppID
		fmt.Fprintf(&b, "INTERCOM_APP_ID is not set: using the DEMO app id %q", AppID)
		if cfg.WidgetURL == "" {
			cfg.WidgetURL = StandInURL(Addr())
			b.WriteString(" and the local stand-in Messenger (not Intercom's)")
		}
		b.WriteString(".\n")
	}
	switch {
	case cfg.HMACSecret != "":
	case demoWorkspace:
		// Only with the demo workspace: a real one must never see user_hash
		// signed with a key that is published here.
		cfg.HMACSecret = Secret
		b.WriteString("INTERCOM_HMAC_SECRET_KEY is not set: signing user_hash with a public DEMO secret. Never use it in production.\n")
	default:
		b.WriteString("INTERCOM_HMAC_SECRET_KEY is not set: no identity verification (no user_hash).\n")
	}
	s := Setup{Intercom: cfg, Users: DefaultUsers()}
	// Turbo and htmx: the local copies when the browser tests (or npm pack)
	// left them in the cache, else jsDelivr.
	if dir, err := LibCache(); err == nil && haveLibs(dir) {
		s.LibDir = dir
		fmt.Fprintf(&b, "Turbo and htmx for the navigation switch: the local copies in %s.\n", dir)
	} else {
		b.WriteString("Turbo and htmx for the navigation switch: from cdn.jsdelivr.net.\n")
	}
	_, _ = io.WriteString(w, b.String()) // best effort, like log output
	return s, nil
}

// StandInURL returns the stand-in Messenger's URL for an app listening on
// addr (":8080"): on localhost, which Config.WidgetURL accepts over http.
func StandInURL(addr string) string {
	return "http://localhost" + addr + StandInPath
}

// Addr returns the address to listen on: ":" and PORT, or ":8080".
func Addr() string {
	if p := os.Getenv("PORT"); p != "" {
		return ":" + p
	}
	return ":8080"
}

// Banner prints what to open once the app listens on addr.
func Banner(w io.Writer, framework, addr string, s Setup) {
	base := "http://localhost" + addr
	var b strings.Builder
	fmt.Fprintf(&b, "Intercom %s example on %s, open:\n", framework, addr)
	fmt.Fprintf(&b, "  %s/                   home: sign in, place an order (a queued event after a redirect)\n", base)
	fmt.Fprintf(&b, "  %s/account            an identified user with user_hash and custom data\n", base)
	fmt.Fprintf(&b, "  %s/about              plain HTML page: the snippet comes from whole-page install\n", base)
	fmt.Fprintf(&b, "  %s/spa                a single-page app booting from %s/intercom/settings\n", base, base)
	fmt.Fprintf(&b, "  %s/demo/nav?to=turbo  the same pages with Turbo navigation (to=htmx: htmx, to=plain: none)\n", base)
	logins := make([]string, 0, len(s.Users))
	for _, u := range s.Users.List() {
		logins = append(logins, u.Login+" / "+u.Password)
	}
	fmt.Fprintf(&b, "Demo users: %s.\n", strings.Join(logins, ", "))
	if s.Intercom.AppID == AppID {
		b.WriteString("The stand-in Messenger at the bottom right of each page shows what the page sent.\n")
	}
	b.WriteString("Ctrl-C stops.\n")
	_, _ = io.WriteString(w, b.String()) // best effort, like log output
}

// User is an account of the demo app.
type User struct {
	Login    string // what the sign-in form asks for
	Password string
	ID       string
	Name     string
	Email    string
	SignedUp time.Time
	Plan     string // sent to Intercom as custom data by the account page
}

// Intercom returns the user as Intercom should know them.
func (u User) Intercom() intercom.User {
	return intercom.User{ID: u.ID, Name: u.Name, Email: u.Email, CreatedAt: u.SignedUp}
}

// Users are the demo app's accounts by login.
type Users map[string]User

// DefaultUsers returns the two demo accounts.
func DefaultUsers() Users {
	return Users{
		"jane": {Login: "jane", Password: "jane-demo", ID: "1001", Name: "Jane Doe", Email: "jane@example.com",
			SignedUp: time.Date(2024, 3, 1, 9, 30, 0, 0, time.UTC), Plan: "pro"},
		"joe": {Login: "joe", Password: "joe-demo", ID: "1002", Name: "Joe Bloggs", Email: "joe@example.com",
			SignedUp: time.Date(2025, 1, 15, 17, 0, 0, 0, time.UTC), Plan: "free"},
	}
}

// Lookup returns the user with the given login.
func (us Users) Lookup(login string) (User, bool) {
	u, ok := us[login]
	return u, ok && login != ""
}

// Valid reports whether login and password belong to a user, in constant
// time with respect to the password.
func (us Users) Valid(login, password string) bool {
	u, ok := us.Lookup(login)
	return subtle.ConstantTimeCompare([]byte(u.Password), []byte(password)) == 1 && ok
}

// List returns the users sorted by login.
func (us Users) List() []User {
	out := make([]User, 0, len(us))
	for _, u := range us {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Login < out[j].Login })
	return out
}
