package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime/metrics"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/dop251/goja"
	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/parser"
)

// This file is the engine proper: it runs inside a worker process (see
// worker.go) and knows nothing of processes.

// scriptName is the file name the script's positions are reported in.
const scriptName = "script.js"

// mainGetter reads main whether it was declared with function, var, let or
// const (the last two are not properties of the global object).
var mainGetter = goja.MustCompile("main-getter", `typeof main === "function" ? main : undefined`, false)

// parseScript parses code with source maps disabled: a
// `//# sourceMappingURL=` comment would otherwise make the parser read a
// file.
func parseScript(code string) (*ast.Program, *ScriptError) {
	if len(code) > MaxCodeBytes {
		return nil, &ScriptError{Kind: KindSyntax, Message: fmt.Sprintf("the script is %d bytes; at most %d are accepted", len(code), MaxCodeBytes)}
	}
	if !utf8.ValidString(code) {
		return nil, &ScriptError{Kind: KindSyntax, Message: "the script is not valid UTF-8 text"}
	}
	prg, err := parser.ParseFile(nil, scriptName, code, 0, parser.WithDisableSourceMaps)
	if err != nil {
		return nil, syntaxError(err)
	}
	return prg, nil
}

func syntaxError(err error) *ScriptError {
	var list parser.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		first := list[0]
		msg := first.Message
		if len(list) > 1 {
			msg += fmt.Sprintf(" (and %d more errors)", len(list)-1)
		}
		return &ScriptError{Kind: KindSyntax, Line: first.Position.Line, Column: first.Position.Column, Message: "SyntaxError: " + msg}
	}
	var one *parser.Error
	if errors.As(err, &one) {
		return &ScriptError{Kind: KindSyntax, Line: one.Position.Line, Column: one.Position.Column, Message: "SyntaxError: " + one.Message}
	}
	var cse *goja.CompilerSyntaxError
	if errors.As(err, &cse) {
		se := &ScriptError{Kind: KindSyntax, Message: "SyntaxError: " + cse.Message}
		if cse.File != nil {
			p := cse.File.Position(cse.Offset)
			se.Line, se.Column = p.Line, p.Column
		}
		return se
	}
	var cre *goja.CompilerReferenceError
	if errors.As(err, &cre) {
		return &ScriptError{Kind: KindSyntax, Message: "ReferenceError: " + cre.Message}
	}
	return &ScriptError{Kind: KindSyntax, Message: err.Error()}
}

// compileScript parses and compiles code and checks that it defines main.
func compileScript(code string) (*goja.Program, *ScriptError) {
	prg, se := parseScript(code)
	if se != nil {
		return nil, se
	}
	if !definesMain(prg) {
		return nil, &ScriptError{Kind: KindNoMain, Message: "the script must define function main(context), which returns the changed context"}
	}
	p, err := goja.CompileAST(prg, false)
	if err != nil {
		return nil, syntaxError(err)
	}
	return p, nil
}

// definesMain tells whether the script declares main at its top level as a
// function: `function main(...)`, or var/let/const main = a function or an
// arrow function.
func definesMain(prg *ast.Program) bool {
	isMain := func(b *ast.Binding) bool {
		id, ok := b.Target.(*ast.Identifier)
		if !ok || id.Name != "main" {
			return false
		}
		switch b.Initializer.(type) {
		case *ast.FunctionLiteral, *ast.ArrowFunctionLiteral:
			return true
		}
		return false
	}
	for _, st := range prg.Body {
		switch s := st.(type) {
		case *ast.FunctionDeclaration:
			if s.Function != nil && s.Function.Name != nil && s.Function.Name.Name == "main" {
				return true
			}
		case *ast.VariableStatement:
			for _, b := range s.List {
				if isMain(b) {
					return true
				}
			}
		case *ast.LexicalDeclaration:
			for _, b := range s.List {
				if isMain(b) {
					return true
				}
			}
		}
	}
	return false
}

// interruptReason is the value a script is interrupted with.
type interruptReason int

const (
	interruptTimeout interruptReason = iota + 1
	interruptMemory
)

// runScript runs a request in this process under its limits. It must only
// run in a worker: goja's built-ins cannot be interrupted, so only the
// worker's process limits bound them.
func runScript(req request) response {
	limits := req.Limits.withDefaults()
	vm := goja.New()
	vm.SetParserOptions(parser.WithDisableSourceMaps) // eval and Function too
	vm.SetMaxCallStackSize(limits.MaxCallStackSize)

	logs := newLogSink(limits.MaxLogLines, req.Secrets)
	installConsole(vm, logs)
	if err := installSecrets(vm, req.Secrets); err != nil {
		return response{Err: &ScriptError{Kind: KindInput, Message: "the secrets could not be set: " + err.Error()}}
	}

	timer := time.AfterFunc(limits.Timeout, func() { vm.Interrupt(interruptTimeout) })
	defer timer.Stop()
	memExceeded := watchHeap(vm, limits.Memory)
	defer memExceeded.stop()

	out, se := execute(vm, req, limits)
	resp := response{Logs: logs.result()}
	switch {
	case memExceeded.tripped.Load():
		resp.Err = memoryError(limits)
	case se != nil:
		if se.Kind == KindTimeout {
			resp.Err = timeoutError(limits)
		} else {
			resp.Err = se
		}
	default:
		resp.Output = out
	}
	return resp
}

