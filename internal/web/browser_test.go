package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"shangji/internal/app"
	"shangji/internal/funnel"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// The browser tests drive a real headless Chromium. Screenshots go to
// testdata/screenshots (gitignored) for people to look at.

func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("browser tests skipped: no Chromium found (looked for chromium, chromium-browser, google-chrome); on Debian: apt-get install chromium")
	return ""
}

type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	dir  string
}

// newBrowser opens a tab with its own cookies in the test's Chromium (one
// browser per test: starting Chromium costs seconds) sized width × height.
func newBrowser(t *testing.T, root context.Context, base string, width, height int) *browser {
	ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	dir := filepath.Join("testdata", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, ctx: ctx, base: base, dir: dir}
	b.do(chromedp.EmulateViewport(int64(width), int64(height)))
	return b
}

// startChromium starts the headless browser the test's tabs share.
func startChromium(t *testing.T) context.Context {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("lang", "zh-CN"))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 80*time.Second)
	t.Cleanup(func() { cancelT(); cancelB(); cancelA() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (b *browser) eval(js string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.t.Fatalf("eval %s: %v", js, err)
	}
	return s
}

// shot saves a screenshot of the whole page as name.png.
func (b *browser) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(b.dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot %s", p)
}

// drag drops the card on target until done reports the drop took effect,
// three times at most: a synthetic drag now and then starts before
// Sortable is ready and moves nothing.
func (b *browser) drag(card, target string, done func() bool) {
	b.t.Helper()
	for attempt := 1; attempt <= 3; attempt++ {
		b.do(chromedp.ScrollIntoView(chromedp.CSS(card)), chromedp.DragAndDrop(chromedp.CSS(card), chromedp.CSS(target)))
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if done() {
				return
			}
		}
	}
	b.t.Fatalf("three drops of %s on %s took no effect", card, target)
}

func (b *browser) signIn(email string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base+"/"), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	b.do(chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), email), chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), demoPassword),
		chromedp.Submit(chromedp.CSS("#login-form")), chromedp.WaitVisible(chromedp.CSS("#board")))
}

