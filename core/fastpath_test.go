package intercom

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"
)

// The fast paths (precomputed snippet parts, the settings plan of a visitor
// without Attributes, Render's cache of recent snippets) must write what
// the general path writes, byte for byte, with the same reports. These
// tests run both over many visitors and Messengers.

var fastNow = time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)

// fastMessenger is a Messenger whose reports are recorded.
type fastMessenger struct {
	name    string
	m       *Messenger
	reports *[]string
}

func (f fastMessenger) take() []string {
	r := slices.Clone(*f.reports)
	*f.reports = (*f.reports)[:0]
	slices.Sort(r) // attributes are reported in map order
	return r
}

func fastMessengers(tb testing.TB) []fastMessenger {
	tb.Helper()
	opts := Options{
		CustomLauncherSelector: "#help", Alignment: "left", VerticalPadding: 30, HorizontalPadding: 40,
		ZIndex: 9, HideDefaultLauncher: true, HideNotifications: true, ThemeMode: "dark",
		SessionDuration: time.Hour, ActionColor: "#0057ff", BackgroundColor: "teal", LinkColor: "rgb(0, 87, 255)",
		LanguageOverride: "pt-BR",
	}
	configs := []struct {
		name string
		c    Config
	}{
		{"plain", Config{}},
		{"hmac", Config{HMACSecret: "k"}},
		{"hmac+options+eu", Config{HMACSecret: "k", Messenger: opts, Region: RegionEU}},
		{"jwt", Config{HMACSecret: "k", JWT: JWT{Enabled: true}}},
		{"jwt+lifetime+signed", Config{HMACSecret: "k", Messenger: opts, JWT: JWT{Enabled: true, Lifetime: time.Hour,
			SignedFields: []string{"email", "name", "alignment", "plan", "company", "z_index"}}}},
		{"jwt+signed, no lifetime", Config{HMACSecret: "k", JWT: JWT{Enabled: true, SignedFields: []string{"name", "created_at"}}}},
		{"internal+widget+api", Config{HMACSecret: "k", InternalIPs: []string{"10.0.0.0/8", "::1/128"},
			WidgetURL: "https://cdn.example.com/w--idget.js", APIBase: "https://api.example.com/", Messenger: Options{ZIndex: 3}}},
	}
	var out []fastMessenger
	for _, cfg := range configs {
		reports := new([]string)
		cfg.c.AppID = "abc12345"
		cfg.c.Now = func() time.Time { return fastNow }
		cfg.c.ErrorHandler = func(err error) { *reports = append(*reports, err.Error()) }
		m, err := New(cfg.c)
		if err != nil {
			tb.Fatalf("%s: %v", cfg.name, err)
		}
		out = append(out, fastMessenger{cfg.name, m, reports})
	}
	return out
}

// fastStrings are the values the generator draws strings from: plain,
// empty, to be escaped, invalid UTF-8, longer than a cached subject.
var fastStrings = []string{
	"", "42", "jane@example.com", "Jane Doe", "Zoë </script><!--", "a'b`c&d", "line\u2028sep\u2029",
	"bad\xffutf8", "\x00\x1f\"\\", strings.Repeat("x", 65), strings.Repeat("é", 40), "user-7",
}

func fastString(r *rand.Rand) string { return fastStrings[r.IntN(len(fastStrings))] }

