package intercom

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strconv"
	"testing"
	"time"
)

// The floor is the least work the snippet needs: a straight-line writer
// that knows the Config and the shape of the visitor in advance, so it
// appends the constant bytes as they are and encodes only the visitor's
// values (escaped as appendString escapes them: that much is needed for any
// input). BenchmarkFloor runs it beside AppendSnippet and Render for the
// same visitor, so every run measures how far the library is from it; the
// floor's bytes are checked against AppendSnippet's first (and by
// TestFloorMatchesAppendSnippet in every test run), so it cannot drift.

const (
	floorAppID  = "abc12345"
	floorSecret = "bench-secret"
)

var floorUser = User{ID: "42", Email: "jane@example.com", Name: "Jane Doe", CreatedAt: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)}

// floorWriter writes the identified snippet for floorUser's shape: a User
// with ID, Email, Name and CreatedAt, identity verification by user_hash,
// no attributes, nonce, calls, shutdown or internal IP.
type floorWriter struct {
	head string // up to created_at's value
	tail string // after the settings object's last value
	hex  [2 * sha256.Size]byte
	mac  hash.Hash
	msg  []byte
	sum  []byte
}

func newFloorWriter(m *Messenger) *floorWriter {
	l := m.loader[0]
	f := &floorWriter{
		head: `<script id="IntercomSettingsScriptTag">window.intercomSettings=` +
			`{"api_base":"https://api-iam.intercom.io","app_id":"` + floorAppID + `","created_at":`,
		tail: `}` + loaderHead + `[]` + loaderVars + l.beforeNonce + l.afterNonce,
		mac:  hmac.New(sha256.New, []byte(floorSecret)),
		msg:  make([]byte, 0, 64),
		sum:  make([]byte, 0, sha256.Size),
	}
	f.mac.Write([]byte(floorUser.ID))
	hex.Encode(f.hex[:], f.mac.Sum(nil))
	return f
}

// append writes the snippet for u with the user_hash precomputed (a
// returning user), or computed per call with a keyed HMAC reused.
func (f *floorWriter) append(dst []byte, u *User, hmacEachCall bool) []byte {
	dst = append(dst, f.head...)
	dst = strconv.AppendInt(dst, u.CreatedAt.Unix(), 10)
	dst = append(dst, `,"email":`...)
	dst = appendString(dst, u.Email)
	dst = append(dst, `,"name":`...)
	dst = appendString(dst, u.Name)
	dst = append(dst, `,"user_hash":"`...)
	if hmacEachCall {
		f.mac.Reset()
		f.msg = append(f.msg[:0], u.ID...)
		f.mac.Write(f.msg)
		f.sum = f.mac.Sum(f.sum[:0])
		dst = hex.AppendEncode(dst, f.sum)
	} else {
		dst = append(dst, f.hex[:]...)
	}
	dst = append(dst, `","user_id":`...)
	dst = appendString(dst, u.ID)
	return append(dst, f.tail...)
}

// floorMessengers returns the Messengers of BenchmarkFloor's two cases.
func floorMessengers(tb testing.TB) (identified, anonymous *Messenger) {
	tb.Helper()
	identified, err := New(Config{AppID: floorAppID, HMACSecret: floorSecret})
	if err != nil {
		tb.Fatal(err)
	}
	anonymous, err = New(Config{AppID: floorAppID})
	if err != nil {
		tb.Fatal(err)
	}
	return identified, anonymous
}

// checkFloor fails tb unless the floor writer's bytes, with the hash
// precomputed and per call, equal AppendSnippet's and Render's.
func checkFloor(tb testing.TB, m *Messenger, f *floorWriter) {
	tb.Helper()
	v := Visitor{User: &floorUser}
	want := m.AppendSnippet(nil, v)
	for _, each := range []bool{false, true} {
		if got := f.append(nil, &floorUser, each); !bytes.Equal(got, want) {
			tb.Fatalf("floor (HMAC each call: %v) differs from AppendSnippet:\nfloor:         %s\nAppendSnippet: %s", each, got, want)
		}
	}
	if got := string(m.Render(v)); got != string(want) {
		tb.Fatalf("Render differs from AppendSnippet:\nRender:        %s\nAppendSnippet: %s", got, want)
	}
}

func TestFloorMatchesAppendSnippet(t *testing.T) {
	identified, anonymous := floorMessengers(t)
	checkFloor(t, identified, newFloorWriter(identified))
	if got, want := string(anonymous.Render(Visitor{})), string(anonymous.AppendSnippet(nil, Visitor{})); got != want {
		t.Fatalf("anonymous Render differs from AppendSnippet:\nRender:        %s\nAppendSnippet: %s", got, want)
	}
}

// BenchmarkFloor measures AppendSnippet and Render against the floor:
// identified_hmac/floor is a returning user's snippet written straight
// (the user_hash known), floor_hmac_each_call computes the HMAC too, and
// anonymous/copy copies the anonymous snippet's bytes.
func BenchmarkFloor(b *testing.B) {
	identified, anonymous := floorMessengers(b)
	f := newFloorWriter(identified)
	checkFloor(b, identified, f)
	v := Visitor{User: &floorUser}
	b.Run("identified_hmac/floor", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 4096)
		for b.Loop() {
			buf = f.append(buf[:0], &floorUser, false)
		}
	})
	b.Run("identified_hmac/floor_hmac_each_call", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 4096)
		for b.Loop() {
			buf = f.append(buf[:0], &floorUser, true)
		}
	})
	b.Run("identified_hmac/AppendSnippet", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 4096)
		for b.Loop() {
			buf = identified.AppendSnippet(buf[:0], v)
		}
	})
	b.Run("identified_hmac/Render", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if identified.Render(v) == "" {
				b.Fatal("empty")
			}
		}
	})

	snippet := anonymous.AppendSnippet(nil, Visitor{})
	b.Run("anonymous/copy", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 4096)
		for b.Loop() {
			buf = append(buf[:0], snippet...)
		}
	})
	b.Run("anonymous/AppendSnippet", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 4096)
		for b.Loop() {
			buf = anonymous.AppendSnippet(buf[:0], Visitor{})
		}
	})
	b.Run("anonymous/Render", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if anonymous.Render(Visitor{}) == "" {
				b.Fatal("empty")
			}
		}
	})
}
