// Package policy owns Gatehouse's access policies: expressions in the Common
// Expression Language (CEL, google/cel-go) over four variables,
//
//	request  map   the request being decided (method, path, headers, ...)
//	user     map   the signed-in user's attributes
//	client   map   the calling client
//	scopes   list  the granted scopes, as strings
//
// that yield a boolean: true allows, false denies.
//
// Compile checks a definition once, on save: syntax and type errors come back
// as a *CompileError listing each issue with its line and column (1-based),
// an expression whose result is not a boolean is refused, and so is one whose
// estimated worst-case cost is above Limits.MaxEstimatedCost (the estimate
// assumes inputs as large as ParseInput and Evaluate accept: MaxCollectionSize
// entries in a list or map, MaxStringLength bytes in a string). The compiled
// *Program is safe for concurrent use.
//
// (*Program).Evaluate runs it against an input under a deadline
// (Limits.Timeout, at most a second, enforced by interrupting comprehensions)
// and a runtime cost limit (Limits.MaxCost). Failures are typed: *InputError
// for an input outside the accepted shape or sizes, *EvalError for an error
// of the expression itself (a missing key, a type mismatch), and ErrTimedOut
// and ErrCostLimitExceeded for evaluations that were stopped.
//
// ParseInput turns the JSON a person types into the Test form
// ({"request": {...}, "user": {...}, "client": {...}, "scopes": [...]}) into
// an input for Evaluate. The package does no I/O and stores nothing.
package policy
