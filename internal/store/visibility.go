package store

import (
	"context"
	"strconv"
)

// Viewer is the person a read is for. Visibility (SPEC §1): a rep sees their
// own records and those they collaborate on, a manager the whole subtree of
// the teams they manage, an admin everything. It is applied inside every
// query, never by loading rows and filtering in Go.
type Viewer struct {
	UserID string
	Admin  bool
}

// System sees everything: jobs, the CLI and the demo loader act as it.
var System = Viewer{UserID: "system", Admin: true}

// params numbers positional arguments ($1, $2, …) while a query is built.
type params []any

func (p *params) add(v any) string {
	*p = append(*p, v)
	return "$" + strconv.Itoa(len(*p))
}

// subtreeOwners is a subquery of the ids of users in the teams managed by u
// and every team below them.
func subtreeOwners(u string) string {
	return `SELECT su.id FROM users su JOIN teams st ON su.team_id = st.id
		JOIN teams sm ON st.path LIKE sm.path || '%' WHERE sm.manager_id = ` + u
}

// visibleOpportunity returns a condition on alias o.
func (v Viewer) visibleOpportunity(p *params) string {
	if v.Admin {
		return "1=1"
	}
	u := p.add(v.UserID)
	return `(o.owner_id = ` + u + ` OR o.owner_id IN (` + subtreeOwners(u) + `)
		OR EXISTS (SELECT 1 FROM opportunity_collaborators oc WHERE oc.opportunity_id = o.id AND oc.user_id = ` + u + `))`
}

// visibleCustomer returns a condition on alias c: owned by the viewer or their
// subtree, or holding an opportunity the viewer sees.
func (v Viewer) visibleCustomer(p *params) string {
	if v.Admin {
		return "1=1"
	}
	u := p.add(v.UserID)
	return `(c.owner_id = ` + u + ` OR c.owner_id IN (` + subtreeOwners(u) + `)
		OR EXISTS (SELECT 1 FROM opportunities o WHERE o.customer_id = c.id AND (o.owner_id = ` + u + `
			OR o.owner_id IN (` + subtreeOwners(u) + `)
			OR EXISTS (SELECT 1 FROM opportunity_collaborators oc WHERE oc.opportunity_id = o.id AND oc.user_id = ` + u + `))))`
}

// visibleOwner returns a condition on a column holding a user id: the viewer
// themself or someone in their subtree (direct sales, quotas of people).
func (v Viewer) visibleOwner(p *params, col string) string {
	if v.Admin {
		return "1=1"
	}
	u := p.add(v.UserID)
	return `(` + col + ` = ` + u + ` OR ` + col + ` IN (` + subtreeOwners(u) + `))`
}

// CanActFor reports whether the viewer may act for userID: themself, someone
// in the subtree they manage, or anyone for an admin.
func (db *DB) CanActFor(ctx context.Context, v Viewer, userID string) (bool, error) {
	return canActFor(ctx, db.r, v, userID)
}

// CanActFor checks inside the transaction (a transaction must not wait for a
// second connection from the pool it holds one of).
func (tx *Tx) CanActFor(ctx context.Context, v Viewer, userID string) (bool, error) {
	return canActFor(ctx, tx.tx, v, userID)
}

func canActFor(ctx context.Context, q querier, v Viewer, userID string) (bool, error) {
	if userID != "" && userID == v.UserID {
		return true, nil // oneself: the viewer is a user, and users are never deleted
	}
	var n int
	if v.Admin { // anyone who exists; the subtree need not be asked
		err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE id = $1`, userID).Scan(&n)
		return n == 1, err
	}
	var p params
	where := "u.id = " + p.add(userID) + " AND " + v.visibleOwner(&p, "u.id")
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users u WHERE `+where, p...).Scan(&n)
	return n == 1, err
}

// CanSeeTeam reports whether the viewer's view covers the whole team: an
// admin, or a manager of it or of a team above it.
func (db *DB) CanSeeTeam(ctx context.Context, v Viewer, teamID string) (bool, error) {
	if v.Admin {
		return true, nil
	}
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM teams t JOIN teams m ON t.path LIKE m.path || '%'
		WHERE t.id = $1 AND m.manager_id = $2`, teamID, v.UserID).Scan(&n)
	return n > 0, err
}
