package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"shangji/internal/app"
	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

func TestBoardMoveAndRefusal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, 60)
		c := s.client()
		rep := s.user(s.demo.Rep.Email)
		c.login(rep.Email)
		o := s.openDeal(rep, "discovery")
		board := []string{"X-Shangji-Board", "1"}
		move := func(fields url.Values) (*http.Response, string) {
			return c.do("POST", "/opportunities/"+o.ID+"/stage", fields, board...)
		}

		res, body := c.do("GET", "/board", nil)
		if res.StatusCode != 200 || !strings.Contains(body, `id="card-`+o.ID+`"`) {
			t.Fatalf("board: %d, the rep's deal %s is not on it", res.StatusCode, o.Number)
		}

		t.Run("LostWithoutReasonIsRefusedWithTheReason", func(t *testing.T) {
			res, body := move(url.Values{"to": {"lost"}, "version": {strconv.Itoa(o.Version)}})
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "输单前请选择输单原因") ||
				!strings.Contains(body, `name="loss_reason"`) {
				t.Fatalf("lost without reason: %d %s", res.StatusCode, body)
			}
			if got, _ := db.Opportunity(context.Background(), rep.Viewer(), o.ID); got.Stage != "discovery" {
				t.Fatalf("a refused move changed the stage to %s", got.Stage)
			}
		})

		t.Run("MoveBackwardSucceeds", func(t *testing.T) {
			// A backward move has no gate, before and after the stage-gate work.
			o2 := s.openDeal(rep, "proposal")
			res, _ := c.do("POST", "/opportunities/"+o2.ID+"/stage", url.Values{"to": {"discovery"}, "version": {strconv.Itoa(o2.Version)}}, board...)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("move proposal → discovery: %d", res.StatusCode)
			}
			if got, _ := db.Opportunity(context.Background(), rep.Viewer(), o2.ID); got.Stage != "discovery" {
				t.Fatalf("stage after move = %s", got.Stage)
			}
		})

		t.Run("GateRefusalListsWhatIsMissing", func(t *testing.T) {
			name, amount := "网关测试商机", "300000.00"
			fresh, err := s.app.CreateOpportunity(context.Background(), rep, app.OpportunityInput{Name: &name, CustomerID: &o.CustomerID, Amount: &amount})
			if err != nil {
				t.Fatal(err)
			}
			res, body := c.do("POST", "/opportunities/"+fresh.ID+"/stage", url.Values{"to": {"needs_confirmed"}, "version": {strconv.Itoa(fresh.Version)}}, board...)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "进入该阶段还缺") {
				t.Fatalf("forward move without the gate's document: %d %s", res.StatusCode, body)
			}
		})

		t.Run("StaleVersionIsAConflict", func(t *testing.T) {
			res, body := move(url.Values{"to": {"lost"}, "loss_reason": {"other"}, "version": {strconv.Itoa(o.Version - 1)}})
			if res.StatusCode != http.StatusConflict || !strings.Contains(body, "刚被别人修改过") {
				t.Fatalf("stale version: %d %s", res.StatusCode, body)
			}
		})

		t.Run("InvisibleDealIsNotFound", func(t *testing.T) {
			other := s.client()
			other.login(s.demo.Manager.Email)
			var foreign *store.Opportunity
			opps, _, _ := db.Opportunities(context.Background(), store.System, store.OpportunityFilter{Status: "open", Page: store.Page{Limit: 500}})
			mgr := s.user(s.demo.Manager.Email)
			for _, x := range opps {
				if _, err := db.Opportunity(context.Background(), mgr.Viewer(), x.ID); err != nil {
					foreign = x
					break
				}
			}
			if foreign == nil {
				t.Skip("the manager sees every deal of this demo")
			}
			res, _ := other.do("POST", "/opportunities/"+foreign.ID+"/stage", url.Values{"to": {"lost"}, "loss_reason": {"other"},
				"version": {strconv.Itoa(foreign.Version)}}, board...)
			if res.StatusCode != http.StatusNotFound {
				t.Fatalf("moving a deal outside one's view: %d, want 404", res.StatusCode)
			}
		})

		t.Run("LostWithReasonCloses", func(t *testing.T) {
			res, _ := move(url.Values{"to": {"lost"}, "loss_reason": {"competitor_price"}, "version": {strconv.Itoa(o.Version)}})
			if res.StatusCode != http.StatusOK {
				t.Fatalf("lost with reason: %d", res.StatusCode)
			}
			got, _ := db.Opportunity(context.Background(), rep.Viewer(), o.ID)
			if got.Status != "lost" || got.LossReason != "competitor_price" {
				t.Fatalf("after closing: status %s reason %s", got.Status, got.LossReason)
			}
		})
	})
}
