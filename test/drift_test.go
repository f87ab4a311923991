//go:build integration

package test

import (
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/iamstack/iamstack"
)

// iamstack drift, against the example deployed to moto and then changed
// out of band with the AWS CLI: nothing on the untouched deployment; each
// change reported with its kind, on its resource, and with what it gives
// anyone; exit 1.
func TestDriftOfADeployedRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("deploys; skipped with -short")
	}
	t.Parallel()
	dev := newAccount(t, "222222222222")
	asm := dev.synthAndDeploy(string(iamstack.Example()), "infra-dev")
	driftOf := func() (report struct {
		Drifted  bool
		Findings []struct {
			Account, Kind, Resource, What string
			Admin                         bool
		}
		Access []struct{ Text string }
		Admins []string
		Errors []string
	}, exit int, out string) {
		cmd := dev.cmd(iamstackBinary(t), "drift", "--example", "--assembly", asm, "--account", "dev", "--format", "json")
		b, err := cmd.Output()
		if ee, ok := err.(*exec.ExitError); ok {
			exit = ee.ExitCode()
			out = string(ee.Stderr)
		} else if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &report); err != nil {
			t.Fatalf("drift --format json: %v\n%s\n%s", err, b, out)
		}
		return report, exit, string(b)
	}
	untouched, exit, out := driftOf()
	if untouched.Drifted || exit != 0 {
		t.Fatalf("the untouched deployment drifted (exit %d):\n%s", exit, out)
	}

	for _, change := range [][]string{
		{"iam", "attach-role-policy", "--role-name", "infra-ReadR", "--policy-arn", "arn:aws:iam::aws:policy/AdministratorAccess"},
		{"iam", "put-role-policy", "--role-name", "infra-OpsR", "--policy-name", "hotfix", "--policy-document",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`},
		{"iam", "update-assume-role-policy", "--role-name", "infra-DeployR", "--policy-document",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999988887777:root"},"Action":"sts:AssumeRole"}]}`},
		{"iam", "create-user", "--user-name", "shadow"},
		{"iam", "create-access-key", "--user-name", "shadow"},
		{"iam", "attach-user-policy", "--user-name", "shadow", "--policy-arn", "arn:aws:iam::aws:policy/AdministratorAccess"},
		{"iam", "add-user-to-group", "--user-name", "shadow", "--group-name", "infra-CicdG-ci-dev"},
	} {
		if err := dev.aws(nil, change...); err != nil {
			t.Fatal(err)
		}
	}
	changed, exit, out := driftOf()
	if !changed.Drifted || exit != 1 {
		t.Fatalf("drift after out-of-band changes: exit %d\n%s", exit, out)
	}
	var lines []string
	for _, f := range changed.Findings {
		lines = append(lines, f.Kind+" "+f.Resource+": "+f.What)
	}
	for _, want := range []string{
		"modified role infra-ReadR: AdministratorAccess (AWS managed) attached in IAM, not in the release",
		"modified role infra-OpsR: inline policy hotfix in IAM, not in the release",
		`modified role infra-DeployR: trust: + {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999988887777:root"},"Action":"sts:AssumeRole"} (in IAM, not in the release)`,
		"unmanaged user shadow: no release created it: policies AdministratorAccess (AWS managed); groups infra-CicdG-ci-dev; 1 active access keys; no MFA device",
		"modified group infra-CicdG-ci-dev: user shadow is a member in IAM, not in the release",
	} {
		if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, want) }) {
			t.Errorf("no finding %q; got:\n%s", want, strings.Join(lines, "\n"))
		}
	}
	for _, admin := range []string{"ReadR in dev", "user shadow in dev"} {
		if !slices.Contains(changed.Admins, admin) {
			t.Errorf("new administrators %v lack %s", changed.Admins, admin)
		}
	}
}