// fastVisitor generates a visitor: with or without a User (any subset of
// its fields, companies valid and not), Attributes absent, empty or with
// reserved, identity, __proto__, user-field and default keys, an internal
// IP or not, a nonce valid, invalid or none, shutdown, calls.
func fastVisitor(r *rand.Rand, calls []Call) Visitor {
	var v Visitor
	if r.IntN(4) != 0 {
		u := &User{}
		for f := range 8 {
			if r.IntN(2) == 0 {
				continue
			}
			switch f {
			case 0:
				u.ID = fastString(r)
			case 1:
				u.Email = fastString(r)
			case 2:
				u.Name = fastString(r)
			case 3:
				u.Phone = fastString(r)
			case 4:
				u.CreatedAt = time.Unix(int64(r.IntN(2e9)), 0)
			case 5:
				u.AvatarURL = fastString(r)
			case 6:
				u.Company = &Company{ID: fastString(r), Name: fastString(r), Plan: fastString(r), Size: r.IntN(3)}
			case 7:
				u.Companies = []Company{{ID: "c1", Name: "One", MonthlySpend: 9.5}, {ID: fastString(r), Name: "Two",
					Attributes: Attributes{"tier": fastString(r), "name": "override"}}}
			}
		}
		v.User = u
	}
	switch r.IntN(4) {
	case 0:
		v.Attributes = Attributes{}
	case 1:
		v.Attributes = Attributes{}
		keys := []string{"plan", "name", "email", "user_id", "alignment", "z_index", "app_id", "user_hash",
			"intercom_user_jwt", "__proto__", "", "bad\xffkey", "avatar", "company", "created_at"}
		for range 1 + r.IntN(4) {
			var val any = fastString(r)
			switch r.IntN(4) {
			case 0:
				val = r.IntN(100)
			case 1:
				val = []any{1, "two", nil}
			case 2:
				val = map[string]any{"__proto__": 1}
			}
			v.Attributes[keys[r.IntN(len(keys))]] = val
		}
	}
	v.ClientIP = []string{"", "10.1.2.3", "192.0.2.1", "::1", "nonsense"}[r.IntN(5)]
	v.Nonce = []string{"", "", "rAnd0m+nonce/==", "bad nonce", "YWJj"}[r.IntN(5)]
	v.Shutdown = r.IntN(3) == 0
	switch r.IntN(5) {
	case 0:
		v.Calls = calls
	case 1:
		v.Calls = []Call{{}} // a zero Call: appended as nothing
	}
	return v
}

// generalSnippet is the snippet the general path writes for v.
func generalSnippet(m *Messenger, v Visitor) []byte {
	if m.appID == "" {
		return nil
	}
	return m.appendSnippetGeneral(nil, &v, m.IsInternal(v.ClientIP), m.checkNonce(v.Nonce))
}

// TestFastPathsMatchGeneral: for 3,000 generated visitors on each of seven
// Messengers, AppendSnippet, Render (three times: a miss, a miss that keeps
// the string, the cache's hit),
// AppendSettings and the settings plan write the general path's bytes and
// make its reports.
func TestFastPathsMatchGeneral(t *testing.T) {
	for _, fm := range fastMessengers(t) {
		t.Run(fm.name, func(t *testing.T) {
			m := fm.m
			c1, err := m.Call("trackEvent", "signed-up", map[string]any{"plan": "pro"})
			if err != nil {
				t.Fatal(err)
			}
			c2, err := m.Call("showSpace", "help")
			if err != nil {
				t.Fatal(err)
			}
			calls := []Call{c1, {}, c2}
			r := rand.New(rand.NewPCG(1, uint64(len(fm.name))))
			kinds := map[string]int{}
			for i := range 3000 {
				v := fastVisitor(r, calls)
				want := generalSnippet(m, v)
				wantReports := fm.take()
				if len(wantReports) > 0 {
					kinds["reports"]++
				}
				if v.User != nil && len(v.Attributes) == 0 {
					kinds["planned"]++
				}
				check := func(what string, got []byte) {
					t.Helper()
					if !bytes.Equal(got, want) {
						t.Fatalf("visitor %d %+v (user %+v): %s differs from the general path:\ngot:  %s\nwant: %s", i, v, v.User, what, got, want)
					}
					if got := fm.take(); !slices.Equal(got, wantReports) {
						t.Fatalf("visitor %d %+v: %s reported %q, the general path %q", i, v, what, got, wantReports)
					}
				}
				check("AppendSnippet", m.AppendSnippet([]byte{}, v))
				check("AppendSnippet into a used buffer", bytes.TrimPrefix(m.AppendSnippet([]byte("page"), v), []byte("page")))
				check("Render", []byte(m.Render(v)))
				check("Render again (now kept)", []byte(m.Render(v)))
				check("Render a third time (the kept string)", []byte(m.Render(v)))

				wantSettings := m.appendSettingsGeneral(nil, &v)
				wantReports = fm.take()
				if m.IsInternal(v.ClientIP) {
					wantSettings = []byte("null")
					wantReports = nil
				}
				if got := m.AppendSettings(nil, v); !bytes.Equal(got, wantSettings) {
					t.Fatalf("visitor %d %+v: AppendSettings = %s, want %s", i, v, got, wantSettings)
				}
				if got := fm.take(); !slices.Equal(got, wantReports) {
					t.Fatalf("visitor %d %+v: AppendSettings reported %q, want %q", i, v, got, wantReports)
				}
				if len(v.Attributes) == 0 {
					want := m.appendSettingsGeneral(nil, &v)
					wantReports := fm.take()
					if got := m.appendPlanned(nil, v.User); !bytes.Equal(got, want) {
						t.Fatalf("visitor %d %+v: appendPlanned = %s, want %s", i, v, got, want)
					}
					if got := fm.take(); !slices.Equal(got, wantReports) {
						t.Fatalf("visitor %d %+v: appendPlanned reported %q, want %q", i, v, got, wantReports)
					}
				}
			}
			// The generator reaches the paths this test is for.
			if kinds["reports"] < 100 || kinds["planned"] < 500 {
				t.Fatalf("generated too few visitors of a kind: %v", kinds)
			}
		})
	}
}

