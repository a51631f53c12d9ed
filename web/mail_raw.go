package web

import (
	"net/http"
)

// mailRaw downloads the message exactly as it was received, as a
// message/rfc822 attachment: never shown in the page.
func (a *App) mailRaw(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.notFound(w, r)
		return
	}
	m, _, err := a.mail.Message(r.Context(), id)
	if a.lookupFailed(w, r, err, "") {
		return
	}
	f, err := a.openStored(m.SHA256)
	if err != nil {
		a.fail(w, r, http.StatusNotFound, "The raw message is not in the data directory.")
		return
	}
	defer f.Close()
	ServeAttachment(w, r, "message-"+itoa(id)+".eml", "message/rfc822", m.ReceivedAt, f)
}
