package intercomfiber

// StateKey lets the external tests put values of the wrong type under the
// middleware's locals key.
const StateKey = stateKey

// ResetNoMiddlewareWarning lets a test see the once-per-process warning.
func ResetNoMiddlewareWarning() { warning.Reset() }
