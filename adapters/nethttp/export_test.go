package intercomhttp

// ResetNoMiddlewareWarning lets a test see the once-per-process warning.
func ResetNoMiddlewareWarning() { warning.Reset() }
