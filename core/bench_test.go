package intercom_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"html/template"
	"strconv"
	"strings"
	"testing"
	"time"

	intercom "github.com/goanalytical/intercom/core"
)

// The baseline is what an app would write by hand: the settings as a
// map[string]any, an html/template script template, and hmac.New per call.
var baselineTmpl = template.Must(template.New("intercom").Parse(
	`<script id="IntercomSettingsScriptTag">window.intercomSettings={{.Settings}};` +
		`(function(){var w=window;var ic=w.Intercom;if(typeof ic==="function"){ic("update",w.intercomSettings)}else{` +
		`var d=document;var i=function(){i.c(arguments)};i.q=[];i.c=function(a){i.q.push(a)};w.Intercom=i;` +
		`var l=function(){var s=d.createElement("script");s.type="text/javascript";s.async=true;` +
		`s.src="https://widget.intercom.io/widget/{{.AppID}}";var x=d.getElementsByTagName("script")[0];` +
		`x.parentNode.insertBefore(s,x)};if(d.readyState==="complete"){l()}else{w.addEventListener("load",l,false)}}})();</script>`))

type benchCase struct {
	name    string
	cfg     intercom.Config
	visitor intercom.Visitor
	jwt     bool
}

var benchJoined = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

func benchCases() []benchCase {
	user := &intercom.User{ID: "42", Email: "jane@example.com", Name: "Jane Doe", CreatedAt: benchJoined}
	tenAttrs := intercom.Attributes{}
	for i, v := range []any{"pro", 99.5, 3, true, "eu-west", 12, "jane", 0.25, false, "blue"} {
		tenAttrs["attr_"+string(rune('a'+i))] = v
	}
	base := intercom.Config{AppID: "abc12345"}
	hmacCfg := base
	hmacCfg.HMACSecret = "bench-secret"
	jwtCfg := hmacCfg
	jwtCfg.JWT = intercom.JWT{Enabled: true, Lifetime: 2 * time.Hour}
	internal := base
	internal.InternalIPs = []string{"10.0.0.0/8", "192.168.0.0/16"}
	return []benchCase{
		{name: "anonymous", cfg: base},
		{name: "identified_hmac", cfg: hmacCfg, visitor: intercom.Visitor{User: user}},
		{name: "identified_jwt", cfg: jwtCfg, visitor: intercom.Visitor{User: user}, jwt: true},
		{name: "custom_attributes_10", cfg: hmacCfg, visitor: intercom.Visitor{User: user, Attributes: tenAttrs}},
		{name: "internal_ip", cfg: internal, visitor: intercom.Visitor{ClientIP: "10.1.2.3"}},
	}
}

// baseline renders bc the hand-written way.
func baseline(buf *bytes.Buffer, bc benchCase) error {
	settings := map[string]any{"app_id": bc.cfg.AppID, "api_base": "https://api-iam.intercom.io"}
	if u := bc.visitor.User; u != nil {
		settings["user_id"] = u.ID
		settings["email"] = u.Email
		settings["name"] = u.Name
		settings["created_at"] = u.CreatedAt.Unix()
		if bc.cfg.HMACSecret != "" {
			mac := hmac.New(sha256.New, []byte(bc.cfg.HMACSecret))
			mac.Write([]byte(u.ID))
			settings["user_hash"] = hex.EncodeToString(mac.Sum(nil))
		}
	}
	for k, v := range bc.visitor.Attributes {
		settings[k] = v
	}
	if bc.visitor.ClientIP != "" && strings.HasPrefix(bc.visitor.ClientIP, "10.") {
		buf.WriteString("<!-- Intercom disabled on internal IP address\n")
		defer buf.WriteString("\n-->")
	}
	return baselineTmpl.Execute(buf, map[string]any{"Settings": settings, "AppID": bc.cfg.AppID})
}

func BenchmarkSnippet(b *testing.B) {
	for _, bc := range benchCases() {
		m, err := intercom.New(bc.cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name+"/baseline", func(b *testing.B) {
			b.ReportAllocs()
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := baseline(&buf, bc); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"/Render", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if m.Render(bc.visitor) == "" {
					b.Fatal("empty")
				}
			}
		})
		b.Run(bc.name+"/AppendSnippet", func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 0, 4096)
			for b.Loop() {
				buf = m.AppendSnippet(buf[:0], bc.visitor)
			}
		})
	}
}

// BenchmarkSnippetDistinctUsers is identified_hmac with a different user on
// every call, cycling through far more users than the user_hash cache holds:
// the cost of a user's first page view, when the HMAC is computed.
func BenchmarkSnippetDistinctUsers(b *testing.B) {
	m, err := intercom.New(intercom.Config{AppID: "abc12345", HMACSecret: "bench-secret"})
	if err != nil {
		b.Fatal(err)
	}
	visitors := make([]intercom.Visitor, 1<<16)
	for i := range visitors {
		id := strconv.Itoa(100000 + i)
		visitors[i] = intercom.Visitor{User: &intercom.User{ID: id, Email: "user" + id + "@example.com", Name: "Jane Doe", CreatedAt: benchJoined}}
	}
	b.Run("Render", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if m.Render(visitors[i%len(visitors)]) == "" {
				b.Fatal("empty")
			}
			i++
		}
	})
	b.Run("AppendSnippet", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 4096)
		i := 0
		for b.Loop() {
			buf = m.AppendSnippet(buf[:0], visitors[i%len(visitors)])
			i++
		}
	})
}
