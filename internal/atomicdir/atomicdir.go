// Package atomicdir replaces a directory with a new one so that a reader,
// or a kill at any moment, sees the old directory or the new one: never a
// mix, and (where the platform can swap two directories atomically) never
// nothing.
package atomicdir

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Write builds a new directory at dir: build fills a fresh directory
// beside it (same file system, so the rename is atomic), and only when it
// succeeds does the new directory take dir's place. A failed build leaves
// dir as it was.
func Write(dir string, build func(tmp string) error) error {
	dir = filepath.Clean(dir)
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	removeAbandoned(dir)
	tmp, err := os.MkdirTemp(filepath.Dir(dir), fmt.Sprintf(".%s.new-%d-", filepath.Base(dir), os.Getpid()))
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // the old directory after a swap, or a failed build
	if err := build(tmp); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if _, err := os.Lstat(dir); os.IsNotExist(err) {
		return os.Rename(tmp, dir)
	}
	if err := exchange(tmp, dir); err != nil {
		return fmt.Errorf("put %s in place: %w", dir, err)
	}
	return nil
}

// removeAbandoned removes the directories a killed Write left beside dir:
// each is named after the process that made it, and that process is gone.
func removeAbandoned(dir string) {
	prefix := "." + filepath.Base(dir) + ".new-"
	entries, _ := os.ReadDir(filepath.Dir(dir))
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || !e.IsDir() {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		if pid, err := strconv.Atoi(pidText); err == nil && pid != os.Getpid() && !alive(pid) {
			os.RemoveAll(filepath.Join(filepath.Dir(dir), e.Name()))
		}
	}
}
