package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"time"
)

// The parent side: Run and Check start a worker process, hand it the
// request, and kill it when it overruns.

const (
	// startupTimeout is how long a worker may take to start and put its
	// limits in place (a slow machine under load, not the script).
	startupTimeout = 10 * time.Second
	// killGrace is how long after the script's timeout a worker that has
	// not answered is killed: the script is then stuck in a built-in that
	// cannot be interrupted (or in parsing).
	killGrace = 300 * time.Millisecond
	// checkTimeout is the time Check gives the parser and compiler.
	checkTimeout = time.Second
	// maxStderrBytes is how much of a worker's standard error is kept.
	maxStderrBytes = 8 << 10
)

// MaxConcurrent is the number of workers that may run at once.
var MaxConcurrent = max(2, runtime.GOMAXPROCS(0))

var slots = sync.OnceValue(func() chan struct{} { return make(chan struct{}, MaxConcurrent) })

// ErrWorker is wrapped by the errors of Run and Check that are not the
// script's fault: the worker process could not be started or failed.
var ErrWorker = errors.New("sandbox: worker failed")

// Run runs code's main with input (JSON; empty means {}) as its context
// and secrets as the frozen object `secrets`, under limits (zero fields
// take DefaultLimits).
//
// What the script did is in the Result: its output, or Err (with TimedOut
// set when it ran out of time); an input or secrets the sandbox refuses
// give Err of KindInput. The error is for what is not the script's doing:
// ctx ended (ctx.Err()), or the worker could not run (wrapping ErrWorker).
func Run(ctx context.Context, code string, input json.RawMessage, secrets map[string]string, limits Limits) (Result, error) {
	start := time.Now()
	limits = limits.withDefaults()
	if se := validateRun(code, input, secrets); se != nil {
		return Result{Err: se, Duration: time.Since(start)}, nil
	}
	req := request{Mode: modeRun, Code: code, Input: input, Secrets: secrets, Limits: limits}
	outputCap := 2*limits.MaxOutputBytes + (limits.MaxLogLines+1)*MaxLogLineBytes*6 + 64<<10
	resp, err := callWorker(ctx, req, limits.Timeout+killGrace, outputCap)
	res := Result{Output: resp.Output, Logs: resp.Logs, Err: resp.Err, Duration: time.Since(start)}
	var wf *workerFailure
	switch {
	case errors.As(err, &wf) && wf.timedOut:
		res.Output, res.Err = nil, timeoutError(limits)
	case errors.As(err, &wf) && wf.outOfMemory:
		res.Output, res.Err = nil, memoryError(limits)
	case errors.As(err, &wf) && wf.tooMuchOutput:
		res.Output, res.Err = nil, &ScriptError{Kind: KindOutput, Message: "the script wrote too much output and was stopped"}
	case err != nil:
		return res, err
	}
	if res.Err != nil {
		res.Output = nil
		res.TimedOut = res.Err.Kind == KindTimeout
	} else if len(res.Output) == 0 {
		return res, fmt.Errorf("%w: no output and no error", ErrWorker)
	}
	return res, nil
}

func validateRun(code string, input json.RawMessage, secrets map[string]string) *ScriptError {
	if len(code) > MaxCodeBytes {
		return &ScriptError{Kind: KindSyntax, Message: fmt.Sprintf("the script is %d bytes; at most %d are accepted", len(code), MaxCodeBytes)}
	}
	if len(input) > MaxInputBytes {
		return &ScriptError{Kind: KindInput, Message: fmt.Sprintf("the input is %d bytes; at most %d are accepted", len(input), MaxInputBytes)}
	}
	if len(bytes.TrimSpace(input)) > 0 && !json.Valid(input) {
		return &ScriptError{Kind: KindInput, Message: "the input is not valid JSON"}
	}
	size := 0
	for k, v := range secrets {
		size += len(k) + len(v)
	}
	if size > MaxSecretsBytes {
		return &ScriptError{Kind: KindInput, Message: fmt.Sprintf("the secrets are %d bytes; at most %d are accepted", size, MaxSecretsBytes)}
	}
	return nil
}

// Check validates a script without running it: it must parse (a
// *ScriptError of KindSyntax gives the line and column of the first
// problem) and define main as a function (KindNoMain). Parsing happens in a
// worker too, since a pathological script can make the parser slow.
func Check(code string) error {
	if len(code) > MaxCodeBytes {
		return &ScriptError{Kind: KindSyntax, Message: fmt.Sprintf("the script is %d bytes; at most %d are accepted", len(code), MaxCodeBytes)}
	}
	ctx, cancel := context.WithTimeout(context.Background(), startupTimeout+checkTimeout)
	defer cancel()
	req := request{Mode: modeCheck, Code: code, Limits: Limits{Timeout: checkTimeout}}
	resp, err := callWorker(ctx, req, checkTimeout, 64<<10)
	var wf *workerFailure
	if errors.As(err, &wf) && (wf.timedOut || wf.outOfMemory) {
		return &ScriptError{Kind: KindSyntax, Message: "the script is too complex to check: parsing it takes too long or too much memory"}
	}
	if err != nil {
		return err
	}
	if resp.Err != nil {
		return resp.Err
	}
	return nil
}

// workerFailure is a worker that gave no response.
type workerFailure struct {
	timedOut      bool // killed at its deadline, or stopped by RLIMIT_CPU
	outOfMemory   bool // stopped by the Go runtime at RLIMIT_DATA
	tooMuchOutput bool // killed for writing more than allowed
	detail        string
}

