//go:build !linux

package main

import "os/exec"

// dieWithParent does nothing where the platform has no parent-death signal.
func dieWithParent(*exec.Cmd) {}
