package intercom

import (
	"encoding"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// This file encodes the values appendValue has no fast path for, with
// encoding/json's rules: json.Marshaler and encoding.TextMarshaler (a
// pointer receiver's only where the value is addressable), structs by their
// json tags (omitempty, omitzero, "-", ",string", embedded structs), named
// types by their kind, []byte as base64, maps with string, integer or
// TextMarshaler keys. The differences are the library's: time.Time is Unix
// seconds, database/sql's Null types are their value or null, keys are
// sorted, strings are escaped for a script, and what encoding/json rejects
// (or would follow forever) is an error here, never a panic.
//
// As in encoding/json, the encoder of each type is built once, on first
// use, and cached: a request only walks the value.

// encoderFunc appends v, a value of the type the func was built for, as JSON.
// depth is the nesting so far (see maxDepth).
type encoderFunc func(dst []byte, v reflect.Value, depth int) ([]byte, error)

// encoders caches an encoderFunc per reflect.Type. Like encoding/json's, it
// holds one entry for each type a program encodes; it is never emptied.
var encoders sync.Map

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	isZeroerType      = reflect.TypeFor[interface{ IsZero() bool }]()
	timeType          = reflect.TypeFor[time.Time]()
	numberType        = reflect.TypeFor[json.Number]()
)

// maxEncodedLen stops a value whose encoding runs away (a large graph of
// shared pointers, a slice of huge Marshalers) before it is all in memory:
// containers check it after each element. Such a value is dropped anyway by
// the maxValueLen check of the attribute that holds it.
const maxEncodedLen = 4 << 20

var errTooLong = fmt.Errorf("encodes to more than %d KiB", maxValueLen>>10)

// typeEncoder returns the cached encoder for t, building it on first use.
func typeEncoder(t reflect.Type) encoderFunc {
	if f, ok := encoders.Load(t); ok {
		return f.(encoderFunc)
	}
	// A recursive type (type Node struct{ Next *Node }) reaches itself
	// while its encoder is built: it gets this stand-in, which waits for the
	// real one.
	var (
		wg sync.WaitGroup
		f  encoderFunc
	)
	wg.Add(1)
	stand, loaded := encoders.LoadOrStore(t, encoderFunc(func(dst []byte, v reflect.Value, depth int) ([]byte, error) {
		wg.Wait()
		return f(dst, v, depth)
	}))
	if loaded {
		return stand.(encoderFunc)
	}
	f = newTypeEncoder(t, true)
	wg.Done()
	encoders.Store(t, f)
	return f
}

// newTypeEncoder builds the encoder of t. With allowAddr, a value whose
// pointer has a MarshalJSON or MarshalText method uses it when the value is
// addressable (reached through a pointer, a slice or an addressable struct),
// as encoding/json does.
func newTypeEncoder(t reflect.Type, allowAddr bool) encoderFunc {
	switch {
	case t == timeType:
		return encodeTime
	case t.Kind() == reflect.Pointer && t.Elem() == timeType:
		return newPtrEncoder(t)
	case isSQLNull(t):
		return newSQLNullEncoder(t)
	}
	if t.Kind() != reflect.Pointer && allowAddr && reflect.PointerTo(t).Implements(marshalerType) {
		return condAddrEncoder(encodeAddrMarshaler, newTypeEncoder(t, false))
	}
	if t.Implements(marshalerType) {
		return encodeMarshaler
	}
	if t.Kind() != reflect.Pointer && allowAddr && reflect.PointerTo(t).Implements(textMarshalerType) {
		return condAddrEncoder(encodeAddrTextMarshaler, newTypeEncoder(t, false))
	}
	if t.Implements(textMarshalerType) {
		return encodeTextMarshaler
	}
	switch t.Kind() {
	case reflect.Bool:
		return func(dst []byte, v reflect.Value, _ int) ([]byte, error) {
			return strconv.AppendBool(dst, v.Bool()), nil
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(dst []byte, v reflect.Value, _ int) ([]byte, error) {
			return strconv.AppendInt(dst, v.Int(), 10), nil
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return func(dst []byte, v reflect.Value, _ int) ([]byte, error) {
			return strconv.AppendUint(dst, v.Uint(), 10), nil
		}
	case reflect.Float32:
		return func(dst []byte, v reflect.Value, _ int) ([]byte, error) { return appendFloat(dst, v.Float(), 32) }
	case reflect.Float64:
		return func(dst []byte, v reflect.Value, _ int) ([]byte, error) { return appendFloat(dst, v.Float(), 64) }
	case reflect.String:
		if t == numberType {
			return encodeNumber
		}
		return func(dst []byte, v reflect.Value, _ int) ([]byte, error) { return appendString(dst, v.String()), nil }
	case reflect.Interface:
		return encodeInterface
	case reflect.Struct:
		return newStructEncoder(t)
	case reflect.Map:
		return newMapEncoder(t)
	case reflect.Slice:
		return newSliceEncoder(t)
	case reflect.Array:
		return newArrayEncoder(t)
	case reflect.Pointer:
		return newPtrEncoder(t)
	}
	return unsupported(t)
}

func unsupported(t reflect.Type) encoderFunc {
	err := fmt.Errorf("unsupported type %s", t)
	return func(dst []byte, _ reflect.Value, _ int) ([]byte, error) { return dst, err }
}

func condAddrEncoder(canAddr, cannot encoderFunc) encoderFunc {
	return func(dst []byte, v reflect.Value, depth int) ([]byte, error) {
		if v.CanAddr() {
			return canAddr(dst, v, depth)
		}
		return cannot(dst, v, depth)
	}
}

func tooDeep(depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("nested more than %d levels deep (a cycle?)", maxDepth)
	}
	return nil
}

func encodeTime(dst []byte, v reflect.Value, _ int) ([]byte, error) {
	if v.CanAddr() {
		return appendTime(dst, *v.Addr().Interface().(*time.Time)), nil
	}
	return appendTime(dst, v.Interface().(time.Time)), nil
}

func encodeMarshaler(dst []byte, v reflect.Value, _ int) ([]byte, error) {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return append(dst, "null"...), nil
	}
	m, ok := v.Interface().(json.Marshaler)
	if !ok { // a nil interface
		return append(dst, "null"...), nil
	}
	return appendMarshaler(dst, m)
}

