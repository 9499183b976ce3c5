package intercomgin

import "github.com/gin-gonic/gin"

// Call queues a call of the Messenger's JavaScript API, such as an event
// for Intercom's event-based messages, for the page that renders the
// snippet for this visitor (Data, Snippet, Component or Inject): this
// response's, or, when it renders none (a redirect, a fragment, JSON), the
// next one's, carried there by a short-lived cookie:
//
//	if err := intercomgin.Call(c, "trackEvent", "invoice-paid", gin.H{"amount": 42}); err != nil { ... }
//	c.Redirect(http.StatusSeeOther, "/invoices")
//
// The methods and their arguments are those of @intercom/messenger-js-sdk,
// listed at intercom.Messenger.Call: trackEvent, showNewMessage, showSpace,
// showArticle, startTour, startSurvey, startChecklist, showTicket,
// showConversation, showNews, show, hide and showMessages. The calls run
// after the Messenger boots, in the order queued, once; queue them before
// the response's headers go out. An invalid call, a full queue, a skipped
// request or a snippet already rendered on this response gives a
// *intercom.CallError, also reported to intercom.Config.ErrorHandler (see
// adapter.Request.Call).
func Call(c *gin.Context, method string, args ...any) error { return lookup(c).Call(method, args...) }
