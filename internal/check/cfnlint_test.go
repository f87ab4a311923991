//go:build integration

package check_test

import (
	"regexp"
	"testing"

	"github.com/iamstack/iamstack/internal/check"
)

func TestCfnLintErrorFails(t *testing.T) {
	errs, _, err := check.CfnLint(goldenDir, nil)
	if err != nil || len(errs) != 0 {
		t.Fatalf("the example: %v %v", errs, err)
	}
	broken := mutate(t, "infra-dev", func(r map[string]any) { props(r, "RoleReadR")["MaxSessionDuration"] = 999999 })
	errs, _, err = check.CfnLint(broken, nil)
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

// Only what changed against the base is linted: the broken template is the
// one that differs, so skipping the identical ones loses no finding.
func TestLintOnlyWhatChanged(t *testing.T) {
	broken := mutate(t, "infra-dev", func(r map[string]any) { props(r, "RoleReadR")["MaxSessionDuration"] = 999999 })
	same, err := check.SameTemplates(broken, goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	if !same["infra-identity.template.json"] || !same["infra-prod.template.json"] || same["infra-dev.template.json"] || len(same) != 2 {
		t.Fatalf("same as the base: %v", same)
	}
	errs, _, err := check.CfnLint(broken, same)
	if err != nil || len(errs) != 1 {
		t.Errorf("linting what changed: %q %v", errs, err)
	}
	if none, _ := check.SameTemplates(broken, ""); len(none) != 0 {
		t.Errorf("without a base, %v count as linted", none)
	}
}
