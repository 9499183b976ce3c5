package intercomfiber

// StateKey lets the external tests put values of the wrong type under the
// middleware's locals key.
const StateKey = stateKey

// ResetNoMiddlewareWarning lets a test see the once-per-process warning.
func ResetNoMiddlewareWarning() { warning.Reset() }

// UseContribJWTPackage makes auto-identification look for gofiber/contrib's
// v3 jwt key type in the package at path instead (the tests' own: that
// middleware is not served to this module), and returns where it looked
// before. Call it before any request, from TestMain.
func UseContribJWTPackage(path string) (was string) {
	was, contribJWTPackage = contribJWTPackage, path
	return was
}
