package ingest

import (
	"context"

	"github.com/emersion/go-imap/v2/imapclient"

	"foidesk/mailconn"
)

// session is one logged-in connection (see mailconn.IMAPConn), and word
// of new mail arriving while it idles.
type session struct {
	*mailconn.IMAPConn
	updates chan struct{} // a new message arrived while idling
}

func (sy *Syncer) dial(ctx context.Context) (*session, error) {
	sess := &session{updates: make(chan struct{}, 1)}
	conn, err := mailconn.DialIMAP(ctx, sy.Cfg.server(), mailconn.IMAPOptions{
		UnilateralData: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case sess.updates <- struct{}{}:
					default:
					}
				}
			},
		},
	})
	if err != nil {
		return nil, err
	}
	sess.IMAPConn = conn
	return sess, nil
}
