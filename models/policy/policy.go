package policy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/checker"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/interpreter"
)

// Sizes of the inputs Evaluate accepts. The compile-time cost estimate
// assumes every list, map and string of the input may be this large, so an
// expression accepted by Compile cannot be made expensive by a large input.
const (
	// MaxCollectionSize is the most entries a list or map of the input may
	// hold, at any depth.
	MaxCollectionSize = 1000
	// MaxStringLength is the longest string (in bytes) the input may hold.
	MaxStringLength = 8192
	// MaxInputDepth is the deepest nesting of lists and maps in the input.
	MaxInputDepth = 32
	// MaxInputBytes is the largest JSON document ParseInput reads.
	MaxInputBytes = 256 << 10
	// MaxDefinitionLength is the longest definition Compile accepts, in
	// characters.
	MaxDefinitionLength = 16 << 10
	// MaxTimeout is the longest deadline an evaluation may be given.
	MaxTimeout = time.Second
)

// Limits bound what a policy may cost.
type Limits struct {
	// MaxEstimatedCost refuses, at compile time, an expression whose
	// estimated worst-case cost over the largest accepted input is higher.
	MaxEstimatedCost uint64
	// MaxCost stops an evaluation whose actual cost goes higher.
	MaxCost uint64
	// Timeout stops an evaluation that runs longer (at most MaxTimeout).
	Timeout time.Duration
}

// DefaultLimits are the limits Compile applies. A cost unit is roughly one
// elementary operation (a comparison, a field access, one iteration). One
// comprehension over a list of MaxCollectionSize entries is estimated at
// about 5,000; two nested ones at about 10^8, so they are refused. The
// runtime limit leaves room for strings read through dyn values, which the
// estimate counts as MaxCollectionSize long although they may be longer.
//
// Measured with cel-go v0.31.0: runtime cost tracking makes a comprehension
// of n iterations take time in n² (its value stack is searched linearly), so
// the deadline, not the cost limit, is what stops a long evaluation first.
var DefaultLimits = Limits{
	MaxEstimatedCost: 100_000,
	MaxCost:          1_000_000,
	Timeout:          500 * time.Millisecond,
}

// interruptCheckFrequency is how many comprehension iterations run between
// two looks at the evaluation's deadline.
const interruptCheckFrequency = 10

// The variable names of the environment.
const (
	VarRequest = "request"
	VarUser    = "user"
	VarClient  = "client"
	VarScopes  = "scopes"
)

