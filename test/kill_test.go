//go:build integration

package test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamstack/iamstack/internal/synthetic"
)

// iamstack synth killed by its PID at moments spread over a synthesis (the
// way an out-of-memory kill or a CI runner stops it) leaves the earlier
// assembly or the new one, whole, and nothing runs on: the synthesis it
// re-ran itself in dies with it.
func TestKilledSynthLeavesOldOrNew(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesizes a dozen times; skipped with -short")
	}
	t.Parallel() // its own repositories and servers
	bin := iamstackBinary(t)
	large := filepath.Join(t.TempDir(), "large.yaml")
	if err := os.WriteFile(large, synthetic.Model(synthetic.Size{Users: 1000, Accounts: 20}), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "assembly-under-test")
	var env []string
	for _, kv := range os.Environ() { // the re-run with the quiet settings is part of what is killed
		if !strings.HasPrefix(kv, "CDK_VALIDATION=") && !strings.HasPrefix(kv, "JSII_SILENCE_WARNING_") {
			env = append(env, kv)
		}
	}
	synth := func(args ...string) *exec.Cmd {
		c := exec.Command(bin, append([]string{"synth", "--out", out}, args...)...)
		c.Env = env
		return c
	}
	if b, err := synth("--example").CombinedOutput(); err != nil {
		t.Fatalf("the first synthesis: %v\n%s", err, b)
	}
	stacks := func() (int, bool) {
		var m struct {
			Artifacts map[string]struct{ Type string }
		}
		b, err := os.ReadFile(filepath.Join(out, "manifest.json"))
		if err != nil || json.Unmarshal(b, &m) != nil {
			return 0, false
		}
		n := 0
		for id, a := range m.Artifacts {
			if a.Type != "aws:cloudformation:stack" {
				continue
			}
			n++
			if _, err := os.Stat(filepath.Join(out, id+".template.json")); err != nil {
				return n, false
			}
		}
		files, _ := filepath.Glob(filepath.Join(out, "*.template.json"))
		return n, len(files) == n
	}
	for _, delay := range []time.Duration{200, 500, 900, 1300, 1800, 2600} {
		c := synth("--model", large)
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay * time.Millisecond)
		c.Process.Kill()
		c.Wait()
		// Nothing runs on: within a moment no process names this output,
		// and the output does not change afterwards.
		time.Sleep(500 * time.Millisecond)
		if ps, _ := exec.Command("pgrep", "-f", out).Output(); len(strings.TrimSpace(string(ps))) > 0 {
			t.Errorf("killed after %v: processes still run on %s: %s", delay*time.Millisecond, out, ps)
		}
		before, _ := os.ReadFile(filepath.Join(out, "manifest.json"))
		time.Sleep(3 * time.Second)
		if after, _ := os.ReadFile(filepath.Join(out, "manifest.json")); string(after) != string(before) {
			t.Errorf("killed after %v: the output changed after the kill", delay*time.Millisecond)
		}
		n, whole := stacks()
		if !whole || (n != 3 && n != 22) {
			t.Errorf("killed after %v: %d stacks, whole %v: neither the example's 3 nor the new model's 22", delay*time.Millisecond, n, whole)
		}
	}
}
