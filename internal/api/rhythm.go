package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"shangji/internal/app"
	"shangji/internal/funnel"
	"shangji/internal/store"
)

// registerRhythm adds the follow-up rhythm's other resources: discipline
// points, the rules' settings, and a closed deal's archive (SPEC §6–7).
func (h handlers) registerRhythm(api huma.API) {
	tags := []string{"follow-up rhythm"}
	route(api, huma.Operation{OperationID: "listPoints", Method: http.MethodGet, Path: "/api/v1/points", Tags: tags,
		Summary:     "Discipline points ledger",
		Description: "A user's discipline points (zombie deals cost points, once per spell) with the total; default me. Managers read their team's, admins anyone's."},
		func(ctx context.Context, u *store.User, in *struct {
			UserID string `query:"user_id"`
		}) (*body[*app.Points], error) {
			return ok(h.app.PointsOf(ctx, u, in.UserID))
		})
	route(api, huma.Operation{OperationID: "getRhythmSettings", Method: http.MethodGet, Path: "/api/v1/settings/rhythm", Tags: []string{"settings"},
		Summary: "Follow-up rhythm thresholds"},
		func(ctx context.Context, u *store.User, _ *struct{}) (*body[funnel.RhythmSettings], error) {
			return ok(h.app.RhythmSettings(ctx))
		})
	route(api, huma.Operation{OperationID: "putRhythmSettings", Method: http.MethodPut, Path: "/api/v1/settings/rhythm", Tags: []string{"settings"},
		Summary: "Change the follow-up rhythm thresholds (admin)", Description: "Fields left out or zero keep their defaults.", Errors: []int{403}},
		func(ctx context.Context, u *store.User, in *struct{ Body funnel.RhythmSettings }) (*body[funnel.RhythmSettings], error) {
			return ok(h.app.SaveRhythmSettings(ctx, u, in.Body))
		})
	route(api, huma.Operation{OperationID: "getArchive", Method: http.MethodGet, Path: "/api/v1/opportunities/{id}/archive", Tags: tags,
		Summary: "A closed deal's archive", Description: "Success points (won) or the loss analysis (lost); 404 until filed."},
		func(ctx context.Context, u *store.User, in *ByID) (*body[*store.DealArchive], error) {
			return ok(h.app.Archive(ctx, u, in.ID))
		})
	route(api, huma.Operation{OperationID: "fileArchive", Method: http.MethodPut, Path: "/api/v1/opportunities/{id}/archive", Tags: tags,
		Summary:     "File a closed deal's archive",
		Description: "Within 7 working days of the close (SPEC §7): success points for a win; for a loss the loss analysis (reason from the taxonomy, competitor strengths, real reason, own weaknesses). Settles the archive todo and the archive_overdue flag.",
		Errors:      []int{403, 409}},
		func(ctx context.Context, u *store.User, in *struct {
			ID   string `path:"id"`
			Body app.ArchiveInput
		}) (*body[*store.DealArchive], error) {
			return ok(h.app.FileArchive(ctx, u, in.ID, in.Body))
		})
}
