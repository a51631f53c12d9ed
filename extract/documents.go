package extract

import (
	"context"
	"errors"
	"fmt"
	"os"

	"foidesk/store"
	"foidesk/store/document"
	"foidesk/store/mail"
)

// DocumentStore is what turning stored mail into documents needs from the
// store; store/document's Store is the one foidesk uses.
type DocumentStore interface {
	// The work: attachments and response bodies that are not documents
	// yet, and a body again when re-extracting.
	PendingAttachments(ctx context.Context, after int64, limit int) ([]mail.Attachment, error)
	PendingBodies(ctx context.Context, after int64, limit int) ([]document.PendingBody, error)
	MessageBody(ctx context.Context, messageID int64) (string, error)
	// How many of a message's attachments are in the review queue.
	QueuedAttachments(ctx context.Context, messageID int64) (int, error)
	// Near-duplicates from other authorities.
	MessageAuthority(ctx context.Context, messageID int64) (int64, error)
	// The documents whose signature shares a locality-sensitive band
	// with minhash: every one that can reach SimilarEnough, found by
	// indexed lookups rather than by reading the corpus.
	Candidates(ctx context.Context, minhash []byte) ([]document.Signature, error)
	// The documents.
	Find(ctx context.Context, origin, sha string) (int64, error)
	Save(ctx context.Context, d document.Input, src document.Source, substantive bool) (document.Saved, error)
	UpdateExtraction(ctx context.Context, id int64, d document.Input) error
	List(ctx context.Context, f document.Filter) ([]document.Summary, error)
	// Each streams the documents f selects, oldest first, a batch at a
	// time; fn may write.
	Each(ctx context.Context, f document.Filter, fn func(document.Summary) error) (bool, error)
}

// Blob locates a stored attachment's bytes by SHA-256.
type Blob interface {
	Path(sum string) string
}

// Item is one file to turn into a document: an attachment as ingest stored
// it. Other callers (a web upload, say) fill in the same fields.
type Item struct {
	SHA256       string
	Filename     string
	MessageID    int64
	AttachmentID int64
	Kind         string // the message's triage kind; only answers (lifecycle.IsResponse) are queued for review
}

// Progress reports one processed item; the CLI prints it.
type Progress struct {
	Item       Item
	DocumentID int64
	Created    bool // false: an identical file was already extracted
	Queued     bool
	Capped     bool // not queued: its message reached document.MaxQueuedPerMessage
	Status     Status
	Reason     string
	SimilarTo  int64
	Similarity float64
}

// ProcessPending extracts every attachment and response body not yet a
// document, links identical files, flags near-duplicates from other
// authorities, and queues documents for review by the rule in review.go.
// Attachments go first, so that a body is judged knowing whether its
// message's attachments were queued.
func (x *Extractor) ProcessPending(ctx context.Context, st DocumentStore, blobs Blob, report func(Progress)) error {
	// A page at a time, by id: what is done is no longer pending, and
	// what arrives meanwhile comes on a later page.
	for after := int64(0); ; {
		atts, err := st.PendingAttachments(ctx, after, store.Batch)
		if err != nil {
			return err
		}
		if len(atts) == 0 {
			break
		}
		items := make([]Item, 0, len(atts))
		for _, a := range atts {
			items = append(items, Item{SHA256: a.SHA256, Filename: a.Filename, MessageID: a.MessageID, AttachmentID: a.ID, Kind: a.Kind})
		}
		if err := x.ProcessItems(ctx, st, blobs, items, report); err != nil {
			return err
		}
		after = atts[len(atts)-1].ID
	}
	for after := int64(0); ; {
		bodies, err := st.PendingBodies(ctx, after, store.Batch)
		if err != nil {
			return err
		}
		if len(bodies) == 0 {
			return nil
		}
		after = bodies[len(bodies)-1].MessageID
		if err := x.processBodies(ctx, st, bodies, report); err != nil {
			return err
		}
	}
}

