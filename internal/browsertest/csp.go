package browsertest

import (
	"context"

	"github.com/chromedp/chromedp"
)

// WatchCSP makes the current page record every Content-Security-Policy
// violation it reports (the securitypolicyviolation event), for
// CSPViolations to read. The DevTools protocol evaluates this outside the
// page's policy; what the page itself tries afterwards is still bound by
// it. Call it again after each navigation.
func WatchCSP(ctx context.Context) error {
	return chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(() => {
		window.__cspViolations = [];
		document.addEventListener("securitypolicyviolation", (e) => {
			window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "") + " " + (e.sample || ""));
		});
	})()`))
}

// CSPViolations are the violations the current page has reported since
// WatchCSP: the directive, what was blocked and a sample of it.
func CSPViolations(ctx context.Context) ([]string, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__cspViolations || []`))
}
