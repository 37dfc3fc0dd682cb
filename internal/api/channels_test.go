package api_test

import (
	"context"
	"testing"
	"time"

	"shangji/internal/store"
	"shangji/internal/store/storetest"
)

// TestCustomerOverlapAndOutbox: a deal opened for someone other than the
// customer's owner warns the opener and tells the owner once (SPEC §2,
// seed 002); admins see the outbox, retry a failed notification and
// manage channels; nobody else can.
func TestCustomerOverlapAndOutbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		cust := e.customer(repA1, "重叠客户")
		own := e.opportunity(repA1, obj{"customer_id": cust, "amount": "100000.00"})
		if _, said := own["warnings"]; said {
			t.Errorf("the owner's own deal warned: %v", own["warnings"])
		}
		// The manager opens one for repA2 on repA1's customer.
		o := e.must(201, "POST", "/api/v1/opportunities", mgrA, obj{"customer_id": cust, "name": "二期", "amount": "200000.00", "owner_id": e.id(repA2)})
		ws, _ := o["warnings"].([]any)
		if len(ws) != 1 || str(ws[0].(map[string]any), "code") != "customer_owned_by_other" {
			t.Fatalf("warnings = %v", o["warnings"])
		}
		if got := e.must(200, "GET", "/api/v1/opportunities/"+str(o, "id"), repA2, nil); got["warnings"] != nil {
			t.Errorf("a warning was kept on the record: %v", got["warnings"])
		}
		key := "customer-overlap:" + str(o, "id")
		var told []map[string]any
		for _, n := range items(t, e.must(200, "GET", "/api/v1/notifications?limit=500", admin, nil)) {
			if str(n, "key") == key {
				told = append(told, n)
			}
		}
		if len(told) != 1 || str(told[0], "address") != "repa1@example.com" || str(told[0], "kind") != "email" {
			t.Fatalf("notifications for the customer's owner: %v", told)
		}
		for _, who := range []string{repA1, mgrA, director} {
			wantProblem(t, e.call("GET", "/api/v1/notifications", e.tok[who], nil), 403)
			wantProblem(t, e.call("GET", "/api/v1/channels", e.tok[who], nil), 403)
			wantProblem(t, e.call("POST", "/api/v1/channels", e.tok[who], obj{"kind": "email", "name": "x", "address": "x@example.com"}), 403)
		}

		// A failed delivery is listed with its error and can be queued again, once.
		id := str(told[0], "id")
		wantProblem(t, e.call("POST", "/api/v1/notifications/"+id+"/retry", e.tok[admin], nil), 409)
		claimed, err := db.ClaimNotifications(ctx, 500, time.Minute)
		if err != nil || len(claimed) == 0 {
			t.Fatalf("claim: %v %v", claimed, err)
		}
		for _, n := range claimed {
			if err := db.NotificationFailed(ctx, n.ID, n.Attempts, "550 mailbox unavailable", nil); err != nil {
				t.Fatal(err)
			}
		}
		failed := items(t, e.must(200, "GET", "/api/v1/notifications?status=failed", admin, nil))
		if len(failed) != len(claimed) || str(failed[0], "last_error") != "550 mailbox unavailable" {
			t.Fatalf("failed list: %v", failed)
		}
		e.must(204, "POST", "/api/v1/notifications/"+id+"/retry", admin, nil)
		wantProblem(t, e.call("POST", "/api/v1/notifications/"+id+"/retry", e.tok[admin], nil), 409)
		wantProblem(t, e.call("POST", "/api/v1/notifications/nope/retry", e.tok[admin], nil), 404)
		if n := len(items(t, e.must(200, "GET", "/api/v1/notifications?status=failed", admin, nil))); n != len(claimed)-1 {
			t.Errorf("failed after the retry: %d, want %d", n, len(claimed)-1)
		}

		// Channels: named problems, no secret shown, versions on switching.
		p := wantProblemFields(t, e.call("POST", "/api/v1/channels", e.tok[admin], obj{"kind": "wecom", "name": "群", "address": "ftp://x"}))
		if p != "address" {
			t.Errorf("bad address named %q", p)
		}
		c := e.must(201, "POST", "/api/v1/channels", admin, obj{"kind": "webhook", "name": "ERP", "address": "https://erp.example/hook",
			"secret": "s3cret", "events": "*"})
		cs := items(t, e.must(200, "GET", "/api/v1/channels", admin, nil))
		if len(cs) != 1 || str(cs[0], "id") != str(c, "id") || cs[0]["secret"] != nil || cs[0]["active"] != true {
			t.Errorf("channels = %v", cs)
		}
		e.must(204, "PATCH", "/api/v1/channels/"+str(c, "id"), admin, obj{"active": false, "version": version(c)})
		wantProblem(t, e.call("PATCH", "/api/v1/channels/"+str(c, "id"), e.tok[admin], obj{"active": true, "version": version(c)}), 409)
		if cs := items(t, e.must(200, "GET", "/api/v1/channels", admin, nil)); cs[0]["active"] != false {
			t.Errorf("switched off: %v", cs[0])
		}
	})
}

// wantProblemFields expects a 422 and returns the fields it names, joined.
func wantProblemFields(t *testing.T, r *reply) string {
	t.Helper()
	wantProblem(t, r, 422)
	var out string
	for _, f := range fieldsOf(r.JSON) {
		out += f
	}
	return out
}
