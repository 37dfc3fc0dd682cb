package api_test

import (
	"fmt"
	"testing"

	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// TestPipelineSettings: admins edit a pipeline's mode and stages; a changed
// probability changes forecasts from then on while history keeps the old
// one; a stage that held deals cannot be removed; bad stage lists name
// their fields; a stale version is 409; others get 403.
func TestPipelineSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		pid := e.pipelineID("simple-4")
		pl := e.must(200, "GET", "/api/v1/pipelines/"+pid, admin, nil)
		stages := pl["stages"].([]any)
		cust := e.customer(repA1, "设置客户")
		deal := e.opportunity(repA1, obj{"customer_id": cust, "amount": "1000000.00", "pipeline_id": pid})

		r := e.call("PATCH", "/api/v1/pipelines/"+pid, e.tok[mgrA], obj{"mode": "indicators", "version": version(pl)})
		wantProblem(t, r, 403)

		// Raise plan_confirmed from 20% to 30%.
		stages[0].(map[string]any)["probability"] = 30
		pl2 := e.must(200, "PATCH", "/api/v1/pipelines/"+pid, admin, obj{"mode": "indicators", "stages": stages, "version": version(pl)})
		if str(pl2, "mode") != "indicators" || version(pl2) != version(pl)+1 {
			t.Fatalf("after PATCH: mode %v version %v", pl2["mode"], pl2["version"])
		}
		if got := e.must(200, "GET", "/api/v1/opportunities/"+str(deal, "id"), repA1, nil); str(got, "weighted_amount") != "300000.00" {
			t.Errorf("weighted amount after the change = %v, want 300000.00", got["weighted_amount"])
		}
		hist := e.must(200, "GET", "/api/v1/opportunities/"+str(deal, "id")+"/history", repA1, nil)
		if first := hist["stages"].([]any)[0].(map[string]any); num(first, "probability") != 20 {
			t.Errorf("history's probability = %v, want the 20 that held at creation", first["probability"])
		}

		// Stale version.
		r = e.call("PATCH", "/api/v1/pipelines/"+pid, e.tok[admin], obj{"mode": "manual", "version": version(pl)})
		wantProblem(t, r, 409)

		// Removing a stage that holds a deal.
		r = e.call("PATCH", "/api/v1/pipelines/"+pid, e.tok[admin], obj{"stages": stages[1:], "version": version(pl2)})
		wantProblem(t, r, 409)

		// A bad list names each problem.
		bad := []any{
			obj{"key": "Bad Key", "name_zh": "", "name_en": "x", "probability": 120, "kind": "open"},
			obj{"key": "won", "name_zh": "赢单", "name_en": "Won", "probability": 90, "kind": "won", "required_documents": []string{"selfie"}},
		}
		r = e.call("PATCH", "/api/v1/pipelines/"+pid, e.tok[admin], obj{"stages": bad, "version": version(pl2)})
		wantProblem(t, r, 422)
		want := "[stages[0].key stages[0].name_zh stages[0].probability stages[1].probability stages[1].required_documents[0] stages]"
		if fs := fieldsOf(r.JSON); fmt.Sprint(fs) != want {
			t.Errorf("bad stages: errors name %v, want %v", fs, want)
		}
		if after := e.must(200, "GET", "/api/v1/pipelines/"+pid, admin, nil); version(after) != version(pl2) {
			t.Errorf("refused edits changed the pipeline: version %v", after["version"])
		}

		// A new pipeline.
		created := e.must(201, "POST", "/api/v1/pipelines", admin, obj{"key": "renewal", "name_zh": "续约", "stages": []any{
			obj{"key": "talks", "name_zh": "续约沟通", "name_en": "Talks", "probability": 50, "kind": "open"},
			obj{"key": "won", "name_zh": "赢单", "name_en": "Won", "probability": 100, "kind": "won"},
			obj{"key": "lost", "name_zh": "输单", "name_en": "Lost", "probability": 0, "kind": "lost"},
		}})
		if len(created["stages"].([]any)) != 3 || str(created, "mode") != "manual" {
			t.Errorf("created pipeline = %v", created)
		}
		r = e.call("POST", "/api/v1/pipelines", e.tok[admin], obj{"key": "renewal", "name_zh": "又一个", "stages": []any{
			obj{"key": "t", "name_zh": "t", "probability": 1, "kind": "open"},
			obj{"key": "won", "name_zh": "赢", "probability": 100, "kind": "won"},
			obj{"key": "lost", "name_zh": "输", "probability": 0, "kind": "lost"},
		}})
		wantProblem(t, r, 409)
	})
}
