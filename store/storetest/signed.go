package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/mail"
)

// SignedAttachments records n attachments waiting to be extracted, for
// near-duplicate benchmarks: responses from authorities fixture requests
// (created through Send) in turn, each message carrying up to 50
// attachments, every one from its own blob. seed keeps two calls'
// messages apart. It returns the attachments in order.
func SignedAttachments(ctx context.Context, st *store.Store, reqs []campaign.Request, seed string, n int) ([]mail.Attachment, error) {
	ms := mail.New(st)
	var out []mail.Attachment
	for j := 0; len(out) < n; j++ {
		req := reqs[j%len(reqs)]
		id := fmt.Sprintf("signed|%s|%d", seed, j)
		d := mail.Derived{HeaderMessageID: id + "@authority.test", FromAddr: req.ToEmail, Subject: "Re: " + req.Ref,
			BodyText: "Please find our policies attached.", RequestID: req.ID, MatchedBy: "ref", Kind: mail.KindResponse, KindReason: "bench"}
		for a := 0; a < 50 && len(out)+a < n; a++ {
			as := sha256.Sum256([]byte(fmt.Sprintf("%s|%d", id, a)))
			d.Attachments = append(d.Attachments, mail.NewAttachment{Part: fmt.Sprint(a + 2), Filename: fmt.Sprintf("policy-%d.pdf", a),
				ContentType: "application/pdf", Size: 1000, SHA256: hex.EncodeToString(as[:])})
		}
		sum := sha256.Sum256([]byte(id))
		rec, err := ms.RecordMessage(ctx, mail.NewMessage{SHA256: hex.EncodeToString(sum[:]), Size: 500, Derived: d})
		if err != nil {
			return nil, err
		}
		atts, err := ms.MessageAttachments(ctx, rec.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, atts...)
	}
	return out, nil
}
