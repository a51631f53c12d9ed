package web

import (
	"errors"
	"io/fs"
	"net/http"
	"strconv"

	"foidesk/store"
)

// reviewOriginal downloads the file a queue entry's document was
// extracted from, as an attachment (ServeAttachment), never shown in the
// page.
func (a *App) reviewOriginal(w http.ResponseWriter, r *http.Request) {
	c, ok := a.reviewCampaign(w, r)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		a.notFound(w, r)
		return
	}
	it, err := a.coding.Item(r.Context(), id, "")
	if errors.Is(err, store.ErrNotFound) || (err == nil && it.CampaignID != c.ID) {
		a.notFound(w, r)
		return
	}
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	if it.OriginalSHA == "" || a.opts.Originals == nil {
		a.fail(w, r, http.StatusNotFound, "The original file is not available here: the document is the message's own text, or this server has no access to the stored files.")
		return
	}
	f, err := a.opts.Originals.Open(it.OriginalSHA)
	if errors.Is(err, fs.ErrNotExist) {
		a.fail(w, r, http.StatusNotFound, "The original file is missing from the file store.")
		return
	}
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	defer f.Close()
	name := it.Filename
	if name == "" {
		name = "document"
	}
	ServeAttachment(w, r, name, it.ContentType, it.SentDate, f)
}
