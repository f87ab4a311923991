package child

import (
	"os/exec"
	"runtime"
	"syscall"
)

// DieWithParent has the kernel kill the command when this process dies:
// killed by its PID (an out-of-memory kill, a CI runner ending the main
// process), iamstack leaves nothing of its own running on. The kernel sends
// the signal when the thread that started the command ends, so the calling
// goroutine stays on its thread until release is called, after the command
// has ended.
func DieWithParent(c *exec.Cmd) (release func()) {
	runtime.LockOSThread()
	c.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return runtime.UnlockOSThread
}