func memoryError(l Limits) *ScriptError {
	return &ScriptError{Kind: KindMemory, Message: fmt.Sprintf("the script used more than %d MiB of memory and was stopped", l.Memory>>20)}
}

func timeoutError(l Limits) *ScriptError {
	return &ScriptError{Kind: KindTimeout, Message: fmt.Sprintf("timed out: the script ran longer than %v and was stopped", l.Timeout)}
}

func execute(vm *goja.Runtime, req request, limits Limits) (json.RawMessage, *ScriptError) {
	prg, se := compileScript(req.Code)
	if se != nil {
		return nil, se
	}
	if _, err := vm.RunProgram(prg); err != nil {
		return nil, scriptErrorFrom(err)
	}
	mainVal, err := vm.RunProgram(mainGetter)
	if err != nil {
		return nil, scriptErrorFrom(err)
	}
	mainFn, ok := goja.AssertFunction(mainVal)
	if !ok {
		return nil, &ScriptError{Kind: KindNoMain, Message: "main is not a function once the script has run"}
	}
	input := req.Input
	if len(input) == 0 {
		input = json.RawMessage("{}")
	}
	jsonObj := vm.Get("JSON").ToObject(vm)
	parse, _ := goja.AssertFunction(jsonObj.Get("parse"))
	stringify, _ := goja.AssertFunction(jsonObj.Get("stringify"))
	ctxVal, err := parse(goja.Undefined(), vm.ToValue(string(input)))
	if err != nil {
		return nil, &ScriptError{Kind: KindInput, Message: "the input is not valid JSON: " + err.Error()}
	}
	res, err := mainFn(goja.Undefined(), ctxVal)
	if err != nil {
		return nil, scriptErrorFrom(err)
	}
	if p, ok := res.Export().(*goja.Promise); ok {
		switch p.State() {
		case goja.PromiseStateFulfilled:
			res = p.Result()
		case goja.PromiseStateRejected:
			return nil, &ScriptError{Kind: KindException, Message: "main's promise was rejected: " + describe(vm, p.Result())}
		default:
			return nil, &ScriptError{Kind: KindOutput, Message: "main returned a promise that never settled (scripts have no timers or I/O to wait for)"}
		}
	}
	if goja.IsUndefined(res) {
		return nil, &ScriptError{Kind: KindOutput, Message: "main returned undefined: it must return the changed context"}
	}
	js, err := stringify(goja.Undefined(), res)
	if err != nil {
		if se := scriptErrorFrom(err); se.Kind != KindException {
			return nil, se
		}
		return nil, &ScriptError{Kind: KindOutput, Message: "the value main returned cannot be turned into JSON: " + exceptionMessage(err)}
	}
	if goja.IsUndefined(js) {
		return nil, &ScriptError{Kind: KindOutput, Message: "the value main returned cannot be turned into JSON (a function or a symbol)"}
	}
	s := js.String()
	if len(s) > limits.MaxOutputBytes {
		return nil, &ScriptError{Kind: KindOutput, Message: fmt.Sprintf("the value main returned is %d bytes of JSON; at most %d are allowed", len(s), limits.MaxOutputBytes)}
	}
	return json.RawMessage(s), nil
}

// scriptErrorFrom turns an error of goja into a ScriptError.
func scriptErrorFrom(err error) *ScriptError {
	var ie *goja.InterruptedError
	if errors.As(err, &ie) {
		if r, ok := ie.Value().(interruptReason); ok && r == interruptMemory {
			return &ScriptError{Kind: KindMemory, Message: "memory limit exceeded"}
		}
		return &ScriptError{Kind: KindTimeout, Message: "timed out"}
	}
	var so *goja.StackOverflowError
	if errors.As(err, &so) {
		se := &ScriptError{Kind: KindStackOverflow, Message: "RangeError: Maximum call stack size exceeded (too deep recursion)"}
		se.Line, se.Column = stackPosition(so.Stack())
		return se
	}
	var ex *goja.Exception
	if errors.As(err, &ex) {
		se := &ScriptError{Kind: KindException, Message: exceptionMessage(err)}
		se.Line, se.Column = stackPosition(ex.Stack())
		return se
	}
	var cse *goja.CompilerSyntaxError
	if errors.As(err, &cse) {
		return syntaxError(err)
	}
	return &ScriptError{Kind: KindException, Message: err.Error()}
}