// processBodies makes documents of a page of pending message bodies.
func (x *Extractor) processBodies(ctx context.Context, st DocumentStore, bodies []document.PendingBody, report func(Progress)) error {
	for _, b := range bodies {
		p, err := x.processBody(ctx, st, b)
		if err != nil {
			return err
		}
		if report != nil {
			report(p)
		}
	}
	return nil
}

// ProcessItems turns a list of stored files into documents. An item whose
// bytes were already extracted (same SHA-256) is linked, not re-extracted.
func (x *Extractor) ProcessItems(ctx context.Context, st DocumentStore, blobs Blob, items []Item, report func(Progress)) error {
	for _, it := range items {
		p := Progress{Item: it}
		id, err := st.Find(ctx, document.FromAttachment, it.SHA256)
		if err != nil {
			return err
		}
		in := document.Input{Origin: document.FromAttachment, SHA256: it.SHA256}
		var queue bool
		if id != 0 {
			// Already extracted: judged by what that extraction found.
			found, err := st.List(ctx, document.Filter{ID: id})
			if err != nil {
				return err
			}
			if len(found) == 1 {
				in.Type, in.Words = found[0].Type, found[0].Words
			}
			queue = queueAttachment(it.Kind, in.Type, in.Words)
		} else {
			path := blobs.Path(it.SHA256)
			var res Result
			if _, serr := os.Stat(path); serr != nil {
				res = Result{Status: StatusFailed, Reason: fmt.Sprintf("the stored attachment is missing (%s): %v", path, serr)}
			} else if res, err = x.Extract(ctx, path); err != nil {
				return err
			}
			in, err = x.documentInput(ctx, st, document.FromAttachment, it.SHA256, it.MessageID, res, 0)
			if err != nil {
				return err
			}
			queue = queueAttachment(it.Kind, res.Type, in.Words)
		}
		saved, err := st.Save(ctx, in, document.Source{MessageID: it.MessageID, AttachmentID: it.AttachmentID, Filename: it.Filename}, queue)
		if err != nil {
			return err
		}
		p.DocumentID, p.Created, p.Queued, p.Capped = saved.DocumentID, saved.Created, saved.Queued, saved.Capped
		p.Status, p.Reason, p.SimilarTo, p.Similarity = Status(in.Status), in.Reason, in.SimilarTo, in.Similarity
		if report != nil {
			report(p)
		}
	}
	return nil
}

func (x *Extractor) processBody(ctx context.Context, st DocumentStore, b document.PendingBody) (Progress, error) {
	res := Result{Type: "email-body", Status: StatusOK, Engine: EngineGo, Pages: []Page{{Number: 1, Text: Normalize(b.Body)}}}
	in, err := x.documentInput(ctx, st, document.FromBody, b.SHA256, b.MessageID, res, 0)
	if err != nil {
		return Progress{}, err
	}
	queued, err := st.QueuedAttachments(ctx, b.MessageID)
	if err != nil {
		return Progress{}, err
	}
	saved, err := st.Save(ctx, in, document.Source{MessageID: b.MessageID, Filename: "(message body)"}, queueBody(b.Kind, b.Body, queued > 0))
	if err != nil {
		return Progress{}, err
	}
	return Progress{Item: Item{SHA256: b.SHA256, Filename: "(message body)", MessageID: b.MessageID, Kind: b.Kind},
		DocumentID: saved.DocumentID, Created: saved.Created, Queued: saved.Queued, Status: StatusOK,
		SimilarTo: in.SimilarTo, Similarity: in.Similarity}, nil
}

// documentInput turns a result into what the store keeps, with the
// near-duplicate from another authority, if any. self is the document's
// own id when re-extracting, so it is not its own duplicate.
func (x *Extractor) documentInput(ctx context.Context, st DocumentStore, origin, sha string, messageID int64, res Result, self int64) (document.Input, error) {
	text := res.Text()
	if int64(len(text)) > x.opts.Limits.MaxTextBytes {
		text = text[:x.opts.Limits.MaxTextBytes]
		res.Notes = append(res.Notes, fmt.Sprintf("text cut at %d bytes", x.opts.Limits.MaxTextBytes))
	}
	in := document.Input{
		Origin: origin, SHA256: sha, Type: res.Type, Status: string(res.Status), Reason: res.Reason, Engine: res.Engine,
		Pages: len(res.Pages), Words: WordCount(text), Text: text,
		Detail: documentDetail(res), MinHash: MinHash(text),
	}
	if in.MinHash == nil {
		return in, nil
	}
	auth, err := st.MessageAuthority(ctx, messageID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return in, err
	}
	cands, err := st.Candidates(ctx, in.MinHash)
	if err != nil {
		return in, err
	}
	in.SimilarTo, in.Similarity = mostSimilar(in.MinHash, cands, self, auth)
	return in, nil
}

