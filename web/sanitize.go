package web

import (
	"html/template"
	"regexp"

	"github.com/microcosm-cc/bluemonday"
)

// Email HTML from a reply is never shown as sent. Where it must be shown
// (a letter whose layout matters), it goes through mailPolicy first: an
// allowlist of text and table markup and nothing that runs, loads or
// submits. Kept: headings, paragraphs, lists, tables, emphasis, links to
// http(s) and mailto (opened with no referrer, marked nofollow), and
// images whose source is inside the message (cid:) or an inline raster
// image (data:image/png|jpeg|gif|webp). Dropped with their content:
// script and style. Dropped: every other element and attribute
// (event handlers, style, class, id), forms and inputs, meta and base,
// iframes and objects, SVG and MathML, remote images.
//
// cid: images need the review page to point them at the message's parts;
// the app's CSP (img-src 'self') blocks any source left as it is.
var mailPolicy = newMailPolicy(safeImageSrc)

// pagePolicy is mailPolicy without cid: images, for the message page:
// foidesk does not serve a message's inline parts as images (a part's
// declared type is the sender's word, and an image of this origin is one
// more thing to get wrong), so an inline image is shown as its alt text.
var pagePolicy = newMailPolicy(inlineImageSrc)

var (
	safeImageSrc   = regexp.MustCompile(`^(?i:cid:[^\s"'<>]+|data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]+)$`)
	inlineImageSrc = regexp.MustCompile(`^(?i:data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]+)$`)
	safeLink       = regexp.MustCompile(`^(?i:https?://|mailto:)`)
)

func newMailPolicy(imageSrc *regexp.Regexp) *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "div", "span", "b", "i", "u", "s", "strong", "em", "small", "sub", "sup",
		"blockquote", "pre", "code", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
		"ul", "ol", "li", "dl", "dt", "dd",
		"table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "colgroup", "col")
	p.AllowAttrs("colspan", "rowspan").Matching(bluemonday.Integer).OnElements("td", "th")
	p.AllowAttrs("href").Matching(safeLink).OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto", "cid")
	p.AllowDataURIImages()
	p.RequireParseableURLs(true)
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(false)
	p.AllowAttrs("src").Matching(imageSrc).OnElements("img")
	p.AllowAttrs("alt", "title").OnElements("img")
	p.AllowAttrs("width", "height").Matching(bluemonday.Integer).OnElements("img")
	return p
}

// SanitizeHTML makes email HTML inert for showing inside a page.
func SanitizeHTML(html string) template.HTML {
	return template.HTML(mailPolicy.Sanitize(html))
}

// sanitizeForPage is SanitizeHTML for the message page: inline (cid:)
// images become their alt text.
func sanitizeForPage(html string) template.HTML {
	return template.HTML(pagePolicy.Sanitize(html))
}
