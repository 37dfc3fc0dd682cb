// Package funnel holds Shangji's domain: money, stages and probabilities,
// weighted value, competition win rate, forecast and gap diagnosis, and the
// one error type every layer returns. It does no I/O: no SQL, no HTTP.
package funnel

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes. Each maps to exactly one HTTP status in the api package.
const (
	ECONFLICT     = "conflict"     // stale version or duplicate natural key (409)
	EINVALID      = "invalid"      // bad input, named per field (422)
	ENOTFOUND     = "not_found"    // missing, or not visible to the caller (404)
	EUNAUTHORIZED = "unauthorized" // no or bad credentials (401)
	EFORBIDDEN    = "forbidden"    // visible but not allowed (403)
	EINTERNAL     = "internal"     // a bug or an outage (500)
)

// FieldError names one bad input field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the single error type of the application. Layers wrap lower-level
// failures into it so the edge (HTTP, CLI) can answer precisely.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	// Current carries the record as it is now, for a stale-version conflict,
	// so the client can merge without another round trip.
	Current any
	// ExistingID points at the record a duplicate collided with.
	ExistingID string
	// Missing lists what a stage gate requires and the deal lacks.
	Missing []Missing
	// Health explains a move refused for a low health score.
	Health any
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return e.Message + " (" + strings.Join(parts, "; ") + ")"
}

// Errorf returns an *Error with the given code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, EINTERNAL for foreign errors and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// Problems collects field errors while validating input, so one response names
// every bad field at once instead of the first only.
type Problems []FieldError

// Add records a problem with field.
func (p *Problems) Add(field, format string, args ...any) {
	*p = append(*p, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns an EINVALID error listing the problems, or nil when there are none.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "invalid input", Fields: p}
}
