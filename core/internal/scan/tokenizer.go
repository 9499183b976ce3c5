package scan

import "bytes"

// state is a state of the HTML standard's tokenizer (WHATWG HTML §13.2.5),
// reduced to what decides where a tag, a comment or the text of a script,
// rawtext or rcdata element ends. Character references, NUL handling and
// attribute values as data do not change where anything ends, so they are
// not followed.
type state uint8

const (
	data state = iota
	tagOpen
	endTagOpen
	tagName
	beforeAttrName
	attrName
	afterAttrName
	beforeAttrValue
	attrValueDouble
	attrValueSingle
	attrValueUnquoted
	afterAttrValue
	selfClosing
	markupOpen // after "<!"
	markupDash // after "<!-"
	bogusComment
	commentStart
	commentStartDash
	comment
	commentEndDash
	commentEnd
	commentEndBang
	rawText // RAWTEXT and RCDATA alike: only the element's own end tag ends them
	rawLT
	rawEndTag // "</" and k bytes of the element's name; a mismatch is reconsumed in ret
	scriptData
	scriptLT
	scriptEscapeStart
	scriptEscapeStartDash
	scriptEscaped
	scriptEscapedDash
	scriptEscapedDashDash
	scriptEscapedLT
	scriptDoubleEscapeStart
	scriptDoubleEscaped
	scriptDoubleEscapedDash
	scriptDoubleEscapedDashDash
	scriptDoubleEscapedLT
	scriptDoubleEscapeEnd
	plaintext
)

// event is why tokenizer.run stopped before the end of its input.
type event uint8

const (
	evNone event = iota // the input is used up
	evBody              // a </body> end tag ended at the byte before the stop
	evFork              // x/net/html's tokenizer goes another way from here
)

// tokenizer follows the HTML tokenizer's states over a stream of bytes and
// reports each end tag named body that it sees whole (its ">" included),
// with the offset of its "<". Start tags of script, style, xmp, iframe,
// noembed, noframes, noscript (a browser has scripting on), textarea, title
// and plaintext switch to the text states their element uses, as the
// tree builder does outside foreign content; x/net/html's Tokenizer does
// the same.
//
// With xnet set it follows golang.org/x/net/html's Tokenizer where that
// differs from the standard: after "<" and a byte that is neither "/" nor
// a letter in a script's escaped text (inside "<!--"), the standard stays
// escaped and x/net/html goes back to plain script data.
type tokenizer struct {
	st   state
	ret  state   // rawEndTag: where a mismatch is reconsumed
	text string  // the element whose end tag ends the text ("script", "style", ...)
	k    int     // rawEndTag, scriptDoubleEscape*: bytes of the name matched
	name [9]byte // the tag name's first bytes, lower-cased
	n    int     // the tag name's length so far
	end  bool    // the tag is an end tag
	body bool    // the tag is, or may still become, an end tag named body
	lt   int64   // offset of the "<" that began the tag, when body
	xnet bool
}

// Byte classes, for the loops that read tag names, attribute names and
// unquoted values.
const (
	clSpace    = 1 << iota // white space as the tokenizer knows it
	clNameEnd              // ends a tag name: white space, "/", ">"
	clAttrEnd              // ends an attribute name: clNameEnd and "="
	clValueEnd             // ends an unquoted value: white space, ">"
)

var class = func() (t [256]uint8) {
	for _, c := range []byte(" \t\n\r\f") {
		t[c] = clSpace | clNameEnd | clAttrEnd | clValueEnd
	}
	t['/'] = clNameEnd | clAttrEnd
	t['>'] = clNameEnd | clAttrEnd | clValueEnd
	t['='] = clAttrEnd
	return t
}()

func isSpace(c byte) bool { return class[c]&clSpace != 0 }

// index returns the index of the first c in p at or after i, or -1. Most
// runs of text and attribute values are short, so it looks at a few bytes
// itself before it calls bytes.IndexByte.
func index(p []byte, i int, c byte) int {
	for end := min(len(p), i+16); i < end; i++ {
		if p[i] == c {
			return i
		}
	}
	if i >= len(p) {
		return -1
	}
	if j := bytes.IndexByte(p[i:], c); j >= 0 {
		return i + j
	}
	return -1
}

