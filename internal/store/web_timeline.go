package store

import "context"

// RecentActivities lists the latest follow-ups of an opportunity (or, with
// opportunityID empty, of a customer), newest first: the card's timeline.
func (db *DB) RecentActivities(ctx context.Context, v Viewer, opportunityID, customerID string, limit int) ([]*Activity, error) {
	var p params
	where := v.visibleActivity(&p)
	if opportunityID != "" {
		where += " AND a.opportunity_id = " + p.add(opportunityID)
	}
	if customerID != "" {
		where += " AND a.customer_id = " + p.add(customerID)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+activityCols+` FROM activities a WHERE `+where+
		` ORDER BY a.occurred_at DESC, a.id DESC LIMIT `+p.add(limit), p...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Activity
	for rows.Next() {
		a, err := scanActivity(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, db.loadActivityContacts(ctx, db.r, out)
}
