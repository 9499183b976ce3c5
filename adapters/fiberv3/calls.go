package intercomfiber

import "github.com/gofiber/fiber/v3"

// Call queues a call of the Messenger's JavaScript API, such as an event
// for Intercom's event-based messages, for the page that renders the
// snippet for this visitor (Data, Views, Snippet, Component or Inject): this
// response's, or, when it renders none (a redirect, a fragment, JSON), the
// next one's, carried there by a short-lived cookie:
//
//	if err := intercomfiber.Call(c, "trackEvent", "invoice-paid", fiber.Map{"amount": 42}); err != nil { ... }
//	return c.Redirect().Status(fiber.StatusSeeOther).To("/invoices")
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
func Call(c fiber.Ctx, method string, args ...any) error { return lookup(c).Call(method, args...) }
