package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

// Static files are embedded, so `go run ./cmd/shangji serve` needs no build
// step and nothing loads from a CDN. Each is served under a URL holding its
// content hash and cached for a year: a new release changes the URL, never
// the bytes behind an old one.
//
//go:embed static
var staticFS embed.FS

type asset struct {
	body, gz []byte
	ctype    string
	hash     string
}

var assets = loadAssets()

func loadAssets() map[string]*asset {
	out := map[string]*asset{}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a := &asset{body: b, hash: hex.EncodeToString(sum[:6]), ctype: mime.TypeByExtension(path.Ext(p))}
		if a.ctype == "" {
			a.ctype = "text/plain; charset=utf-8"
		}
		// Compressed once at start: echarts is 1.1 MB raw, about a third
		// gzipped, which matters to a rep on a phone.
		if strings.HasSuffix(p, ".js") || strings.HasSuffix(p, ".css") {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			_, _ = zw.Write(b)
			_ = zw.Close()
			a.gz = buf.Bytes()
		}
		out[strings.TrimPrefix(p, "static/")] = a
		return nil
	})
	if err != nil {
		panic(err)
	}
	return out
}

// assetURL is the content-hashed URL of a static file (templates: {{asset "app.css"}}).
func assetURL(name string) string {
	a, ok := assets[name]
	if !ok {
		panic("no static file " + name)
	}
	return "/static/" + a.hash + "/" + name
}

func serveAsset(w http.ResponseWriter, r *http.Request) {
	a, ok := assets[r.PathValue("name")]
	if !ok || r.PathValue("hash") != a.hash {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Vary", "Accept-Encoding")
	body := a.body
	if a.gz != nil && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		body = a.gz
	}
	_, _ = w.Write(body)
}
