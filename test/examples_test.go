//go:build integration

package test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Every example organization passes the whole gate (model, cfn-lint,
// cdk-nag, iamstack's rules, the escalation analysis) as `make check` runs
// it, without a base: it has none.
func TestExampleOrganizationsPassCheck(t *testing.T) {
	models, err := filepath.Glob(filepath.Join(repoRoot(t), "examples", "*.yaml"))
	if err != nil || len(models) == 0 {
		t.Fatalf("no example models: %v", err)
	}
	// A model that keeps its own names passes as the example does.
	models = append(models, filepath.Join(repoRoot(t), "testdata", "given-names.yaml"))
	for _, file := range models {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel() // each check has its own directories
			cmd := exec.Command(iamstackBinary(t), "check", "--no-base", "--model", file)
			cmd.Dir = repoRoot(t)
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "check passed") {
				t.Errorf("check: %v\n%s", err, out)
			}
		})
	}
}
