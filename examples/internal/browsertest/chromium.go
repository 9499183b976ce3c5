package browsertest

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// newBrowser starts a headless Chromium that lives as long as ctx and t,
// with the flags every browser test uses and extra ones.
func newBrowser(t *testing.T, ctx context.Context, chromium string, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	opts := append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.IgnoreCertErrors,
	}, extra...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	if err := chromedp.Do(browserCtx); err != nil { // starts the browser
		t.Fatalf("starting %s: %v", chromium, err)
	}
	return browserCtx
}

// runScenario runs f as a subtest of t in a new tab of the browser, in a
// browser context of its own (its own cookies), with the page
// instrumentation installed.
func runScenario(t *testing.T, browserCtx context.Context, base, name string, f func(*tab)) {
	t.Run(name, func(t *testing.T) {
		tabCtx, cancelTab := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
		defer cancelTab()
		sctx, cancel := context.WithTimeout(tabCtx, scenarioTimeout)
		defer cancel()
		if err := chromedp.Do(sctx); err != nil { // opens the tab
			t.Fatalf("opening a tab: %v", err)
		}
		if _, err := chromedp.Call(sctx, page.AddScriptToEvaluateOnNewDocument,
			page.AddScriptToEvaluateOnNewDocumentParams{Source: instrument}); err != nil {
			t.Fatalf("installing the page instrumentation: %v", err)
		}
		f(&tab{t: t, ctx: sctx, base: base})
	})
}
