package intercomhttp

import "net/http"

// Call queues a call of the Messenger's JavaScript API, such as an event
// for Intercom's event-based messages, for the page that renders the
// snippet for this visitor (Data, Snippet, Component or Inject): this
// response's, or, when it renders none (a redirect, a fragment, JSON), the
// next one's, carried there by a short-lived cookie that Call sets on w:
//
//	if err := intercomhttp.Call(w, r, "trackEvent", "invoice-paid", map[string]any{"amount": 42}); err != nil { ... }
//	http.Redirect(w, r, "/invoices", http.StatusSeeOther)
//
// The methods and their arguments are those of @intercom/messenger-js-sdk,
// listed at intercom.Messenger.Call: trackEvent, showNewMessage, showSpace,
// showArticle, startTour, startSurvey, startChecklist, showTicket,
// showConversation, showNews, show, hide and showMessages. The calls run
// after the Messenger boots, in the order queued, once; queue them before
// the handler writes its response. An invalid call, a full queue, a skipped
// request or a snippet already rendered on this response gives a
// *intercom.CallError, also reported to intercom.Config.ErrorHandler (see
// adapter.Request.Call).
func Call(w http.ResponseWriter, r *http.Request, method string, args ...any) error {
	if x := exchangeOf(r); x != nil && w != nil {
		x.w = w
	}
	return lookup(r).Call(method, args...)
}
