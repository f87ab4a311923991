package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamstack/iamstack/internal/jsiiexit"
)

// TestMain closes the jsii runtime, which starts with the package whatever
// the tier: its temporary directory must not outlive the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	jsiiexit.Close()
	os.Exit(code)
}

// --out is replaced whole, so only a directory that is missing, empty or a
// cloud assembly may be named: a checkout named by mistake is refused.
func TestReplaceableAssembly(t *testing.T) {
	dir := t.TempDir()
	if err := replaceableAssembly(filepath.Join(dir, "none")); err != nil {
		t.Errorf("a new directory: %v", err)
	}
	if err := replaceableAssembly(dir); err != nil {
		t.Errorf("an empty directory: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module x\n"), 0o644)
	if err := replaceableAssembly(dir); err == nil || !strings.Contains(err.Error(), "no cloud assembly") {
		t.Errorf("a checkout: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "manifest.json"), []byte("{}"), 0o644)
	if err := replaceableAssembly(dir); err != nil {
		t.Errorf("a cloud assembly: %v", err)
	}
}
