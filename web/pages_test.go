package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"foidesk/store/storetest"
)

func TestHomeListsCampaignsAndTheUser(t *testing.T) {
	f := newFixture(t, Options{})
	c, _ := f.signIn("bob")
	if w := f.do(req{target: "/", cookies: []*http.Cookie{c}}); !strings.Contains(w.Body.String(), "no campaigns yet") {
		t.Fatalf("empty home:\n%s", w.Body)
	}
	if _, err := storetest.Send(context.Background(), f.st, storetest.SentRequest{
		AuthorityName: "Borsetshire <County> Council", AuthorityEmail: "foi@borsetshire.example"}); err != nil {
		t.Fatal(err)
	}
	w := f.do(req{target: "/", cookies: []*http.Cookie{c}})
	body := w.Body.String()
	if w.Code != 200 || !strings.Contains(body, "Signed in as <strong>bob</strong>") || !strings.Contains(body, "fixture-") ||
		!strings.Contains(body, `<span class="count">sent 1</span>`) {
		t.Fatalf("home:\n%s", body)
	}
	if strings.Contains(body, `href="/admin/users"`) {
		t.Fatal("the users link is shown to a non-admin")
	}
}

func TestAdminAddsAndDisablesUsers(t *testing.T) {
	f := newFixture(t, Options{})
	admin, tok := f.signIn("ana")
	post := func(path string, form url.Values) *http.Response {
		form.Set("csrf", tok)
		return f.do(req{method: "POST", target: path, cookies: []*http.Cookie{admin}, form: form}).Result()
	}
	if r := post("/admin/users", url.Values{"name": {"cat"}, "password": {"short"}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("short password: %d", r.StatusCode)
	}
	if r := post("/admin/users", url.Values{"name": {"BOB"}, "password": {testPassword}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("existing name: %d", r.StatusCode)
	}
	if r := post("/admin/users", url.Values{"name": {"cat"}, "password": {testPassword}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("add: %d", r.StatusCode)
	}
	cat, _ := f.signIn("cat")
	if r := post("/admin/users/cat/disable", url.Values{}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", r.StatusCode)
	}
	if w := f.do(req{target: "/", cookies: []*http.Cookie{cat}}); w.Code != http.StatusSeeOther {
		t.Fatalf("a disabled user's session still works: %d", w.Code)
	}
	if r := post("/admin/users/ana/disable", url.Values{}); r.StatusCode != http.StatusConflict {
		t.Fatalf("disabling the last admin: %d", r.StatusCode)
	}
	if r := post("/admin/users/nobody/disable", url.Values{}); r.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown user: %d", r.StatusCode)
	}
	w := f.do(req{target: "/admin/users?done=disabled", cookies: []*http.Cookie{admin}})
	if !strings.Contains(w.Body.String(), `<tr class="disabled">`) || !strings.Contains(w.Body.String(), "disabled and signed out") {
		t.Fatalf("users page:\n%s", w.Body)
	}
	evs, _ := f.st.Events(context.Background(), storeFilter("user.disabled"))
	if len(evs) != 1 || !strings.Contains(string(evs[0].Detail), `"by":"ana"`) || !strings.Contains(string(evs[0].Detail), `"user":"cat"`) {
		t.Fatalf("event: %+v", evs)
	}
}

func TestAccountListsAndRevokesOwnSessionsOnly(t *testing.T) {
	f := newFixture(t, Options{})
	c1, tok1 := f.signIn("bob")
	c2, _ := f.signIn("bob")
	other, _ := f.signIn("ana")
	w := f.do(req{target: "/account", cookies: []*http.Cookie{c1}})
	if n := strings.Count(w.Body.String(), "/revoke"); n != 1 || !strings.Contains(w.Body.String(), "this browser") {
		t.Fatalf("account page: %d revoke forms\n%s", n, w.Body)
	}
	ids := sessionIDs(t, f)
	// ana's session is not bob's to end.
	if w := f.do(req{method: "POST", target: "/account/sessions/" + ids["ana"] + "/revoke", cookies: []*http.Cookie{c1}, form: url.Values{"csrf": {tok1}}}); w.Code != http.StatusNotFound {
		t.Fatalf("revoking another user's session: %d", w.Code)
	}
	if w := f.do(req{target: "/", cookies: []*http.Cookie{other}}); w.Code != 200 {
		t.Fatal("ana's session ended")
	}
	if w := f.do(req{method: "POST", target: "/account/sessions/" + ids["bob2"] + "/revoke", cookies: []*http.Cookie{c1}, form: url.Values{"csrf": {tok1}}}); w.Code != http.StatusSeeOther {
		t.Fatalf("revoke: %d", w.Code)
	}
	if w := f.do(req{target: "/", cookies: []*http.Cookie{c2}}); w.Code != http.StatusSeeOther {
		t.Fatal("a revoked session still works")
	}
}