func encodeAddrMarshaler(dst []byte, v reflect.Value, _ int) ([]byte, error) {
	return appendMarshaler(dst, v.Addr().Interface().(json.Marshaler))
}

func encodeTextMarshaler(dst []byte, v reflect.Value, _ int) ([]byte, error) {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return append(dst, "null"...), nil
	}
	m, ok := v.Interface().(encoding.TextMarshaler)
	if !ok {
		return append(dst, "null"...), nil
	}
	return appendTextMarshaler(dst, m)
}

func encodeAddrTextMarshaler(dst []byte, v reflect.Value, _ int) ([]byte, error) {
	return appendTextMarshaler(dst, v.Addr().Interface().(encoding.TextMarshaler))
}

// appendTextMarshaler appends m's text as a JSON string. An error or a
// panic in MarshalText is an error.
func appendTextMarshaler(dst []byte, m encoding.TextMarshaler) ([]byte, error) {
	if rv := reflect.ValueOf(m); rv.Kind() == reflect.Pointer && rv.IsNil() {
		return append(dst, "null"...), nil
	}
	b, err := marshalText(m)
	if err != nil {
		return dst, err
	}
	return appendString(dst, string(b)), nil
}

func marshalText(m encoding.TextMarshaler) (b []byte, err error) {
	defer func() {
		if recover() != nil {
			b, err = nil, fmt.Errorf("MarshalText of %T panicked", m)
		}
	}()
	if b, err = m.MarshalText(); err != nil {
		return nil, fmt.Errorf("MarshalText of %T: %w", m, err)
	}
	if len(b) > maxValueLen {
		return nil, fmt.Errorf("MarshalText of %T returned %d bytes, more than %d KiB", m, len(b), maxValueLen>>10)
	}
	return b, nil
}

// encodeNumber writes a json.Number as the number literal it holds, as
// encoding/json does ("" is 0); anything else is an error.
func encodeNumber(dst []byte, v reflect.Value, _ int) ([]byte, error) {
	s := v.String()
	if s == "" {
		s = "0"
	}
	if !isJSONNumber(s) {
		return dst, fmt.Errorf("invalid number literal %q", s)
	}
	return append(dst, s...), nil
}

// isJSONNumber reports whether s is a JSON number literal, nothing around it.
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

func encodeInterface(dst []byte, v reflect.Value, depth int) ([]byte, error) {
	if v.IsNil() {
		return append(dst, "null"...), nil
	}
	e := v.Elem()
	return typeEncoder(e.Type())(dst, e, depth)
}

