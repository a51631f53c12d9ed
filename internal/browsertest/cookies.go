package browsertest

import (
	"context"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Cookies are the cookies the browser holds for the tab's current page,
// with the flags it stored them with (HttpOnly, Secure, SameSite, Path),
// read over the DevTools protocol: what a page's script cannot see.
func Cookies(ctx context.Context) ([]*network.Cookie, error) {
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{})
	return res.Cookies, err
}

// SetCookie puts a cookie for url into the browser, as a replayed or
// stolen cookie would arrive.
func SetCookie(ctx context.Context, url, name, value string) error {
	_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: name, Value: value, URL: url})
	return err
}
