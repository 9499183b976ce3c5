package conformance

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/net/html"
)

// The markup the suite looks for.
const (
	scriptID       = "IntercomSettingsScriptTag"
	assignment     = "window.intercomSettings="
	internalNotice = "Intercom disabled on internal IP address"
	callsAt        = ";(function(){var q="
)

// ErrNoSnippet is returned by FindSnippet for a page without an Intercom
// snippet.
var ErrNoSnippet = errors.New("conformance: page has no <script id=\"IntercomSettingsScriptTag\"> element")

// Snippet is the Intercom snippet as found in a page by FindSnippet.
type Snippet struct {
	// Settings is the object assigned to window.intercomSettings, decoded
	// with json.Decoder.UseNumber: numbers are json.Number, so integers of
	// any size compare exactly, as in
	// assert.Equal(t, json.Number("1700000000"), s.Settings["created_at"]).
	Settings map[string]any

	// Nonce is the value of the element's nonce attribute, "" without one.
	Nonce string

	// Loader is the script that follows the settings object in the element.
	Loader string

	// Calls are the queued Messenger calls the loader runs after booting,
	// each [method, args...], decoded like Settings from the JSON array the
	// loader starts with (";(function(){var q=[...]"); nil when the loader
	// does not start that way. An empty array is an empty, non-nil slice.
	Calls []any

	// Temporary reports that the element has the data-turbo-temporary
	// attribute, which the snippet carries when it queues calls: Turbo
	// removes it before caching the page, so a page Turbo shows again from
	// its cache does not run the calls twice.
	Temporary bool

	// Internal reports that the element is wrapped in the HTML comment
	// "<!-- Intercom disabled on internal IP address ... -->".
	Internal bool

	// Raw is the snippet exactly as it appears in the page: the element,
	// and the comment around it when Internal.
	Raw string

	offset       int    // of Raw in the page
	settingsJSON string // the JSON text Settings was decoded from
}

// FindSnippet finds the Intercom snippet in an HTML page with an HTML5
// tokenizer, the way a browser would see it: exactly one
// <script id="IntercomSettingsScriptTag"> element, either in the page or
// inside the internal-IP comment, whose script starts with
// window.intercomSettings= and a JSON object without duplicate keys.
//
// It returns ErrNoSnippet when the page has no such element, and another
// error when the page has more than one, or when the element or its comment
// is malformed, which is what a value that escaped its JSON string looks
// like.
func FindSnippet(page []byte) (*Snippet, error) {
	found, err := scan(page, 0, nil)
	if err != nil {
		return nil, err
	}
	switch len(found) {
	case 0:
		return nil, ErrNoSnippet
	case 1:
	default:
		return nil, fmt.Errorf("conformance: page has %d <script id=%q> elements, want one", len(found), scriptID)
	}
	e := found[0]
	s := &Snippet{Nonce: e.nonce, Temporary: e.temporary, Internal: e.comment != nil}
	start, end := e.start, e.end
	if e.comment != nil {
		start, end = e.comment.start, e.comment.end
	}
	s.Raw, s.offset = string(page[start:end]), start

	text := strings.TrimLeft(e.text, " \t\r\n")
	rest, ok := strings.CutPrefix(text, assignment)
	if !ok {
		return nil, fmt.Errorf("conformance: snippet script does not start with %q: %.60q", assignment, text)
	}
	dec := json.NewDecoder(strings.NewReader(rest))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("conformance: window.intercomSettings is not valid JSON: %w", err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("conformance: window.intercomSettings is %T, want a JSON object", v)
	}
	n := int(dec.InputOffset())
	s.settingsJSON, s.Loader, s.Settings = rest[:n], rest[n:], obj
	if err := checkDuplicateKeys(s.settingsJSON); err != nil {
		return nil, err
	}
	if q, ok := strings.CutPrefix(s.Loader, callsAt); ok {
		dec := json.NewDecoder(strings.NewReader(q))
		dec.UseNumber()
		var calls []any
		if err := dec.Decode(&calls); err != nil {
			return nil, fmt.Errorf("conformance: the loader's queued calls are not a JSON array: %w", err)
		}
		if calls == nil {
			calls = []any{}
		}
		s.Calls = calls
	}
	return s, nil
}

// element is a <script id="IntercomSettingsScriptTag"> element found by scan.
type element struct {
	start, end int    // byte range in the page, end tag included
	nonce      string // nonce attribute
	temporary  bool   // data-turbo-temporary attribute
	text       string // raw script text
	comment    *span  // the comment around the element, if any
}

