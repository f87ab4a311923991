//go:build cdk || integration

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// No command leaves jsii's runtime behind in the temporary directory, and
// synth prints no Node.js end-of-life banner even when the environment does
// not silence it.
func TestCommandsAreQuiet(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "iamstack")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	tmp := t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "JSII_SILENCE_WARNING_") && !strings.HasPrefix(kv, "CDK_VALIDATION=") && !strings.HasPrefix(kv, "TMPDIR=") {
			env = append(env, kv)
		}
	}
	env = append(env, "TMPDIR="+tmp)
	for _, args := range [][]string{{"--help"}, {"validate", "--example"}, {"validate", "--model", "does-not-exist.yaml"}, {"synth", "--example", "--out", filepath.Join(t.TempDir(), "out")}} {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		out, _ := cmd.CombinedOutput()
		if strings.Contains(string(out), "end-of-life") {
			t.Errorf("iamstack %v prints the Node.js banner:\n%s", args, out)
		}
		left, _ := os.ReadDir(tmp)
		if i := slices.IndexFunc(left, func(e os.DirEntry) bool { return strings.HasPrefix(e.Name(), "jsii-") }); i >= 0 {
			t.Errorf("iamstack %v leaves %s behind in the temporary directory", args, left[i].Name())
		}
	}
}
