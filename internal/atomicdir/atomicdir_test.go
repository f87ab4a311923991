package atomicdir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	write := func(files ...string) error {
		return Write(dir, func(tmp string) error {
			for _, f := range files {
				if err := os.WriteFile(filepath.Join(tmp, f), []byte(f), 0o644); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := write("a"); err != nil {
		t.Fatal(err)
	}
	// A new build replaces the old one whole: no file of the old is left.
	if err := write("b"); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "b" {
		t.Errorf("after the second write: %v", entries)
	}
	// A failed build leaves the directory as it was, and nothing beside it.
	if err := Write(dir, func(string) error { return errors.New("boom") }); err == nil {
		t.Error("a failed build succeeded")
	}
	entries, _ = os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "b" {
		t.Errorf("after a failed write: %v", entries)
	}
	siblings, _ := os.ReadDir(filepath.Dir(dir))
	if len(siblings) != 1 {
		t.Errorf("left beside it: %v", siblings)
	}
}

// What a killed Write left beside the directory, named after a process
// that is gone, is removed by the next Write; a live process's is kept.
func TestAbandonedAreRemoved(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	gone := filepath.Join(filepath.Dir(dir), ".out.new-999999999-123")
	live := filepath.Join(filepath.Dir(dir), fmt.Sprintf(".out.new-%d-456", os.Getppid()))
	for _, d := range []string{gone, live} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := Write(dir, func(string) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(gone); !os.IsNotExist(err) {
		t.Error("an abandoned directory stays")
	}
	if _, err := os.Stat(live); err != nil {
		t.Error("a live process's directory was removed")
	}
}