type span struct{ start, end int }

// scan tokenizes src, which begins at byte base of the page, and returns the
// snippet elements in it. Inside a comment (in != nil) the comment's text is
// scanned as markup, as the snippet was before it was commented out.
func scan(src []byte, base int, in *span) ([]element, error) {
	z := html.NewTokenizer(bytes.NewReader(src))
	var found []element
	var cur *element
	off := 0
	for {
		tt := z.Next()
		raw := z.Raw() // before any other method: Text and TagName may rewrite it
		start := off
		off += len(raw)
		switch tt {
		case html.ErrorToken:
			if err := z.Err(); !errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("conformance: tokenizing page: %w", err)
			}
			if cur != nil {
				return nil, fmt.Errorf("conformance: <script id=%q> element is not closed", scriptID)
			}
			return found, nil

		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if string(name) != "script" || !hasAttr {
				continue
			}
			e := element{start: base + start, comment: in}
			isSnippet := false
			for more := true; more; {
				var k, v []byte
				k, v, more = z.TagAttr()
				switch string(k) {
				case "id":
					isSnippet = string(v) == scriptID
				case "nonce":
					e.nonce = string(v)
				case "data-turbo-temporary":
					e.temporary = true
				}
			}
			if !isSnippet {
				continue
			}
			if tt == html.SelfClosingTagToken {
				return nil, fmt.Errorf("conformance: <script id=%q/> is self-closing", scriptID)
			}
			cur = &e

		case html.TextToken:
			if cur != nil {
				cur.text += string(raw)
			}

		case html.EndTagToken:
			if cur == nil {
				continue
			}
			if name, _ := z.TagName(); string(name) == "script" {
				cur.end = base + off
				found = append(found, *cur)
				cur = nil
			}

		case html.CommentToken:
			if !bytes.Contains(raw, []byte(scriptID)) {
				continue
			}
			inner, err := scanComment(raw, base+start)
			if err != nil {
				return nil, err
			}
			found = append(found, inner...)
		}
	}
}

// scanComment scans a comment that mentions the snippet: it must be the
// intact internal-IP comment holding the element and nothing else.
func scanComment(raw []byte, base int) ([]element, error) {
	body, ok := bytes.CutPrefix(raw, []byte("<!--"))
	if ok {
		body, ok = bytes.CutSuffix(body, []byte("-->"))
	}
	if !ok {
		return nil, fmt.Errorf("conformance: the snippet is in a malformed or unclosed comment: %.80q", raw)
	}
	c := &span{base, base + len(raw)}
	found, err := scan(body, base+len("<!--"), c)
	if err != nil {
		return nil, err
	}
	if len(found) != 1 {
		return found, nil // FindSnippet reports the count
	}
	e := found[0]
	before := strings.TrimSpace(string(body[:e.start-c.start-len("<!--")]))
	after := strings.TrimSpace(string(body[e.end-c.start-len("<!--"):]))
	if !strings.HasPrefix(before, internalNotice) || strings.ContainsAny(before, "<>") || after != "" {
		return nil, fmt.Errorf("conformance: the snippet's comment is not <!-- %s ... -->: %.80q", internalNotice, raw)
	}
	return found, nil
}

// checkDuplicateKeys reports an object, at any depth, that has a key twice;
// encoding/json would silently keep the last one.
func checkDuplicateKeys(js string) error {
	type frame struct {
		keys      map[string]bool // nil for an array
		expectKey bool
	}
	var stack []*frame
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].keys != nil {
			stack[n-1].expectKey = true
		}
	}
	dec := json.NewDecoder(strings.NewReader(js))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("conformance: window.intercomSettings: %w", err)
		}
		switch tok := tok.(type) {
		case json.Delim:
			switch tok {
			case '{':
				stack = append(stack, &frame{keys: map[string]bool{}, expectKey: true})
			case '[':
				stack = append(stack, &frame{})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
			continue
		case string:
			if n := len(stack); n > 0 && stack[n-1].expectKey {
				top := stack[n-1]
				if top.keys[tok] {
					return fmt.Errorf("conformance: window.intercomSettings has the key %q twice", tok)
				}
				top.keys[tok] = true
				top.expectKey = false
				continue
			}
		}
		valueDone()
	}
}