func TestBrowser(t *testing.T) {
	root := startChromium(t)
	db := storetest.Open(t, store.SQLite)
	s := newSite(t, db, 160)
	rep := s.user(s.demo.Rep.Email)
	b := newBrowser(t, root, s.srv.URL, 1440, 900)

	b.do(chromedp.Navigate(s.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	b.shot("01-sign-in")
	b.signIn(rep.Email)
	if got := b.text(".topbar .who b"); got != rep.Name {
		t.Fatalf("signed in as %q, want %q", got, rep.Name)
	}
	b.shot("02-board")

	t.Run("DragToLostIsRefusedAndTheCardGoesBack", func(t *testing.T) {
		o := s.openDeal(rep, "discovery")
		card := "#card-" + o.ID
		b.drag(card, `.drop[data-stage="lost"]`, func() bool { return b.eval(`String(!!document.querySelector("`+card+` .refusal"))`) == "true" })
		b.do(chromedp.WaitVisible(chromedp.CSS(card + " .refusal")))
		if col := b.eval(`document.querySelector("` + card + `").closest(".col-cards").dataset.stage`); col != "discovery" {
			t.Fatalf("refused card is in %q, want back in discovery", col)
		}
		if msg := b.text(card + " .refusal"); !strings.Contains(msg, "输单原因") {
			t.Fatalf("refusal says %q, want the loss reason named", msg)
		}
		b.shot("03-board-refused-move")
		if got, _ := db.Opportunity(context.Background(), rep.Viewer(), o.ID); got.Stage != "discovery" {
			t.Fatalf("stage after refusal = %s", got.Stage)
		}
	})

	t.Run("DragBackAStageSucceeds", func(t *testing.T) {
		o := s.openDeal(rep, "proposal")
		card := "#card-" + o.ID
		// The server decides, then the board reloads (htmx swaps #board):
		// wait for the database first, then for the new board.
		b.drag(card, `.col-cards[data-stage="needs_confirmed"]`, func() bool {
			got, _ := db.Opportunity(context.Background(), rep.Viewer(), o.ID)
			return got != nil && got.Stage == "needs_confirmed"
		})
		b.do(chromedp.WaitVisible(chromedp.CSS(`.col-cards[data-stage="needs_confirmed"] ` + card + `.flash`)))
		b.shot("04-board-moved")
	})

	t.Run("LogAVisit", func(t *testing.T) {
		o := s.openDeal(rep, "")
		b.do(chromedp.Navigate(s.srv.URL+"/opportunities/"+o.ID), chromedp.WaitVisible(chromedp.CSS("#followups")))
		b.shot("05-deal-card")
		note := "拜访信息中心主任,确认二期预算"
		b.do(chromedp.Click(chromedp.CSS(`.kinds input[value="visit"] + span`)),
			chromedp.SendKeys(chromedp.CSS(`#followups textarea[name="note"]`), note),
			chromedp.SendKeys(chromedp.CSS(`#followups input[name="next_step"]`), "下周三提交方案"),
			chromedp.Click(chromedp.CSS("#log-activity")),
			chromedp.WaitVisible(chromedp.CSS("#followups .ok")))
		if first := b.text("#followups .timeline li"); !strings.Contains(first, note) {
			t.Fatalf("newest follow-up is %q, want the visit just logged", first)
		}
		b.shot("06-deal-card-logged")
	})

	t.Run("HealthDocumentsAndApproval", func(t *testing.T) {
		o := s.borderlineDeal(rep)
		if _, err := s.app.AttachDocument(context.Background(), rep, o.ID, app.DocumentInput{Type: "needs_confirmation", Name: "需求确认单(签字版)",
			URL: "https://docs.example/needs.pdf"}, nil); err != nil {
			t.Fatal(err)
		}
		b.do(chromedp.Navigate(s.srv.URL+"/opportunities/"+o.ID), chromedp.WaitVisible(chromedp.CSS("#health .ring")))
		if got := b.text("#health .ring b"); got != "66.0" {
			t.Fatalf("health shown %q, want 66.0", got)
		}
		fresh, _ := db.Opportunity(context.Background(), rep.Viewer(), o.ID)
		res, err := s.app.MoveStage(context.Background(), rep, o.ID, app.StageMoveInput{To: "needs_confirmed", Version: fresh.Version})
		if err != nil || res.Outcome != app.OutcomeApprovalRequested {
			t.Fatalf("borderline move: %v %v", res, err)
		}
		b.do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(".approval-box")))
		b.shot("13-deal-card-health")
		mgr := newBrowser(t, root, s.srv.URL, 1440, 900)
		mgr.signIn(s.demo.Manager.Email)
		mgr.do(chromedp.Navigate(s.srv.URL+"/approvals"), chromedp.WaitVisible(chromedp.CSS(".inbox-item")))
		mgr.shot("14-approvals-inbox")
	})

	t.Run("Dashboard", func(t *testing.T) {
		// The weeks of this quarter so far get their snapshots, as the weekly
		// job would have taken them, so the progress chart has F to draw.
		per, _ := funnel.ParsePeriod(funnel.QuarterOf(s.app.Now()))
		days := []string{per.Start.AddDate(0, 0, -1).Format(time.DateOnly)}
		for _, w := range funnel.WeeksOf(per) {
			if w.Closes.Before(s.app.Now()) {
				days = append(days, w.LastDay)
			}
		}
		for _, d := range days {
			if _, _, err := s.app.TakeSnapshot(context.Background(), d); err != nil {
				t.Fatal(err)
			}
		}
		mgr := newBrowser(t, root, s.srv.URL, 1440, 900)
		mgr.signIn(s.demo.Manager.Email)
		mgr.do(chromedp.Navigate(s.srv.URL+"/dashboard"), chromedp.WaitVisible(chromedp.CSS("#funnel-chart svg")),
			chromedp.WaitVisible(chromedp.CSS("#forecast-chart svg")), chromedp.WaitVisible(chromedp.CSS("#progress-chart svg")),
			chromedp.WaitVisible(chromedp.CSS("#conversion-chart svg")), chromedp.WaitVisible(chromedp.CSS("#team-chart svg")),
			chromedp.Sleep(900*time.Millisecond))
		for _, id := range []string{"funnel-chart", "progress-chart", "conversion-chart", "team-chart"} {
			if n := mgr.eval(`String(document.querySelectorAll("#` + id + ` svg path").length)`); n == "0" {
				t.Fatalf("the chart %s drew nothing", id)
			}
		}
		if n := mgr.eval(`String(document.querySelectorAll("#team tbody tr").length)`); len(n) == 1 && n < "2" {
			t.Fatalf("team side by side lists %s members", n)
		}
		mgr.shot("07-dashboard")
	})

	t.Run("CompleteATodo", func(t *testing.T) {
		s.addTodos(rep, s.openDeal(rep, ""), 4)
		first := s.todosOf(rep)[0]
		b.do(chromedp.Navigate(s.srv.URL+"/todos"), chromedp.WaitVisible(chromedp.CSS("#todo-"+first.ID)))
		b.shot("15-todos")
		b.do(chromedp.Click(chromedp.CSS("#todo-"+first.ID+" .todo-done")), chromedp.WaitVisible(chromedp.CSS("#todos")),
			chromedp.WaitNotPresent(chromedp.CSS("#todo-"+first.ID)))
		if got := s.todosOf(rep)[0]; got.Status != store.TodoDone {
			t.Fatalf("todo after clicking done: %s", got.Status)
		}
		b.do(chromedp.Navigate(s.srv.URL+"/todos?status=done"), chromedp.WaitVisible(chromedp.CSS("#todo-"+first.ID)))
		b.shot("16-todos-done")
	})

	t.Run("CreateAnOpportunityThroughTheForm", func(t *testing.T) {
		cust := s.openDeal(rep, "").CustomerID
		b.do(chromedp.Navigate(s.srv.URL+"/customers/"+cust), chromedp.WaitVisible(chromedp.CSS("#new-deal")),
			chromedp.Click(chromedp.CSS("#new-deal")), chromedp.WaitVisible(chromedp.CSS("#opportunity-form")))
		// The customer pick filters as one types (and keeps the chosen customer
		// when it matches).
		name := b.eval(`document.querySelector("#customer-pick").selectedOptions[0].text`)
		b.do(chromedp.SendKeys(chromedp.CSS(".select-filter"), string([]rune(name)[:2])))
		if got := b.eval(`document.querySelector("#customer-pick").selectedOptions[0].text`); got != name {
			t.Fatalf("filtering the customers changed the pick to %q", got)
		}
		// Sent without a name first: the problem shows next to the field.
		b.do(chromedp.SendKeys(chromedp.CSS(`#opportunity-form input[name="amount"]`), "65万"),
			chromedp.Click(chromedp.CSS("#save-opportunity")), chromedp.WaitVisible(chromedp.CSS(".invalid .field-error")))
		b.shot("17-new-deal-refused")
		b.do(chromedp.SendKeys(chromedp.CSS(`#opportunity-form input[name="name"]`), "浏览器新建的商机"),
			chromedp.SendKeys(chromedp.CSS(`#opportunity-form input[name="product_lines"]`), "数据中台, BI分析"),
			chromedp.Click(chromedp.CSS("#save-opportunity")), chromedp.WaitVisible(chromedp.CSS("#followups")))
		if h := b.text(".deal-head h1"); !strings.Contains(h, "浏览器新建的商机") {
			t.Fatalf("after creating, the page shows %q", h)
		}
		if amt := b.text(".deal-head .figures b"); amt != "¥65万" {
			t.Fatalf("amount shown %q, want ¥65万", amt)
		}
		b.shot("18-new-deal-created")
	})

	t.Run("Phone", func(t *testing.T) {
		p := newBrowser(t, root, s.srv.URL, 390, 844)
		p.signIn(rep.Email)
		p.shot("10-phone-board")
		o := s.openDeal(rep, "")
		p.do(chromedp.Navigate(s.srv.URL+"/opportunities/"+o.ID), chromedp.WaitVisible(chromedp.CSS("#followups")))
		p.shot("11-phone-deal-card")
		p.do(chromedp.Navigate(s.srv.URL+"/todos"), chromedp.WaitVisible(chromedp.CSS("#todos")))
		p.shot("19-phone-todos")
		p.do(chromedp.Navigate(s.srv.URL+"/opportunities/new"), chromedp.WaitVisible(chromedp.CSS("#opportunity-form")))
		if w := p.eval(`String(document.documentElement.scrollWidth)`); w != "390" {
			t.Errorf("the new-deal form is %spx wide on a 390px phone", w)
		}
		p.shot("25-phone-new-deal")
		p.do(chromedp.Navigate(s.srv.URL+"/dashboard"), chromedp.WaitVisible(chromedp.CSS("#progress-chart svg")), chromedp.Sleep(700*time.Millisecond))
		if w := p.eval(`String(document.documentElement.scrollWidth)`); w != "390" {
			t.Errorf("the dashboard is %spx wide on a 390px phone", w)
		}
		p.shot("26-phone-dashboard")
	})
	t.Run("SwitchLanguage", func(t *testing.T) {
		b.do(chromedp.Navigate(s.srv.URL+"/board"), chromedp.WaitVisible(chromedp.CSS("#board")),
			chromedp.Click(chromedp.CSS("#lang-switch")), chromedp.WaitVisible(chromedp.CSS("html[lang=en] #board")))
		if h := b.text(".toolbar h1"); h != "Pipeline" {
			t.Fatalf("English board title %q", h)
		}
		if amt := b.text(".card .amount"); !strings.Contains(amt, ",") || strings.Contains(amt, "万") {
			t.Fatalf("English amount %q, want thousands separators", amt)
		}
		b.shot("08-board-english")
		b.do(chromedp.Navigate(s.srv.URL+"/dashboard"), chromedp.WaitVisible(chromedp.CSS("#forecast-chart svg")), chromedp.Sleep(700*time.Millisecond))
		b.shot("09-dashboard-english")
		b.do(chromedp.Navigate(s.srv.URL+"/account"), chromedp.WaitVisible(chromedp.CSS("#password-form")))
		b.shot("12-account-english")
	})

}