// mostSimilar picks, among sigs, the most similar document at or above
// SimilarEnough from another authority than auth (0: unknown), other than
// self; the lowest id wins a tie. 0 when there is none.
func mostSimilar(minhash []byte, sigs []document.Signature, self, auth int64) (int64, float64) {
	var id int64
	var best float64
	for _, s := range sigs {
		if s.ID == self || (auth != 0 && contains(s.Authorities, auth)) {
			continue // the same authority's own copies are not a shared model
		}
		if sim := Similarity(minhash, s.MinHash); sim >= SimilarEnough && sim > best {
			id, best = s.ID, sim
		}
	}
	return id, best
}

func contains(ids []int64, id int64) bool {
	for _, v := range ids {
		if v == id {
			return true
		}
	}
	return false
}

// documentDetail is what the store keeps beside the text.
func documentDetail(res Result) map[string]any {
	d := map[string]any{"timings": res.Timings}
	if len(res.Notes) > 0 {
		d["notes"] = res.Notes
	}
	if len(res.Members) > 0 {
		d["members"] = res.Members
	}
	var origins []map[string]any
	for _, p := range res.Pages {
		if p.Origin != "" || p.OCR {
			origins = append(origins, map[string]any{"page": p.Number, "origin": p.Origin, "ocr": p.OCR})
		}
	}
	if len(origins) > 0 {
		d["pages"] = origins
	}
	return d
}

// Reextract extracts documents again (all, or those with one status), after
// tesseract or antiword was installed or foidesk improved. It reports each
// document's new outcome.
func (x *Extractor) Reextract(ctx context.Context, st DocumentStore, blobs Blob, status string, report func(Progress)) error {
	_, err := st.Each(ctx, document.Filter{Status: status}, func(d document.Summary) error {
		return x.reextractOne(ctx, st, blobs, d, report)
	})
	return err
}

// reextractOne extracts document d again and records the new outcome.
func (x *Extractor) reextractOne(ctx context.Context, st DocumentStore, blobs Blob, d document.Summary, report func(Progress)) error {
	if len(d.Sources) == 0 {
		return nil
	}
	src := d.Sources[0]
	var res Result
	switch d.Origin {
	case document.FromBody:
		body, err := st.MessageBody(ctx, src.MessageID)
		if err != nil {
			return err
		}
		res = Result{Type: "email-body", Status: StatusOK, Engine: EngineGo, Pages: []Page{{Number: 1, Text: Normalize(body)}}}
	default:
		path := blobs.Path(d.SHA256)
		if _, serr := os.Stat(path); serr != nil {
			res = Result{Status: StatusFailed, Reason: fmt.Sprintf("the stored attachment is missing (%s): %v", path, serr)}
		} else {
			var err error
			if res, err = x.Extract(ctx, path); err != nil {
				return err
			}
		}
	}
	in, err := x.documentInput(ctx, st, d.Origin, d.SHA256, src.MessageID, res, d.ID)
	if err != nil {
		return err
	}
	if err := st.UpdateExtraction(ctx, d.ID, in); err != nil {
		return err
	}
	if report != nil {
		report(Progress{Item: Item{SHA256: d.SHA256, Filename: src.Filename, MessageID: src.MessageID, AttachmentID: src.AttachmentID},
			DocumentID: d.ID, Status: Status(in.Status), Reason: in.Reason, SimilarTo: in.SimilarTo, Similarity: in.Similarity})
	}
	return nil
}
