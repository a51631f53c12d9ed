package web

import "net/http"

// access is who may use a route.
type access int

const (
	public    access = iota // anyone: the sign-in page, static files
	signedIn                // a live session
	adminOnly               // a live session of an admin
)

// route is one entry of the app's routing table.
type route struct {
	pattern string // net/http pattern: "METHOD /path/{wildcard}"
	access  access
	handler http.HandlerFunc
}

// routes is every route of the app. The tests walk this table: a route
// added here is checked for sign-in, CSRF and headers without more work.
func (a *App) routes() []route {
	return []route{
		{"GET /static/{file}", public, a.static},
		{"GET /login", public, a.loginPage},
		{"POST /login", public, a.login},
		{"POST /logout", signedIn, a.logout},
		{"GET /{$}", signedIn, a.home},
		{"GET /account", signedIn, a.account},
		{"POST /account/password", signedIn, a.accountPassword},
		{"POST /account/sessions/{id}/revoke", signedIn, a.accountRevoke},
		{"GET /campaigns/{name}", signedIn, a.dashboard},
		{"GET /campaigns/{name}/authorities", signedIn, a.authorities},
		{"GET /campaigns/{name}/events.csv", signedIn, a.campaignEvents},
		{"GET /requests/{ref}", signedIn, a.timeline},
		{"POST /requests/{ref}/events", signedIn, a.timelineEvent},
		{"POST /requests/{ref}/events/{id}/undo", signedIn, a.timelineUndo},
		{"POST /requests/{ref}/resolve", signedIn, a.timelineResolve},
		{"POST /requests/{ref}/messages/{id}/classify", signedIn, a.timelineClassify},
		{"POST /requests/{ref}/review", signedIn, a.timelineReview},
		{"GET /admin/users", adminOnly, a.adminUsers},
		{"POST /admin/users", adminOnly, a.adminUsersAdd},
		{"POST /admin/users/{name}/disable", adminOnly, a.adminUsersDisable},
		{"POST /admin/users/{name}/enable", adminOnly, a.adminUsersEnable},
		{"GET /review/{campaign}", signedIn, a.review},
		{"POST /review/{campaign}/code", signedIn, a.reviewCode},
		{"POST /review/{campaign}/skip", signedIn, a.reviewSkip},
		{"GET /review/{campaign}/entries/{id}/original", signedIn, a.reviewOriginal},
		{"GET /review/{campaign}/agreement", signedIn, a.reviewAgreement},
		{"GET /review/{campaign}/resolve", adminOnly, a.reviewResolve},
		{"POST /review/{campaign}/resolve", adminOnly, a.reviewResolveCode},
		{"GET /review/{campaign}/codebook", adminOnly, a.reviewCodebook},
		{"POST /review/{campaign}/codebook", adminOnly, a.reviewCodebookSet},
		{"GET /mail/unmatched", signedIn, a.mailUnmatched},
		{"GET /mail/{id}", signedIn, a.mailMessage},
		{"GET /mail/{id}/raw", signedIn, a.mailRaw},
		{"GET /mail/{id}/attachments/{seq}", signedIn, a.mailAttachment},
		{"POST /mail/{id}/assign", signedIn, a.mailAssign},
		{"POST /mail/{id}/dismiss", signedIn, a.mailDismiss},
		{"POST /mail/{id}/undismiss", signedIn, a.mailUndismiss},
		{"POST /mail/{id}/classify", signedIn, a.mailClassify},
		{"GET /documents/{id}", signedIn, a.documentPage},
		{"GET /documents/{id}/original", signedIn, a.documentOriginal},
		{"GET /search", signedIn, a.search},
		// Anything else is a plain 404 page (with the headers), for
		// everyone: it says nothing about what exists.
		{"/", public, a.notFound},
	}
}

// unsafe reports whether a method changes state, and so needs a CSRF token.
func unsafe(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}
