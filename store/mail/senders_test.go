package mail_test

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"foidesk/store"
	"foidesk/store/mail"
	"foidesk/store/storetest"
)

// OpenRequestsForSenders answers, for many addresses at once, what
// OpenRequestsForSender answers for each.
func TestOpenRequestsForSendersAgreesWithOneByOne(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, f := range []storetest.SentRequest{
		{AuthorityName: "Ashdown Council", AuthorityEmail: "foi@ashdown.gov.uk"},
		{AuthorityName: "Ashdown Housing Trust", AuthorityEmail: "housing@ashdown.gov.uk"}, // the same domain
		{AuthorityName: "Kingsford Council", AuthorityEmail: "FOI@Kingsford.gov.uk"},
		{AuthorityName: "Sub Ashdown Parish", AuthorityEmail: "clerk@parish.ashdown.gov.uk"},
	} {
		if _, err := storetest.Send(ctx, st, f); err != nil {
			t.Fatal(err)
		}
	}
	ms := mail.New(st)
	addrs := []string{"foi@ashdown.gov.uk", "someone@ashdown.gov.uk", "Officer@KINGSFORD.gov.uk", "clerk@parish.ashdown.gov.uk",
		"x@nowhere.example", "not an address", "@", "a@"}
	batch, err := ms.OpenRequestsForSenders(ctx, addrs)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		one, err := ms.OpenRequestsForSender(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if got := batch[strings.ToLower(a)]; !reflect.DeepEqual(got, one) && (len(got) != 0 || len(one) != 0) {
			t.Errorf("%s: batch %v, one by one %v", a, got, one)
		}
	}
	if len(batch["someone@ashdown.gov.uk"]) != 2 || len(batch["officer@kingsford.gov.uk"]) != 1 {
		t.Errorf("batch: %v", batch)
	}
}
