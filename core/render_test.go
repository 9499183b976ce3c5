package intercom_test

import (
	"strconv"
	"strings"
	"testing"

	intercom "github.com/goanalytical/intercom/core"
)

// The loader exactly as rendered for app id abc12345 without a nonce or
// queued calls: Intercom's current loader (@intercom/messenger-js-sdk's
// init).
const wantLoader = `;(function(){var q=[],w=window,d=document,s=w.intercomSettings,ic=w.Intercom,k;` +
	`if(typeof ic==="function"){ic("reattach_activator");ic("update",s)}else{` +
	`var i=function(){i.c(arguments)};i.q=[];i.c=function(a){i.q.push(a)};w.Intercom=ic=i;` +
	`var o,l=function(){if(o||d.getElementById("IntercomWidgetScript")){return}o=1;` +
	`var e=d.createElement("script");e.type="text/javascript";e.async=true;e.id="IntercomWidgetScript";` +
	`e.src="https://widget.intercom.io/widget/abc12345";` +
	`var x=d.getElementsByTagName("script")[0];x.parentNode.insertBefore(e,x)},` +
	`r=function(){return d.readyState==="interactive"||d.readyState==="complete"};` +
	`if(r()){l()}else if(w.attachEvent){w.attachEvent("onload",l)}else{` +
	`d.addEventListener("readystatechange",function(){if(r()){l()}},false);w.addEventListener("load",l,false)}}` +
	`for(k=0;k!==q.length;k++){ic.apply(w,q[k])}})();</script>`

const anonSettings = `{"api_base":"https://api-iam.intercom.io","app_id":"abc12345"}`

func TestRenderExact(t *testing.T) {
	nonceLoader := strings.Replace(wantLoader, `var x=`, `e.setAttribute("nonce","r4nd0m+/Nonce0==");var x=`, 1)
	shutdownLoader := strings.Replace(strings.Replace(strings.Replace(wantLoader,
		`ic("reattach_activator");ic("update",s)`, `ic("shutdown");ic("boot",s)`, 1),
		`w.Intercom=ic=i;`, `w.Intercom=ic=i;i("shutdown");i("boot",s);`, 1),
		`ic=w.Intercom,k;`, `ic=w.Intercom,k;d.cookie="intercom_shutdown=; Max-Age=0; path=/; SameSite=Lax";`, 1)
	tests := []struct {
		name string
		cfg  intercom.Config
		v    intercom.Visitor
		want string
	}{
		{"disabled", intercom.Config{}, intercom.Visitor{User: &intercom.User{ID: "1"}}, ""},
		{"anonymous", intercom.Config{AppID: "abc12345"}, intercom.Visitor{},
			`<script id="IntercomSettingsScriptTag">window.intercomSettings=` + anonSettings + wantLoader},
		{"nonce on element and widget script", intercom.Config{AppID: "abc12345"}, intercom.Visitor{Nonce: "r4nd0m+/Nonce0=="},
			`<script id="IntercomSettingsScriptTag" nonce="r4nd0m+/Nonce0==">window.intercomSettings=` + anonSettings + nonceLoader},
		{"shutdown before boot", intercom.Config{AppID: "abc12345"}, intercom.Visitor{Shutdown: true},
			`<script id="IntercomSettingsScriptTag">window.intercomSettings=` + anonSettings + shutdownLoader},
		{"internal IP wraps the snippet in a comment", intercom.Config{AppID: "abc12345", InternalIPs: []string{"10.0.0.0/8"}},
			intercom.Visitor{ClientIP: "10.9.8.7"},
			"<!-- Intercom disabled on internal IP address\n" +
				`<script id="IntercomSettingsScriptTag">window.intercomSettings=` + anonSettings + wantLoader + "\n-->"},
		{"widget from a mirror", intercom.Config{AppID: "abc12345", WidgetURL: "https://cdn.example.com/intercom/widget.js?app=abc12345"}, intercom.Visitor{},
			`<script id="IntercomSettingsScriptTag">window.intercomSettings=` + anonSettings +
				strings.Replace(wantLoader, `"https://widget.intercom.io/widget/abc12345"`, `"https://cdn.example.com/intercom/widget.js?app=abc12345"`, 1)},
		{"widget from localhost over http", intercom.Config{AppID: "abc12345", WidgetURL: "http://localhost:8080/widget/abc12345"}, intercom.Visitor{},
			`<script id="IntercomSettingsScriptTag">window.intercomSettings=` + anonSettings +
				strings.Replace(wantLoader, `"https://widget.intercom.io/widget/abc12345"`, `"http://localhost:8080/widget/abc12345"`, 1)},
		{"eu region", intercom.Config{AppID: "abc12345", Region: intercom.RegionEU}, intercom.Visitor{},
			`<script id="IntercomSettingsScriptTag">window.intercomSettings={"api_base":"https://api-iam.eu.intercom.io","app_id":"abc12345"}` + wantLoader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, rec := newMessenger(t, tt.cfg)
			if got := string(m.Render(tt.v)); got != tt.want {
				t.Errorf("Render:\n got %s\nwant %s", got, tt.want)
			}
			if got := string(m.AppendSnippet([]byte("prefix:"), tt.v)); got != "prefix:"+tt.want {
				t.Errorf("AppendSnippet:\n got %s\nwant prefix:%s", got, tt.want)
			}
			if msgs := rec.messages(); len(msgs) != 0 {
				t.Errorf("reported %q", msgs)
			}
		})
	}
}