func (f *workerFailure) Error() string { return "sandbox: worker failed: " + f.detail }
func (f *workerFailure) Unwrap() error { return ErrWorker }

// callWorker runs one request in a new worker process. execBudget is the
// time the worker has from ready to response before it is killed.
func callWorker(ctx context.Context, req request, execBudget time.Duration, outputCap int) (response, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return response{}, fmt.Errorf("%w: encoding the request: %w", ErrWorker, err)
	}
	select {
	case slots() <- struct{}{}:
		defer func() { <-slots() }()
	case <-ctx.Done():
		return response{}, ctx.Err()
	}
	exe, err := os.Executable()
	if err != nil {
		return response{}, fmt.Errorf("%w: finding the executable: %w", ErrWorker, err)
	}
	cmd := exec.Command(exe)
	cmd.Env = []string{workerEnv + "=" + workerEnvValue, "GOMAXPROCS=1", "GOTRACEBACK=single"}
	cmd.Dir = os.TempDir()
	cmd.Stdin = bytes.NewReader(body)
	stdout := &readyWriter{limit: outputCap, ready: make(chan struct{}), done: make(chan struct{}), over: make(chan struct{})}
	stderr := &capWriter{limit: maxStderrBytes}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = workerSysProcAttr()
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		return response{}, fmt.Errorf("%w: starting: %w", ErrWorker, err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	kill := func() {
		_ = cmd.Process.Kill()
	}

	var (
		waitErr  error
		exited   bool
		answered bool   // the whole response arrived
		killed   string // why we killed it
	)
	startup := time.NewTimer(startupTimeout)
	defer startup.Stop()
	select {
	case <-stdout.ready:
	case waitErr = <-waited:
		exited = true
	case <-startup.C:
		kill()
		killed = "startup"
	case <-stdout.over:
		kill()
		killed = "output"
	case <-ctx.Done():
		kill()
		killed = "ctx"
	}
	if !exited && killed == "" {
		deadline := time.NewTimer(execBudget)
		defer deadline.Stop()
		select {
		case waitErr = <-waited:
			exited = true
		case <-stdout.done:
			// The response is complete: no need to wait for the worker
			// to finish exiting (slow under the race detector).
			answered = true
			kill()
		case <-deadline.C:
			kill()
			killed = "deadline"
		case <-stdout.over:
			kill()
			killed = "output"
		case <-ctx.Done():
			kill()
			killed = "ctx"
		}
	}
	if !exited {
		waitErr = <-waited
	}

	switch killed {
	case "ctx":
		return response{}, ctx.Err()
	case "deadline":
		return response{}, &workerFailure{timedOut: true, detail: "killed at its deadline"}
	case "output":
		return response{}, &workerFailure{tooMuchOutput: true, detail: "too much output"}
	case "startup":
		return response{}, &workerFailure{detail: "not ready within " + startupTimeout.String()}
	}
	if waitErr == nil || answered {
		payload, ok := stdout.payload()
		if !ok {
			return response{}, &workerFailure{detail: "no ready line"}
		}
		var resp response
		if err := json.Unmarshal(payload, &resp); err != nil {
			return response{}, &workerFailure{detail: "unreadable response: " + err.Error()}
		}
		return resp, nil
	}
	errText := stderr.String()
	f := &workerFailure{detail: fmt.Sprintf("%v: %s", waitErr, firstLine(errText))}
	f.timedOut, f.outOfMemory = classifyExit(waitErr)
	if strings.Contains(errText, "out of memory") || strings.Contains(errText, "cannot allocate memory") ||
		strings.Contains(errText, "failed to allocate") {
		// The Go runtime's own words when an allocation fails at
		// RLIMIT_DATA (the last, ThreadSanitizer's in a race build).
		f.outOfMemory = true
	}
	return response{}, f
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return truncate(s, 200)
}

// readyWriter collects a worker's standard output: it signals ready when
// the ready line has arrived, done when the response line after it has,
// and over when more than limit bytes came.
type readyWriter struct {
	mu        sync.Mutex
	buf       bytes.Buffer
	limit     int
	ready     chan struct{}
	done      chan struct{}
	over      chan struct{}
	readySent bool
	doneSent  bool
	overSent  bool
}

func (w *readyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.buf.Len()+len(p) > w.limit {
		if !w.overSent {
			w.overSent = true
			close(w.over)
		}
		return len(p), nil // discard; the worker is being killed
	}
	w.buf.Write(p)
	if !w.readySent && bytes.HasPrefix(w.buf.Bytes(), []byte(readyLine)) {
		w.readySent = true
		close(w.ready)
	}
	if w.readySent && !w.doneSent && bytes.IndexByte(w.buf.Bytes()[len(readyLine):], '\n') >= 0 {
		w.doneSent = true
		close(w.done)
	}
	return len(p), nil
}

// payload is what followed the ready line.
func (w *readyWriter) payload() ([]byte, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	b := w.buf.Bytes()
	if !bytes.HasPrefix(b, []byte(readyLine)) {
		return nil, false
	}
	return b[len(readyLine):], true
}

// capWriter keeps the first limit bytes written to it.
type capWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	limit int
}

func (w *capWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if room := w.limit - w.buf.Len(); room > 0 {
		w.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (w *capWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
