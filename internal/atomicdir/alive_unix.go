//go:build unix

package atomicdir

import (
	"errors"
	"syscall"
)

// alive tells whether a process exists (signal 0 checks without sending).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
