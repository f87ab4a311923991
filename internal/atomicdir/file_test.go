package atomicdir_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/iamstack/iamstack/internal/atomicdir"
)

func TestWriteFileKeepsPermissionsAndLeavesNothingBeside(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := atomicdir.WriteFile(path, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	fi, _ := os.Stat(path)
	if string(b) != "new" || fi.Mode().Perm() != 0o600 {
		t.Errorf("%q with mode %v; want the new content with the old file's 0600", b, fi.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left beside it: %v", entries)
	}
	fresh := filepath.Join(dir, "sub", "fresh")
	if err := atomicdir.WriteFile(fresh, []byte("x"), 0o640); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(fresh); fi.Mode().Perm() != 0o640 {
		t.Errorf("a new file has mode %v, want 0640", fi.Mode().Perm())
	}
}
