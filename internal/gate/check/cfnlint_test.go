//go:build integration

package check_test

import (
	"regexp"
	"testing"

	"github.com/iamstack/iamstack/internal/gate/check"
)

func TestCfnLintErrorFails(t *testing.T) {
	errs, _, err := check.CfnLint(goldenDir)
	if err != nil || len(errs) != 0 {
		t.Fatalf("the example: %v %v", errs, err)
	}
	broken := mutate(t, "infra-dev", func(r map[string]any) { props(r, "RoleReadR")["MaxSessionDuration"] = 999999 })
	errs, _, err = check.CfnLint(broken)
	if err != nil {
		t.Fatal(err)
	}
	// The finding names the template by its name (the directory is
	// temporary), the resource path, and the model entity it comes from.
	want := regexp.MustCompile(`^infra-dev\.template\.json:[0-9]+: E3034 999999 is greater than the maximum of 43200 \(at Resources/RoleReadR/Properties/MaxSessionDuration; from role ReadR in dev\)$`)
	if len(errs) != 1 || !want.MatchString(errs[0]) {
		t.Errorf("cfn-lint errors: %q", errs)
	}
}