func exceptionMessage(err error) string {
	var ex *goja.Exception
	if errors.As(err, &ex) && ex.Value() != nil {
		return ex.Value().String()
	}
	return err.Error()
}

// stackPosition is the position of the innermost frame in the script.
func stackPosition(frames []goja.StackFrame) (line, column int) {
	for i := range frames {
		if frames[i].SrcName() == scriptName {
			p := frames[i].Position()
			return p.Line, p.Column
		}
	}
	return 0, 0
}

// describe renders a value for a message or a console line: strings as
// they are, other values as JSON where possible.
func describe(vm *goja.Runtime, v goja.Value) string {
	if v == nil || goja.IsUndefined(v) {
		return "undefined"
	}
	if goja.IsNull(v) {
		return "null"
	}
	if s, ok := v.Export().(string); ok {
		return s
	}
	obj, isObj := v.(*goja.Object)
	if !isObj {
		return v.String()
	}
	if _, isFn := goja.AssertFunction(v); isFn {
		return v.String()
	}
	if obj.ClassName() == "Error" {
		return v.String()
	}
	stringify, _ := goja.AssertFunction(vm.Get("JSON").ToObject(vm).Get("stringify"))
	js, err := stringify(goja.Undefined(), v)
	if err != nil || goja.IsUndefined(js) {
		return v.String()
	}
	return js.String()
}

// logSink collects console lines within bounds and masks secrets in them.
type logSink struct {
	mu      sync.Mutex
	lines   []string
	dropped int
	max     int
	mask    *strings.Replacer
}

func newLogSink(max int, secrets map[string]string) *logSink {
	s := &logSink{max: max}
	var pairs []string
	values := make([]string, 0, len(secrets))
	for _, v := range secrets {
		if len(v) >= 4 { // masking shorter values would garble ordinary text
			values = append(values, v)
		}
	}
	// Longest first, so that a secret containing another is masked whole.
	sort.Slice(values, func(i, j int) bool { return len(values[i]) > len(values[j]) })
	for _, v := range values {
		pairs = append(pairs, v, "***")
	}
	if len(pairs) > 0 {
		s.mask = strings.NewReplacer(pairs...)
	}
	return s
}

func (s *logSink) add(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.lines) >= s.max {
		s.dropped++
		return
	}
	if s.mask != nil {
		line = s.mask.Replace(line)
	}
	s.lines = append(s.lines, truncate(line, MaxLogLineBytes))
}

func (s *logSink) result() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]string(nil), s.lines...)
	if s.dropped > 0 {
		out = append(out, fmt.Sprintf("… %d more lines dropped", s.dropped))
	}
	return out
}

// truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func installConsole(vm *goja.Runtime, sink *logSink) {
	console := vm.NewObject()
	logFn := func(call goja.FunctionCall) goja.Value {
		parts := make([]string, 0, len(call.Arguments))
		size := 0
		for _, a := range call.Arguments {
			p := describe(vm, a)
			parts = append(parts, p)
			size += len(p) + 1
			if size > MaxLogLineBytes {
				break
			}
		}
		sink.add(strings.Join(parts, " "))
		return goja.Undefined()
	}
	for _, name := range []string{"log", "info", "warn", "error", "debug"} {
		_ = console.Set(name, logFn)
	}
	_ = vm.GlobalObject().DefineDataProperty("console", console, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
}

func installSecrets(vm *goja.Runtime, secrets map[string]string) error {
	obj := vm.NewObject()
	names := make([]string, 0, len(secrets))
	for k := range secrets {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if err := obj.DefineDataProperty(k, vm.ToValue(secrets[k]), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE); err != nil {
			return err
		}
	}
	freeze, ok := goja.AssertFunction(vm.Get("Object").ToObject(vm).Get("freeze"))
	if !ok {
		return errors.New("the global Object.freeze is missing")
	}
	if _, err := freeze(goja.Undefined(), obj); err != nil {
		return err
	}
	return vm.GlobalObject().DefineDataProperty("secrets", obj, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
}

// heapWatch interrupts the script when the process's heap grows past the
// limit. In a worker the process runs one script, so the heap is its own.
type heapWatch struct {
	tripped atomic.Bool
	done    chan struct{}
	once    sync.Once
}

const heapMetric = "/memory/classes/heap/objects:bytes"

func heapBytes() int64 {
	s := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64())
}

func watchHeap(vm *goja.Runtime, limit int64) *heapWatch {
	w := &heapWatch{done: make(chan struct{})}
	base := heapBytes()
	go func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-w.done:
				return
			case <-t.C:
				if heapBytes()-base > limit {
					w.tripped.Store(true)
					vm.Interrupt(interruptMemory)
					return
				}
			}
		}
	}()
	return w
}

func (w *heapWatch) stop() { w.once.Do(func() { close(w.done) }) }
