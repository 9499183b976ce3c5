package intercomgin

import (
	"github.com/gin-gonic/gin"

	intercom "github.com/goanalytical/intercom/core"
)

// H returns template data for c.HTML: a copy of data with the snippet under
// intercom.TemplateKey, so that a template shows the Messenger with
// {{ .Intercom }}:
//
//	c.HTML(http.StatusOK, "page.tmpl", intercomgin.H(c, gin.H{
//		"title":         "Pricing",
//		"intercom_plan": "pro", // sent to Intercom as "plan"
//	}))
//
// Keys starting with intercom.TemplatePrefix ("intercom_") are custom
// Intercom data, as the seed's template variables were: H applies them with
// Set, prefix stripped, before it renders the snippet; they stay in the
// returned data too. data may be nil; it is not modified, so a shared
// gin.H is safe to pass. An "Intercom" key in data is replaced.
//
// The name mirrors gin.H, which it wraps at the call site.
func H(c *gin.Context, data gin.H) gin.H {
	r, found := request(c)
	if !found {
		warnNoMiddleware()
	}
	return intercom.TemplateData(r, data)
}
