package web_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"shangji/internal/app"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// borderlineDeal is a fresh deal of rep's in the first stage of the default
// pipeline whose health is 66 (SPEC §4's example without the approval's
// evidence): need match 32, decision maker and influencer reached (24), the
// budget amount stated with evidence (10), "approved" claimed without.
func (s *site) borderlineDeal(rep *store.User) *store.Opportunity {
	s.t.Helper()
	ctx := context.Background()
	p := func(v string) *string { return &v }
	cust, err := s.app.CreateCustomer(ctx, rep, app.CustomerInput{Name: p("健康度测试客户" + strconv.FormatInt(s.app.Now().UnixNano(), 36))})
	if err != nil {
		s.t.Fatal(err)
	}
	dm, err := s.app.CreateContact(ctx, rep, app.ContactInput{CustomerID: &cust.ID, Name: p("赵总"), Role: p("decision_maker")})
	if err != nil {
		s.t.Fatal(err)
	}
	inf, err := s.app.CreateContact(ctx, rep, app.ContactInput{CustomerID: &cust.ID, Name: p("李工"), Role: p("influencer")})
	if err != nil {
		s.t.Fatal(err)
	}
	o, err := s.app.CreateOpportunity(ctx, rep, app.OpportunityInput{Name: p("健康度测试商机"), CustomerID: &cust.ID, Amount: p("800000.00")})
	if err != nil {
		s.t.Fatal(err)
	}
	scores := []int{70, 90, 80, 75, 85, 80, 60, 100, 80, 80}
	if o, err = s.app.UpdateOpportunity(ctx, rep, o.ID, app.OpportunityInput{NeedScores: &scores, Version: o.Version}); err != nil {
		s.t.Fatal(err)
	}
	visit, err := s.app.LogActivity(ctx, rep, app.ActivityInput{OpportunityID: o.ID, Kind: "visit", Note: "拜访赵总,确认预算金额 80 万", ContactIDs: []string{dm.ID}})
	if err != nil {
		s.t.Fatal(err)
	}
	if _, err := s.app.LogActivity(ctx, rep, app.ActivityInput{OpportunityID: o.ID, Kind: "call", Note: "与李工沟通方案", ContactIDs: []string{inf.ID}}); err != nil {
		s.t.Fatal(err)
	}
	if _, err := s.app.AddBudgetFact(ctx, rep, o.ID, app.BudgetFactInput{Kind: "amount_stated", EvidenceActivityID: visit.ID}); err != nil {
		s.t.Fatal(err)
	}
	if _, err := s.app.AddBudgetFact(ctx, rep, o.ID, app.BudgetFactInput{Kind: "approved"}); err != nil {
		s.t.Fatal(err)
	}
	o, err = s.app.DB.Opportunity(ctx, rep.Viewer(), o.ID)
	if err != nil {
		s.t.Fatal(err)
	}
	return o
}

