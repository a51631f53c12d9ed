//go:build !linux

package extract

import "os/exec"

// startWorkerProcess starts a worker. Without a parent-death signal, a
// worker whose parent was killed exits when its stdin closes (RunWorker).
func startWorkerProcess(cmd *exec.Cmd) error { return cmd.Start() }