func TestNonceValidation(t *testing.T) {
	tests := []struct {
		nonce string
		ok    bool
	}{
		{"YWJjZA==", true},                // base64, padded
		{"YWJjZA", true},                  // base64, unpadded
		{"ab+/cd==", true},                // std alphabet
		{"ab-_cd", true},                  // url alphabet, unpadded
		{"ab-_cd==", true},                // url alphabet, padded
		{"Q2hhbmdlTWU0Mk5vbmNlMTI", true}, // 22 chars, unrolled/secure's length
		{"abc", true},                     // 3 chars: a valid unpadded length
		{"abcde", false},                  // 5 chars: no base64 has this length
		{"ab+_cd", false},                 // mixed alphabets
		{"abc=", true},                    // one pad
		{"ab=c", false},                   // pad in the middle
		{"abcde===", false},               // three pads
		{"abcdef=", false},                // padded but not a multiple of 4
		{`abc" onload="x`, false},         // attribute breakout
		{"abc<def", false},                // markup
		{"=", false},                      // only padding
		{strings.Repeat("a", 257), false}, // absurdly long
		{"ab cd", false},                  // space
		{"abc\u00e9", false},              // non-ASCII
	}
	for _, tt := range tests {
		t.Run(tt.nonce, func(t *testing.T) {
			m, rec := newMessenger(t, intercom.Config{AppID: "abc12345"})
			out := string(m.Render(intercom.Visitor{Nonce: tt.nonce}))
			_, _, nonce, err := parseSnippet(out)
			if err != nil {
				t.Fatal(err)
			}
			if tt.ok {
				if nonce != tt.nonce || !strings.Contains(out, `e.setAttribute("nonce","`+tt.nonce+`");`) {
					t.Errorf("nonce %q not on both the element and the widget script:\n%s", tt.nonce, out)
				}
				if len(rec.messages()) != 0 {
					t.Errorf("valid nonce reported: %q", rec.messages())
				}
				return
			}
			if nonce != "" || strings.Contains(out, "nonce") {
				t.Errorf("invalid nonce %q rendered:\n%s", tt.nonce, out)
			}
			wantReports(t, rec.messages(), []string{"intercom: CSP nonce of length " + strconv.Itoa(len(tt.nonce)) + " ignored: want base64 or base64url"})
		})
	}
}

func TestSettingsEndpoint(t *testing.T) {
	m, _ := newMessenger(t, intercom.Config{AppID: "abc12345", HMACSecret: "k", InternalIPs: []string{"192.168.1.0/24"}})
	v := intercom.Visitor{User: &intercom.User{ID: "7"}, Attributes: intercom.Attributes{"plan": "pro"}}
	got := string(m.Settings(v))
	want := rawSettings(t, m, v)
	if got != want {
		t.Errorf("Settings = %s, want the page's object %s", got, want)
	}
	v.ClientIP = "192.168.1.20"
	if got := string(m.Settings(v)); got != "null" {
		t.Errorf("internal visitor: Settings = %s, want null", got)
	}
	off, _ := newMessenger(t, intercom.Config{})
	if got := string(off.AppendSettings([]byte("x="), v)); got != "x=null" {
		t.Errorf("disabled: AppendSettings = %s, want x=null", got)
	}
}
