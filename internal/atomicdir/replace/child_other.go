//go:build !linux

package main

import "os/exec"

// dieWithParent does nothing where the kernel offers no parent-death
// signal: the fresh directory is still the command's alone.
func dieWithParent(*exec.Cmd) {}
