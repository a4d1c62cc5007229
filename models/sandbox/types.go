package sandbox

import (
	"encoding/json"
	"fmt"
	"time"
)

// Fixed bounds of what a script and its caller may exchange.
const (
	// MaxCodeBytes is the largest script accepted.
	MaxCodeBytes = 64 << 10
	// MaxInputBytes is the largest JSON input accepted.
	MaxInputBytes = 1 << 20
	// MaxSecretsBytes bounds the names and values of the secrets together.
	MaxSecretsBytes = 256 << 10
	// MaxLogLineBytes is the longest console line kept; longer ones are cut.
	MaxLogLineBytes = 1024
	// MaxTimeout is the longest time a script may be given.
	MaxTimeout = 5 * time.Second
	// MaxMemory is the most memory a script may be given.
	MaxMemory = 512 << 20
)

// Limits bound one run. A zero field takes its value from DefaultLimits.
type Limits struct {
	// Timeout is the time the script has, parsing included (at most
	// MaxTimeout).
	Timeout time.Duration
	// Memory is the heap the script may grow, in bytes (at most MaxMemory).
	Memory int64
	// MaxCallStackSize is the deepest call stack; deeper recursion throws.
	MaxCallStackSize int
	// MaxOutputBytes bounds the JSON the script returns.
	MaxOutputBytes int
	// MaxLogLines bounds the console lines kept; later ones are counted in
	// a last line saying how many were dropped.
	MaxLogLines int
}

// DefaultLimits are the limits of Extension Scripts.
var DefaultLimits = Limits{
	Timeout:          100 * time.Millisecond,
	Memory:           64 << 20,
	MaxCallStackSize: 1000,
	MaxOutputBytes:   256 << 10,
	MaxLogLines:      100,
}

func (l Limits) withDefaults() Limits {
	if l.Timeout <= 0 {
		l.Timeout = DefaultLimits.Timeout
	}
	l.Timeout = min(l.Timeout, MaxTimeout)
	if l.Memory <= 0 {
		l.Memory = DefaultLimits.Memory
	}
	l.Memory = min(l.Memory, MaxMemory)
	if l.MaxCallStackSize <= 0 {
		l.MaxCallStackSize = DefaultLimits.MaxCallStackSize
	}
	if l.MaxOutputBytes <= 0 {
		l.MaxOutputBytes = DefaultLimits.MaxOutputBytes
	}
	l.MaxOutputBytes = min(l.MaxOutputBytes, MaxInputBytes)
	if l.MaxLogLines <= 0 {
		l.MaxLogLines = DefaultLimits.MaxLogLines
	}
	l.MaxLogLines = min(l.MaxLogLines, 1000)
	return l
}

// Result is what a run produced. Exactly one of Output and Err is set.
type Result struct {
	// Output is the value main returned, as JSON.
	Output json.RawMessage
	// Logs are the console lines, in order, at most Limits.MaxLogLines
	// (plus one saying how many were dropped), each at most
	// MaxLogLineBytes. The values of the secrets are masked in them.
	Logs []string
	// Err is why the script did not produce an output.
	Err *ScriptError
	// TimedOut tells that the script ran out of time (Err then has
	// KindTimeout).
	TimedOut bool
	// Duration is the wall time of the run, worker start included.
	Duration time.Duration
}

// Kind classifies a ScriptError.
type Kind string

// The kinds of ScriptError.
const (
	KindSyntax        Kind = "syntax"         // the script does not parse
	KindNoMain        Kind = "no_main"        // main is not defined as a function
	KindException     Kind = "exception"      // the script threw
	KindStackOverflow Kind = "stack_overflow" // the call stack grew past the limit
	KindMemory        Kind = "memory"         // the script used more memory than allowed
	KindTimeout       Kind = "timeout"        // the script ran out of time
	KindOutput        Kind = "output"         // main returned nothing usable, or too much
	KindInput         Kind = "input"          // the caller's input or secrets were refused
)

// ScriptError is an error of the script, to show its author. Line and
// Column (1-based) locate it in the script when known, else they are 0.
type ScriptError struct {
	Kind    Kind   `json:"kind"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
}

func (e *ScriptError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Message)
	}
	return e.Message
}
