package conformance

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"strings"
	"testing"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// settingsJSON requests SettingsPath from the loopback address from and
// checks the response: 200, application/json, Cache-Control no-store. It
// returns the body decoded as PagePath's settings are (json.Number
// numbers), nil for null.
func settingsJSON(t *testing.T, a *app, from string) map[string]any {
	t.Helper()
	r := a.browser(from, nil).get(t, SettingsPath)
	require.Equal(t, http.StatusOK, r.status, "GET %s; body:\n%s", SettingsPath, r.body)
	mt, _ := r.mediaType()
	assert.Equal(t, "application/json", mt, "Content-Type %q", r.header.Get("Content-Type"))
	noStore := false
	for _, d := range strings.Split(r.header.Get("Cache-Control"), ",") {
		noStore = noStore || strings.EqualFold(strings.TrimSpace(d), "no-store")
	}
	assert.True(t, noStore, "Cache-Control %q, want no-store: the settings hold the visitor's identity",
		r.header.Get("Cache-Control"))

	dec := json.NewDecoder(strings.NewReader(string(r.body)))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v), "the body is not JSON: %s", r.body)
	_, err := dec.Token()
	require.ErrorIs(t, err, io.EOF, "the body has more than one JSON value: %s", r.body)
	if v == nil {
		return nil
	}
	obj, ok := v.(map[string]any)
	require.True(t, ok, "the body is a JSON %T, want an object or null: %s", v, r.body)
	require.NoError(t, checkDuplicateKeys(string(r.body)))
	return obj
}

// testSettingsSame compares the settings JSON with the page's snippet, and
// both with want: the visitor comes from the middleware's sources only, as
// no handler calls Identify or Set on SettingsPath.
func testSettingsSame(s Scenario, want map[string]any) func(*testing.T, Harness) {
	return func(t *testing.T, h Harness) {
		a := start(t, h, intercom.Config{
			AppID:      appID,
			HMACSecret: secret,
			Region:     intercom.RegionEU,
			Messenger:  intercom.Options{Alignment: "left", HideDefaultLauncher: true},
		}, s)
		got := settingsJSON(t, a, "")
		assert.Equal(t, want, got, "the settings JSON")
		assert.Equal(t, a.get(t, "", nil).mustSnippet(t).Settings, got,
			"the settings JSON must be the object the page's snippet assigns to window.intercomSettings")
		a.noErrors(t)
	}
}

// settingsDefaults are the settings of testSettingsSame's Messenger.
func settingsDefaults(extra map[string]any) map[string]any {
	s := map[string]any{
		"app_id":                appID,
		"api_base":              euAPIBase,
		"alignment":             "left",
		"hide_default_launcher": true,
	}
	maps.Copy(s, extra)
	return s
}

var (
	testSettingsWithUser = testSettingsSame(Scenario{
		SignedIn:       signedIn("someone-else"),
		WithUser:       withUser(intercom.User{ID: "42", Email: "jane@example.com", Name: "Jane", CreatedAt: janeJoined}),
		WithAttributes: withAttributes(intercom.Attributes{"plan": "pro", "cart_value": 99.5, "alignment": "right"}),
		WithNonce:      func(Header) string { return "r4nd0m-Nonce_12" },
	}, settingsDefaults(map[string]any{
		"user_id":    "42",
		"email":      "jane@example.com",
		"name":       "Jane",
		"created_at": num("1589707800"),
		"user_hash":  userHash("42"),
		"plan":       "pro",
		"cart_value": num("99.5"),
		"alignment":  "right",
	}))
	testSettingsSignedIn = testSettingsSame(Scenario{
		SignedIn:       signedIn("jane"),
		WithAttributes: withAttributes(intercom.Attributes{"plan": "pro"}),
	}, settingsDefaults(map[string]any{
		"user_id":   "jane",
		"name":      "jane",
		"user_hash": userHash("jane"),
		"plan":      "pro",
	}))
)

func testSettingsDisabled(t *testing.T, h Harness) {
	a := start(t, h, intercom.Config{HMACSecret: secret}, Scenario{
		SignedIn:       signedIn("jane"),
		WithAttributes: withAttributes(intercom.Attributes{"plan": "pro"}),
	})
	assert.Nil(t, settingsJSON(t, a, ""), "a disabled Messenger's settings are null")
	a.noErrors(t)
}

func testSettingsInternal(t *testing.T, h Harness) {
	const from = "127.0.0.7"
	needSource(t, from)
	a := start(t, h, intercom.Config{AppID: appID, InternalIPs: []string{from}}, Scenario{
		SignedIn: signedIn("jane"),
	})
	assert.Nil(t, settingsJSON(t, a, from), "an internal client's settings are null: the page would not boot the Messenger")
	a.noErrors(t)
}
