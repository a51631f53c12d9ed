package web

import (
	"net/http"
)

// documentOriginal downloads the file a document was extracted from,
// named as it first arrived, through ServeAttachment. A document made
// from a message's text has no file: its original is the message.
func (a *App) documentOriginal(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.notFound(w, r)
		return
	}
	sum, _, err := a.docs.Get(r.Context(), id)
	if a.lookupFailed(w, r, err, "") {
		return
	}
	for _, s := range sum.Sources {
		if s.AttachmentID == 0 {
			continue
		}
		list, err := a.mail.MessageAttachments(r.Context(), s.MessageID)
		if err != nil {
			a.serverError(w, r, err)
			return
		}
		for _, at := range list {
			if at.ID != s.AttachmentID {
				continue
			}
			f, err := a.openStored(at.SHA256)
			if err != nil {
				a.fail(w, r, http.StatusNotFound, "The original file is not in the data directory.")
				return
			}
			defer f.Close()
			name := s.Filename
			if name == "" {
				name = "document-" + itoa(id)
			}
			ServeAttachment(w, r, name, at.ContentType, timeZero, f)
			return
		}
	}
	for _, s := range sum.Sources {
		http.Redirect(w, r, "/mail/"+itoa(s.MessageID), http.StatusSeeOther)
		return
	}
	a.notFound(w, r)
}