func isAlpha(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// emit ends the tag being read and reports whether it is an end tag named
// body. A start tag of a text element switches to the element's text state.
func (t *tokenizer) emit() bool {
	t.st = data
	if t.end {
		took := t.body
		t.body = false
		return took
	}
	if t.n < len("xmp") || t.n > len(t.name) {
		return false
	}
	switch t.name[0] {
	case 's', 't', 'x', 'i', 'n', 'p':
	default:
		return false
	}
	switch string(t.name[:t.n]) {
	case "script":
		t.st, t.text = scriptData, "script"
	case "style":
		t.st, t.text = rawText, "style"
	case "textarea":
		t.st, t.text = rawText, "textarea"
	case "title":
		t.st, t.text = rawText, "title"
	case "xmp":
		t.st, t.text = rawText, "xmp"
	case "iframe":
		t.st, t.text = rawText, "iframe"
	case "noembed":
		t.st, t.text = rawText, "noembed"
	case "noframes":
		t.st, t.text = rawText, "noframes"
	case "noscript":
		t.st, t.text = rawText, "noscript"
	case "plaintext":
		t.st = plaintext
	}
	return false
}

// endName ends the tag name: only a name of exactly four bytes can be body.
func (t *tokenizer) endName() {
	if t.n != len("body") {
		t.body = false
	}
}

// endTag enters the tag states for the end tag that closes a text element,
// whose name (and the byte after it) matched.
func (t *tokenizer) endTag() {
	t.end, t.body, t.n, t.text = true, false, 0, ""
}

// wholeTag reads a tag whose name starts at p[i] in one go, when p holds
// all of it: it sets the name, as the tag states would, and returns the
// index after the tag's ">", or 0 when p ends first (the tag states then
// read it byte by byte). It follows the same rules as the tag states:
// between attributes white space and "/" are skipped; an attribute name
// takes its first byte whatever it is, then runs to white space, "/", ">"
// or "="; a value is quoted by the first byte after "=" (and white space).
func (t *tokenizer) wholeTag(p []byte, i int) int {
	j := i
	for j < len(p) && class[p[j]]&clNameEnd == 0 {
		j++
	}
	k := j
	for {
		for k < len(p) && (class[p[k]]&clSpace != 0 || p[k] == '/') {
			k++
		}
		if k == len(p) {
			return 0
		}
		if p[k] == '>' {
			break
		}
		k++
		for k < len(p) && class[p[k]]&clAttrEnd == 0 {
			k++
		}
		for k < len(p) && class[p[k]]&clSpace != 0 {
			k++
		}
		if k == len(p) {
			return 0
		}
		if p[k] != '=' {
			continue
		}
		k++
		for k < len(p) && class[p[k]]&clSpace != 0 {
			k++
		}
		if k == len(p) {
			return 0
		}
		switch c := p[k]; c {
		case '"', '\'':
			if k = index(p, k+1, c); k < 0 {
				return 0
			}
			k++
		case '>':
		default:
			for k < len(p) && class[p[k]]&clValueEnd == 0 {
				k++
			}
		}
	}
	name := p[i:j]
	t.n = len(name)
	for x := range min(len(name), len(t.name)) {
		t.name[x] = lower(name[x])
	}
	if t.body && (t.n != len("body") || string(t.name[:4]) != "body") {
		t.body = false
	}
	return k + 1
}

// run advances t over p, whose first byte is at offset base of the
// stream. It returns how many bytes it used and why it stopped: at the end
// of p; after the ">" of a </body> end tag (t.lt is its "<"); or, unless
// t.xnet, on the byte where x/net/html's tokenizer would go another way,
// which is not used: t is then in the standard's state for it.
func (t *tokenizer) run(p []byte, base int64) (int, event) {
	i := 0
	for i < len(p) {
		c := p[i]
		switch t.st {
		case data:
			j := index(p, i, '<')
			if j < 0 {
				return len(p), evNone
			}
			i = j + 1
			t.st, t.body, t.lt = tagOpen, true, base+int64(j)
		case tagOpen:
			switch {
			case c == '!':
				t.st, t.body = markupOpen, false
				i++
			case c == '/':
				t.st = endTagOpen
				i++
			case isAlpha(c):
				t.end, t.body, t.n = false, false, 0
				if k := t.wholeTag(p, i); k > 0 {
					i = k
					t.emit()
					continue
				}
				t.st = tagName
			case c == '?':
				t.st, t.body = bogusComment, false
			default:
				t.st, t.body = data, false
			}
		case endTagOpen:
			switch {
			case isAlpha(c):
				t.end, t.n = true, 0
				if k := t.wholeTag(p, i); k > 0 {
					if t.emit() {
						return k, evBody
					}
					i = k
					continue
				}
				t.st = tagName
			case c == '>':
				t.st, t.body = data, false // "</>" is nothing at all
				i++
			default:
				t.st, t.body = bogusComment, false
			}
		case tagName:
			for class[c]&clNameEnd == 0 {
				l := lower(c)
				if t.body && (t.n >= len("body") || l != "body"[t.n]) {
					t.body = false
				}
				if t.n < len(t.name) {
					t.name[t.n] = l
				}
				t.n++
				if i++; i == len(p) {
					return i, evNone
				}
				c = p[i]
			}
			t.endName()
			i++
			switch c {
			case '/':
				t.st = selfClosing
			case '>':
				if t.emit() {
					return i, evBody
				}
			default:
				t.st = beforeAttrName
			}
		case beforeAttrName:
			switch {
			case isSpace(c):
				i++
			case c == '/' || c == '>':
				t.st = afterAttrName
			case c == '=':
				t.st = attrName
				i++
			default:
				t.st = attrName
			}
		case attrName:
			for class[c]&clAttrEnd == 0 {
				if i++; i == len(p) {
					return i, evNone
				}
				c = p[i]
			}
			if c == '=' {
				t.st = beforeAttrValue
				i++
				continue
			}
			t.st = afterAttrName
		case afterAttrName:
			switch {
			case isSpace(c):
				i++
			case c == '/':
				t.st = selfClosing
				i++
			case c == '=':
				t.st = beforeAttrValue
				i++
			case c == '>':
				i++
				if t.emit() {
					return i, evBody
				}
			default:
				t.st = attrName
			}
		case beforeAttrValue:
			switch {
			case isSpace(c):
				i++
			case c == '"':
				t.st = attrValueDouble
				i++
			case c == '\'':
				t.st = attrValueSingle
				i++
			case c == '>':
				i++
				if t.emit() {
					return i, evBody
				}
			default:
				t.st = attrValueUnquoted
			}
		case attrValueDouble, attrValueSingle:
			q := byte('"')
			if t.st == attrValueSingle {
				q = '\''
			}
			j := index(p, i, q)
			if j < 0 {
				return len(p), evNone
			}
			i = j + 1
			t.st = afterAttrValue
		case attrValueUnquoted:
			for class[c]&clValueEnd == 0 {
				if i++; i == len(p) {
					return i, evNone
				}
				c = p[i]
			}
			i++
			if c == '>' {
				if t.emit() {
					return i, evBody
				}
				continue
			}
			t.st = beforeAttrName
		case afterAttrValue:
			switch {
			case isSpace(c):
				t.st = beforeAttrName
				i++
			case c == '/':
				t.st = selfClosing
				i++
			case c == '>':
				i++
				if t.emit() {
					return i, evBody
				}
			default:
				t.st = beforeAttrName
			}
		case selfClosing:
			if c == '>' {
				i++
				if t.emit() {
					return i, evBody
				}
				continue
			}
			t.st = beforeAttrName

		case markupOpen:
			if c == '-' {
				t.st = markupDash
				i++
				continue
			}
			t.st = bogusComment // a doctype, too, ends at the first ">"
		case markupDash:
			if c == '-' {
				t.st = commentStart
				i++
				continue
			}
			t.st = bogusComment
		case bogusComment:
			j := bytes.IndexByte(p[i:], '>')
			if j < 0 {
				return len(p), evNone
			}
			i += j + 1
			t.st = data
		case commentStart, commentStartDash:
			switch c {
			case '-':
				if t.st == commentStart {
					t.st = commentStartDash
				} else {
					t.st = commentEnd
				}
				i++
			case '>': // "<!-->" and "<!--->" end at once
				t.st = data
				i++
			default:
				t.st = comment
			}
		case comment:
			j := bytes.IndexByte(p[i:], '-')
			if j < 0 {
				return len(p), evNone
			}
			i += j + 1
			t.st = commentEndDash
		case commentEndDash:
			if c == '-' {
				t.st = commentEnd
				i++
				continue
			}
			t.st = comment
		case commentEnd:
			switch c {
			case '>':
				t.st = data
				i++
			case '!':
				t.st = commentEndBang
				i++
			case '-':
				i++
			default:
				t.st = comment
			}
		case commentEndBang:
			switch c {
			case '-':
				t.st = commentEndDash
				i++
			case '>':
				t.st = data
				i++
			default:
				t.st = comment
			}

		case rawText, scriptData:
			j := index(p, i, '<')
			if j < 0 {
				return len(p), evNone
			}
			i = j + 1
			if t.st == rawText {
				t.st = rawLT
			} else {
				t.st = scriptLT
			}
		case rawLT:
			if c == '/' {
				t.st, t.ret, t.k = rawEndTag, rawText, 0
				i++
				continue
			}
			t.st = rawText
		case rawEndTag:
			if t.k < len(t.text) {
				if lower(c) != t.text[t.k] {
					t.st = t.ret
					continue
				}
				t.k++
				i++
				continue
			}
			switch {
			case isSpace(c):
				t.endTag()
				t.st = beforeAttrName
				i++
			case c == '/':
				t.endTag()
				t.st = selfClosing
				i++
			case c == '>':
				t.endTag()
				t.st = data
				i++
			default:
				t.st = t.ret
			}
		case plaintext:
			return len(p), evNone

		case scriptLT:
			switch c {
			case '/':
				t.st, t.ret, t.k = rawEndTag, scriptData, 0
				i++
			case '!':
				t.st = scriptEscapeStart
				i++
			default:
				t.st = scriptData
			}
		case scriptEscapeStart, scriptEscapeStartDash:
			if c != '-' {
				t.st = scriptData
				continue
			}
			if t.st == scriptEscapeStart {
				t.st = scriptEscapeStartDash
			} else {
				t.st = scriptEscapedDashDash
			}
			i++
		case scriptEscaped, scriptDoubleEscaped:
			j := bytes.IndexAny(p[i:], "-<")
			if j < 0 {
				return len(p), evNone
			}
			i += j + 1
			switch {
			case p[i-1] == '-' && t.st == scriptEscaped:
				t.st = scriptEscapedDash
			case p[i-1] == '-':
				t.st = scriptDoubleEscapedDash
			case t.st == scriptEscaped:
				t.st = scriptEscapedLT
			default:
				t.st = scriptDoubleEscapedLT
			}
		case scriptEscapedDash, scriptEscapedDashDash:
			switch {
			case c == '-':
				t.st = scriptEscapedDashDash
			case c == '<':
				t.st = scriptEscapedLT
			case c == '>' && t.st == scriptEscapedDashDash:
				t.st = scriptData
			default:
				t.st = scriptEscaped
			}
			i++
		case scriptEscapedLT:
			switch {
			case c == '/':
				t.st, t.ret, t.k = rawEndTag, scriptEscaped, 0
				i++
			case isAlpha(c):
				t.st, t.k = scriptDoubleEscapeStart, 0
			case t.xnet:
				t.st = scriptData
			default:
				t.st = scriptEscaped
				return i, evFork
			}
		case scriptDoubleEscapeStart, scriptDoubleEscapeEnd:
			miss := scriptEscaped
			if t.st == scriptDoubleEscapeEnd {
				miss = scriptDoubleEscaped
			}
			if t.k < len("script") {
				if lower(c) != "script"[t.k] {
					t.st = miss
					continue
				}
				t.k++
				i++
				continue
			}
			if !isSpace(c) && c != '/' && c != '>' {
				t.st = miss
				continue
			}
			if t.st == scriptDoubleEscapeStart {
				t.st = scriptDoubleEscaped
			} else {
				t.st = scriptEscaped
			}
			i++
		case scriptDoubleEscapedDash, scriptDoubleEscapedDashDash:
			switch {
			case c == '-':
				t.st = scriptDoubleEscapedDashDash
			case c == '<':
				t.st = scriptDoubleEscapedLT
			case c == '>' && t.st == scriptDoubleEscapedDashDash:
				t.st = scriptData
			default:
				t.st = scriptDoubleEscaped
			}
			i++
		case scriptDoubleEscapedLT:
			if c == '/' {
				t.st, t.k = scriptDoubleEscapeEnd, 0
				i++
				continue
			}
			t.st = scriptDoubleEscaped
		}
	}
	return i, evNone
}

// sameAs reports whether t and u will go the same way over any input from
// here, up to the xnet setting, so that a fork can end.
func (t *tokenizer) sameAs(u *tokenizer) bool {
	if t.st != u.st {
		return false
	}
	switch t.st {
	case tagOpen, endTagOpen:
		return t.body == u.body && t.lt == u.lt
	case tagName, beforeAttrName, attrName, afterAttrName, beforeAttrValue,
		attrValueDouble, attrValueSingle, attrValueUnquoted, afterAttrValue, selfClosing:
		return t.end == u.end && t.body == u.body && t.lt == u.lt && t.n == u.n &&
			bytes.Equal(t.name[:min(t.n, len(t.name))], u.name[:min(u.n, len(u.name))])
	case rawText, rawLT:
		return t.text == u.text
	case rawEndTag:
		return t.text == u.text && t.ret == u.ret && t.k == u.k
	case scriptDoubleEscapeStart, scriptDoubleEscapeEnd:
		return t.k == u.k
	}
	return true
}
