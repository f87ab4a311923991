//go:build unix

package jsiiexit

import (
	"os"

	"golang.org/x/sys/unix"
)

// redirectStderr points file descriptor 2, which the runtime writes to, at a
// filter. restore drains the filter to the real stderr and leaves descriptor 2
// on /dev/null.
func redirectStderr() (restore func(), err error) {
	saved, err := unix.Dup(2)
	if err != nil {
		return nil, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		unix.Close(saved)
		return nil, err
	}
	if err := unix.Dup2(int(w.Fd()), 2); err != nil {
		r.Close()
		w.Close()
		unix.Close(saved)
		return nil, err
	}
	done := make(chan struct{})
	realStderr := os.NewFile(uintptr(saved), "stderr")
	go filter(r, realStderr, done)
	return func() {
		if null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil {
			unix.Dup2(int(null.Fd()), 2)
			null.Close()
		}
		w.Close()
		<-done
		r.Close()
		realStderr.Close()
	}, nil
}
