package main

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill the child when this process dies.
func dieWithParent(c *exec.Cmd) {
	c.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