func newPtrEncoder(t reflect.Type) encoderFunc {
	elem := typeEncoder(t.Elem())
	return func(dst []byte, v reflect.Value, depth int) ([]byte, error) {
		if v.IsNil() {
			return append(dst, "null"...), nil
		}
		if err := tooDeep(depth + 1); err != nil {
			return dst, err
		}
		return elem(dst, v.Elem(), depth+1)
	}
}

func newSliceEncoder(t reflect.Type) encoderFunc {
	// []byte is base64, unless its element type (through a pointer) has a
	// MarshalJSON or MarshalText: encoding/json's rule.
	if t.Elem().Kind() == reflect.Uint8 {
		p := reflect.PointerTo(t.Elem())
		if !p.Implements(marshalerType) && !p.Implements(textMarshalerType) {
			return encodeBytes
		}
	}
	array := newArrayEncoder(t)
	return func(dst []byte, v reflect.Value, depth int) ([]byte, error) {
		if v.IsNil() {
			return append(dst, "null"...), nil
		}
		return array(dst, v, depth)
	}
}

func encodeBytes(dst []byte, v reflect.Value, _ int) ([]byte, error) {
	if v.IsNil() {
		return append(dst, "null"...), nil
	}
	return appendBytes(dst, v.Bytes())
}

// appendBytes appends b as a base64 JSON string.
func appendBytes(dst, b []byte) ([]byte, error) {
	if base64.StdEncoding.EncodedLen(len(b)) > maxValueLen {
		return dst, errTooLong
	}
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, '"'), nil
}

func newArrayEncoder(t reflect.Type) encoderFunc {
	elem := typeEncoder(t.Elem())
	return func(dst []byte, v reflect.Value, depth int) ([]byte, error) {
		if err := tooDeep(depth + 1); err != nil {
			return dst, err
		}
		dst = append(dst, '[')
		for i := range v.Len() {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = elem(dst, v.Index(i), depth+1); err != nil {
				return dst, err
			}
			if len(dst) > maxEncodedLen {
				return dst, errTooLong
			}
		}
		return append(dst, ']'), nil
	}
}

// mapEntry is one entry of a map being encoded, its key resolved.
type mapEntry struct {
	key string
	val reflect.Value
}

func newMapEncoder(t reflect.Type) encoderFunc {
	kt := t.Key()
	var keyOf func(reflect.Value) (string, error)
	// encoding/json's order: a string kind is the key itself, even with a
	// MarshalText; then MarshalText; then integers in decimal.
	switch kt.Kind() {
	case reflect.String:
		keyOf = func(k reflect.Value) (string, error) { return k.String(), nil }
	default:
		switch {
		case kt.Implements(textMarshalerType):
			keyOf = textKey
		case kt.Kind() >= reflect.Int && kt.Kind() <= reflect.Int64:
			keyOf = func(k reflect.Value) (string, error) { return strconv.FormatInt(k.Int(), 10), nil }
		case kt.Kind() >= reflect.Uint && kt.Kind() <= reflect.Uintptr:
			keyOf = func(k reflect.Value) (string, error) { return strconv.FormatUint(k.Uint(), 10), nil }
		default:
			err := fmt.Errorf("unsupported map key type %s", kt)
			return func(dst []byte, _ reflect.Value, _ int) ([]byte, error) { return dst, err }
		}
	}
	elem := typeEncoder(t.Elem())
	return func(dst []byte, v reflect.Value, depth int) ([]byte, error) {
		if v.IsNil() {
			return append(dst, "null"...), nil
		}
		if err := tooDeep(depth + 1); err != nil {
			return dst, err
		}
		var buf [16]mapEntry
		entries := buf[:0]
		for it := v.MapRange(); it.Next(); {
			k, err := keyOf(it.Key())
			if err != nil {
				return dst, err
			}
			if err := checkKey(k); err != nil {
				return dst, err
			}
			entries = append(entries, mapEntry{k, it.Value()})
		}
		slices.SortFunc(entries, func(a, b mapEntry) int { return strings.Compare(a.key, b.key) })
		dst = append(dst, '{')
		for i, e := range entries {
			if i > 0 {
				if e.key == entries[i-1].key {
					return dst, fmt.Errorf("two map keys encode as %q", e.key)
				}
				dst = append(dst, ',')
			}
			dst = appendString(dst, e.key)
			dst = append(dst, ':')
			var err error
			if dst, err = elem(dst, e.val, depth+1); err != nil {
				return dst, err
			}
			if len(dst) > maxEncodedLen {
				return dst, errTooLong
			}
		}
		return append(dst, '}'), nil
	}
}

