package web

import (
	"html/template"
	"net/http"

	"foidesk/store/document"
	"foidesk/store/mail"
)

type messageData struct {
	mail.Detail
	Text        template.HTML // the readable text, escaped
	Headers     rawHeaders    // recipients, read from the raw message
	RawProblem  string        // why the raw message could not be read
	Formatted   bool          // "show formatted" was asked for
	HTML        template.HTML // the HTML part, sanitised; only when Formatted
	NoHTML      bool          // Formatted, and the message has no HTML part
	Attachments []document.AttachmentDocument
	BodyDoc     int64 // the document made from its text; 0: none
	Kinds       []string
	Requests    requestChoices
}

// mailMessage shows one message as a reviewer reads it: its headers, its
// kind and match with the reasons, its text, its attachments with their
// extraction, and the actions on it. The HTML part is shown only when
// asked for (?formatted=1), sanitised, with nothing loaded from elsewhere.
func (a *App) mailMessage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.notFound(w, r)
		return
	}
	a.renderMessage(w, r, id, http.StatusOK, mailMessages[r.URL.Query().Get("done")])
}

func (a *App) renderMessage(w http.ResponseWriter, r *http.Request, id int64, status int, message string) {
	ctx := r.Context()
	det, err := a.mail.MessageDetail(ctx, id)
	if a.lookupFailed(w, r, err, "") {
		return
	}
	d := messageData{Detail: det, Text: TextHTML(det.Body, nil), Kinds: mail.Kinds, Formatted: r.URL.Query().Get("formatted") == "1"}
	if f, err := a.openStored(det.SHA256); err != nil {
		d.RawProblem = "the raw message is not in the data directory"
	} else {
		d.Headers, err = readRawHeaders(f)
		if err != nil {
			d.RawProblem = "the raw message's header could not be read"
		}
		if d.Formatted {
			if _, err := f.Seek(0, 0); err == nil {
				html, err := readHTMLPart(f)
				switch {
				case err != nil && html == "":
					d.RawProblem = "the HTML part could not be read"
				case html == "":
					d.NoHTML = true
				default:
					d.HTML = sanitizeForPage(html)
				}
			}
		}
		f.Close()
	}
	if d.Attachments, err = a.docs.MessageAttachments(ctx, id); err != nil {
		a.serverError(w, r, err)
		return
	}
	if d.BodyDoc, err = a.docs.BodyDocument(ctx, id); err != nil {
		a.serverError(w, r, err)
		return
	}
	if !det.Dismissed {
		// The sender's authorities' requests (as many as the list
		// holds) come first in the list.
		_, first, err := a.senderRequests(r, []string{det.From}, maxChoices)
		if err != nil {
			a.serverError(w, r, err)
			return
		}
		if d.Requests, err = a.requestChoices(r, first); err != nil {
			a.serverError(w, r, err)
			return
		}
	}
	title := det.Subject
	if title == "" {
		title = "Message " + itoa(id)
	}
	a.render(w, r, status, "mail_message", page{Title: title, Message: message, Data: d})
}
