//go:build linux

package sandbox

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// workerSysProcAttr makes a worker die with its parent and live in its own
// process group.
func workerSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}

// limitProcess applies the hard limits of a worker to itself, before any
// script code is parsed:
//   - RLIMIT_DATA: what the process has mapped so far, plus twice the
//     script's memory, plus room for the engine. An allocation past it
//     fails and the Go runtime stops the worker with "out of memory":
//     what catches one huge allocation by a built-in that the heap watcher
//     cannot interrupt.
//   - RLIMIT_CPU: a few seconds, should the parent fail to kill it.
//   - RLIMIT_NOFILE, RLIMIT_FSIZE, RLIMIT_CORE: no new files, no writes to
//     files, no core dumps.
func limitProcess(l Limits) error {
	data := vmData() + 2*uint64(l.Memory) + 64<<20
	cpu := uint64((l.Timeout+time.Second-1)/time.Second) + 2
	type rlimit struct {
		resource int
		value    uint64
	}
	limits := []rlimit{
		{syscall.RLIMIT_CPU, cpu},
		{syscall.RLIMIT_NOFILE, 16},
		{syscall.RLIMIT_FSIZE, 0},
		{syscall.RLIMIT_CORE, 0},
	}
	if !raceBuild {
		limits = append(limits, rlimit{syscall.RLIMIT_DATA, data})
	}
	for _, lim := range limits {
		if err := syscall.Setrlimit(lim.resource, &syscall.Rlimit{Cur: lim.value, Max: lim.value}); err != nil {
			return err
		}
	}
	return nil
}

// vmData is the size of the process's data segment (VmData), in bytes: what
// RLIMIT_DATA counts.
func vmData() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 256 << 20
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Bytes()
		if rest, ok := bytes.CutPrefix(line, []byte("VmData:")); ok {
			fields := bytes.Fields(rest)
			if len(fields) >= 1 {
				if kb, err := strconv.ParseUint(string(fields[0]), 10, 64); err == nil {
					return kb << 10
				}
			}
		}
	}
	return 256 << 20
}

// classifyExit tells why a worker that gave no response ended: SIGXCPU is
// RLIMIT_CPU (it ran too long); a SIGKILL we did not send is the kernel's
// OOM killer or RLIMIT_CPU's hard limit.
func classifyExit(err error) (timedOut, outOfMemory bool) {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false, false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() {
		return false, false
	}
	switch ws.Signal() {
	case syscall.SIGXCPU:
		return true, false
	case syscall.SIGKILL:
		return false, true
	}
	return false, false
}