// FuzzPlannedSettings: for any User without Attributes, the settings plan
// writes what the general merge writes, on every Messenger of
// fastMessengers.
func FuzzPlannedSettings(f *testing.F) {
	f.Add("42", "jane@example.com", "Jane Doe", "", "", int64(1700000000), "c1", "Acme")
	f.Add("", "only@example.com", "", "+1 555", "https://x.example/a.png", int64(0), "", "No ID")
	f.Add("\xff", "<b>", "\u2028", "'", "`", int64(-1), "c", "")
	ms := fastMessengers(f)
	f.Fuzz(func(t *testing.T, id, email, name, phone, avatar string, created int64, companyID, companyName string) {
		u := &User{ID: id, Email: email, Name: name, Phone: phone, AvatarURL: avatar}
		if created != 0 {
			u.CreatedAt = time.Unix(created, 0)
		}
		if companyID != "" || companyName != "" {
			u.Company = &Company{ID: companyID, Name: companyName}
			u.Companies = []Company{*u.Company, {ID: "c2", Name: "Two"}}
		}
		for _, fm := range ms {
			for _, user := range []*User{u, nil} {
				v := Visitor{User: user}
				want := fm.m.appendSettingsGeneral(nil, &v)
				wantReports := fm.take()
				if got := fm.m.appendPlanned(nil, user); !bytes.Equal(got, want) {
					t.Fatalf("%s: appendPlanned(%+v) = %s, want %s", fm.name, user, got, want)
				}
				if got := fm.take(); !slices.Equal(got, wantReports) {
					t.Fatalf("%s: appendPlanned(%+v) reported %q, want %q", fm.name, user, got, wantReports)
				}
			}
		}
	})
}

// TestDefaultsAreNotUserFields: the settings plan puts each default in a
// gap between user fields, which holds only while no default (any
// Messenger option, app_id, api_base) shares a key with a user field.
func TestDefaultsAreNotUserFields(t *testing.T) {
	fm := fastMessengers(t)[2] // every Messenger option set
	if len(fm.m.defaults) != 15 {
		t.Fatalf("want 13 options and app_id, api_base; got %d defaults", len(fm.m.defaults))
	}
	for _, d := range fm.m.defaults {
		if f := userFieldOf(d.key); f != numUserFields {
			t.Errorf("default %q is user field %d's key", d.key, f)
		}
	}
	// Each plan opens the object with defaults (app_id and api_base at
	// least), so that every user field's entry follows one.
	for _, fm := range fastMessengers(t) {
		for i, p := range fm.m.plans {
			if !strings.HasPrefix(p.open, `{"`) || !strings.Contains(p.open, `"api_base":`) || !strings.Contains(p.open, `"app_id":`) {
				t.Errorf("%s: plan %d opens with %q", fm.name, i, p.open)
			}
		}
	}
}

