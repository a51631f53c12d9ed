package extract

import (
	"os/exec"
	"runtime"
	"sync"
	"syscall"
)

// startWorkerProcess starts a worker so that the kernel kills it when this
// process dies, however it dies (kill -9 included): a worker left behind
// would keep its memory with no watchdog and no one to answer.
//
// The kernel sends the parent-death signal when the thread that started
// the child exits, not the process, and Go ends a thread whose goroutine
// exits while locked to it. So every worker is started from one goroutine
// locked to its thread for the life of the process: that thread exits only
// with the process.
func startWorkerProcess(cmd *exec.Cmd) error {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	spawnOnce.Do(func() {
		spawnCh = make(chan func())
		go func() {
			runtime.LockOSThread() // never unlocked: see above
			for f := range spawnCh {
				f()
			}
		}()
	})
	errc := make(chan error, 1)
	spawnCh <- func() { errc <- cmd.Start() }
	return <-errc
}

var (
	spawnOnce sync.Once
	spawnCh   chan func()
)