func (c *client) upload(path string, fields map[string]string, file string, content []byte) (*http.Response, string) {
	c.s.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if file != "" {
		fw, _ := mw.CreateFormFile("file", file)
		_, _ = fw.Write(content)
	}
	_ = mw.Close()
	req, _ := http.NewRequest("POST", c.s.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.hc.Do(req)
	if err != nil {
		c.s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestDealCardHealthDocumentsAndApproval(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, 40)
		rep := s.user(s.demo.Rep.Email)
		c := s.client()
		c.login(rep.Email)
		o := s.borderlineDeal(rep)
		page := "/opportunities/" + o.ID

		t.Run("HealthWithItsExplanation", func(t *testing.T) {
			_, body := c.do("GET", page, nil)
			for _, want := range []string{`id="health"`, "66.0", "推进需经理审批", "需求匹配度", "32.0 / 40 分", "预算已获批", "无佐证,不计分"} {
				if !strings.Contains(body, want) {
					t.Errorf("deal card lacks %q", want)
				}
			}
		})

		t.Run("AttachALinkAndUploadAFile", func(t *testing.T) {
			res, _ := c.upload(page+"/documents", map[string]string{"doc_type": "needs_confirmation", "url": "https://docs.example/xq.pdf", "name": "需求确认单"}, "", nil)
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("attach link: %d", res.StatusCode)
			}
			content := []byte("%PDF-1.4\n方案正文\n")
			res, _ = c.upload(page+"/documents", map[string]string{"doc_type": "proposal"}, `C:\tmp\方案 v1.pdf`, content)
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("upload: %d", res.StatusCode)
			}
			res, body := c.upload(page+"/documents", map[string]string{"doc_type": "proposal", "url": "ftp://x"}, "", nil)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "must be an http(s) link") {
				t.Fatalf("bad link: %d", res.StatusCode)
			}
			docs, _ := db.Documents(context.Background(), o.ID)
			if len(docs) != 2 || docs[1].Name != "方案 v1.pdf" {
				t.Fatalf("documents = %+v", docs)
			}
			_, body = c.do("GET", page, nil)
			if !strings.Contains(body, "/documents/"+docs[1].ID) || !strings.Contains(body, "需求确认单") {
				t.Fatal("the card does not list the documents")
			}
			res, got := c.do("GET", "/documents/"+docs[1].ID, nil)
			if res.StatusCode != 200 || got != string(content) || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
				t.Fatalf("download: %d %q %s", res.StatusCode, got, res.Header.Get("Content-Disposition"))
			}
			if res, _ := c.do("GET", "/documents/"+docs[0].ID, nil); res.StatusCode != http.StatusFound || res.Header.Get("Location") != "https://docs.example/xq.pdf" {
				t.Fatalf("a link: %d → %s", res.StatusCode, res.Header.Get("Location"))
			}
			if res, _ := s.client().do("GET", "/documents/"+docs[1].ID, nil); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("download without a session: %d, want the sign-in redirect", res.StatusCode)
			}
		})

		t.Run("BudgetFactWithEvidence", func(t *testing.T) {
			res, _ := c.do("POST", page+"/budget", url.Values{"kind": {"in_annual_plan"}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("budget fact: %d", res.StatusCode)
			}
			res, body := c.do("POST", page+"/budget", url.Values{"kind": {"in_annual_plan"}})
			if res.StatusCode == http.StatusSeeOther || !strings.Contains(body, `class="problems"`) {
				t.Fatalf("second fact of a kind: %d", res.StatusCode)
			}
		})

		t.Run("ApprovalOnTheCardAndInTheInbox", func(t *testing.T) {
			fresh, _ := db.Opportunity(context.Background(), rep.Viewer(), o.ID)
			res, _ := c.do("POST", page+"/stage", url.Values{"to": {"needs_confirmed"}, "version": {strconv.Itoa(fresh.Version)}}, "X-Shangji-Board", "1")
			if res.StatusCode != http.StatusAccepted {
				t.Fatalf("borderline move: %d, want 202", res.StatusCode)
			}
			_, body := c.do("GET", page, nil)
			if !strings.Contains(body, "等待审批") || !strings.Contains(body, "等待主管审批") || strings.Contains(body, `value="approve"`) {
				t.Fatal("the rep's card does not show the pending approval (or offers to decide it)")
			}
			m := s.client()
			m.login(s.demo.Manager.Email)
			_, body = m.do("GET", "/approvals", nil)
			if !strings.Contains(body, "/opportunities/"+o.ID) || !strings.Contains(body, `value="approve"`) {
				t.Fatal("the manager's inbox does not list the approval")
			}
			aps, _, _ := db.Approvals(context.Background(), store.System, store.ApprovalFilter{OpportunityID: o.ID, Status: "pending"})
			if len(aps) != 1 {
				t.Fatalf("%d pending approvals", len(aps))
			}
			a := aps[0]
			res, body = m.do("POST", "/approvals/"+a.ID+"/decide", url.Values{"decision": {"reject"}, "version": {strconv.Itoa(a.Version)}, "back": {"/approvals"}})
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "审批意见") {
				t.Fatalf("reject without a comment: %d", res.StatusCode)
			}
			res, _ = m.do("POST", "/approvals/"+a.ID+"/decide", url.Values{"decision": {"approve"}, "version": {strconv.Itoa(a.Version)},
				"back": {"/approvals"}, "comment": {"同意,尽快补齐预算批文"}})
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/approvals" {
				t.Fatalf("approve: %d → %s", res.StatusCode, res.Header.Get("Location"))
			}
			if got, _ := db.Opportunity(context.Background(), rep.Viewer(), o.ID); got.Stage != "needs_confirmed" {
				t.Fatalf("stage after approval = %s", got.Stage)
			}
			if _, body = m.do("GET", "/approvals", nil); strings.Contains(body, "/opportunities/"+o.ID) {
				t.Fatal("a decided approval is still in the inbox")
			}
		})
	})
}