// TestSnippetParts: the precomputed parts of each variant are the general
// path's bytes, the anonymous snippet whole.
func TestSnippetParts(t *testing.T) {
	for _, fm := range fastMessengers(t) {
		m := fm.m
		for _, internal := range []bool{false, true} {
			for _, shutdown := range []bool{false, true} {
				p := &m.parts[variant(internal, shutdown)]
				v := Visitor{Shutdown: shutdown}
				settings := string(m.appendSettingsGeneral(nil, &v))
				want := string(m.appendSnippetGeneral(nil, &v, internal, ""))
				if p.anon != want || p.head+settings+p.tail != want {
					t.Errorf("%s internal=%v shutdown=%v: parts\n%q\n%q\nwant %q", fm.name, internal, shutdown, p.anon, p.head+settings+p.tail, want)
				}
				wantNonce := string(m.appendSnippetGeneral(nil, &v, internal, "n0nce"))
				if got := p.headNonce[0] + "n0nce" + p.headNonce[1] + settings + p.tailNonce[0] + "n0nce" + p.tailNonce[1]; got != wantNonce {
					t.Errorf("%s internal=%v shutdown=%v: nonce parts\n%q\nwant %q", fm.name, internal, shutdown, got, wantNonce)
				}
			}
		}
	}
}

