package web

import (
	"html/template"
	"net/http"
	"strings"

	"foidesk/store/document"
)

type documentData struct {
	document.Summary
	Text        template.HTML
	Query       string // the search that led here, its words highlighted
	Original    bool   // the original file can be downloaded (an attachment)
	BodyMessage int64  // a body document's message, whose page is its original
}

// documentPage shows a document's extracted text with its page breaks,
// where it came from (each message, attachment, request and authority),
// its extraction status and reason, whether it looks like the same model
// policy as another document, and a link to the original. Words of the
// search that led here (?q=) are highlighted.
func (a *App) documentPage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.notFound(w, r)
		return
	}
	sum, text, err := a.docs.Get(r.Context(), id)
	if a.lookupFailed(w, r, err, "") {
		return
	}
	q := r.URL.Query().Get("q")
	if len(q) > document.MaxQueryLen {
		q = ""
	}
	d := documentData{Summary: sum, Query: q, Text: TextHTML(text, queryHighlighter(q))}
	for _, s := range sum.Sources {
		if s.AttachmentID != 0 {
			d.Original = true
		} else if d.BodyMessage == 0 {
			d.BodyMessage = s.MessageID
		}
	}
	title := "Document " + itoa(id)
	if len(sum.Sources) > 0 && sum.Sources[0].Filename != "" {
		title = sum.Sources[0].Filename
	}
	a.render(w, r, http.StatusOK, "document", page{Title: title, Data: d})
}

// queryHighlighter marks the words of a search query (not its operators
// or quotes; a trailing * as the word's start).
func queryHighlighter(q string) *Highlighter {
	var words []string
	for _, f := range strings.Fields(strings.NewReplacer(`"`, " ", "(", " ", ")", " ", "*", " ").Replace(q)) {
		switch f {
		case "OR", "AND", "NOT":
			continue
		}
		words = append(words, f)
	}
	if len(words) == 0 {
		return nil
	}
	return NewHighlighter(words)
}
