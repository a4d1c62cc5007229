package fga

import (
	"errors"
	"fmt"
	"strings"
)

// Issue is one problem of a model. Line and Column are 1-based; both are 0
// when the problem concerns no particular place.
type Issue struct {
	Line    int
	Column  int
	Message string
}

// String renders the issue as a form shows it beside the field:
// "line 4, column 21: ...".
func (i Issue) String() string {
	if i.Line <= 0 {
		return i.Message
	}
	if i.Column <= 0 {
		return fmt.Sprintf("line %d: %s", i.Line, i.Message)
	}
	return fmt.Sprintf("line %d, column %d: %s", i.Line, i.Column, i.Message)
}

// ParseError is why Parse refused a model: every issue found.
type ParseError struct {
	Issues []Issue
}

func (e *ParseError) Error() string {
	parts := make([]string, len(e.Issues))
	for i, is := range e.Issues {
		parts[i] = is.String()
	}
	return strings.Join(parts, "; ")
}

// FieldError is a tuple or a check request that does not fit the model.
// Field is "object", "relation" or "subject".
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// ErrDepthExceeded is returned by Check when resolving the relation needs
// more than MaxDepth nested sub-checks (as OpenFGA, which answers with an
// error rather than a guess).
var ErrDepthExceeded = errors.New("fga: resolution depth exceeded")

// ErrTooComplex is returned by Check when answering needs more than
// MaxDispatches sub-checks.
var ErrTooComplex = errors.New("fga: check too complex")