// TestSnippetCache: Render's cache returns the string it made for the same
// snippet, never one of another visitor (also when a colliding entry holds
// the slots), keeps no snippet longer than maxCachedSnippet, none with a
// nonce or calls, none with an expiring JWT, and serves goroutines racing
// (go test -race).
func TestSnippetCache(t *testing.T) {
	m, err := New(Config{AppID: "abc12345", HMACSecret: "k"})
	if err != nil {
		t.Fatal(err)
	}
	stored := func(m *Messenger) (n int) {
		for i := range m.recent.slots {
			if m.recent.slots[i].Load() != nil {
				n++
			}
		}
		return n
	}
	jane := Visitor{User: &User{ID: "1", Name: "Jane"}}
	if m.Render(jane); stored(m) != 0 {
		t.Fatalf("a first Render stored %d entries, want none (the doorkeeper)", stored(m))
	}
	first, again := m.Render(jane), m.Render(jane)
	if first != again || stored(m) != 1 {
		t.Fatalf("Render three times: %d entries stored, strings equal: %v", stored(m), first == again)
	}
	if unsafeData(string(first)) != unsafeData(string(again)) {
		t.Errorf("the third Render made a new string, want the cached one")
	}

	// An entry in both of a key's slots with the key's hash and variant but
	// another visitor's settings (a hash collision) is a miss.
	body := func(v Visitor) []byte {
		r, i := m.plannedRequest(v.User)
		if i != 0 {
			t.Fatalf("plan %d, want 0", i)
		}
		return m.appendPlannedFields(nil, &r, &m.plans[0])
	}
	joan := Visitor{User: &User{ID: "1", Name: "Joan"}}
	h := m.recent.hashOf(snippetKey(0, 0), body(jane))
	p := &m.parts[0]
	// forge puts e in every slot of the two sets h picks, tags and all.
	forge := func(e *snippetEntry) {
		for _, set := range []uint64{h % snippetCacheSets, (h >> 32) % snippetCacheSets} {
			for i := set * snippetCacheWays; i < (set+1)*snippetCacheWays; i++ {
				m.recent.slots[i].Store(e)
				m.recent.tags[i].Store(e.hash)
			}
		}
	}
	// The forged slots are the ones Render looks in: an entry with the
	// right bytes there is returned as it is.
	genuine := &snippetEntry{hash: h, key: snippetKey(0, 0), html: strings.Clone(string(first))}
	forge(genuine)
	if got := m.Render(jane); unsafeData(string(got)) != unsafeData(genuine.html) {
		t.Fatalf("Render did not return the entry in its slots")
	}
	impostor := &snippetEntry{hash: h, key: snippetKey(0, 0), html: p.heads[0] + string(body(joan)) + p.tails[0]}
	forge(impostor)
	if got := m.Render(jane); got != first {
		t.Fatalf("Render with colliding entries = %s, want %s", got, first)
	}
	// So is one with the hash and the body but another variant's bytes
	// around it (the shutdown snippet).
	other := &snippetEntry{hash: h, key: snippetKey(1, 0), html: m.parts[1].heads[0] + string(body(jane)) + m.parts[1].tails[0]}
	forge(other)
	if got := m.Render(jane); got != first {
		t.Fatalf("Render with another variant's entry = %s, want %s", got, first)
	}

	for name, v := range map[string]Visitor{
		"nonce":      {User: jane.User, Nonce: "YWJj"},
		"calls":      {User: jane.User, Calls: []Call{{js: `["show"]`}}},
		"over 4 KiB": {User: &User{ID: "2", Name: strings.Repeat("x", maxCachedSnippet)}},
		"anonymous":  {},
	} {
		m, err := New(Config{AppID: "abc12345", HMACSecret: "k"})
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if got, want := string(m.Render(v)), string(generalSnippet(m, v)); got != want || stored(m) != 0 {
				t.Errorf("%s: %d entries stored; Render = %s, want %s", name, stored(m), got, want)
			}
		}
	}
	jwt, err := New(Config{AppID: "abc12345", HMACSecret: "k", JWT: JWT{Enabled: true, Lifetime: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	if jwt.Render(jane); jwt.Render(jane) == "" || stored(jwt) != 0 {
		t.Errorf("an expiring JWT's snippet was stored")
	}

	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 2000 {
				v := Visitor{User: &User{ID: fmt.Sprint((i * (g + 1)) % 600), Name: "N"}, Shutdown: i%3 == 0}
				if got, want := string(m.Render(v)), string(generalSnippet(m, v)); got != want {
					t.Errorf("Render(%+v) = %s, want %s", v, got, want)
					return
				}
			}
		})
	}
	wg.Wait()
}

func unsafeData(s string) *byte { return unsafe.StringData(s) }

// TestSnippetCacheCyclingUsers: users who come back in turn, more of them
// than fit in one slot each but fewer than the cache holds, get their
// cached string on nearly every page view once each has been seen twice.
// (With a doorkeeper table of hashes, users sharing its places kept
// evicting each other's marks: a fifth of them was never cached.)
func TestSnippetCacheCyclingUsers(t *testing.T) {
	for _, n := range []int{20, 100, 150} {
		t.Run(strconv.Itoa(n)+" users", func(t *testing.T) {
			m, err := New(Config{AppID: "abc12345", HMACSecret: "k"})
			if err != nil {
				t.Fatal(err)
			}
			users := make([]User, n)
			for i := range users {
				id := strconv.Itoa(1000 + i)
				users[i] = User{ID: id, Email: "user" + id + "@example.com", Name: "User " + id}
			}
			last := make([]string, n)
			hits, views := 0, 0
			for round := range 40 {
				for i := range users {
					s := string(m.Render(Visitor{User: &users[i]}))
					if round >= 4 {
						views++
						if unsafeData(s) == unsafeData(last[i]) {
							hits++
						}
					}
					last[i] = s
				}
			}
			if rate := float64(hits) / float64(views); rate < 0.95 {
				t.Errorf("%d of %d page views got the cached string (%.1f%%), want at least 95%%", hits, views, 100*rate)
			}
		})
	}
}
