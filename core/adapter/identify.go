package adapter

import (
	"fmt"
	"reflect"
	"strings"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/internal/link"
)

// userFrom turns the value a framework's auth middleware stored into a User:
// a non-empty string, or a value that encodes as one (a named string type, a
// TextMarshaler), is the user's id and name (as basic-auth middlewares store
// the user name); an intercom.Identifier, User or *User gives its own; a
// valid golang-jwt token (v4 or v5, as echo-jwt and gofiber/contrib's jwt
// store it) gives its claims' sub, email and name. Any other non-nil value is
// reported, once per type, with the option that identifies the visitor
// instead (userOption, such as "intercomgin.WithUser"), and ignored; a
// panicking Identifier is reported and ignored, unless it is a nil pointer
// (nobody). A User with neither ID nor Email (an Identifier's "nobody
// signed in") is ignored without a report.
func userFrom(st *link.State, v any, userOption string) (u intercom.User, ok bool) {
	switch v := v.(type) {
	case nil:
		return intercom.User{}, false
	case string:
		return intercom.User{ID: v, Name: v}, v != ""
	case intercom.User:
		u = v
	case *intercom.User:
		if v == nil {
			return intercom.User{}, false
		}
		u = *v
	case intercom.Identifier:
		var panicked bool
		if u, panicked = callIdentifier(v); panicked {
			if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
				// A session middleware's nil *AppUser for "nobody signed
				// in", whose method does not expect nil: nobody.
				return intercom.User{}, false
			}
			st.Report(&intercom.UserError{Type: fmt.Sprintf("%T", v), Reason: "IntercomUser panicked"})
			return intercom.User{}, false
		}
	default:
		if stringLike(v) {
			if s, err := link.IdentityString(v, false); err == nil {
				return intercom.User{ID: s, Name: s}, s != ""
			}
		}
		var why string
		if u, why = jwtUser(v); why != "" {
			typ := fmt.Sprintf("%T", v)
			st.ReportOnce("auth "+typ, &intercom.UserError{Type: typ,
				Reason: why + "; use " + userOption + " to identify the visitor from it"})
			return intercom.User{}, false
		}
	}
	if u.ID == "" && u.Email == "" {
		return intercom.User{}, false
	}
	return u, true
}

func callIdentifier(id intercom.Identifier) (u intercom.User, panicked bool) {
	defer func() {
		if recover() != nil {
			u, panicked = intercom.User{}, true
		}
	}()
	return id.IntercomUser(), false
}

// subjecter is what golang-jwt v5's Claims offer: the sub claim.
type subjecter interface {
	GetSubject() (string, error)
}

// tokenParts returns the Valid and Claims fields of v if v has the shape of
// a golang-jwt *jwt.Token: a pointer to a struct with both, whose Claims
// offer GetSubject (v5) or whose type is golang-jwt's own (v4 and earlier,
// whose claims have no getters).
func tokenParts(v any) (valid bool, claims reflect.Value, ok bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return false, reflect.Value{}, false
	}
	tok := rv.Elem()
	vf, cf := tok.FieldByName("Valid"), tok.FieldByName("Claims")
	if !vf.IsValid() || vf.Kind() != reflect.Bool || !cf.IsValid() || !cf.CanInterface() {
		return false, reflect.Value{}, false
	}
	if _, offers := cf.Interface().(subjecter); !offers && (tok.Type().Name() != "Token" || !isJWTPackage(tok.Type().PkgPath())) {
		return false, reflect.Value{}, false
	}
	return vf.Bool(), cf, true
}

// stringLike reports values that may encode as a JSON string: of a string
// kind, or with a MarshalText method. (Others are not encoded to find out,
// on every request.)
func stringLike(v any) bool {
	if _, ok := v.(interface{ MarshalText() ([]byte, error) }); ok {
		return true
	}
	return reflect.TypeOf(v).Kind() == reflect.String
}

func isJWTPackage(path string) bool {
	switch path {
	case "github.com/golang-jwt/jwt/v5", "github.com/golang-jwt/jwt/v4", "github.com/golang-jwt/jwt":
		return true
	}
	return false
}

// jwtUser reads a golang-jwt *jwt.Token (v4 or v5) without importing it:
// the sub claim (GetSubject, else the claim itself, which may be a JSON
// integer), and the email and name claims of a MapClaims or of a claims
// struct (json tags, embedded RegisteredClaims included). Each claim takes
// what an identity attribute takes: a value that encodes as a JSON string. why
// is non-empty when v is no such token, or an unverified one.
func jwtUser(v any) (u intercom.User, why string) {
	valid, claims, ok := tokenParts(v)
	if !ok {
		return u, "not a string, an intercom.Identifier or a golang-jwt token"
	}
	if !valid {
		return u, "the golang-jwt token is not marked Valid"
	}
	if s, ok := claims.Interface().(subjecter); ok {
		u.ID = getSubject(s)
	}
	if u.ID == "" {
		u.ID = claimString(claims, "sub", true)
	}
	u.Email = claimString(claims, "email", false)
	u.Name = claimString(claims, "name", false)
	return u, ""
}

// getSubject calls GetSubject, which panics on a claims struct embedding a
// nil *RegisteredClaims.
func getSubject(s subjecter) (sub string) {
	defer func() {
		if recover() != nil {
			sub = ""
		}
	}()
	sub, err := s.GetSubject()
	if err != nil {
		return ""
	}
	return sub
}

// claimString returns the claim named key of a claims value as an identity
// field takes it ("" if it has none): a map with string keys, or a struct
// (or pointer to one) whose field is tagged json:"key", or untagged and
// named key in any case (as a JSON decoder fills it), looked up in embedded
// structs too.
func claimString(v reflect.Value, key string, integers bool) string {
	x := claim(v, key, 0)
	if !x.IsValid() || !x.CanInterface() {
		return ""
	}
	s, err := link.IdentityString(x.Interface(), integers)
	if err != nil {
		return ""
	}
	return s
}

func claim(v reflect.Value, key string, depth int) reflect.Value {
	for v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return reflect.Value{}
		}
		return v.MapIndex(reflect.ValueOf(key).Convert(v.Type().Key()))
	case reflect.Struct:
		if depth > 4 {
			return reflect.Value{}
		}
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Anonymous && name == "" {
				if x := claim(v.Field(i), key, depth+1); x.IsValid() {
					return x
				}
				continue
			}
			if f.IsExported() && (name == key || name == "" && strings.EqualFold(f.Name, key)) {
				return v.Field(i)
			}
		}
	}
	return reflect.Value{}
}
