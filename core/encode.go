package intercom

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxDepth bounds nesting in attribute values (each map, slice, array,
// struct and pointer is a level); deeper values (almost always a cycle) are
// dropped rather than followed forever.
const maxDepth = 64

// maxValueLen bounds one attribute's encoding (and what one MarshalJSON or
// MarshalText may return): a larger value is dropped and reported rather
// than put in every page.
const maxValueLen = 64 << 10

// fragment is one pre-encoded settings entry: key and its JSON value.
type fragment struct {
	key       string
	quotedKey []byte // "key":
	json      []byte
}

func newFragment(key string, json []byte) fragment {
	return fragment{key: key, quotedKey: append(appendString(nil, key), ':'), json: json}
}

// safeASCII marks the ASCII bytes that appendString copies through. Anything
// that could end a script element or an HTML comment (<, >, &) is escaped, so
// the JSON is safe in a <script> and inside <!-- ... -->. So are ' and `, as
// defence in depth: a snippet that whole-page install or a template put
// inside a single-quoted JavaScript string, a template literal or a
// single-quoted attribute cannot end it.
var safeASCII = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' && c != '\'' && c != '`'
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string that is safe in a script element
// and an HTML comment: <, >, &, ', `, U+2028 and U+2029 are \u-escaped and
// each byte of invalid UTF-8 becomes U+FFFD.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if safeASCII[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// sentString returns s as the page receives it from appendString: each byte
// of invalid UTF-8 replaced with U+FFFD. Valid strings come back as they are.
func sentString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\ufffd"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return string(b)
}

// appendFloat formats f as encoding/json does.
func appendFloat(dst []byte, f float64, bits int) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, fmt.Errorf("%v is not a finite number", f)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	dst = strconv.AppendFloat(dst, f, format, -1, bits)
	if format == 'e' {
		// 1e-07 -> 1e-7, as encoding/json.
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, nil
}

// appendTime encodes t as integer Unix seconds; the zero time is null.
func appendTime(dst []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(dst, "null"...)
	}
	return strconv.AppendInt(dst, t.Unix(), 10)
}

// validKey reports whether a settings key can be emitted unchanged: non-empty
// valid UTF-8 (so two keys can never collide after U+FFFD replacement).
func validKey(k string) bool {
	return k != "" && utf8.ValidString(k)
}

// checkKey returns why k cannot be a key of an encoded object, or nil: an
// empty or invalid key, or protoKey.
func checkKey(k string) error {
	if !validKey(k) {
		return fmt.Errorf("map key %q is empty or not valid UTF-8", k)
	}
	if k == protoKey {
		return errProtoKey
	}
	return nil
}

// appendAttrValue appends the value of one attribute: appendValue, and an
// error if it encodes to more than maxValueLen.
func appendAttrValue(dst []byte, v any, depth int) ([]byte, error) {
	mark := len(dst)
	dst, err := appendValue(dst, v, depth)
	if err == nil && len(dst)-mark > maxValueLen {
		return dst, errTooLong
	}
	return dst, err
}

// appendValue appends v as JSON. Unsupported values return an error and
// leave dst in an unspecified state; callers roll back.
func appendValue(dst []byte, v any, depth int) ([]byte, error) {
	if err := tooDeep(depth); err != nil {
		return dst, err
	}
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return appendString(dst, v), nil
	case bool:
		return strconv.AppendBool(dst, v), nil
	case int:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int8:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int16:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(dst, v, 10), nil
	case uint:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	case uint8:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	case uint16:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	case uint32:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	case uint64:
		return strconv.AppendUint(dst, v, 10), nil
	case uintptr:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	case float32:
		return appendFloat(dst, float64(v), 32)
	case float64:
		return appendFloat(dst, v, 64)
	case time.Time:
		return appendTime(dst, v), nil
	case *time.Time:
		if v == nil {
			return append(dst, "null"...), nil
		}
		return appendTime(dst, *v), nil
	case json.Marshaler:
		return appendMarshaler(dst, v)
	case encoding.TextMarshaler:
		return appendTextMarshaler(dst, v)
	case []byte:
		if v == nil {
			return append(dst, "null"...), nil
		}
		return appendBytes(dst, v)
	case map[string]any:
		return appendMap(dst, v, depth)
	case Attributes:
		return appendMap(dst, v, depth)
	case []any:
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendValue(dst, e, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case []string:
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, e)
		}
		return append(dst, ']'), nil
	}
	return appendReflect(dst, reflect.ValueOf(v), depth)
}

func appendMap[M ~map[string]any](dst []byte, m M, depth int) ([]byte, error) {
	if m == nil {
		return append(dst, "null"...), nil
	}
	var buf [16]string
	keys := buf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if err := checkKey(k); err != nil {
			return dst, err
		}
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, k)
		dst = append(dst, ':')
		var err error
		if dst, err = appendValue(dst, m[k], depth+1); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// appendReflect encodes what appendValue has no fast path for (named types,
