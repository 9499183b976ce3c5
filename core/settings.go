package intercom

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// isReserved reports keys that only the library sets: app_id and api_base
// come from Config (api_base from the region or a validated Config.APIBase),
// user_hash and intercom_user_jwt from the secret.
func isReserved(k string) bool {
	return k == "app_id" || k == "api_base" || k == "user_hash" || k == "intercom_user_jwt"
}

// protoKey is the one key a JavaScript object literal does not take as a
// property: {"__proto__": x} sets the object's prototype, where JSON.parse
// would make an own property. It is dropped wherever it is.
const protoKey = "__proto__"

// protoReason is why a value holding protoKey is dropped.
const protoReason = `a "__proto__" key, which a JavaScript object literal takes for its prototype`

var errProtoKey = errors.New("has " + protoReason)

const (
	keyJWT  = "intercom_user_jwt"
	keyHash = "user_hash"
)

// userField enumerates the settings a User can produce, in key order; the
// identity keys sit at their sorted places.
type userField uint8

const (
	fAvatar userField = iota
	fCompanies
	fCompany
	fCreatedAt
	fEmail
	fJWT
	fName
	fPhone
	fHash
	fUserID
	numUserFields
)

var userFieldKeys = [numUserFields]string{"avatar", "companies", "company", "created_at", "email", keyJWT, "name", "phone", keyHash, "user_id"}

// userFieldQuoted holds each key as it is written: "key":
var userFieldQuoted = func() (q [numUserFields]string) {
	for i, k := range userFieldKeys {
		q[i] = string(appendString(nil, k)) + ":"
	}
	return q
}()

// request is the per-render state of appendSettings, kept on the stack.
type request struct {
	u        *User
	attrs    Attributes
	uid      string    // final user_id after precedence
	email    string    // final email after precedence
	identity userField // fJWT, fHash, or numUserFields for none
}

// newRequest returns the request of a visitor with user u (nil for none)
// and attributes attrs, the user's identity fields taken as final and no
// identity verification chosen yet (see identity).
func newRequest(u *User, attrs Attributes) request {
	if u == nil {
		return request{attrs: attrs, identity: numUserFields}
	}
	return request{u: u, attrs: attrs, uid: u.ID, email: u.Email, identity: numUserFields}
}

// identity returns how r's visitor is verified: fJWT, fHash, or
// numUserFields for not at all (no secret, or neither user_id nor email).
func (m *Messenger) identity(r *request) userField {
	switch {
	case m.signer == nil:
		return numUserFields
	case m.jwt && r.uid != "":
		return fJWT
	case r.uid != "" || r.email != "":
		return fHash
	}
	return numUserFields
}

// fields returns the set of user fields the visitor has (bit 1<<f).
func (r *request) fields() uint16 {
	var have uint16
	if r.identity < numUserFields {
		have |= 1 << r.identity
	}
	if r.uid != "" {
		have |= 1 << fUserID
	}
	if r.email != "" {
		have |= 1 << fEmail
	}
	u := r.u
	if u == nil {
		return have
	}
	if u.AvatarURL != "" {
		have |= 1 << fAvatar
	}
	if len(u.Companies) > 0 {
		have |= 1 << fCompanies
	}
	if u.Company != nil {
		have |= 1 << fCompany
	}
	if !u.CreatedAt.IsZero() {
		have |= 1 << fCreatedAt
	}
	if u.Name != "" {
		have |= 1 << fName
	}
	if u.Phone != "" {
		have |= 1 << fPhone
	}
	return have
}

// appendSettings appends the settings object: Config defaults, then User
// fields, then Attributes, each overriding the one before, keys sorted. A
// visitor without Attributes takes its plan (appendPlanned).
func (m *Messenger) appendSettings(dst []byte, v *Visitor) []byte {
	if len(v.Attributes) == 0 {
		return m.appendPlanned(dst, v.User)
	}
	return m.appendSettingsGeneral(dst, v)
}