// env is the one CEL environment of every policy; a cel.Env is safe for
// concurrent use.
var env = sync.OnceValues(func() (*cel.Env, error) {
	return cel.NewEnv(
		cel.Variable(VarRequest, cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable(VarUser, cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable(VarClient, cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable(VarScopes, cel.ListType(cel.StringType)),
		cel.ParserExpressionSizeLimit(MaxDefinitionLength),
	)
})

// Program is a compiled policy. It is safe for concurrent use.
type Program struct {
	prog          cel.Program
	limits        Limits
	estimatedCost uint64
	dynOutput     bool
}

// Compile checks and compiles a policy definition under DefaultLimits.
// A definition that is not a valid, boolean, affordable expression comes
// back as a *CompileError.
func Compile(definition string) (*Program, error) {
	return CompileWithLimits(definition, DefaultLimits)
}

// CompileWithLimits is Compile with other limits (tests, and callers with
// stricter budgets). A zero field takes its value from DefaultLimits; the
// timeout is capped at MaxTimeout.
func CompileWithLimits(definition string, limits Limits) (*Program, error) {
	limits = limits.withDefaults()
	e, err := env()
	if err != nil {
		return nil, fmt.Errorf("policy: building the CEL environment: %w", err)
	}
	if strings.TrimSpace(definition) == "" {
		return nil, &CompileError{Kind: KindSyntax, Issues: []Issue{{Message: "the definition is empty: write an expression that yields true (allow) or false (deny)"}}}
	}
	ast, iss := e.Compile(definition)
	if iss.Err() != nil {
		return nil, compileErrorFromIssues(iss)
	}
	out := ast.OutputType()
	dyn := out.IsExactType(cel.DynType)
	if !out.IsExactType(cel.BoolType) && !dyn {
		return nil, &CompileError{Kind: KindType, Issues: []Issue{{
			Line: 1, Column: 1,
			Message: fmt.Sprintf("the policy must yield a boolean (true allows, false denies), but this expression yields %s", out),
		}}}
	}
	est, err := e.EstimateCost(ast, sizeEstimator{})
	if err != nil {
		return nil, &CompileError{Kind: KindCost, Issues: []Issue{{Message: "the cost of this expression cannot be estimated: " + err.Error()}}}
	}
	if est.Max > limits.MaxEstimatedCost {
		return nil, &CompileError{Kind: KindCost, EstimatedCost: est.Max, Issues: []Issue{{
			Line: 1, Column: 1,
			Message: fmt.Sprintf("the expression is too expensive: its estimated worst-case cost is %s, above the limit of %d "+
				"(inputs may hold up to %d entries per list or map; nested comprehensions over them are the usual cause)",
				formatCost(est.Max), limits.MaxEstimatedCost, MaxCollectionSize),
		}}}
	}
	prog, err := e.Program(ast,
		cel.CostLimit(limits.MaxCost),
		cel.InterruptCheckFrequency(interruptCheckFrequency),
	)
	if err != nil {
		return nil, &CompileError{Kind: KindSyntax, Issues: []Issue{{Message: err.Error()}}}
	}
	return &Program{prog: prog, limits: limits, estimatedCost: est.Max, dynOutput: dyn}, nil
}

func (l Limits) withDefaults() Limits {
	if l.MaxEstimatedCost == 0 {
		l.MaxEstimatedCost = DefaultLimits.MaxEstimatedCost
	}
	if l.MaxCost == 0 {
		l.MaxCost = DefaultLimits.MaxCost
	}
	if l.Timeout <= 0 {
		l.Timeout = DefaultLimits.Timeout
	}
	if l.Timeout > MaxTimeout {
		l.Timeout = MaxTimeout
	}
	return l
}

func formatCost(c uint64) string {
	if c == ^uint64(0) {
		return "unbounded"
	}
	return fmt.Sprint(c)
}

// EstimatedCost is the worst-case cost Compile estimated for the policy.
func (p *Program) EstimatedCost() uint64 { return p.estimatedCost }

// Evaluate runs the policy against input, whose keys are "request", "user",
// "client" (maps) and "scopes" (a list of strings); a missing key stands
// for an empty map or list. It answers whether the policy allows.
//
// Errors: *InputError (input of the wrong shape or too large), *EvalError
// (the expression failed: no such key, no matching overload, a result that
// is not a boolean), ErrTimedOut, ErrCostLimitExceeded, or ctx's own error
// when ctx was cancelled by the caller.
func (p *Program) Evaluate(ctx context.Context, input map[string]any) (allowed bool, err error) {
	vars, err := normalizeInput(input)
	if err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	ectx, cancel := context.WithTimeoutCause(ctx, p.limits.Timeout, ErrTimedOut)
	defer cancel()
	out, _, err := p.prog.ContextEval(ectx, vars)
	if err != nil {
		return false, p.evalError(ctx, ectx, err)
	}
	b, ok := out.Value().(bool)
	if !ok || out.Type() != types.BoolType {
		return false, &EvalError{Message: fmt.Sprintf("the policy yielded %s, not a boolean (true allows, false denies)", describeValue(out.Type().TypeName()))}
	}
	return b, nil
}

func (p *Program) evalError(parent, ectx context.Context, err error) error {
	var cancelled interpreter.EvalCancelledError
	if errors.As(err, &cancelled) && cancelled.Cause == interpreter.CostLimitExceeded {
		return ErrCostLimitExceeded
	}
	if errors.Is(err, ErrTimedOut) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.As(err, &cancelled) || errors.Is(err, interpreter.InterruptError{}) {
		if perr := parent.Err(); perr != nil {
			return perr
		}
		if ectx.Err() != nil {
			return ErrTimedOut
		}
	}
	return &EvalError{Message: err.Error()}
}

func describeValue(typeName string) string {
	switch typeName {
	case "null_type":
		return "null"
	case "map", "list":
		return "a " + typeName
	case "int", "uint", "double", "string", "bytes":
		return "a value of type " + typeName
	}
	return typeName
}

// sizeEstimator tells CEL's cost estimator how large a value of the input
// may be: the limits ParseInput and Evaluate enforce. A dyn value is taken
// to be a collection; strings read through dyn are bounded at run time by
// the cost limit.
type sizeEstimator struct{}

func (sizeEstimator) EstimateSize(node checker.AstNode) *checker.SizeEstimate {
	switch node.Type().Kind() {
	case types.StringKind, types.BytesKind:
		return &checker.SizeEstimate{Min: 0, Max: MaxStringLength}
	case types.ListKind, types.MapKind, types.DynKind:
		return &checker.SizeEstimate{Min: 0, Max: MaxCollectionSize}
	}
	return nil
}

func (sizeEstimator) EstimateCallCost(string, string, *checker.AstNode, []checker.AstNode) *checker.CallEstimate {
	return nil
}
