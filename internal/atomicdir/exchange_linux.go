package atomicdir

import "golang.org/x/sys/unix"

// exchange swaps two directories in one step (renameat2 RENAME_EXCHANGE):
// dir holds the new content, tmp the old, which the caller removes.
func exchange(tmp, dir string) error {
	return unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, dir, unix.RENAME_EXCHANGE)
}