// appendSettingsGeneral is appendSettings for any visitor: the three
// sources merged key by key.
func (m *Messenger) appendSettingsGeneral(dst []byte, v *Visitor) []byte {
	r := newRequest(v.User, v.Attributes)

	var abuf [24]string
	akeys := abuf[:0]
	for k, val := range r.attrs {
		switch {
		case isReserved(k):
			m.report(&AttributeError{Key: k, Reason: "reserved: only the library sets it"})
			continue
		case !validKey(k):
			m.report(&AttributeError{Key: k, Reason: "key is empty or not valid UTF-8"})
			continue
		case k == protoKey:
			m.report(&AttributeError{Key: k, Reason: protoReason})
			continue
		case k == "user_id":
			id, err := identityString(val, true)
			if err != nil {
				m.report(&AttributeError{Key: k, Reason: "user_id must encode as a JSON string or integer; " + err.Error()})
				continue
			}
			if r.u != nil {
				// The user channel identified the visitor: custom data must
				// not re-sign user_hash (or the JWT) for another person.
				if id != r.u.ID {
					m.report(&AttributeError{Key: k, Reason: "the visitor is identified as a user, whose user_id custom data cannot change"})
				}
				continue
			}
			if id == "" {
				continue
			}
			r.uid = id
		case k == "email":
			e, err := identityString(val, false)
			if err != nil {
				m.report(&AttributeError{Key: k, Reason: "email must encode as a JSON string; " + err.Error()})
				continue
			}
			if r.u != nil && r.u.ID == "" {
				// An email-only user's email is the identity user_hash signs.
				if e != r.u.Email {
					m.report(&AttributeError{Key: k, Reason: "the visitor is identified as a user by email, which custom data cannot change"})
				}
				continue
			}
			if e == "" {
				continue
			}
			r.email = e
		}
		akeys = append(akeys, k)
	}
	slices.Sort(akeys)

	r.identity = m.identity(&r)
	var ubuf [numUserFields]userField
	ukeys := ubuf[:0]
	have := r.fields()
	for f := range numUserFields {
		if have&(1<<f) != 0 {
			ukeys = append(ukeys, f)
		}
	}

	dst = append(dst, '{')
	first := true
	defs := m.defaults
	di, ui, ai := 0, 0, 0
	for di < len(defs) || ui < len(ukeys) || ai < len(akeys) {
		var key string
		have := false
		if di < len(defs) {
			key, have = defs[di].key, true
		}
		if ui < len(ukeys) && (!have || userFieldKeys[ukeys[ui]] < key) {
			key, have = userFieldKeys[ukeys[ui]], true
		}
		if ai < len(akeys) && (!have || akeys[ai] < key) {
			key = akeys[ai]
		}
		// Every source holding key advances; the last match has precedence.
		src, def, uf := -1, fragment{}, numUserFields
		if di < len(defs) && defs[di].key == key {
			src, def = 0, defs[di]
			di++
		}
		if ui < len(ukeys) && userFieldKeys[ukeys[ui]] == key {
			src, uf = 1, ukeys[ui]
			ui++
		}
		if ai < len(akeys) && akeys[ai] == key {
			src = 2
			ai++
		}
		if r.identity == fJWT && m.signedInJWT(key) {
			continue
		}

		mark := len(dst)
		if !first {
			dst = append(dst, ',')
		}
		var err error
		switch src {
		case 0:
			dst = append(dst, def.quotedKey...)
			dst = append(dst, def.json...)
		case 1:
			dst = append(dst, userFieldQuoted[uf]...)
			dst, err = m.appendUserField(dst, uf, &r)
		case 2:
			dst = appendString(dst, key)
			dst = append(dst, ':')
			dst, err = m.appendAttr(dst, key, &r)
		}
		if err != nil {
			dst = dst[:mark]
			m.report(&AttributeError{Key: key, Reason: err.Error()})
			continue
		}
		first = false
	}
	return append(dst, '}')
}

// signedInJWT reports keys carried inside the JWT instead of the settings.
func (m *Messenger) signedInJWT(key string) bool {
	if key == "user_id" {
		return true
	}
	_, found := slices.BinarySearch(m.jwtSigned, key)
	return found
}

func (m *Messenger) appendAttr(dst []byte, key string, r *request) ([]byte, error) {
	switch key {
	case "user_id":
		return appendString(dst, r.uid), nil
	case "email":
		return appendString(dst, r.email), nil
	}
	return appendAttrValue(dst, r.attrs[key], 0)
}

