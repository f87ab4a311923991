//go:build !linux

package child

import "os/exec"

// DieWithParent does nothing where the kernel offers no parent-death
// signal.
func DieWithParent(*exec.Cmd) (release func()) { return func() {} }
