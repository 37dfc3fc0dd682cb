package store

import "context"

// AllChannels lists every channel for the settings page: the company's
// first, then teams' and users', oldest first within each.
func (db *DB) AllChannels(ctx context.Context) ([]Channel, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+channelCols+` FROM channels
		ORDER BY CASE WHEN user_id IS NULL AND team_id IS NULL THEN 0 WHEN team_id IS NOT NULL THEN 1 ELSE 2 END, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Channel
	for rows.Next() {
		c, err := scanChannel(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, rows.Err()
}