func textKey(k reflect.Value) (string, error) {
	if k.Kind() == reflect.Pointer && k.IsNil() {
		return "", nil
	}
	b, err := marshalText(k.Interface().(encoding.TextMarshaler))
	return string(b), err
}

// isSQLNull reports database/sql's NullString, NullInt64, ..., NullTime and
// Null[T]: a value field, then Valid. They have no JSON methods, so
// encoding/json would send {"String":"x","Valid":true}; the page gets the
// value, or null when it is not Valid, which is what a user means by them.
func isSQLNull(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && t.PkgPath() == "database/sql" && strings.HasPrefix(t.Name(), "Null") &&
		t.NumField() == 2 && t.Field(1).Name == "Valid" && t.Field(1).Type.Kind() == reflect.Bool
}

func newSQLNullEncoder(t reflect.Type) encoderFunc {
	value := typeEncoder(t.Field(0).Type)
	return func(dst []byte, v reflect.Value, depth int) ([]byte, error) {
		if !v.Field(1).Bool() {
			return append(dst, "null"...), nil
		}
		return value(dst, v.Field(0), depth)
	}
}

// field is one JSON member of a struct.
type field struct {
	name      string
	quotedKey []byte // "name":
	index     []int  // the path of field indexes from the struct
	typ       reflect.Type
	tagged    bool
	omitEmpty bool
	omitZero  bool
	quoted    bool                              // ,string
	isZero    func(reflect.Value) (bool, error) // omitzero's test
	enc       encoderFunc
}

func newStructEncoder(t reflect.Type) encoderFunc {
	fields := structFields(t)
	return func(dst []byte, v reflect.Value, depth int) ([]byte, error) {
		if err := tooDeep(depth + 1); err != nil {
			return dst, err
		}
		dst = append(dst, '{')
		n := 0
	next:
		for i := range fields {
			f := &fields[i]
			fv := v
			for _, j := range f.index {
				if fv.Kind() == reflect.Pointer {
					if fv.IsNil() {
						continue next // a field of a nil embedded pointer
					}
					fv = fv.Elem()
				}
				fv = fv.Field(j)
			}
			if f.omitEmpty && isEmptyValue(fv) {
				continue
			}
			if f.omitZero {
				zero, err := f.isZero(fv)
				if err != nil {
					return dst, err
				}
				if zero {
					continue
				}
			}
			if f.name == protoKey {
				return dst, errProtoKey
			}
			if n > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, f.quotedKey...)
			var err error
			if dst, err = f.enc(dst, fv, depth+1); err != nil {
				return dst, err
			}
			if len(dst) > maxEncodedLen {
				return dst, errTooLong
			}
			n++
		}
		return append(dst, '}'), nil
	}
}

func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}

