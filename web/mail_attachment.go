package web

import (
	"errors"
	"net/http"
	"strconv"

	"foidesk/store"
)

// mailAttachment downloads one attachment of a message, by its place in
// the message, through ServeAttachment: a safe filename, an allowed type,
// never shown in the page.
func (a *App) mailAttachment(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	seq, err := strconv.Atoi(r.PathValue("seq"))
	if !ok || err != nil || seq <= 0 {
		a.notFound(w, r)
		return
	}
	list, err := a.mail.MessageAttachments(r.Context(), id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		a.serverError(w, r, err)
		return
	}
	for _, at := range list {
		if at.Seq != seq {
			continue
		}
		f, err := a.openStored(at.SHA256)
		if err != nil {
			a.fail(w, r, http.StatusNotFound, "That attachment's file is not in the data directory.")
			return
		}
		defer f.Close()
		name := at.Filename
		if name == "" {
			name = "attachment-" + strconv.Itoa(seq)
		}
		ServeAttachment(w, r, name, at.ContentType, timeZero, f)
		return
	}
	a.notFound(w, r)
}
