package sandbox

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/debug"
)

// The worker side: a process started by Run or Check that reads one
// request on stdin, writes readyLine once its limits are in place, then one
// response, and exits.

// workerEnv marks a process started as a worker. The parent sets it in the
// otherwise empty environment of the child; nothing else should.
const (
	workerEnv      = "GATEHOUSE_SANDBOX_WORKER"
	workerEnvValue = "v1"
	readyLine      = "ready\n"
)

type mode string

const (
	modeRun   mode = "run"
	modeCheck mode = "check"
)

// request is what the parent sends a worker.
type request struct {
	Mode    mode              `json:"mode"`
	Code    string            `json:"code"`
	Input   json.RawMessage   `json:"input,omitempty"`
	Secrets map[string]string `json:"secrets,omitempty"`
	Limits  Limits            `json:"limits"`
}

// response is what a worker answers.
type response struct {
	Output json.RawMessage `json:"output,omitempty"`
	Logs   []string        `json:"logs,omitempty"`
	Err    *ScriptError    `json:"error,omitempty"`
}

// maxRequestBytes bounds what a worker reads.
const maxRequestBytes = MaxCodeBytes + 2*MaxInputBytes + 2*MaxSecretsBytes + 64<<10

func init() {
	// A worker is this same executable started by the parent with
	// workerEnv set: it serves one request and exits before main runs.
	if os.Getenv(workerEnv) != workerEnvValue {
		return
	}
	os.Exit(serveWorker(os.Stdin, os.Stdout))
}

// serveWorker reads one request, applies the process limits, runs or
// checks the script and writes the response. It returns the exit code.
func serveWorker(in io.Reader, out io.Writer) int {
	var req request
	dec := json.NewDecoder(io.LimitReader(in, maxRequestBytes))
	if err := dec.Decode(&req); err != nil {
		fmt.Fprintln(os.Stderr, "sandbox worker: reading the request:", err)
		return 3
	}
	limits := req.Limits.withDefaults()
	if err := limitProcess(limits); err != nil {
		fmt.Fprintln(os.Stderr, "sandbox worker: setting limits:", err)
		return 3
	}
	// Make the collector work harder before the heap watcher trips, so
	// that garbage is not counted against the script.
	debug.SetMemoryLimit(heapBytes() + 2*limits.Memory)

	w := bufio.NewWriter(out)
	if _, err := io.WriteString(w, readyLine); err != nil {
		return 3
	}
	if err := w.Flush(); err != nil {
		return 3
	}
	var resp response
	switch req.Mode {
	case modeCheck:
		if _, se := compileScript(req.Code); se != nil {
			resp.Err = se
		}
	case modeRun:
		resp = runScript(req)
	default:
		fmt.Fprintln(os.Stderr, "sandbox worker: unknown mode", req.Mode)
		return 3
	}
	if err := json.NewEncoder(w).Encode(resp); err != nil {
		fmt.Fprintln(os.Stderr, "sandbox worker: writing the response:", err)
		return 3
	}
	if err := w.Flush(); err != nil {
		return 3
	}
	return 0
}