// structs, typed maps and slices, TextMarshalers...) with the cached encoder
// of its type. A panic on the way (a method of the value's) is an error.
func appendReflect(dst []byte, rv reflect.Value, depth int) (out []byte, err error) {
	if !rv.IsValid() {
		return append(dst, "null"...), nil
	}
	defer func() {
		if recover() != nil {
			out, err = dst, fmt.Errorf("encoding %s panicked", rv.Type())
		}
	}()
	return typeEncoder(rv.Type())(dst, rv, depth)
}

// appendMarshaler appends the output of a json.Marshaler, validated,
// compacted and re-escaped for a script context. A panicking MarshalJSON is
// an error, not a crash.
func appendMarshaler(dst []byte, m json.Marshaler) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = dst, fmt.Errorf("MarshalJSON of %T panicked", m)
		}
	}()
	if rv := reflect.ValueOf(m); rv.Kind() == reflect.Pointer && rv.IsNil() {
		return append(dst, "null"...), nil
	}
	b, err := m.MarshalJSON()
	if err != nil {
		return dst, fmt.Errorf("MarshalJSON of %T: %w", m, err)
	}
	if len(b) > maxValueLen {
		return dst, fmt.Errorf("MarshalJSON of %T returned %d bytes, more than %d KiB", m, len(b), maxValueLen>>10)
	}
	if !utf8.Valid(b) {
		// Each invalid byte becomes U+FFFD, as appendString and
		// encoding/json's decoder have it (bytes.ToValidUTF8 would
		// replace a run of them with one).
		b = []byte(sentString(string(b)))
	}
	if !json.Valid(b) {
		return dst, fmt.Errorf("MarshalJSON of %T returned invalid JSON", m)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, b); err != nil {
		return dst, fmt.Errorf("MarshalJSON of %T: %w", m, err)
	}
	if hasProtoKey(compact.Bytes()) {
		return dst, fmt.Errorf("MarshalJSON of %T %w", m, errProtoKey)
	}
	return appendEscapedJSON(dst, compact.Bytes()), nil
}

// hasProtoKey reports whether valid JSON js has an object key that is
// protoKey once its escapes are decoded ("\u005f_proto__" is one too, in
// JavaScript as in JSON). A key can only be protoKey if js holds "proto" or
// a \u escape of one of its letters, so most values are let through on a
// quick look.
func hasProtoKey(js []byte) bool {
	if !bytes.Contains(js, []byte("proto")) && !hasProtoEscape(js) {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	// One frame per open container: whether it is an object, and whether
	// its next token is a key.
	type frame struct{ obj, key bool }
	var stack []frame
	valueEnded := func() {
		if n := len(stack); n > 0 && stack[n-1].obj {
			stack[n-1].key = true
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return false // io.EOF: the JSON has ended
		}
		d, isDelim := tok.(json.Delim)
		switch n := len(stack); {
		case isDelim && (d == '}' || d == ']'):
			stack = stack[:n-1]
			valueEnded()
		case n > 0 && stack[n-1].obj && stack[n-1].key:
			if tok == protoKey {
				return true
			}
			stack[n-1].key = false
		case isDelim:
			stack = append(stack, frame{obj: d == '{', key: d == '{'})
		default:
			valueEnded()
		}
	}
}

// hasProtoEscape reports whether js has a \u escape of a letter of
// protoKey ("_", "p", "r", "o", "t").
func hasProtoEscape(js []byte) bool {
	for i := 0; i+5 < len(js); i++ {
		if js[i] != '\\' {
			continue
		}
		if js[i+1] == 'u' && js[i+2] == '0' && js[i+3] == '0' {
			switch strings.ToLower(string(js[i+4 : i+6])) {
			case "5f", "70", "72", "6f", "74":
				return true
			}
		}
		i++ // the escaped byte
	}
	return false
}

// appendEscapedJSON appends valid JSON with what appendString escapes in
// strings escaped the same way: <, >, &, ', `, U+2028 and U+2029. None of
// them can stand outside a string in valid JSON, and none can follow a
// backslash there, so each byte can be replaced where it is.
func appendEscapedJSON(dst, js []byte) []byte {
	start := 0
	for i := 0; i < len(js); i++ {
		c := js[i]
		switch {
		case c == '<' || c == '>' || c == '&' || c == '\'' || c == '`':
			dst = append(dst, js[start:i]...)
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			start = i + 1
		case c == 0xe2 && i+2 < len(js) && js[i+1] == 0x80 && js[i+2]&^1 == 0xa8: // U+2028, U+2029
			dst = append(dst, js[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[js[i+2]&0xf])
			i += 2
			start = i + 1
		}
	}
	return append(dst, js[start:]...)
}
