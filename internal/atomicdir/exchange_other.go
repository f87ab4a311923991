//go:build !linux

package atomicdir

import "os"

// exchange moves the old directory aside and the new one in: two renames,
// between which dir does not exist (the platform has no atomic swap).
func exchange(tmp, dir string) error {
	old := tmp + ".old"
	if err := os.Rename(dir, old); err != nil {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return err
	}
	return os.RemoveAll(old)
}
