package intercom

import mathbits "math/bits"

// What a snippet holds besides its settings depends on the Config and on
// three things about the visitor only: whether the client IP is internal,
// whether the snippet ends a session (Shutdown), and its nonce and calls.
// New writes those constant bytes once per variant, so that a visitor
// without calls costs a few appends, and an anonymous visitor without a
// nonce one copy; the general path in render.go (appendSnippetGeneral)
// writes the same bytes piece by piece, and serves visitors with calls.

// snippetParts are the constant bytes of one variant (internal or not,
// shutdown or not) of a snippet without calls.
type snippetParts struct {
	// head and tail go before and after the settings object.
	head, tail string
	// headNonce and tailNonce are head and tail split where the nonce
	// goes: the script element's nonce attribute, and the widget script's.
	headNonce, tailNonce [2]string
	// anon is the whole snippet of an anonymous visitor without
	// attributes or a nonce: the same bytes for every request.
	anon string
}

// variant returns the index into Messenger.parts of a snippet for an
// internal client IP or not, with shutdown or not.
func variant(internal, shutdown bool) uint8 {
	i := uint8(0)
	if internal {
		i = 2
	}
	if shutdown {
		i++
	}
	return i
}

// newSnippetParts writes the four variants' constant bytes. It runs at the
// end of New: it needs the loader and the defaults.
func (m *Messenger) newSnippetParts() {
	for _, internal := range []bool{false, true} {
		for _, shutdown := range []bool{false, true} {
			l := &m.loader[0]
			if shutdown {
				l = &m.loader[1]
			}
			open, close := "", ""
			if internal {
				open, close = internalOpen, internalClose
			}
			p := &m.parts[variant(internal, shutdown)]
			loader := loaderHead + "[]" + loaderVars + l.beforeNonce
			p.head = open + m.open + ">window.intercomSettings="
			p.tail = loader + l.afterNonce + close
			p.headNonce = [2]string{open + m.open + ` nonce="`, `">window.intercomSettings=`}
			p.tailNonce = [2]string{loader + `e.setAttribute("nonce","`, `");` + l.afterNonce + close}
			p.anon = p.head + string(m.appendPlanned(nil, nil)) + p.tail
		}
	}
}

// settingsPlan lays out the settings object of a visitor without
// Attributes: the Config defaults sort between the User fields at places
// New can compute, so such a visitor's settings need neither a merge nor a
// sort, only the User fields it has written between the defaults' bytes.
type settingsPlan struct {
	// gaps[f] holds the defaults whose keys sort between user field f-1
	// and f (gaps[numUserFields] those after the last), each entry written
	// with a leading comma: `,"key":json`.
	gaps [numUserFields + 1]string
	// lead[f] is gaps[f], then user field f's comma and key.
	lead [numUserFields]string
	// skip marks the user fields left out of the settings (1<<f), gapped
	// those with defaults before them (gaps[f] not empty).
	skip, gapped uint16
}

// newSettingsPlans makes m.plans: plans[0] for a visitor without a JWT,
// plans[1] for one identified by a JWT, whose signed fields (user_id
// always) go in the token instead of the settings.
func (m *Messenger) newSettingsPlans() {
	for i := range m.plans {
		jwt := i == 1
		p := &m.plans[i]
		f := userField(0)
		for _, d := range m.defaults {
			// No Messenger option shares a key with a user field
			// (TestDefaultsAreNotUserFields), so each default goes in
			// the gap before the first user field that sorts after it.
			for f < numUserFields && userFieldKeys[f] < d.key {
				f++
			}
			if jwt && m.signedInJWT(d.key) {
				continue
			}
			p.gaps[f] += "," + string(d.quotedKey) + string(d.json)
		}
		for f := range numUserFields {
			if p.gaps[f] != "" {
				p.gapped |= 1 << f
			}
			p.lead[f] = p.gaps[f] + "," + userFieldQuoted[f]
		}
		if jwt {
			for f := range numUserFields {
				if m.signedInJWT(userFieldKeys[f]) {
					p.skip |= 1 << f
				}
			}
		}
	}
}

// appendPlanned appends the settings object of a visitor whose User is u
// and who has no Attributes, by the plan for its identity: the bytes
// appendSettingsGeneral appends for it, the same reports made.
func (m *Messenger) appendPlanned(dst []byte, u *User) []byte {
	r := request{u: u, identity: numUserFields}
	if u != nil {
		r.uid, r.email = u.ID, u.Email
	}
	if m.signer != nil {
		switch {
		case m.jwt && r.uid != "":
			r.identity = fJWT
		case r.uid != "" || r.email != "":
			r.identity = fHash
		}
	}
	p := &m.plans[0]
	if r.identity == fJWT {
		p = &m.plans[1]
	}
	// Every entry is written with a leading comma; the first one's becomes
	// the object's opening brace.
	mark := len(dst)
	have := r.fields() &^ p.skip
	for bits := have | p.gapped; bits != 0; bits &= bits - 1 {
		f := userField(mathbits.TrailingZeros16(bits)) //nolint:gosec // less than 16
		if have&(1<<f) == 0 {
			dst = append(dst, p.gaps[f]...)
			continue
		}
		at := len(dst) + len(p.gaps[f])
		dst = append(dst, p.lead[f]...)
		var err error
		if dst, err = m.appendUserField(dst, f, &r); err != nil {
			dst = dst[:at]
			m.report(&AttributeError{Key: userFieldKeys[f], Reason: err.Error()})
		}
	}
	dst = append(dst, p.gaps[numUserFields]...)
	if len(dst) == mark {
		dst = append(dst, '{')
	} else {
		dst[mark] = '{'
	}
	return append(dst, '}')
}
