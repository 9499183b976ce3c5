package intercom

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"strconv"
	"sync"
	"time"
)

// signer computes HMAC-SHA256 with the identity verification secret. Hashes
// are pooled: hmac.New per call costs two allocations and re-derives the key
// pads, and a Messenger is shared by every request. It keeps the user_hash
// of recent subjects in a fixed-size cache (userHashCache).
type signer struct {
	pool   sync.Pool
	recent *userHashCache
}

func newSigner(secret string) *signer {
	key := []byte(secret)
	s := &signer{recent: newUserHashCache()}
	s.pool.New = func() any { return hmac.New(sha256.New, key) }
	return s
}

// sum appends the raw MAC of msg to dst[:len(dst)] in place: dst must have
// sha256.Size bytes of capacity past its length.
func (s *signer) sum(dst, msg []byte) []byte {
	h := s.pool.Get().(hash.Hash)
	h.Reset()
	h.Write(msg)
	dst = h.Sum(dst)
	s.pool.Put(h)
	return dst
}

// appendUserHash appends the hex user_hash of subject, using the spare
// capacity of dst as scratch so the common case does not allocate. The
// page sends the subject with each byte of invalid UTF-8 as U+FFFD
// (appendString), and Intercom checks the hash against that, so the HMAC
// is over sentString(subject); the cache, a function of the subject, is
// keyed by the subject as it is, so a hit does not check its UTF-8.
func (s *signer) appendUserHash(dst []byte, subject string) []byte {
	if !cacheable(subject) {
		return s.appendNewUserHash(dst, subject, nil)
	}
	var key subjectKey
	s.recent.key(&key, subject)
	if out, ok := s.recent.appendHit(dst, &key); ok {
		return out
	}
	return s.appendNewUserHash(dst, subject, &key)
}

// appendNewUserHash computes the user_hash of subject, appends it to dst
// and, with the subject's key, caches it. It is apart from
// appendUserHash so that a hit's path stays small.
func (s *signer) appendNewUserHash(dst []byte, subject string, key *subjectKey) []byte {
	sent := sentString(subject)
	n := len(dst)
	dst = append(dst, sent...)
	dst = append(dst, make([]byte, sha256.Size)...)
	msgEnd := n + len(sent)
	var raw [sha256.Size]byte
	s.sum(dst[msgEnd:msgEnd], dst[n:msgEnd])
	copy(raw[:], dst[msgEnd:msgEnd+sha256.Size])
	dst = hex.AppendEncode(dst[:n], raw[:])
	if key != nil {
		s.recent.add(key, dst[n:])
	}
	return dst
}

// jwtHeader is base64url({"alg":"HS256","typ":"JWT"}).
const jwtHeader = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"

// claim is one JWT claim besides user_id and exp, already encoded.
type claim struct {
	key   string
	value []byte
}

// appendJWT appends an HS256 token whose payload is {claims..., exp, user_id}
// with sorted keys, building it in place in dst.
func (s *signer) appendJWT(dst []byte, userID string, claims []claim, lifetime time.Duration, now func() time.Time) []byte {
	start := len(dst)
	dst = append(dst, jwtHeader...)
	dst = append(dst, '.')

	// The payload JSON goes after the token so far, then is replaced by its
	// base64url form.
	payload := len(dst)
	dst = append(dst, '{')
	exp := lifetime > 0
	wroteExp, wroteUID := !exp, false
	for _, c := range claims {
		if !wroteExp && c.key > "exp" {
			dst = appendExp(dst, now, lifetime)
			wroteExp = true
		}
		if !wroteUID && c.key > "user_id" {
			dst = appendUIDClaim(dst, userID)
			wroteUID = true
		}
		dst = appendString(dst, c.key)
		dst = append(dst, ':')
		dst = append(dst, c.value...)
		dst = append(dst, ',')
	}
	if !wroteExp {
		dst = appendExp(dst, now, lifetime)
	}
	if !wroteUID {
		dst = appendUIDClaim(dst, userID)
	}
	dst[len(dst)-1] = '}'

	jsonEnd := len(dst)
	dst = base64.RawURLEncoding.AppendEncode(dst, dst[payload:jsonEnd])
	n := copy(dst[payload:], dst[jsonEnd:])
	dst = dst[:payload+n]

	dst = append(dst, '.')
	sigAt := len(dst)
	dst = append(dst, make([]byte, sha256.Size)...)
	var raw [sha256.Size]byte
	s.sum(dst[sigAt:sigAt], dst[start:sigAt-1])
	copy(raw[:], dst[sigAt:])
	return base64.RawURLEncoding.AppendEncode(dst[:sigAt], raw[:])
}

func appendExp(dst []byte, now func() time.Time, lifetime time.Duration) []byte {
	dst = append(dst, `"exp":`...)
	dst = strconv.AppendInt(dst, now().Add(lifetime).Unix(), 10)
	return append(dst, ',')
}

func appendUIDClaim(dst []byte, userID string) []byte {
	dst = append(dst, `"user_id":`...)
	dst = appendString(dst, userID)
	return append(dst, ',')
}
