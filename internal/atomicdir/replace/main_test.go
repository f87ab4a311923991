package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func files(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		out = append(out, e.Name()+"="+strings.TrimSpace(string(b)))
	}
	return out
}

func oldDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "cdk.out")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "old.template.json"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// A command that succeeds replaces the directory whole: nothing of the old
// one stays beside the new; one that fails leaves it as it was, with the
// command's exit code.
func TestReplace(t *testing.T) {
	dir := oldDir(t)
	if err := run([]string{dir, "--", "sh", "-c", "echo new > $0/new.template.json", "{}"}); err != nil {
		t.Fatal(err)
	}
	if got := files(t, dir); len(got) != 1 || got[0] != "new.template.json=new" {
		t.Errorf("after success: %q", got)
	}
	dir = oldDir(t)
	err := run([]string{dir, "--", "sh", "-c", "echo half > $0/half.template.json; exit 3", "{}"})
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Errorf("failure: %v", err)
	}
	if got := files(t, dir); len(got) != 1 || got[0] != "old.template.json=old" {
		t.Errorf("after failure: %q", got)
	}
	if err := run([]string{dir, "sh"}); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Errorf("no {}: %v", err)
	}
}
