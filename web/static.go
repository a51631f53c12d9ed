package web

import (
	"embed"
	"mime"
	"net/http"
	"path"
)

//go:embed static
var staticFiles embed.FS

// static serves the app's own CSS and JavaScript. The files are embedded
// in the binary; nothing is loaded from anywhere else.
func (a *App) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, err := staticFiles.ReadFile("static/" + name)
	if err != nil {
		a.notFound(w, r)
		return
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(b)
}
