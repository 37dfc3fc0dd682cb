package web

import (
	"html/template"
	"net/http"

	"shangji/internal/app"
)

// The full UI arrives with its own issue; until then the root page says what
// runs here, and /setup lets the first admin in.
var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>商机 Shangji</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1f2937}
input{display:block;width:100%;padding:.5rem;margin:.25rem 0 1rem;box-sizing:border-box}button{padding:.5rem 1rem}
.err{color:#b91c1c}</style></head><body>
<h1>商机 Shangji</h1>
{{if .Setup}}
<p>创建第一个管理员账号 · Create the first admin account</p>
{{if .Error}}<p class="err">{{.Error}}</p>{{end}}
<form method="post" action="/setup">
<input type="hidden" name="token" value="{{.Token}}">
<label>姓名 Name<input name="name" required></label>
<label>邮箱 E-mail<input name="email" type="email" required></label>
<label>密码 Password (≥ 10)<input name="password" type="password" minlength="10" required></label>
<button>创建 Create</button></form>
{{else if .Done}}<p>管理员已创建。Admin created: {{.Done}}. 使用 <code>shangji token create --email {{.Done}}</code> 获取 API 令牌。</p>
{{else}}<p>销售机会与销售漏斗管理。Sales-opportunity and funnel management.</p>
<p>API: <a href="/openapi.json">/openapi.json</a> · <a href="/healthz">/healthz</a></p>{{end}}
</body></html>`))

type pageData struct {
	Setup       bool
	Token       string
	Error, Done string
}

func registerPages(mux *http.ServeMux, a *app.App) {
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		_ = page.Execute(w, pageData{})
	})
	mux.HandleFunc("GET /setup", func(w http.ResponseWriter, r *http.Request) {
		_ = page.Execute(w, pageData{Setup: true, Token: r.URL.Query().Get("token")})
	})
	mux.HandleFunc("POST /setup", func(w http.ResponseWriter, r *http.Request) {
		in := app.UserInput{Name: r.FormValue("name"), Email: r.FormValue("email"), Password: r.FormValue("password")}
		u, err := a.CompleteSetup(r.Context(), r.FormValue("token"), in)
		if err != nil {
			w.WriteHeader(http.StatusUnprocessableEntity)
			_ = page.Execute(w, pageData{Setup: true, Token: r.FormValue("token"), Error: err.Error()})
			return
		}
		_ = page.Execute(w, pageData{Done: u.Email})
	})
}
