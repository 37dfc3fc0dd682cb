package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"

	"shangji/internal/funnel"
	"shangji/internal/store"
)

// MaxDocumentSize bounds an uploaded file (20 MiB): contracts and scans fit,
// a database full of videos does not.
const MaxDocumentSize = 20 << 20

// allowedContent are the sniffed types a document may have: PDFs, images,
// office files (zip containers), plain text.
var allowedContent = []string{"application/pdf", "image/", "application/zip", "text/plain", "application/vnd.openxmlformats", "application/msword"}

// DocumentInput attaches a link (url) to an opportunity.
type DocumentInput struct {
	Type string `json:"doc_type" doc:"needs_screening, needs_confirmation, proposal, proposal_acceptance, contract_scan, deal_confirmation, loss_analysis, meeting_minutes or other"`
	Name string `json:"name,omitempty"`
	URL  string `json:"url,omitempty" doc:"for a link; upload files with …/documents/upload"`
}

// AttachDocument stores a file (content non-nil) or a link on a visible
// opportunity. File content is sniffed, not trusted from the client; the
// name keeps no path, so it can never point outside where files are kept.
func (a *App) AttachDocument(ctx context.Context, actor *store.User, oppID string, in DocumentInput, content []byte) (*store.Document, error) {
	var p funnel.Problems
	if _, ok := funnel.DocumentTypes[in.Type]; !ok {
		p.Add("doc_type", "unknown document type %q", in.Type)
	}
	d := &store.Document{OpportunityID: oppID, Type: in.Type, Name: cleanFileName(in.Name), CreatedBy: actor.ID}
	if content == nil {
		u, err := url.Parse(strings.TrimSpace(in.URL))
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			p.Add("url", "must be an http(s) link")
		} else {
			d.URL = u.String()
		}
		if d.Name == "" {
			d.Name = d.URL
		}
	} else {
		switch {
		case len(content) == 0:
			p.Add("file", "is empty")
		case len(content) > MaxDocumentSize:
			p.Add("file", "is larger than %d MiB", MaxDocumentSize>>20)
		}
		d.ContentType = http.DetectContentType(content)
		if !allowed(d.ContentType) {
			p.Add("file", "type %s is not accepted: send a PDF, an image, an office document or text", d.ContentType)
		}
		sum := sha256.Sum256(content)
		d.Size, d.SHA256 = int64(len(content)), hex.EncodeToString(sum[:])
		if d.Name == "" {
			p.Add("name", "is required for a file")
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return d, a.tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Opportunity(ctx, actor.Viewer(), oppID); err != nil {
			return err
		}
		return tx.CreateDocument(ctx, d, content)
	})
}

// DeleteDocument soft-deletes a visible document; budget facts it evidenced
// lose their evidence, so the health score is recomputed.
func (a *App) DeleteDocument(ctx context.Context, actor *store.User, id string) error {
	return a.tx(ctx, func(tx *store.Tx) error {
		d, err := tx.DeleteDocument(ctx, actor.Viewer(), id, actor.ID)
		if err != nil {
			return err
		}
		return a.refreshHealth(ctx, tx, d.OpportunityID, actor.ID)
	})
}

func allowed(ct string) bool {
	for _, a := range allowedContent {
		if strings.HasPrefix(ct, a) {
			return true
		}
	}
	return false
}

// cleanFileName keeps the last element of a path in either separator style
// and drops control characters.
func cleanFileName(name string) string {
	name = strings.ReplaceAll(strings.TrimSpace(name), "\\", "/")
	name = filepath.Base("/" + name)
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if name == "/" || name == "." || name == ".." {
		return ""
	}
	if len([]rune(name)) > 200 {
		name = string([]rune(name)[:200])
	}
	return name
}

// BudgetFactInput records a budget fact with its evidence (SPEC §4).
type BudgetFactInput struct {
	Kind               string `json:"kind" enum:"amount_stated,approved,in_annual_plan"`
	EvidenceActivityID string `json:"evidence_activity_id,omitempty"`
	EvidenceDocumentID string `json:"evidence_document_id,omitempty"`
}

// AddBudgetFact records a budget fact on a visible opportunity. Evidence must
// be an activity or a document of the same opportunity; a fact without
// evidence is kept but scores nothing.
func (a *App) AddBudgetFact(ctx context.Context, actor *store.User, oppID string, in BudgetFactInput) (*store.BudgetFact, error) {
	switch funnel.BudgetFact(in.Kind) {
	case funnel.BudgetAmountStated, funnel.BudgetApproved, funnel.BudgetInAnnualPlan:
	default:
		return nil, fieldErr("kind", "must be amount_stated, approved or in_annual_plan")
	}
	f := &store.BudgetFact{OpportunityID: oppID, Kind: in.Kind, EvidenceActivityID: in.EvidenceActivityID,
		EvidenceDocumentID: in.EvidenceDocumentID, CreatedBy: actor.ID}
	err := a.tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Opportunity(ctx, actor.Viewer(), oppID); err != nil {
			return err
		}
		if in.EvidenceActivityID != "" {
			if act, err := tx.Activity(ctx, actor.Viewer(), in.EvidenceActivityID); err != nil || act.OpportunityID != oppID {
				return fieldErr("evidence_activity_id", "no activity %s on this opportunity", in.EvidenceActivityID)
			}
		}
		if in.EvidenceDocumentID != "" {
			if d, err := tx.Document(ctx, actor.Viewer(), in.EvidenceDocumentID); err != nil || d.OpportunityID != oppID {
				return fieldErr("evidence_document_id", "no document %s on this opportunity", in.EvidenceDocumentID)
			}
		}
		if err := tx.AddBudgetFact(ctx, f); err != nil {
			return err
		}
		return a.refreshHealth(ctx, tx, oppID, actor.ID)
	})
	return f, err
}

// DeleteBudgetFact removes a budget fact from a visible opportunity.
func (a *App) DeleteBudgetFact(ctx context.Context, actor *store.User, oppID, kind string) error {
	return a.tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Opportunity(ctx, actor.Viewer(), oppID); err != nil {
			return err
		}
		if err := tx.DeleteBudgetFact(ctx, oppID, kind, actor.ID); err != nil {
			return err
		}
		return a.refreshHealth(ctx, tx, oppID, actor.ID)
	})
}

// BudgetFacts lists the budget facts of a visible opportunity.
func (a *App) BudgetFacts(ctx context.Context, actor *store.User, oppID string) ([]store.BudgetFact, error) {
	var out []store.BudgetFact
	err := a.tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Opportunity(ctx, actor.Viewer(), oppID); err != nil {
			return err
		}
		var err error
		out, err = tx.BudgetFacts(ctx, oppID)
		return err
	})
	return out, err
}
