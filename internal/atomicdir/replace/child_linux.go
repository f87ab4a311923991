package main

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill the command when replace dies: a killed
// make leaves no synthesis writing on (and what it wrote is in a directory
// of its own, which the next run removes).
func dieWithParent(c *exec.Cmd) {
	c.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
