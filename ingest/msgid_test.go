package ingest

import (
	"context"
	"os"
	"testing"

	"foidesk/ingest/imaptest"
	"foidesk/store"
	"foidesk/store/document"
	"foidesk/store/mail"
)

const pdfReusedID = "%PDF-1.4\n% Highcliff Council: policy on recording meetings with social workers\n%%EOF\n"

// reusedIDAck and reusedIDResponse are what a council's casework system sent:
// an acknowledgement and then the response with its PDF, both under one
// Message-ID.
func reusedIDAck() []byte {
	return []byte("From: foi@highcliff.gov.uk\r\nTo: jo@campaign.example\r\n" +
		"Subject: Acknowledgement - Freedom of Information request [ref: D5GS8HXB]\r\n" +
		"Date: Mon, 2 Nov 2026 10:06:00 +0000\r\nMessage-ID: <x@council>\r\nAuto-Submitted: auto-generated\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Thank you for your request for information, which we received on 2 November 2026.\r\n" +
		"We will respond promptly and in any event within 20 working days of receipt.\r\n")
}

func reusedIDResponse() []byte {
	return []byte("From: foi@highcliff.gov.uk\r\nTo: jo@campaign.example\r\n" +
		"Subject: Response - Freedom of Information request [ref: D5GS8HXB]\r\n" +
		"Date: Mon, 23 Nov 2026 15:30:00 +0000\r\nMessage-ID: <x@council>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
		"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Please find attached our response to your request, with the policy you asked for.\r\n" +
		"--b1\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"policy.pdf\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + b64lines([]byte(pdfReusedID)) + "\r\n--b1--\r\n")
}

// TestReusedMessageIDBothStored: an acknowledgement and the real response
// share a Message-ID, as councils' systems sometimes make them. Both are
// stored and matched, the response's PDF is recorded for extraction, the
// request is replied, and a reparse keeps both as they are.
func TestReusedMessageIDBothStored(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	srv := imaptest.Start(t, false, "INBOX", "Archive")
	imaptest.Append(t, srv.Addr(), "INBOX", reusedIDAck(), reusedIDResponse())
	st, err := syncerFor(env, srv, "INBOX").SyncOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Stored != 2 || st.Duplicates != 0 || st.Matched != 2 {
		t.Fatalf("sync: %+v, want 2 stored and matched, none already stored", st)
	}
	check := func(when string) {
		t.Helper()
		ms, err := env.mail.Messages(ctx, mail.MessageFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 2 {
			t.Fatalf("%s: %d messages stored, want 2", when, len(ms))
		}
		kinds := map[string]mail.MessageSummary{}
		for _, m := range ms {
			if m.MessageID != "x@council" || m.RequestRef == nil || *m.RequestRef != "D5GS8HXB" {
				t.Errorf("%s: message %d: Message-ID %q, matched %v", when, m.ID, m.MessageID, m.RequestRef)
			}
			if !env.blobs.Has(m.SHA256) {
				t.Errorf("%s: message %d: raw blob missing", when, m.ID)
			}
			kinds[m.Kind] = m
		}
		if _, ok := kinds[mail.KindAck]; !ok {
			t.Errorf("%s: no acknowledgement among %+v", when, ms)
		}
		resp, ok := kinds[mail.KindResponse]
		if !ok {
			t.Fatalf("%s: no response among %+v", when, ms)
		}
		atts, err := env.mail.MessageAttachments(ctx, resp.ID)
		if err != nil || len(atts) != 1 || atts[0].Filename != "policy.pdf" {
			t.Fatalf("%s: response attachments %+v %v", when, atts, err)
		}
		if got, err := os.ReadFile(env.blobs.Path(atts[0].SHA256)); err != nil || string(got) != pdfReusedID {
			t.Errorf("%s: attachment bytes %q %v", when, got, err)
		}
		// What extraction takes next: the PDF is waiting for it.
		pending, err := document.New(env.st).PendingAttachments(ctx, 0, 1000)
		if err != nil || len(pending) != 1 || pending[0].ID != atts[0].ID {
			t.Errorf("%s: pending for extraction %+v %v, want the response's PDF", when, pending, err)
		}
		if status, _ := requestState(t, env, "D5GS8HXB"); status != store.StatusReplied {
			t.Errorf("%s: request %s, want %s", when, status, store.StatusReplied)
		}
	}
	check("after ingest")

	rs, err := env.proc.Reparse(ctx)
	if err != nil || rs.Messages != 2 || rs.Changed != 0 {
		t.Fatalf("reparse: %+v %v, want 2 reparsed, none changed", rs, err)
	}
	check("after reparse")

	// The same bytes filed in another mailbox are already stored.
	imaptest.Append(t, srv.Addr(), "Archive", reusedIDAck(), reusedIDResponse())
	st, err = syncerFor(env, srv, "INBOX", "Archive").SyncOnce(ctx)
	if err != nil || st.Stored != 0 || st.Duplicates != 2 {
		t.Fatalf("with copies in Archive: %+v %v, want 2 already stored", st, err)
	}
	check("after copies in Archive")
}
