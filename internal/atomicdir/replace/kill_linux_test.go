package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Killed by its PID while the command writes, replace leaves the old
// directory whole, and the command dies with it instead of writing on.
func TestKilledReplaceLeavesTheOldDirectory(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "replace")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dir := oldDir(t)
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	cmd := exec.Command(bin, dir, "--", "sh", "-c", "echo half > $0/half.template.json; echo $$ > "+pidFile+"; exec sleep 600", "{}")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var child int
	for deadline := time.Now().Add(time.Minute); child == 0; {
		if b, err := os.ReadFile(pidFile); err == nil && strings.HasSuffix(string(b), "\n") {
			child, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		} else if time.Now().After(deadline) {
			t.Fatal("the command did not start within a minute")
		} else {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if got := files(t, dir); len(got) != 1 || got[0] != "old.template.json=old" {
		t.Errorf("after the kill: %q", got)
	}
	for deadline := time.Now().Add(time.Minute); alive(child); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			syscall.Kill(child, syscall.SIGKILL)
			t.Fatal("the command outlived replace by a minute")
		}
	}
}

// alive tells whether a process runs: a zombie, dead but not yet reaped by
// whoever adopted it, does not.
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(rest, "Z")
}
