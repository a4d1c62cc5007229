//go:build !linux

package sandbox

import "syscall"

// On other systems a worker gets no process limits beyond being killed by
// its parent when it overruns; Gatehouse is deployed on Linux.

func workerSysProcAttr() *syscall.SysProcAttr { return nil }

func limitProcess(Limits) error { return nil }

func classifyExit(error) (timedOut, outOfMemory bool) { return false, false }
