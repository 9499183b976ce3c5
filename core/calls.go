package intercom

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Call is one call of the Messenger's JavaScript API that the page makes
// after booting (or updating) the Messenger, such as
// Intercom("trackEvent", "invoice-paid", {"amount": 42}). Messenger.Call
// makes one; Visitor.Calls renders them, in order. The zero Call renders
// nothing.
//
// A Call holds its arguments already encoded as data (JSON escaped like
// the settings), so it is immutable and safe to share.
type Call struct {
	js string // ["method",args...], escaped for a script element and an HTML comment
}

// MarshalJSON returns the call as the JSON array the page applies,
// ["method", args...]; null for the zero Call. Adapters use it to carry
// calls across a redirect.
func (c Call) MarshalJSON() ([]byte, error) {
	if c.js == "" {
		return []byte("null"), nil
	}
	return []byte(c.js), nil
}

// CallError reports a Messenger call that was not queued: an unknown
// method, arguments of the wrong number or shape, or (from the adapters)
// a call that cannot reach a page.
type CallError struct {
	Method string // as the app passed it
	Reason string
}

func (e *CallError) Error() string {
	m := e.Method
	if len(m) > maxShownMethod {
		m = m[:maxShownMethod] + "..."
	}
	return fmt.Sprintf("intercom: Messenger call %q dropped: %s", m, e.Reason)
}

// Bounds on one call. Intercom documents no limits of its own here; these
// keep a page (and the cookie that carries calls across a redirect) small.
const (
	// MaxEventName is the longest trackEvent name, in bytes.
	maxEventName = 255
	// maxID is the longest id (tour, article, ...), in bytes.
	maxID = 64
	// maxCall is the longest encoded call, in bytes of JSON.
	maxCall = 2048
	// maxShownMethod bounds the method name quoted in a CallError.
	maxShownMethod = 64
)

// callShape is the argument shape of a Messenger method, as
// @intercom/messenger-js-sdk declares it.
type callShape uint8

const (
	noArgs    callShape = iota // show(), hide(), showMessages()
	oneID                      // startTour(tourId: string), showArticle(articleId: string), ...
	spaceName                  // showSpace(spaceName)
	optText                    // showNewMessage(prePopulatedContent?)
	event                      // trackEvent(name, metadata?)
)

// callShapes are the methods a page may be asked to call: the Messenger
// SDK's API without boot, update and shutdown (the snippet's own work) and
// without the callbacks and getters (onShow, whoami, ...), which take or
// return functions.
var callShapes = map[string]callShape{
	"trackEvent":       event,
	"showNewMessage":   optText,
	"showSpace":        spaceName,
	"showArticle":      oneID,
	"startTour":        oneID,
	"startSurvey":      oneID,
	"startChecklist":   oneID,
	"showTicket":       oneID,
	"showConversation": oneID,
	"showNews":         oneID,
	"show":             noArgs,
	"hide":             noArgs,
	"showMessages":     noArgs,
}

// spaces are the Messenger's spaces, as showSpace takes them.
var spaces = map[string]bool{"home": true, "messages": true, "help": true, "news": true, "tasks": true, "tickets": true}