// structFields returns the JSON members of struct type t by encoding/json's
// rules (exported fields, json tags, embedded structs flattened, the
// shallowest or only tagged of same-named fields winning), sorted by name.
func structFields(t reflect.Type) []field {
	type level struct {
		typ   reflect.Type
		index []int
	}
	var fields []field
	next := []level{{typ: t}}
	var count, nextCount map[reflect.Type]int
	visited := map[reflect.Type]bool{}
	for len(next) > 0 {
		current := next
		next = nil
		count, nextCount = nextCount, map[reflect.Type]int{}
		for _, l := range current {
			if visited[l.typ] {
				continue
			}
			visited[l.typ] = true
			for i := range l.typ.NumField() {
				sf := l.typ.Field(i)
				if sf.Anonymous {
					et := sf.Type
					if et.Kind() == reflect.Pointer {
						et = et.Elem()
					}
					if !sf.IsExported() && et.Kind() != reflect.Struct {
						continue // an unexported embedded non-struct has nothing to show
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if !validTagName(name) {
					name = ""
				}
				index := append(slices.Clip(l.index), i)
				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if name != "" || !sf.Anonymous || ft.Kind() != reflect.Struct {
					f := field{name: name, tagged: name != "", index: index, typ: sf.Type}
					if f.name == "" {
						f.name = sf.Name
					}
					for opt := range strings.SplitSeq(opts, ",") {
						switch opt {
						case "omitempty":
							f.omitEmpty = true
						case "omitzero":
							f.omitZero = true
						case "string":
							switch ft.Kind() {
							case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
								reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
								reflect.Float32, reflect.Float64, reflect.String:
								f.quoted = true
							}
						}
					}
					fields = append(fields, f)
					if count[l.typ] > 1 {
						// The same type embedded twice at this depth: a
						// second copy makes the name ambiguous below.
						fields = append(fields, fields[len(fields)-1])
					}
					continue
				}
				nextCount[ft]++
				if nextCount[ft] == 1 {
					next = append(next, level{typ: ft, index: index})
				}
			}
		}
	}

	// Of the fields sharing a name, the shallowest wins, a tagged one among
	// equals; a tie drops them all.
	slices.SortStableFunc(fields, func(a, b field) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		if c := len(a.index) - len(b.index); c != 0 {
			return c
		}
		if a.tagged != b.tagged {
			if a.tagged {
				return -1
			}
			return 1
		}
		return slices.Compare(a.index, b.index)
	})
	out := fields[:0]
	for i := 0; i < len(fields); {
		j := i + 1
		for j < len(fields) && fields[j].name == fields[i].name {
			j++
		}
		group := fields[i:j]
		i = j
		if len(group) > 1 && len(group[0].index) == len(group[1].index) && group[0].tagged == group[1].tagged {
			continue
		}
		out = append(out, group[0])
	}
	for i := range out {
		f := &out[i]
		f.quotedKey = append(appendString(nil, f.name), ':')
		f.enc = typeEncoder(f.typ)
		if f.quoted {
			f.enc = quotedEncoder(f.typ)
		}
		if f.omitZero {
			f.isZero = zeroTest(f.typ)
		}
	}
	return out
}

// validTagName reports whether encoding/json takes name from a json tag.
func validTagName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

// quotedEncoder is the encoder of a ",string" field of type t: its value
// inside a JSON string (a string twice encoded), unless the type encodes
// itself (MarshalJSON, MarshalText), as in encoding/json.
func quotedEncoder(t reflect.Type) encoderFunc {
	plain := typeEncoder(t)
	if t == timeType || t.Implements(marshalerType) || t.Implements(textMarshalerType) ||
		reflect.PointerTo(t).Implements(marshalerType) || reflect.PointerTo(t).Implements(textMarshalerType) {
		return plain
	}
	switch t.Kind() {
	case reflect.Pointer:
		elem := quotedEncoder(t.Elem())
		return func(dst []byte, v reflect.Value, depth int) ([]byte, error) {
			if v.IsNil() {
				return append(dst, "null"...), nil
			}
			return elem(dst, v.Elem(), depth)
		}
	case reflect.String:
		if t == numberType {
			break
		}
		return func(dst []byte, v reflect.Value, _ int) ([]byte, error) {
			// The inner encoding is encoding/json's own, so the string the
			// page decodes is the one json.Marshal would give.
			inner, err := json.Marshal(v.String())
			if err != nil {
				return dst, err
			}
			return appendString(dst, string(inner)), nil
		}
	}
	return func(dst []byte, v reflect.Value, depth int) ([]byte, error) {
		dst = append(dst, '"')
		dst, err := plain(dst, v, depth)
		return append(dst, '"'), err
	}
}

// zeroTest is omitzero's test for a field of type t: its IsZero method if it
// has one (a panic in it is an error), else reflect's zero value.
func zeroTest(t reflect.Type) func(reflect.Value) (bool, error) {
	call := func(v reflect.Value) (zero bool, err error) {
		defer func() {
			if recover() != nil {
				zero, err = false, fmt.Errorf("IsZero of %s panicked", v.Type())
			}
		}()
		return v.Interface().(interface{ IsZero() bool }).IsZero(), nil
	}
	switch {
	case t.Kind() == reflect.Interface && t.Implements(isZeroerType):
		return func(v reflect.Value) (bool, error) {
			if v.IsNil() || v.Elem().Kind() == reflect.Pointer && v.Elem().IsNil() {
				return true, nil
			}
			return call(v)
		}
	case t.Kind() == reflect.Pointer && t.Implements(isZeroerType):
		return func(v reflect.Value) (bool, error) {
			if v.IsNil() {
				return true, nil
			}
			return call(v)
		}
	case t.Implements(isZeroerType):
		return call
	case reflect.PointerTo(t).Implements(isZeroerType):
		return func(v reflect.Value) (bool, error) {
			if !v.CanAddr() {
				c := reflect.New(v.Type()).Elem()
				c.Set(v)
				v = c
			}
			return call(v.Addr())
		}
	}
	return func(v reflect.Value) (bool, error) { return v.IsZero(), nil }
}