func (m *Messenger) appendUserField(dst []byte, f userField, r *request) ([]byte, error) {
	u := r.u
	switch f {
	case fUserID:
		return appendString(dst, r.uid), nil
	case fEmail:
		return appendString(dst, r.email), nil
	case fName:
		return appendString(dst, u.Name), nil
	case fPhone:
		return appendString(dst, u.Phone), nil
	case fCreatedAt:
		return appendTime(dst, u.CreatedAt), nil
	case fHash:
		return m.appendHash(dst, r), nil
	}
	return m.appendObjectField(dst, f, r)
}

// appendHash appends the user_hash of the visitor's user_id, or of its
// email without one, as a JSON string.
func (m *Messenger) appendHash(dst []byte, r *request) []byte {
	subject := r.uid
	if subject == "" {
		subject = r.email
	}
	dst = append(dst, '"')
	dst = m.signer.appendUserHash(dst, subject)
	return append(dst, '"')
}

// appendObjectField is appendUserField for the fields that are objects,
// arrays or a JWT, apart so that the common fields' path stays small.
func (m *Messenger) appendObjectField(dst []byte, f userField, r *request) ([]byte, error) {
	u := r.u
	switch f {
	case fAvatar:
		dst = append(dst, `{"image_url":`...)
		dst = appendString(dst, u.AvatarURL)
		return append(dst, `,"type":"avatar"}`...), nil
	case fCompany:
		return m.appendCompany(dst, u.Company)
	case fCompanies:
		dst = append(dst, '[')
		n := 0
		for i := range u.Companies {
			mark := len(dst)
			if n > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = m.appendCompany(dst, &u.Companies[i]); err != nil {
				dst = dst[:mark]
				m.report(&AttributeError{Key: "companies[" + strconv.Itoa(i) + "]", Reason: err.Error()})
				continue
			}
			n++
		}
		return append(dst, ']'), nil
	case fJWT:
		dst = append(dst, '"')
		dst = m.signer.appendJWT(dst, r.uid, m.jwtClaims(r), m.jwtLifetime, m.now)
		return append(dst, '"'), nil
	}
	return dst, errors.New("unknown user field") // unreachable: userKeys is closed
}

// jwtClaims encodes the final value of each signed field the visitor has.
func (m *Messenger) jwtClaims(r *request) []claim {
	var claims []claim
	for _, f := range m.jwtSigned {
		var b []byte
		var err error
		switch {
		case r.attrs != nil && hasKey(r.attrs, f) && f != "email":
			b, err = appendAttrValue(nil, r.attrs[f], 0)
		case userFieldOf(f) < numUserFields && r.fields()&(1<<userFieldOf(f)) != 0:
			b, err = m.appendUserField(nil, userFieldOf(f), r)
		default:
			for _, d := range m.defaults {
				if d.key == f {
					b = d.json
				}
			}
		}
		if err != nil {
			m.report(&AttributeError{Key: f, Reason: "signed field left out of the JWT: " + err.Error()})
			continue
		}
		if b != nil {
			claims = append(claims, claim{f, b})
		}
	}
	return claims
}

// userFieldOf returns the field with key k, or numUserFields.
func userFieldOf(k string) userField {
	for f, key := range userFieldKeys {
		if key == k {
			return userField(f)
		}
	}
	return numUserFields
}

func hasKey(a Attributes, k string) bool {
	_, ok := a[k]
	return ok
}

// companyKeys are the typed Company fields in sorted order.
var companyKeys = [...]string{"company_id", "created_at", "industry", "monthly_spend", "name", "plan", "size", "website"}

