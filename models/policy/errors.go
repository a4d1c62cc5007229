package policy

import (
	"errors"
	"fmt"
	"strings"

	"github.com/google/cel-go/cel"
)

// ErrTimedOut is returned by Evaluate when the evaluation ran past its
// deadline and was interrupted.
var ErrTimedOut = errors.New("policy: evaluation timed out")

// ErrCostLimitExceeded is returned by Evaluate when the evaluation went past
// its runtime cost limit and was stopped.
var ErrCostLimitExceeded = errors.New("policy: evaluation stopped: cost limit exceeded")

// Kind tells what made Compile refuse a definition.
type Kind int

const (
	// KindSyntax: the expression does not parse or does not type-check.
	KindSyntax Kind = iota + 1
	// KindType: the expression is valid but does not yield a boolean.
	KindType
	// KindCost: the expression's estimated worst-case cost is too high.
	KindCost
)

// Issue is one problem of a definition. Line and Column are 1-based; both
// are 0 when the problem concerns no particular place.
type Issue struct {
	Line    int
	Column  int
	Message string
}

// String renders the issue as a form shows it beside the field:
// "line 3, column 7: undeclared reference to 'usr'".
func (i Issue) String() string {
	if i.Line <= 0 {
		return i.Message
	}
	return fmt.Sprintf("line %d, column %d: %s", i.Line, i.Column, i.Message)
}

// CompileError is why Compile refused a definition: every issue found.
type CompileError struct {
	Kind   Kind
	Issues []Issue
	// EstimatedCost is the estimate that was too high (KindCost only).
	EstimatedCost uint64
}

func (e *CompileError) Error() string {
	parts := make([]string, len(e.Issues))
	for i, is := range e.Issues {
		parts[i] = is.String()
	}
	return strings.Join(parts, "; ")
}

func compileErrorFromIssues(iss *cel.Issues) *CompileError {
	ce := &CompileError{Kind: KindSyntax}
	for _, e := range iss.Errors() {
		is := Issue{Message: cleanMessage(e.Message)}
		if loc := e.Location; loc != nil && loc.Line() > 0 {
			is.Line = loc.Line()
			is.Column = loc.Column() + 1 // CEL's columns are 0-based
		}
		ce.Issues = append(ce.Issues, is)
	}
	if len(ce.Issues) == 0 {
		ce.Issues = []Issue{{Message: iss.String()}}
	}
	return ce
}

// cleanMessage drops the note CEL adds about the (empty) container, which
// means nothing to the person writing a policy.
func cleanMessage(m string) string {
	return strings.TrimSuffix(m, " (in container '')")
}

// EvalError is an error of the expression met while evaluating it, such as
// a missing key ("no such key: role") or an operation on values of the
// wrong types ("no such overload").
type EvalError struct {
	Message string
}

func (e *EvalError) Error() string { return "policy: evaluation failed: " + e.Message }

// InputError is an input Evaluate or ParseInput does not accept.
type InputError struct {
	// Path locates the offending value, e.g. "request.headers" or "scopes[2]"
	// (empty for the input as a whole).
	Path    string
	Message string
}

func (e *InputError) Error() string {
	if e.Path == "" {
		return "policy: invalid input: " + e.Message
	}
	return "policy: invalid input: " + e.Path + ": " + e.Message
}
