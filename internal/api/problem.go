package api

import (
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"shangji/internal/funnel"
)

// Problem is an RFC 9457 problem document. Every error the API returns has
// this shape: validation errors name each field in Errors.
type Problem struct {
	Type   string              `json:"type,omitempty"`
	Title  string              `json:"title"`
	Status int                 `json:"status"`
	Detail string              `json:"detail,omitempty"`
	Errors []funnel.FieldError `json:"errors,omitempty"`
	// ExistingID points at the record a duplicate collided with.
	ExistingID string `json:"existing_id,omitempty"`
	// Current is the record as it is now, after a stale-version conflict.
	Current any `json:"current,omitempty"`
	// Missing lists what a stage gate requires and the deal lacks.
	Missing []funnel.Missing `json:"missing,omitempty"`
	// Health explains a move refused for a low health score.
	Health any `json:"health,omitempty"`
}

func (p *Problem) Error() string  { return p.Detail }
func (p *Problem) GetStatus() int { return p.Status }

// ContentType makes huma send application/problem+json.
func (p *Problem) ContentType(ct string) string {
	if ct == "application/json" {
		return "application/problem+json"
	}
	return ct
}

// statusOf maps the one application error type to HTTP, once.
var statusOf = map[string]int{
	funnel.EINVALID:      http.StatusUnprocessableEntity,
	funnel.ECONFLICT:     http.StatusConflict,
	funnel.ENOTFOUND:     http.StatusNotFound,
	funnel.EUNAUTHORIZED: http.StatusUnauthorized,
	funnel.EFORBIDDEN:    http.StatusForbidden,
}

// problemOf converts any error a use case returns into a Problem; unknown
// errors are logged and hidden behind a 500.
func problemOf(err error) error {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	var e *funnel.Error
	if !errors.As(err, &e) {
		slog.Error("internal error", "err", err)
		return &Problem{Title: http.StatusText(500), Status: 500, Detail: "internal error"}
	}
	status, ok := statusOf[e.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	return &Problem{Title: http.StatusText(status), Status: status, Detail: e.Message, Errors: e.Fields,
		ExistingID: e.ExistingID, Current: e.Current, Missing: e.Missing, Health: e.Health}
}

func init() {
	// Huma's own validation errors come out in our shape, with the field named
	// the way the client sent it ("amount", not "body.amount").
	huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
		p := &Problem{Title: http.StatusText(status), Status: status, Detail: msg}
		for _, err := range errs {
			var d *huma.ErrorDetail
			if errors.As(err, &d) {
				p.Errors = append(p.Errors, funnel.FieldError{Field: fieldName(d.Location, d.Message), Message: d.Message})
			} else if err != nil {
				p.Errors = append(p.Errors, funnel.FieldError{Field: "", Message: err.Error()})
			}
		}
		return p
	}
}

var requiredProperty = regexp.MustCompile(`^expected required property (\S+) to be present`)

// fieldName turns huma's location ("body.amount", "query.limit") into the
// field the client sent; a missing property is reported at its parent, so
// its name is taken from the message.
func fieldName(loc, msg string) string {
	for _, prefix := range []string{"body", "query", "path", "header"} {
		if loc == prefix {
			loc = ""
		} else if strings.HasPrefix(loc, prefix+".") {
			loc = strings.TrimPrefix(loc, prefix+".")
		}
	}
	if m := requiredProperty.FindStringSubmatch(msg); m != nil {
		if loc == "" {
			return m[1]
		}
		return loc + "." + m[1]
	}
	return loc
}
