package intercomgin

import "sync"

// RequestKey lets the external tests put values of the wrong type under the
// middleware's context key.
const RequestKey = requestKey

// ResetNoMiddlewareWarning lets a test see the once-per-process warning.
func ResetNoMiddlewareWarning() { noMiddlewareOnce = sync.Once{} }
