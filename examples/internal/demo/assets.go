package demo

import (
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// The paths the demo's own handler (Site.Assets) serves.
const (
	// StandInPath is the stand-in Messenger: the examples' WidgetURL with
	// the demo app id.
	StandInPath = "/demo/messenger.js"
	// VerifyPath answers whether a user_hash verifies: POST a JSON object
	// with user_id, email and user_hash; the answer is
	// {"verified":bool,"subject":"user_id"|"email","reason":string}.
	VerifyPath = "/demo/verify"
	spaPath    = "/demo/spa.js"
	navPath    = "/demo/nav" // ?to=plain|turbo|htmx: sets NavCookie, back to the page
	libPath    = "/demo/lib/"
)

//go:embed assets/messenger.js assets/spa.js
var assetFiles embed.FS

func (s *Site) newAssets() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET "+StandInPath, script("assets/messenger.js"))
	mux.Handle("GET "+spaPath, script("assets/spa.js"))
	mux.HandleFunc("POST "+VerifyPath, s.verify)
	mux.HandleFunc("GET "+navPath, setNav)
	for _, l := range Libraries() {
		mux.HandleFunc("GET "+libPath+l.Name, s.lib(l))
	}
	return mux
}

// script serves an embedded script.
func script(name string) http.Handler {
	body, err := assetFiles.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time
	}
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(body)
	})
}

// lib serves a library from Setup.LibDir.
func (s *Site) lib(l Library) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.setup.LibDir == "" {
			http.NotFound(w, r)
			return
		}
		body, err := os.ReadFile(l.Path(s.setup.LibDir))
		if err != nil {
			http.Error(w, l.Spec()+" is not in the library folder", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		_, _ = w.Write(body)
	}
}

// verify is what Intercom does with a user_hash: compute the HMAC-SHA256
// of user_id (else email) with the workspace's secret and compare. It
// answers a yes or a no, never a hash.
func (s *Site) verify(w http.ResponseWriter, r *http.Request) {
	var in struct {
		UserID   *string `json:"user_id"`
		Email    *string `json:"email"`
		UserHash string  `json:"user_hash"`
	}
	out := struct {
		Verified bool   `json:"verified"`
		Subject  string `json:"subject,omitempty"`
		Reason   string `json:"reason,omitempty"`
	}{}
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	w.Header().Set("Cache-Control", "no-store")
	switch err := json.NewDecoder(r.Body).Decode(&in); {
	case err != nil:
		http.Error(w, "a JSON object with user_id, email and user_hash, please", http.StatusBadRequest)
		return
	case s.setup.Intercom.HMACSecret == "":
		out.Reason = "the app has no identity verification secret"
	case in.UserID != nil:
		out.Subject = "user_id"
		out.Verified = validHash(s.setup.Intercom.HMACSecret, *in.UserID, in.UserHash)
	case in.Email != nil:
		out.Subject = "email"
		out.Verified = validHash(s.setup.Intercom.HMACSecret, *in.Email, in.UserHash)
	default:
		out.Reason = "neither user_id nor email was sent"
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

func validHash(secret, subject, hash string) bool {
	got, err := hex.DecodeString(hash)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(subject))
	return hmac.Equal(got, mac.Sum(nil))
}

// setNav switches the navigation mode and goes back to the page the switch
// was on (the Referer, when it is a page of this app).
func setNav(w http.ResponseWriter, r *http.Request) {
	mode := navOf(r.URL.Query().Get("to"))
	// A preference, no secret; plain http on localhost, so not Secure.
	http.SetCookie(w, &http.Cookie{Name: NavCookie, Value: mode, Path: "/", SameSite: http.SameSiteLaxMode}) //nolint:gosec // see above
	back := "/"
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host && strings.HasPrefix(ref.Path, "/") &&
		!strings.HasPrefix(ref.Path, "//") && !strings.HasPrefix(ref.Path, "/demo/") {
		back = ref.Path
	}
	// back is "/" or a path on this host that does not start with "//".
	http.Redirect(w, r, back, http.StatusSeeOther) //nolint:gosec // see above
}
