package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/coding"
	"foidesk/store/storetest"
)

// codingFixture is a database with a sent survey of four authorities,
// each of which replied with a document.
func codingFixture(t *testing.T) (db string) {
	t.Helper()
	ctx := context.Background()
	db = filepath.Join(t.TempDir(), "f.db")
	st, err := store.Open(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	reqs, err := storetest.SendSurvey(ctx, st, storetest.Survey{Name: "recording", Authorities: 4})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range reqs {
		if _, _, err := storetest.Reply(ctx, st, r, uint32(i+1), "Re: FOI", []storetest.ReplyDoc{{Filename: "p.pdf", Text: "policy"}}); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func TestCodebookShowSetAndReviewStats(t *testing.T) {
	db := codingFixture(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "none.toml"), nil, 0o644)
	cli := func(args ...string) (string, string, int) {
		return runCLI(t, append([]string{"--config", filepath.Join(dir, "none.toml"), "--db", db}, args...)...)
	}
	out, errOut, code := cli("codebook", "show", "recording")
	if code != 0 || !strings.Contains(out, `name = 'prohibits-recording'`) || !strings.Contains(out, `'mobile phone'`) {
		t.Fatalf("show: %d\n%s%s", code, out, errOut)
	}
	file := filepath.Join(dir, "cb.toml")
	bad := strings.Replace(out, `key = '2'`, `key = '1'`, 1)
	bad = strings.Replace(bad, `label = 'refused'`, `label = 'refusal'`, 1)
	os.WriteFile(file, []byte(bad), 0o644)
	_, errOut, code = cli("codebook", "set", "recording", file)
	if code != 1 || !strings.Contains(errOut, file+":") || !strings.Contains(errOut, `duplicate shortcut "1"`) || !strings.Contains(errOut, `unknown label "refusal"`) {
		t.Fatalf("bad file: %d\n%s", code, errOut)
	}
	for _, l := range strings.Split(strings.TrimSpace(errOut), "\n") {
		if !strings.HasPrefix(l, "foidesk: "+file+":") && !strings.HasPrefix(l, file+":") {
			t.Errorf("error line without file:line: %q", l)
		}
	}
	if again, _, _ := cli("codebook", "show", "recording"); again != out {
		t.Fatal("a refused file changed the codebook")
	}
	good := strings.Replace(out, "double_coding = false", "double_coding = true", 1)
	os.WriteFile(file, []byte(good), 0o644)
	if out, errOut, code := cli("codebook", "set", "recording", file); code != 0 || !strings.Contains(out, "double coding on") {
		t.Fatalf("set: %d\n%s%s", code, out, errOut)
	}

	out, _, code = cli("review", "stats", "recording")
	if code != 0 || !strings.Contains(out, "4 documents, 0 coded, 4 not yet (double coding on)") || !strings.Contains(out, "not enough double-coded documents") {
		t.Fatalf("stats: %d\n%s", code, out)
	}
	// Two reviewers code every document; they disagree on one. ana:
	// no-policy, consent, no-policy, consent; bob: the same but unclear
	// last. po = 3/4; pe = ½·½ (no-policy) + ½·¼ (consent) = 3/8; kappa
	// = (3/4 − 3/8) / (5/8) = 0.6.
	ctx := context.Background()
	st, err := store.Open(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := campaign.New(st).ByName(ctx, "recording")
	cs := coding.New(st)
	for i := range 4 {
		for _, who := range []string{"ana", "bob"} {
			it, err := cs.Next(ctx, c.ID, who, coding.DefaultLease)
			if err != nil || it == nil {
				t.Fatal(it, err)
			}
			label := []string{"no-policy", "consent-required"}[i%2]
			if who == "bob" && i == 3 {
				label = "unclear"
			}
			if _, err := cs.Code(ctx, coding.Input{ReviewID: it.ReviewID, Reviewer: who, Labels: []string{label}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	st.Close()
	out, _, code = cli("review", "stats", "recording")
	if code != 0 || !strings.Contains(out, "3 coded, 1 not yet") || !strings.Contains(out, "1 awaiting an admin's resolution") ||
		!strings.Contains(out, "agreement over 4 double-coded documents: kappa 0.600") {
		t.Fatalf("stats: %d\n%s", code, out)
	}
	out, _, code = cli("review", "stats", "recording", "--json")
	var js struct {
		Campaign  string `json:"campaign"`
		Coded     int    `json:"coded"`
		Agreement struct {
			DoubleCoded int     `json:"double_coded"`
			Kappa       float64 `json:"kappa"`
			Defined     bool    `json:"defined"`
		} `json:"agreement"`
	}
	if err := json.Unmarshal([]byte(out), &js); err != nil || code != 0 || js.Campaign != "recording" || js.Coded != 3 || js.Agreement.DoubleCoded != 4 || !js.Agreement.Defined {
		t.Fatalf("json: %v %+v\n%s", err, js, out)
	}
}
