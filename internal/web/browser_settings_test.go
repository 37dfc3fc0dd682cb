package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// An admin edits a stage's probability in settings, then imports customers:
// a dry run that lists the failing row, then a clean file checked and
// confirmed. Screenshots 20–24 and 40–42.
func TestBrowserSettingsAndImport(t *testing.T) {
	root := startChromium(t)
	db := storetest.Open(t, store.SQLite)
	s := newSite(t, db, 40)
	ctx := context.Background()
	b := newBrowser(t, root, s.srv.URL, 1440, 900)
	b.signIn(s.demo.Admin.Email)

	t.Run("EditAStageProbability", func(t *testing.T) {
		pls, _ := db.Pipelines(ctx)
		var pl *store.Pipeline
		for _, p := range pls {
			if p.IsDefault {
				pl = p
			}
		}
		st := pl.Stages[1]
		row := "#stage-" + st.Key
		b.do(chromedp.Click(chromedp.CSS("#nav-settings")), chromedp.WaitVisible(chromedp.CSS("#stages")))
		b.shot("20-settings-pipelines")
		b.do(chromedp.Click(chromedp.CSS(row+" summary")), chromedp.WaitVisible(chromedp.CSS(row+` input[name="probability"]`)))
		b.do(chromedp.SetValue(chromedp.CSS(row+` input[name="probability"]`), "35"),
			chromedp.SetValue(chromedp.CSS(row+` input[name="cadence_days"]`), "6"))
		b.do(chromedp.Click(chromedp.CSS(row+" form.stage-form button.primary")), chromedp.WaitVisible(chromedp.CSS("#saved")),
			chromedp.WaitVisible(chromedp.CSS(row+` input[name="probability"]`)))
		got, _ := db.Pipeline(ctx, pl.ID)
		if saved, _ := got.StageByKey(st.Key); saved.Probability != 35 || saved.CadenceDays != 6 {
			t.Fatalf("stage after saving: probability %d, cadence %d", saved.Probability, saved.CadenceDays)
		}
		if v := b.eval(`document.querySelector("` + row + ` input[name=probability]").value`); v != "35" {
			t.Fatalf("the page shows probability %s after saving", v)
		}
		b.shot("21-settings-stage-saved")
	})

	t.Run("OtherSettingsPages", func(t *testing.T) {
		for _, tab := range []struct{ name, wait string }{{"health", "#health-settings"}, {"calendar", "#year-2026"}, {"channels", "#new-channel"}, {"people", "#users"}} {
			b.do(chromedp.Click(chromedp.CSS("#tab-"+tab.name)), chromedp.WaitVisible(chromedp.CSS(tab.wait)))
			if tab.name == "calendar" {
				b.do(chromedp.Click(chromedp.CSS("#year-2026 summary")), chromedp.WaitVisible(chromedp.CSS(`#year-2026 textarea[name="holidays"]`)))
			}
			if tab.name == "health" {
				b.do(chromedp.SetValue(chromedp.CSS(`input[name="need_weight"]`), "45"))
				b.eval(`document.querySelector("input[name=need_weight]").dispatchEvent(new Event("input", {bubbles: true})), ""`)
				if got := b.text("fieldset[data-sum] output.sum"); got != "合计 105" {
					t.Errorf("the weights' sum reads %q", got)
				}
			}
			b.shot("40-settings-" + tab.name)
		}
	})

	t.Run("PhoneAndEnglish", func(t *testing.T) {
		phone := newBrowser(t, root, s.srv.URL, 390, 844)
		phone.signIn(s.demo.Admin.Email)
		phone.do(chromedp.Navigate(s.srv.URL+"/settings/pipelines"), chromedp.WaitVisible(chromedp.CSS("#stages")))
		if w := phone.eval(`String(document.documentElement.scrollWidth)`); w != "390" {
			t.Errorf("the settings page is %spx wide on a 390px phone", w)
		}
		phone.shot("41-settings-phone")
		phone.do(chromedp.Click(chromedp.CSS("#lang-switch")))
		// The switch reloads the page: wait for the new one, not the old.
		var got string
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			// An evaluation during the reload may fail: try again.
			v, err := chromedp.Run(phone.ctx, chromedp.Evaluate[string](`String((document.querySelector("#tab-pipelines") || {}).textContent || "").trim()`))
			if got = v; err == nil && got == "Pipelines & stages" {
				break
			}
		}
		if got != "Pipelines & stages" {
			t.Fatalf("after switching language the tab reads %q", got)
		}
		phone.do(chromedp.Navigate(s.srv.URL+"/imports"), chromedp.WaitVisible(chromedp.CSS("#import-form")))
		phone.shot("42-import-phone-en")
		// The language is the user's: switch back for the other tabs.
		phone.do(chromedp.Click(chromedp.CSS("#lang-switch")), chromedp.WaitVisible(chromedp.CSS("#import-form")))
	})

	t.Run("ImportDryRunThenConfirm", func(t *testing.T) {
		dir := t.TempDir()
		bad := filepath.Join(dir, "客户-有误.csv")
		good := filepath.Join(dir, "客户.csv")
		rows := "客户名称,行业,区域代码,负责人\r\n浏览器导入甲公司,制造,SH," + s.demo.Rep.Email + "\r\n浏览器导入乙公司,金融,BJ,"
		if err := os.WriteFile(bad, []byte(rows+"nobody@nowhere.example\r\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(good, []byte(rows+s.demo.Rep.Email+"\r\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		b.do(chromedp.Navigate(s.srv.URL+"/imports"), chromedp.WaitVisible(chromedp.CSS("#import-form")))
		b.do(chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{bad}), chromedp.Click(chromedp.CSS("#import-check")),
			chromedp.WaitVisible(chromedp.CSS("#import-problems")))
		if got := b.text("#import-problems tbody tr"); !strings.Contains(got, "3") || !strings.Contains(got, "负责人") {
			t.Fatalf("the failing row reads %q", got)
		}
		b.shot("22-import-dry-run-refused")
		if cs, _, _ := db.Customers(ctx, store.System, store.CustomerFilter{Query: "浏览器导入"}); len(cs) != 0 {
			t.Fatal("the dry run wrote")
		}

		b.do(chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{good}), chromedp.Click(chromedp.CSS("#import-check")),
			chromedp.WaitVisible(chromedp.CSS("#import-confirm")))
		b.shot("23-import-checked")
		b.do(chromedp.Click(chromedp.CSS("#import-confirm")), chromedp.WaitVisible(chromedp.CSS(".import-report.done")))
		if got := b.text("#import-created"); got != "2" {
			t.Fatalf("created %q, want 2", got)
		}
		if cs, _, _ := db.Customers(ctx, store.System, store.CustomerFilter{Query: "浏览器导入"}); len(cs) != 2 {
			t.Fatalf("%d customers imported, want 2", len(cs))
		}
		b.shot("24-import-done")
	})
}
