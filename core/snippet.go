package intercom

import "strconv"

// What a snippet holds besides its settings depends on the Config and on
// three things about the visitor only: whether the client IP is internal,
// whether the snippet ends a session (Shutdown), and its nonce and calls.
// New writes those constant bytes once per variant, so that a visitor
// without calls costs a few appends, and an anonymous visitor without a
// nonce one copy; the general path in render.go (appendSnippetGeneral)
// writes the same bytes piece by piece, and serves visitors with calls.
// The parts of the four variants take about 20 KB per Messenger.

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
	// heads[i] and tails[i] are head and tail with settings plan i's
	// opening and closing bytes (settingsPlan.open, close), for a visitor
	// with a User but no Attributes or nonce.
	heads, tails [2]string
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
			for i := range m.plans {
				p.heads[i] = p.head + m.plans[i].open
				p.tails[i] = m.plans[i].close + p.tail
			}
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
	// open opens the object with the defaults before the first user
	// field: app_id and api_base are always among them (AppendSnippet
	// renders nothing without an AppID, and a JWT cannot carry them), so
	// every later entry follows one. close is the defaults after the last
	// user field and the closing brace.
	open, close string
	// leads[f] is gaps[f] (for the first field, nothing: open has it),
	// then user field f's comma and key.
	leads [numUserFields]string
	// skip marks the user fields left out of the settings (1<<f), gapped
	// those after the first with defaults before them (gaps[f] not empty).
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
		p.open = "{" + p.gaps[0][1:]
		p.close = p.gaps[numUserFields] + "}"
		p.leads[0] = "," + userFieldQuoted[0]
		for f := userField(1); f < numUserFields; f++ {
			if p.gaps[f] != "" {
				p.gapped |= 1 << f
			}
			p.leads[f] = p.gaps[f] + "," + userFieldQuoted[f]
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

// lead appends, when have holds user field f, the defaults before it and
// its comma and key, and reports true; else only the defaults before it.
func (p *settingsPlan) lead(dst []byte, have uint16, f userField) ([]byte, bool) {
	if have&(1<<f) != 0 {
		return append(dst, p.leads[f]...), true
	}
	if p.gapped&(1<<f) != 0 {
		dst = append(dst, p.gaps[f]...)
	}
	return dst, false
}

// appendObjectEntry appends the value of user field f after its key (an
// object, an array or the JWT, as the general path appends it), or, if it
// has none, drops the key and its comma and reports why.
func (m *Messenger) appendObjectEntry(dst []byte, f userField, r *request) []byte {
	at := len(dst) - len(userFieldQuoted[f]) - 1
	dst, err := m.appendUserField(dst, f, r)
	if err != nil {
		dst = dst[:at]
		m.report(&AttributeError{Key: userFieldKeys[f], Reason: err.Error()})
	}
	return dst
}

// plannedRequest returns the request of a visitor whose User is u and who
// has no Attributes, and the index of its settings plan in m.plans.
func (m *Messenger) plannedRequest(u *User) (r request, plan uint8) {
	r = newRequest(u, nil)
	if r.identity = m.identity(&r); r.identity == fJWT {
		plan = 1
	}
	return r, plan
}

// appendPlanned appends the settings object of a visitor whose User is u
// and who has no Attributes, by the plan for its identity: the bytes
// appendSettingsGeneral appends for it, the same reports made.
func (m *Messenger) appendPlanned(dst []byte, u *User) []byte {
	r, i := m.plannedRequest(u)
	p := &m.plans[i]
	dst = append(dst, p.open...)
	dst = m.appendPlannedFields(dst, &r, p)
	return append(dst, p.close...)
}

// appendPlannedFields appends the entries of r's settings between plan
// p's open and close: each user field the visitor has and the defaults
// before it, in key order, each with a leading comma. The common fields
// are written here, the objects and the JWT by appendObjectEntry.
func (m *Messenger) appendPlannedFields(dst []byte, r *request, p *settingsPlan) []byte {
	u := r.u
	have := r.fields() &^ p.skip
	var ok bool
	for f := fAvatar; f <= fCompany; f++ {
		if dst, ok = p.lead(dst, have, f); ok {
			dst = m.appendObjectEntry(dst, f, r)
		}
	}
	if dst, ok = p.lead(dst, have, fCreatedAt); ok {
		dst = strconv.AppendInt(dst, u.CreatedAt.Unix(), 10)
	}
	if dst, ok = p.lead(dst, have, fEmail); ok {
		dst = appendString(dst, r.email)
	}
	if dst, ok = p.lead(dst, have, fJWT); ok {
		dst = m.appendObjectEntry(dst, fJWT, r)
	}
	if dst, ok = p.lead(dst, have, fName); ok {
		dst = appendString(dst, u.Name)
	}
	if dst, ok = p.lead(dst, have, fPhone); ok {
		dst = appendString(dst, u.Phone)
	}
	if dst, ok = p.lead(dst, have, fHash); ok {
		dst = m.appendHash(dst, r)
	}
	if dst, ok = p.lead(dst, have, fUserID); ok {
		dst = appendString(dst, r.uid)
	}
	return dst
}
