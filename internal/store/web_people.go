package store

import (
	"context"
	"strings"
	"time"
)

// Read-only lookups the web pages need to label what they show and to offer
// only filters that can match something.

// PeopleInView lists the users the viewer may act for (themself and the
// subtree they manage; everyone for an admin), by name: the owner filter.
func (db *DB) PeopleInView(ctx context.Context, v Viewer) ([]*User, error) {
	var p params
	where := "active = 1 AND " + v.visibleOwner(&p, "id")
	rows, err := db.r.QueryContext(ctx, `SELECT `+userCols+` FROM users WHERE `+where+` ORDER BY name, id`, p...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// TeamsInView lists the teams the viewer manages and every team below them
// (all teams for an admin), by path so a tree prints in order.
func (db *DB) TeamsInView(ctx context.Context, v Viewer) ([]*Team, error) {
	var p params
	where := "1=1"
	if !v.Admin {
		where = `EXISTS (SELECT 1 FROM teams m WHERE m.manager_id = ` + p.add(v.UserID) + ` AND teams.path LIKE m.path || '%')`
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+teamCols+` FROM teams WHERE `+where+` ORDER BY path`, p...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Team
	for rows.Next() {
		t, err := scanTeam(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Depth is how far below the root a team sits (0 for a top-level team).
func (t *Team) Depth() int { return max(strings.Count(t.path, "/")-2, 0) }

// CustomerNames maps customer ids to names. It is only for labelling records
// the viewer already sees (the customer of a visible opportunity is visible).
func (db *DB) CustomerNames(ctx context.Context, ids []string) (map[string]string, error) {
	return db.names(ctx, "customers", ids)
}

// UserNames maps user ids to names; users are visible to every signed-in user.
func (db *DB) UserNames(ctx context.Context, ids []string) (map[string]string, error) {
	return db.names(ctx, "users", ids)
}

func (db *DB) names(ctx context.Context, table string, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var p params
	marks := make([]string, 0, len(ids))
	seen := map[string]bool{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			marks = append(marks, p.add(id))
		}
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id, name FROM `+table+` WHERE id IN (`+strings.Join(marks, ",")+`)`, p...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, rows.Err()
}

// LastContacted maps each contact involved in a follow-up of the opportunity
// to the latest such follow-up: the decision-chain map shows who was reached.
func (db *DB) LastContacted(ctx context.Context, opportunityID string) (map[string]time.Time, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT ac.contact_id, MAX(a.occurred_at) FROM activity_contacts ac
		JOIN activities a ON a.id = ac.activity_id WHERE a.opportunity_id = $1 GROUP BY ac.contact_id`, opportunityID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var id string
		var ms int64
		if err := rows.Scan(&id, &ms); err != nil {
			return nil, err
		}
		out[id] = msTime(ms)
	}
	return out, rows.Err()
}
