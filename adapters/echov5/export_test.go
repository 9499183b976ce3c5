package intercomecho

// StateKey lets the external tests put values of the wrong type under the
// middleware's context key.
const StateKey = stateKey

// ResetNoMiddlewareWarning lets a test see the once-per-process warning.
func ResetNoMiddlewareWarning() { warning.Reset() }