func (m *Messenger) appendCompany(dst []byte, c *Company) ([]byte, error) {
	if c == nil {
		return append(dst, "null"...), nil
	}
	if c.ID == "" || c.Name == "" {
		return dst, errors.New("a company needs both ID (company_id) and Name")
	}
	var tbuf [len(companyKeys)]string
	tkeys := tbuf[:0]
	for _, k := range companyKeys {
		if companyHas(c, k) {
			tkeys = append(tkeys, k)
		}
	}
	var cbuf [16]string
	ckeys := cbuf[:0]
	for k := range c.Attributes {
		if !validKey(k) {
			return dst, errors.New("company attribute key " + strconv.Quote(k) + " is empty or not valid UTF-8")
		}
		if k == protoKey {
			return dst, errors.New("company attributes have " + protoReason)
		}
		ckeys = append(ckeys, k)
	}
	slices.Sort(ckeys)

	dst = append(dst, '{')
	ti, ci := 0, 0
	for n := 0; ti < len(tkeys) || ci < len(ckeys); n++ {
		if n > 0 {
			dst = append(dst, ',')
		}
		var err error
		switch {
		case ci < len(ckeys) && (ti >= len(tkeys) || ckeys[ci] <= tkeys[ti]):
			if ti < len(tkeys) && ckeys[ci] == tkeys[ti] {
				ti++ // the custom attribute overrides the typed field
			}
			dst = appendString(dst, ckeys[ci])
			dst = append(dst, ':')
			dst, err = appendAttrValue(dst, c.Attributes[ckeys[ci]], 1)
			ci++
		default:
			dst = appendString(dst, tkeys[ti])
			dst = append(dst, ':')
			dst, err = appendCompanyField(dst, c, tkeys[ti])
			ti++
		}
		if err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

func companyHas(c *Company, k string) bool {
	switch k {
	case "company_id":
		return c.ID != ""
	case "created_at":
		return !c.CreatedAt.IsZero()
	case "industry":
		return c.Industry != ""
	case "monthly_spend":
		return c.MonthlySpend != 0
	case "name":
		return c.Name != ""
	case "plan":
		return c.Plan != ""
	case "size":
		return c.Size != 0
	case "website":
		return c.Website != ""
	}
	return false
}

func appendCompanyField(dst []byte, c *Company, k string) ([]byte, error) {
	switch k {
	case "company_id":
		return appendString(dst, c.ID), nil
	case "created_at":
		return appendTime(dst, c.CreatedAt), nil
	case "industry":
		return appendString(dst, c.Industry), nil
	case "monthly_spend":
		return appendFloat(dst, c.MonthlySpend, 64)
	case "name":
		return appendString(dst, c.Name), nil
	case "plan":
		return appendString(dst, c.Plan), nil
	case "size":
		return strconv.AppendInt(dst, int64(c.Size), 10), nil
	case "website":
		return appendString(dst, c.Website), nil
	}
	return dst, nil
}

// identityString returns the string an identity attribute (user_id, email)
// stands for: a value that encodes as a JSON string (a string, a named
// string type, a TextMarshaler such as a UUID, a valid sql.NullString) is
// that string, so that `type AccountID string` identifies the visitor as a
// plain string does; with integers, a value that encodes as a JSON integer
// (int8 to uint64 and named types of them, a valid sql.NullInt64) is its
// decimal digits. The error says what else v encoded to.
func identityString(v any, integers bool) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case int:
		if integers {
			return strconv.FormatInt(int64(v), 10), nil
		}
	case int64:
		if integers {
			return strconv.FormatInt(v, 10), nil
		}
	case int32:
		if integers {
			return strconv.FormatInt(int64(v), 10), nil
		}
	case uint64:
		if integers {
			return strconv.FormatUint(v, 10), nil
		}
	}
	b, err := appendValue(nil, v, 0)
	switch {
	case err != nil:
		return "", err
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return "", err // unreachable: appendValue's strings are valid JSON
		}
		return s, nil
	case integers && isJSONInteger(b):
		return string(b), nil
	}
	// The type and the kind of JSON, not the value: reports are logged
	// once per distinct message, and must not carry user data.
	return "", fmt.Errorf("this %T encodes as %s", v, jsonKind(b))
}

// jsonKind names the kind of the JSON value b.
func jsonKind(b []byte) string {
	switch b[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	if isJSONInteger(b) {
		return "an integer"
	}
	return "a number with a fraction or an exponent"
}

// isJSONInteger reports whether b is a JSON number without a fraction or an
// exponent.
func isJSONInteger(b []byte) bool {
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
