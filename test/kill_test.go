//go:build integration

package test

import (
	"encoding/json"
	"fmt"
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

// iamstack release killed at two moments of a release (in its check, and
// near its end: the artifact, the tag, the push) leaves what a later run accepts: no half
// artifact (each one there verifies against its tag's manifest), and a
// release run again afterwards succeeds, with every tag it made, the
// interrupted one's included, on the remote.
func TestKilledReleaseConverges(t *testing.T) {
	if testing.Short() {
		t.Skip("releases five times; skipped with -short")
	}
	t.Parallel()
	r := newReleaseRepo(t)
	start := time.Now()
	r.mustIamstack("release", "--golden", "testdata/golden")
	whole := time.Since(start)
	verify := func(when string) {
		for _, tag := range strings.Fields(r.git("tag", "--list", "v*")) {
			asm := filepath.Join(r.dir, ".iamstack", "releases", tag, "assembly")
			if _, err := os.Stat(asm); err != nil {
				continue // rebuilt from the tag when needed
			}
			if out, ok := r.iamstack("promote", "--plan", "infra", tag); !ok && strings.Contains(out, "tampered") {
				t.Errorf("%s: the artifact of %s does not match its tag:\n%s", when, tag, out)
			}
		}
	}
	for i, frac := range []float64{0.4, 0.9} {
		r.git("commit", "--quiet", "--allow-empty", "-m", fmt.Sprintf("change %d", i))
		cmd := exec.Command(r.bin, "release", "--golden", "testdata/golden")
		cmd.Dir = r.dir
		cmd.Env = append(os.Environ(), "CDK_VALIDATION=false", "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		delay := time.Duration(frac * float64(whole))
		time.Sleep(delay)
		cmd.Process.Kill()
		cmd.Wait()
		verify(fmt.Sprintf("killed after %v", delay.Round(time.Millisecond)))
		r.mustIamstack("release", "--golden", "testdata/golden")
		local := strings.Fields(r.git("tag", "--list", "v*"))
		remote := run(t, r.dir, "git", "ls-remote", "--tags", "origin", "refs/tags/v*")
		for _, tag := range local {
			if !strings.Contains(remote, "refs/tags/"+tag+"\n") && !strings.HasSuffix(strings.TrimSpace(remote), "refs/tags/"+tag) {
				t.Errorf("killed after %v, then released again: %s is not on the remote:\n%s", delay.Round(time.Millisecond), tag, remote)
			}
		}
		verify("after the release that followed")
	}
}