// Call validates one call of the Messenger's JavaScript API and returns it
// encoded for Visitor.Calls. The methods and argument shapes are those of
// @intercom/messenger-js-sdk:
//
//	trackEvent(name, metadata?)   name: 1 to 255 bytes of UTF-8, no control
//	                              characters; metadata: a value that encodes
//	                              as a JSON object (map, struct, Attributes),
//	                              encoded like the settings, or nil
//	showNewMessage(text?)         an optional pre-filled message
//	showSpace(name)               "home", "messages", "help", "news", "tasks" or "tickets"
//	startTour(id), showArticle(id), showNews(id), startSurvey(id),
//	startChecklist(id), showTicket(id), showConversation(id)
//	                              id: a string of 1 to 64 ASCII letters, digits,
//	                              '-' or '_', or a non-negative Go integer; the
//	                              SDK types ids as strings, so the page gets a
//	                              JSON string either way
//	show(), hide(), showMessages()
//
// An encoded call longer than 2048 bytes is rejected. Every error is a
// *CallError naming the method. Nothing is reported: the caller has the
// error.
func (m *Messenger) Call(method string, args ...any) (Call, error) {
	shape, ok := callShapes[method]
	if !ok {
		return Call{}, &CallError{Method: method, Reason: "not a Messenger method a page can be asked to call"}
	}
	bad := func(reason string) (Call, error) { return Call{}, &CallError{Method: method, Reason: reason} }
	b := make([]byte, 0, 64)
	b = append(b, '[')
	b = appendString(b, method)
	switch shape {
	case noArgs:
		if len(args) != 0 {
			return bad("takes no arguments, got " + strconv.Itoa(len(args)))
		}
	case oneID:
		if len(args) != 1 {
			return bad("takes one id, got " + strconv.Itoa(len(args)) + " arguments")
		}
		id, reason := callID(args[0])
		if reason != "" {
			return bad(reason)
		}
		b = append(b, ',')
		b = appendString(b, id)
	case spaceName:
		s, ok := oneString(args)
		if !ok || !spaces[s] {
			return bad(`takes one space name: "home", "messages", "help", "news", "tasks" or "tickets"`)
		}
		b = append(b, ',')
		b = appendString(b, s)
	case optText:
		if len(args) > 1 {
			return bad("takes an optional message text, got " + strconv.Itoa(len(args)) + " arguments")
		}
		if len(args) == 1 {
			s, ok := args[0].(string)
			if !ok {
				return bad(fmt.Sprintf("the message text is a %T, want a string", args[0]))
			}
			b = append(b, ',')
			b = appendString(b, s)
		}
	case event:
		if len(args) < 1 || len(args) > 2 {
			return bad("takes an event name and optional metadata, got " + strconv.Itoa(len(args)) + " arguments")
		}
		name, ok := args[0].(string)
		if !ok {
			return bad(fmt.Sprintf("the event name is a %T, want a string", args[0]))
		}
		if reason := checkEventName(name); reason != "" {
			return bad(reason)
		}
		b = append(b, ',')
		b = appendString(b, name)
		if len(args) == 2 && args[1] != nil {
			start := len(b) + 1
			var err error
			if b, err = appendValue(append(b, ','), args[1], 1); err != nil {
				return bad("metadata: " + err.Error())
			}
			if string(b[start:]) == "null" { // a nil map or pointer: no metadata
				b = b[:start-1]
			} else if b[start] != '{' {
				return bad("metadata must encode as a JSON object, not " + string(b[start:min(len(b), start+16)]))
			}
		}
	}
	b = append(b, ']')
	if len(b) > maxCall {
		return bad("longer than " + strconv.Itoa(maxCall) + " bytes encoded")
	}
	return Call{js: string(b)}, nil
}

func oneString(args []any) (string, bool) {
	if len(args) != 1 {
		return "", false
	}
	s, ok := args[0].(string)
	return s, ok
}

// callID returns an id argument as the string the page gets, or why it
// cannot be one.
func callID(v any) (id, reason string) {
	var n int64
	switch v := v.(type) {
	case string:
		return checkID(v)
	case int:
		n = int64(v)
	case int32:
		n = int64(v)
	case int64:
		n = v
	case uint:
		return checkID(strconv.FormatUint(uint64(v), 10))
	case uint32:
		return checkID(strconv.FormatUint(uint64(v), 10))
	case uint64:
		return checkID(strconv.FormatUint(v, 10))
	default:
		return "", fmt.Sprintf("the id is a %T, want a string or an integer", v)
	}
	if n < 0 {
		return "", "want a non-negative id, got " + strconv.FormatInt(n, 10)
	}
	return checkID(strconv.FormatInt(n, 10))
}

func checkID(id string) (string, string) {
	if id == "" || len(id) > maxID {
		return "", "want an id of 1 to " + strconv.Itoa(maxID) + " bytes"
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !isAlnum(c) && c != '-' && c != '_' {
			return "", "an id is ASCII letters, digits, '-' and '_'"
		}
	}
	return id, ""
}

// checkEventName returns why name cannot be a trackEvent name, or "".
func checkEventName(name string) string {
	switch {
	case name == "" || len(name) > maxEventName:
		return "want an event name of 1 to " + strconv.Itoa(maxEventName) + " bytes"
	case !utf8.ValidString(name):
		return "the event name is not valid UTF-8"
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return "control characters are not allowed in an event name"
		}
	}
	return ""
}
