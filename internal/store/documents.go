package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Document is a deliverable attached to an opportunity: a stored file or a
// link, with a type that stage gates can require (seed 002 输出物).
type Document struct {
	ID            string    `json:"id"`
	OpportunityID string    `json:"opportunity_id"`
	Type          string    `json:"doc_type"`
	Name          string    `json:"name"`
	URL           string    `json:"url,omitempty"`
	ContentType   string    `json:"content_type,omitempty"`
	Size          int64     `json:"size"`
	SHA256        string    `json:"sha256,omitempty"`
	CreatedBy     string    `json:"created_by"`
	CreatedAt     time.Time `json:"created_at"`
}

const documentCols = `d.id, d.opportunity_id, d.doc_type, d.name, d.url, d.content_type, d.size, d.sha256, d.created_by, d.created_at`

func scanDocument(row interface{ Scan(...any) error }) (*Document, error) {
	var d Document
	var at int64
	err := row.Scan(&d.ID, &d.OpportunityID, &d.Type, &d.Name, &d.URL, &d.ContentType, &d.Size, &d.SHA256, &d.CreatedBy, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("document")
	} else if err != nil {
		return nil, err
	}
	d.CreatedAt = msTime(at)
	return &d, nil
}

// CreateDocument stores d with its content (nil for a link).
func (tx *Tx) CreateDocument(ctx context.Context, d *Document, content []byte) error {
	d.ID, d.CreatedAt = tx.db.NewID(), tx.now
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO documents (id, opportunity_id, doc_type, name, url, content_type, size, sha256, content, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		d.ID, d.OpportunityID, d.Type, d.Name, d.URL, d.ContentType, d.Size, d.SHA256, content, d.CreatedBy, tx.nowMS())
	if err != nil {
		return err
	}
	return tx.addChange(ctx, d.OpportunityID, d.CreatedBy, "documents", "", d.Type+": "+d.Name)
}

// Document returns a live document whose opportunity the viewer may see.
func (db *DB) Document(ctx context.Context, v Viewer, id string) (*Document, error) {
	return db.document(ctx, db.r, v, id)
}

// Document reads inside the transaction.
func (tx *Tx) Document(ctx context.Context, v Viewer, id string) (*Document, error) {
	return tx.db.document(ctx, tx.tx, v, id)
}

func (db *DB) document(ctx context.Context, q querier, v Viewer, id string) (*Document, error) {
	var p params
	where := "d.id = " + p.add(id) + " AND d.deleted_at IS NULL AND EXISTS (SELECT 1 FROM opportunities o WHERE o.id = d.opportunity_id AND " + v.visibleOpportunity(&p) + ")"
	return scanDocument(q.QueryRowContext(ctx, `SELECT `+documentCols+` FROM documents d WHERE `+where, p...))
}

// DocumentContent returns the stored bytes of a visible document.
func (db *DB) DocumentContent(ctx context.Context, v Viewer, id string) (*Document, []byte, error) {
	d, err := db.Document(ctx, v, id)
	if err != nil {
		return nil, nil, err
	}
	var b []byte
	err = db.r.QueryRowContext(ctx, `SELECT content FROM documents WHERE id = $1`, id).Scan(&b)
	return d, b, err
}

// Documents lists the live documents of an opportunity (visibility checked by
// the caller), oldest first.
func (db *DB) Documents(ctx context.Context, oppID string) ([]*Document, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+documentCols+` FROM documents d WHERE d.opportunity_id = $1 AND d.deleted_at IS NULL ORDER BY d.id`, oppID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Document{}
	for rows.Next() {
		d, err := scanDocument(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DeleteDocument marks a document deleted; it stays for audit, but no longer
// counts for gates or evidence.
func (tx *Tx) DeleteDocument(ctx context.Context, v Viewer, id, by string) (*Document, error) {
	d, err := tx.Document(ctx, v, id)
	if err != nil {
		return nil, err
	}
	if _, err := tx.tx.ExecContext(ctx, `UPDATE documents SET deleted_at = $1 WHERE id = $2`, tx.nowMS(), id); err != nil {
		return nil, err
	}
	return d, tx.addChange(ctx, d.OpportunityID, by, "documents", d.Type+": "+d.Name, "")
}
