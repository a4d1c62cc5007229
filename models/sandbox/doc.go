// Package sandbox owns the execution of Extension Scripts: JavaScript that
// defines `function main(context)` and returns the changed context, run by
// the pure-Go engine dop251/goja with nothing but the language, JSON, a
// frozen `secrets` object and a captured `console`: no network, no file
// system, no require or modules, no timers.
//
// Every script runs in a short-lived child process (the current executable,
// re-executed; the hook is this package's init function, so any binary that
// links the package, tests included, can serve as its own worker). goja
// interrupts JavaScript but not its built-ins, which are native Go: one line
// such as 'x'.repeat(2**31) or Array(2**32-1).fill(0) would otherwise crash
// the server with a fatal out-of-memory error or hold a core for minutes.
// The child gets a minimal environment, GOMAXPROCS=1 and rlimits (data
// segment, CPU seconds, open files, file size), dies with its parent, and is
// killed when it overruns. Inside it the limits are enforced gracefully:
// vm.Interrupt from a timer (Limits.Timeout, 100 ms by default, counting
// parsing too), vm.SetMaxCallStackSize, and a watcher of the heap
// (runtime/metrics) that interrupts the script past Limits.Memory. Source
// maps, the one way goja's parser reads files, are disabled for the script
// and for eval.
//
// Run executes a script against a JSON input and returns its output, its
// console lines (bounded) and a *ScriptError with line and column, or
// TimedOut. Check validates a script at save time (syntax, with line and
// column, and that main is defined) without running it. At most
// MaxConcurrent workers run at once; further callers wait for a slot under
// their context.
package sandbox
