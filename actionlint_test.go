//go:build integration

package iamstack_test

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/iamstack/iamstack"
	"github.com/iamstack/iamstack/internal/scaffold"
)

// actionlint (a tool of this module: go tool actionlint) passes this
// repository's workflows and those iamstack init writes.
func TestActionlint(t *testing.T) {
	dir := t.TempDir()
	if _, err := scaffold.Write(dir, scaffold.Options{Schema: iamstack.Schema(), CDKVersion: "2.1148.1", Version: "v1.2.3", GitHub: "acme/identity"}); err != nil {
		t.Fatal(err)
	}
	ours, _ := filepath.Glob(".github/workflows/*.yml")
	theirs, _ := filepath.Glob(filepath.Join(dir, ".github/workflows/*.yml"))
	out, err := exec.Command("go", append([]string{"tool", "actionlint", "-no-color"}, append(ours, theirs...)...)...).CombinedOutput()
	if err != nil {
		t.Errorf("actionlint: %v\n%s", err, out)
	}
}
