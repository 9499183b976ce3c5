package adapter

import (
	"fmt"
	"reflect"
	"strings"

	intercom "github.com/goanalytical/intercom/core"
	"github.com/goanalytical/intercom/core/internal/link"
)

// userFrom turns the value a framework's auth middleware stored into a User:
// a non-empty string is the user's id and name (as basic-auth middlewares
// store the user name); an intercom.Identifier, User or *User gives its own;
// a valid golang-jwt token (v4 or v5, as echo-jwt and gofiber/contrib's jwt
// store it) gives its claims' sub, email and name. Any other non-nil value is
// reported and ignored, as is a panicking Identifier. A User with neither ID
// nor Email (an Identifier's "nobody signed in") is ignored without a report.
func userFrom(st *link.State, v any) (u intercom.User, ok bool) {
	switch v := v.(type) {
	case nil:
		return intercom.User{}, false
	case string:
		if v == "" {
			return intercom.User{}, false
		}
		return intercom.User{ID: v, Name: v}, true
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
			st.Report(&intercom.UserError{Type: fmt.Sprintf("%T", v), Reason: "IntercomUser panicked"})
			return intercom.User{}, false
		}
	default:
		var why string
		if u, why = jwtUser(v); why != "" {
			st.Report(&intercom.UserError{Type: fmt.Sprintf("%T", v), Reason: why})
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

// jwtUser reads a golang-jwt *jwt.Token (github.com/golang-jwt/jwt v4 or v5)
// without importing it: the struct's Valid and Claims fields, and of the
// claims "sub", "email" and "name" (a MapClaims, or a claims struct with
// json tags of those names, embedded RegisteredClaims included). why is
// non-empty when v is no such token, or an unverified one.
func jwtUser(v any) (u intercom.User, why string) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return u, "not a string, an intercom.Identifier or a golang-jwt token"
	}
	tok := rv.Elem()
	t := tok.Type()
	if t.Name() != "Token" || !isJWTPackage(t.PkgPath()) {
		return u, "not a string, an intercom.Identifier or a golang-jwt token"
	}
	if valid := tok.FieldByName("Valid"); !valid.IsValid() || valid.Kind() != reflect.Bool || !valid.Bool() {
		return u, "the golang-jwt token is not marked Valid"
	}
	claims := tok.FieldByName("Claims")
	if !claims.IsValid() {
		return u, "the golang-jwt token has no Claims"
	}
	u.ID = claimString(claims, "sub")
	u.Email = claimString(claims, "email")
	u.Name = claimString(claims, "name")
	return u, ""
}

func isJWTPackage(path string) bool {
	switch path {
	case "github.com/golang-jwt/jwt/v5", "github.com/golang-jwt/jwt/v4", "github.com/golang-jwt/jwt":
		return true
	}
	return false
}

// claimString returns the string claim named key of a claims value: a map
// with string keys, or a struct (or pointer to one) whose field is tagged
// json:"key", looked up in embedded structs too.
func claimString(v reflect.Value, key string) string {
	for v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return ""
		}
		x := v.MapIndex(reflect.ValueOf(key).Convert(v.Type().Key()))
		if !x.IsValid() {
			return ""
		}
		s, _ := x.Interface().(string)
		return s
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Anonymous {
				if s := claimString(v.Field(i), key); s != "" {
					return s
				}
				continue
			}
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == key && v.Field(i).Kind() == reflect.String {
				return v.Field(i).String()
			}
		}
	}
	return ""
}
