package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"shangji/internal/funnel"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

func TestSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, 20)
		ctx := context.Background()
		admin := s.client()
		admin.login(s.demo.Admin.Email)

		t.Run("AdminsOnly", func(t *testing.T) {
			rep := s.client()
			rep.login(s.demo.Rep.Email)
			for _, path := range []string{"/settings/pipelines", "/settings/health", "/settings/calendar", "/settings/channels", "/settings/people", "/imports"} {
				if res, _ := rep.do("GET", path, nil); res.StatusCode != http.StatusForbidden {
					t.Errorf("rep GET %s: %d, want 403", path, res.StatusCode)
				}
			}
			if res, _ := rep.do("POST", "/settings/health", url.Values{"need_weight": {"100"}}); res.StatusCode != http.StatusForbidden {
				t.Errorf("rep POST health: %d", res.StatusCode)
			}
			if res, _ := s.client().do("GET", "/settings/pipelines", nil); res.StatusCode != http.StatusSeeOther {
				t.Errorf("no session: %d, want the sign-in redirect", res.StatusCode)
			}
			// CSRF: a state-changing request from another site is refused
			// before it reaches the handler.
			if res, _ := admin.do("POST", "/settings/health", url.Values{"need_weight": {"100"}}, "Sec-Fetch-Site", "cross-site"); res.StatusCode != http.StatusForbidden {
				t.Errorf("cross-site POST: %d, want 403", res.StatusCode)
			}
			_, body := admin.do("GET", "/board", nil)
			if !strings.Contains(body, `href="/settings"`) || !strings.Contains(body, `href="/imports"`) {
				t.Error("the admin's menu lacks settings and import")
			}
			if _, body := rep.do("GET", "/board", nil); strings.Contains(body, `href="/settings"`) {
				t.Error("a rep's menu offers settings")
			}
		})

		pls, _ := db.Pipelines(ctx)
		var pl *store.Pipeline
		for _, p := range pls {
			if p.IsDefault {
				pl = p
			}
		}
		first := pl.Stages[0]
		stagePath := "/settings/pipelines/" + pl.ID + "/stages/" + first.Key
		stageForm := func(version int, prob string) url.Values {
			return url.Values{"version": {strconv.Itoa(version)}, "name_zh": {first.NameZH}, "name_en": {"Lead found"}, "probability": {prob},
				"expected_dwell_days": {"12"}, "cadence_days": {"5"}, "indicators": {"budget_known | 客户有预算 | Budget known\n已确认联系人"},
				"required_fields": {"amount", "next_contact_at"}, "required_documents": {"needs_screening"}}
		}

		t.Run("StageProbabilityGateAndIndicators", func(t *testing.T) {
			_, body := admin.do("GET", "/settings/pipelines/"+pl.ID, nil)
			if !strings.Contains(body, `id="stage-`+first.Key+`"`) || !strings.Contains(body, "赢单概率") {
				t.Fatal("the pipeline page does not list the stages")
			}
			res, _ := admin.do("POST", stagePath, stageForm(pl.Version, "15"))
			if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "saved=pipeline") {
				t.Fatalf("save stage: %d → %s", res.StatusCode, res.Header.Get("Location"))
			}
			got, _ := db.Pipeline(ctx, pl.ID)
			st, _ := got.StageByKey(first.Key)
			if st.Probability != 15 || st.NameEN != "Lead found" || st.ExpectedDwellDays != 12 || st.CadenceDays != 5 {
				t.Fatalf("stage = %+v", st.Stage)
			}
			if len(st.Indicators) != 2 || st.Indicators[0].Key != "budget_known" || st.Indicators[1].ZH != "已确认联系人" || st.Indicators[1].Key == "" {
				t.Fatalf("indicators = %+v", st.Indicators)
			}
			if strings.Join(st.RequiredFields, ",") != "amount,next_contact_at" || strings.Join(st.RequiredDocuments, ",") != "needs_screening" {
				t.Fatalf("gate = %v %v", st.RequiredFields, st.RequiredDocuments)
			}
			_, body = admin.do("GET", res.Header.Get("Location"), nil)
			if !strings.Contains(body, "销售流程已保存") || !strings.Contains(body, "15%") {
				t.Fatal("the saved page does not say so or show the probability")
			}
		})

		t.Run("StaleVersionIsAConflict", func(t *testing.T) {
			res, body := admin.do("POST", stagePath, stageForm(pl.Version, "20")) // the version before the last save
			if res.StatusCode != http.StatusConflict || !strings.Contains(body, `id="conflict"`) || !strings.Contains(body, "已有人修改") {
				t.Fatalf("stale save: %d", res.StatusCode)
			}
			got, _ := db.Pipeline(ctx, pl.ID)
			if st, _ := got.StageByKey(first.Key); st.Probability != 15 {
				t.Fatalf("a stale save changed the probability to %d", st.Probability)
			}
		})

		t.Run("InvalidProbabilityNamesTheField", func(t *testing.T) {
			cur, _ := db.Pipeline(ctx, pl.ID)
			res, body := admin.do("POST", stagePath, stageForm(cur.Version, "150"))
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "<b>赢单概率(%)</b>") || !strings.Contains(body, `value="150"`) {
				t.Fatalf("probability 150: %d", res.StatusCode)
			}
			res, body = admin.do("POST", stagePath, stageForm(cur.Version, "abc"))
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "whole number") {
				t.Fatalf("probability abc: %d", res.StatusCode)
			}
		})

		t.Run("AddRenameAndReorderStages", func(t *testing.T) {
			cur, _ := db.Pipeline(ctx, pl.ID)
			res, _ := admin.do("POST", "/settings/pipelines/"+pl.ID+"/stages", url.Values{"version": {strconv.Itoa(cur.Version)},
				"key": {"tender"}, "name_zh": {"招投标"}, "name_en": {"Tender"}, "probability": {"85"}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("add stage: %d", res.StatusCode)
			}
			cur, _ = db.Pipeline(ctx, pl.ID)
			i := stageIndex(cur, "tender")
			if i < 0 || cur.Stages[i+1].Kind == funnel.StageOpen {
				t.Fatalf("tender should be the last open stage: %v", stageKeys(cur))
			}
			res, _ = admin.do("POST", "/settings/pipelines/"+pl.ID+"/stages/tender/move", url.Values{"version": {strconv.Itoa(cur.Version)}, "dir": {"up"}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("move up: %d", res.StatusCode)
			}
			cur, _ = db.Pipeline(ctx, pl.ID)
			if stageIndex(cur, "tender") != i-1 {
				t.Fatalf("after moving up: %v", stageKeys(cur))
			}
			// A stage that held deals stays; tender, new and empty, goes.
			res, body := admin.do("POST", "/settings/pipelines/"+pl.ID+"/stages/"+first.Key+"/remove", url.Values{"version": {strconv.Itoa(cur.Version)}})
			if res.StatusCode != http.StatusConflict || !strings.Contains(body, "is in use") || !strings.Contains(body, `id="stage-`+first.Key+`"`) {
				t.Fatalf("remove a stage with deals: %d", res.StatusCode)
			}
			res, _ = admin.do("POST", "/settings/pipelines/"+pl.ID+"/stages/tender/remove", url.Values{"version": {strconv.Itoa(cur.Version)}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("remove tender: %d", res.StatusCode)
			}
			if cur, _ = db.Pipeline(ctx, pl.ID); stageIndex(cur, "tender") >= 0 {
				t.Fatal("tender is still there")
			}
			res, body = admin.do("POST", "/settings/pipelines/"+pl.ID+"/stages", url.Values{"version": {strconv.Itoa(cur.Version)},
				"key": {"Bad Key"}, "name_zh": {""}, "probability": {"5"}})
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "<b>标识</b>") || !strings.Contains(body, "<b>中文名称</b>") {
				t.Fatalf("bad new stage: %d", res.StatusCode)
			}
			res, _ = admin.do("POST", "/settings/pipelines/"+pl.ID, url.Values{"version": {strconv.Itoa(cur.Version)}, "name_zh": {"标准销售流程"},
				"name_en": {"Standard"}, "mode": {"indicators"}, "health_gate": {"on"}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("rename pipeline: %d", res.StatusCode)
			}
			cur, _ = db.Pipeline(ctx, pl.ID)
			if cur.NameZH != "标准销售流程" || cur.Mode != "indicators" || !cur.HealthGate {
				t.Fatalf("pipeline = %s %s %v", cur.NameZH, cur.Mode, cur.HealthGate)
			}
		})

		t.Run("CreatePipeline", func(t *testing.T) {
			res, _ := admin.do("POST", "/settings/pipelines", url.Values{"key": {"renewal"}, "name_zh": {"续约"}, "name_en": {"Renewal"}, "copy_from": {pl.ID}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("create: %d", res.StatusCode)
			}
			res, body := admin.do("POST", "/settings/pipelines", url.Values{"key": {"renewal"}, "name_zh": {"续约"}, "copy_from": {pl.ID}})
			if res.StatusCode != http.StatusConflict || !strings.Contains(body, "<b>标识</b> already taken") {
				t.Fatalf("same key again: %d", res.StatusCode)
			}
		})

		t.Run("HealthWeightsAndThresholds", func(t *testing.T) {
			_, page := admin.do("GET", "/settings/health", nil)
			form := url.Values{"stamp": {stampOf(t, page, 0)}, "need_weight": {"50"}, "chain_weight": {"30"}, "budget_weight": {"20"}, "decision_maker_share": {"50"}, "influencer_share": {"30"},
				"user_share": {"20"}, "amount_stated_points": {"10"}, "approved_points": {"5"}, "in_annual_plan_points": {"5"}, "regress_below": {"55"},
				"auto_above": {"85"}, "regress_action": {"flag"}}
			res, _ := admin.do("POST", "/settings/health", form)
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("save: %d", res.StatusCode)
			}
			hs, _ := s.app.HealthSettings(ctx)
			if hs.NeedWeight != 50 || hs.AutoAbove != 85 || hs.RegressBelow != 55 {
				t.Fatalf("settings = %+v", hs)
			}
			stale := form.Get("stamp")
			_, page = admin.do("GET", "/settings/health", nil)
			form.Set("stamp", stampOf(t, page, 0))
			form.Set("need_weight", "60")
			res, body := admin.do("POST", "/settings/health", form)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "<b>需求匹配度</b>") || !strings.Contains(body, "add up to 100") || !strings.Contains(body, `value="60"`) {
				t.Fatalf("weights adding to 110: %d", res.StatusCode)
			}
			if hs, _ := s.app.HealthSettings(ctx); hs.NeedWeight != 50 {
				t.Fatal("a refused form changed the settings")
			}
			// The page the first save was made from is stale now.
			form.Set("need_weight", "50")
			form.Set("auto_above", "90")
			form.Set("stamp", stale)
			res, body = admin.do("POST", "/settings/health", form)
			if res.StatusCode != http.StatusConflict || !strings.Contains(body, `id="conflict"`) || !strings.Contains(body, `value="85"`) {
				t.Fatalf("saving over a change: %d", res.StatusCode)
			}
		})

		t.Run("CalendarYear", func(t *testing.T) {
			_, body := admin.do("GET", "/settings/calendar", nil)
			if !strings.Contains(body, `id="year-2026"`) || !strings.Contains(body, "春节 2026-02-15 2026-02-23") {
				t.Fatal("the calendar does not show the shipped 2026 schedule")
			}
			stamp2027 := stampOf(t, body, 1)
			res, _ := admin.do("POST", "/settings/calendar", url.Values{"year": {"2027"}, "stamp": {stamp2027}, "holidays": {"元旦 2027-01-01\n春节 2027-02-05 2027-02-11"}, "workdays": {"2027-02-20"}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("save 2027: %d", res.StatusCode)
			}
			over, _ := s.app.CalendarOverrides(ctx)
			if len(over) != 1 || over[0].Year != 2027 || len(over[0].Holidays) != 2 || over[0].Holidays[1].To != "2027-02-11" || over[0].Workdays[0] != "2027-02-20" {
				t.Fatalf("overrides = %+v", over)
			}
			res, body = admin.do("POST", "/settings/calendar", url.Values{"year": {"2027"}, "stamp": {stamp2027}, "holidays": {"春节 2027-02-05 2027-02-11"}, "workdays": {"2027-02-20"}})
			if res.StatusCode != http.StatusConflict || !strings.Contains(body, `id="conflict"`) {
				t.Fatalf("saving 2027 from a stale page: %d", res.StatusCode)
			}
			_, body = admin.do("GET", "/settings/calendar", nil)
			stamp2027 = stampOf(t, body, 1)
			res, body = admin.do("POST", "/settings/calendar", url.Values{"year": {"2027"}, "stamp": {stamp2027}, "holidays": {"春节 2027-02-05 2027-02-11"}, "workdays": {"2027-02-22"}})
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "not a Saturday or Sunday") || !strings.Contains(body, "2027-02-22") {
				t.Fatalf("a Monday as make-up day: %d", res.StatusCode)
			}
			res, body = admin.do("POST", "/settings/calendar", url.Values{"year": {"2027"}, "stamp": {stamp2027}, "holidays": {"春节"}})
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "<b>节假日</b>") {
				t.Fatalf("a break without dates: %d", res.StatusCode)
			}
			if res, _ := admin.do("POST", "/settings/calendar/2027/reset", url.Values{}); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("reset: %d", res.StatusCode)
			}
			if over, _ := s.app.CalendarOverrides(ctx); len(over) != 0 {
				t.Fatalf("after reset: %+v", over)
			}
		})

		t.Run("NotificationChannels", func(t *testing.T) {
			_, body := admin.do("GET", "/settings/channels", nil)
			if !strings.Contains(body, "还没有通知渠道") {
				t.Fatal("no empty state")
			}
			res, body := admin.do("POST", "/settings/channels", url.Values{"kind": {"wecom"}, "name": {"销售群"}, "address": {"not a url"}, "secret": {"s3cret"}})
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "<b>地址</b>") || strings.Contains(body, "s3cret") {
				t.Fatalf("bad address: %d", res.StatusCode)
			}
			team := s.user(s.demo.Manager.Email).TeamID
			res, _ = admin.do("POST", "/settings/channels", url.Values{"kind": {"wecom"}, "name": {"销售群"}, "owner": {"t:" + team},
				"address": {"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("create: %d", res.StatusCode)
			}
			chs, _ := db.Channels(ctx, "", team)
			if len(chs) != 1 || !chs[0].Active {
				t.Fatalf("channels = %+v", chs)
			}
			off := url.Values{"version": {strconv.Itoa(chs[0].Version)}, "active": {"0"}}
			if res, _ := admin.do("POST", "/settings/channels/"+chs[0].ID+"/active", off); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("switch off: %d", res.StatusCode)
			}
			if res, body := admin.do("POST", "/settings/channels/"+chs[0].ID+"/active", off); res.StatusCode != http.StatusConflict || !strings.Contains(body, "已有人修改") {
				t.Fatalf("stale switch: %d", res.StatusCode)
			}
			if chs, _ := db.Channels(ctx, "", team); chs[0].Active {
				t.Fatal("still active")
			}
		})

		t.Run("RetryAFailedNotification", func(t *testing.T) {
			rep := s.user(s.demo.Rep.Email)
			err := db.Tx(ctx, func(tx *store.Tx) error {
				_, err := tx.EnqueueNotification(ctx, store.Notice{UserID: rep.ID, Key: "web-settings-test", Subject: "测试通知:跟进逾期", Body: "正文"})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			claimed, err := db.ClaimNotifications(ctx, 500, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			var id string
			for _, n := range claimed {
				if n.Key == "web-settings-test" {
					id = n.ID
					if err := db.NotificationFailed(ctx, n.ID, n.Attempts, "550 mailbox unavailable", nil); err != nil {
						t.Fatal(err)
					}
				}
			}
			_, body := admin.do("GET", "/settings/channels", nil)
			if id == "" || !strings.Contains(body, `id="n-`+id+`"`) || !strings.Contains(body, "550 mailbox unavailable") {
				t.Fatal("the failed notification is not listed with its error")
			}
			if res, _ := admin.do("POST", "/settings/notifications/"+id+"/retry", url.Values{}); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("retry: %d", res.StatusCode)
			}
			if res, body := admin.do("POST", "/settings/notifications/"+id+"/retry", url.Values{}); res.StatusCode != http.StatusConflict || !strings.Contains(body, "only a failed one") {
				t.Fatalf("retrying a queued one: %d", res.StatusCode)
			}
			if _, body := admin.do("GET", "/settings/channels", nil); strings.Contains(body, `id="n-`+id+`"`) {
				t.Fatal("a queued notification is still listed as failed")
			}
		})

		t.Run("UsersAndTeams", func(t *testing.T) {
			mgr := s.user(s.demo.Manager.Email)
			res, _ := admin.do("POST", "/settings/teams", url.Values{"name": {"华南二组"}, "parent_id": {mgr.TeamID}, "manager_id": {mgr.ID}, "region": {"gz"}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("create team: %d", res.StatusCode)
			}
			teamID, err := db.TeamByName(ctx, "华南二组")
			if err != nil {
				t.Fatal(err)
			}
			team, _ := db.Team(ctx, teamID)
			if team.ParentID != mgr.TeamID || team.Region != "GZ" || team.ManagerID != mgr.ID {
				t.Fatalf("team = %+v", team)
			}
			res, body := admin.do("POST", "/settings/teams", url.Values{"name": {""}, "region": {"toolong"}})
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "<b>区域代码</b>") {
				t.Fatalf("bad team: %d", res.StatusCode)
			}

			res, body = admin.do("POST", "/settings/teams/"+mgr.TeamID+"/delete", url.Values{})
			if res.StatusCode != http.StatusConflict || !strings.Contains(body, "still has members") {
				t.Fatalf("deleting a team with members: %d", res.StatusCode)
			}
			res, _ = admin.do("POST", "/settings/teams", url.Values{"name": {"临时组"}})
			tmp, _ := db.TeamByName(ctx, "临时组")
			if res.StatusCode != http.StatusSeeOther || tmp == "" {
				t.Fatalf("create a team to delete: %d", res.StatusCode)
			}
			if res, _ := admin.do("POST", "/settings/teams/"+tmp+"/delete", url.Values{}); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("delete an empty team: %d", res.StatusCode)
			}
			if _, err := db.Team(ctx, tmp); err == nil {
				t.Fatal("the team is still there")
			}
			res, body = admin.do("POST", "/settings/users", url.Values{"name": {"新销售"}, "email": {"new.rep@xinghe.example"}, "role": {"rep"}, "team_id": {teamID}})
			if res.StatusCode != http.StatusOK || !strings.Contains(body, `id="new-password"`) {
				t.Fatalf("create user: %d", res.StatusCode)
			}
			nu := s.user("new.rep@xinghe.example")
			if nu.TeamID != teamID || nu.Role != "rep" || !nu.Active {
				t.Fatalf("user = %+v", nu)
			}
			res, body = admin.do("POST", "/settings/users", url.Values{"name": {"X"}, "email": {"nope"}, "role": {"rep"}})
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "<b>邮箱</b>") && !strings.Contains(body, "<b>E-mail</b>") && !strings.Contains(body, "not an e-mail") {
				t.Fatalf("bad e-mail: %d", res.StatusCode)
			}
			_, body = admin.do("GET", "/settings/people", nil)
			if !strings.Contains(body, `id="user-`+nu.ID+`"`) {
				t.Fatal("the new user is not listed")
			}
			// Deactivate (the checkbox left out), stale version, then the current one.
			res, _ = admin.do("POST", "/settings/users/"+nu.ID, url.Values{"version": {strconv.Itoa(nu.Version)}, "role": {"rep"}, "team_id": {teamID}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("deactivate: %d", res.StatusCode)
			}
			if got := s.user(nu.Email); got.Active {
				t.Fatal("still active")
			}
			res, body = admin.do("POST", "/settings/users/"+nu.ID, url.Values{"version": {strconv.Itoa(nu.Version)}, "role": {"manager"}, "active": {"on"}})
			if res.StatusCode != http.StatusConflict || !strings.Contains(body, "已有人修改") {
				t.Fatalf("stale user form: %d", res.StatusCode)
			}
			me := s.user(s.demo.Admin.Email)
			res, _ = admin.do("POST", "/settings/users/"+me.ID, url.Values{"version": {strconv.Itoa(me.Version)}, "role": {"admin"}})
			if res.StatusCode != http.StatusUnprocessableEntity || !s.user(me.Email).Active {
				t.Fatalf("an admin deactivating themself: %d", res.StatusCode)
			}
		})

		t.Run("English", func(t *testing.T) {
			en := s.client()
			en.login(s.demo.Admin.Email)
			en.do("POST", "/lang", url.Values{"lang": {"en"}, "back": {"/board"}})
			_, body := en.do("GET", "/settings/health", nil)
			if !strings.Contains(body, "Health scoring") || !strings.Contains(body, "Need match") {
				t.Fatal("the settings are not in English")
			}
			en.do("POST", "/lang", url.Values{"lang": {"zh-CN"}, "back": {"/board"}})
		})
	})
}

func stageIndex(pl *store.Pipeline, key string) int {
	for i, st := range pl.Stages {
		if st.Key == key {
			return i
		}
	}
	return -1
}

func stageKeys(pl *store.Pipeline) []string {
	var out []string
	for _, st := range pl.Stages {
		out = append(out, st.Key)
	}
	return out
}

var stampRe = regexp.MustCompile(`name="stamp" value="([0-9a-f]+)"`)

// stampOf is the n-th form stamp on a page.
func stampOf(t *testing.T, page string, n int) string {
	t.Helper()
	all := stampRe.FindAllStringSubmatch(page, -1)
	if len(all) <= n {
		t.Fatalf("the page has %d stamps, want more than %d", len(all), n)
	}
	return all[n][1]
}
