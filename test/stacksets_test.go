//go:build integration

package test

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/iamstack/iamstack/internal/ship/deploy"
)

// The StackSets of examples/organization.yaml, as far as moto goes: moto
// 5.2.1 has no AWS::CloudFormation::StackSet resource and no
// Organizations behind service-managed stack instances, so the test makes
// the CreateStackSet and CreateStackInstances requests CloudFormation
// would make from the resource's properties (moto accepts them and starts
// no instance), then deploys each StackSet's template as the stack an
// account of the OU gets, and reads the roles back.
func TestStackSetsDeploy(t *testing.T) {
	t.Parallel()
	asm := mustSynth(t, "examples/organization.yaml")
	tpls, _ := readAssembly(t, asm)
	sets := tpls["infra-shared-stacksets"].Resources
	if len(sets) != 2 {
		t.Fatalf("infra-shared-stacksets holds %d resources, want the 2 StackSets of the OUs", len(sets))
	}
	acct := newAccount(t, "444444444444")
	t.Log("moto has no AWS::CloudFormation::StackSet resource and no organization: the test sends the StackSet's requests itself and deploys its template as one account's stack")
	for _, id := range slices.Sorted(maps.Keys(sets)) {
		p := sets[id].Properties
		if sets[id].Type != "AWS::CloudFormation::StackSet" || p["PermissionModel"] != "SERVICE_MANAGED" || p["CallAs"] != "DELEGATED_ADMIN" {
			t.Errorf("%s: %v", id, p)
		}
		auto, _ := p["AutoDeployment"].(map[string]any)
		if auto["Enabled"] != true {
			t.Errorf("%s: no auto-deployment to accounts that join the OU: %v", id, auto)
		}
		group := p["StackInstancesGroup"].([]any)[0].(map[string]any)
		targets := group["DeploymentTargets"].(map[string]any)
		ous := strs(targets["OrganizationalUnitIds"])
		if strings.HasPrefix(id, "StackSetWorkloadsProd") {
			// payments-prod is listed in workloads-prod: it keeps its own stack.
			if targets["AccountFilterType"] != "DIFFERENCE" || !slices.Equal(strs(targets["Accounts"]), []string{"333333333333"}) {
				t.Errorf("%s: the listed account is not left out: %v", id, targets)
			}
		}
		body := filepath.Join(t.TempDir(), "body.json")
		if err := os.WriteFile(body, []byte(p["TemplateBody"].(string)), 0o644); err != nil {
			t.Fatal(err)
		}
		name := p["StackSetName"].(string)
		prefs := p["OperationPreferences"].(map[string]any)
		prefsArg, _ := json.Marshal(prefs)
		if err := acct.aws(nil, "cloudformation", "create-stack-set", "--stack-set-name", name, "--template-body", "file://"+body,
			"--capabilities", "CAPABILITY_NAMED_IAM", "--permission-model", "SERVICE_MANAGED",
			"--auto-deployment", "Enabled=true,RetainStacksOnAccountRemoval=false"); err != nil {
			t.Fatal(err)
		}
		if err := acct.aws(nil, "cloudformation", "create-stack-instances", "--stack-set-name", name, "--regions", "eu-west-1",
			"--deployment-targets", "OrganizationalUnitIds="+strings.Join(ous, ","), "--operation-preferences", string(prefsArg)); err != nil {
			t.Fatal(err)
		}
		// What the deploy reports per OU after the StackSets stack deploys,
		// read from moto through the AWS SDK as the deploy reads it.
		op, ok, err := deploy.StackSetAPI{Config: func(string) (aws.Config, error) { return acct.sdk(), nil }}.Latest("", name, p["CallAs"].(string))
		if err != nil || !ok || op.Action != "CREATE" || op.ID == "" {
			t.Errorf("%s: latest operation %+v, %v, %v", name, op, ok, err)
		}
	}
	// The stack an account of workloads-dev gets, in the moto account. Its
	// OpsR policy names the account it is deployed in: Fn::Sub put the moto
	// account's ID where the template says ${AWS::AccountId}.
	if err := acct.aws(nil, "cloudformation", "create-stack", "--stack-name", "instance", "--template-body",
		"file://"+writeBody(t, sets), "--capabilities", "CAPABILITY_NAMED_IAM"); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Stacks []struct{ StackStatus string }
	}
	if err := acct.aws(&out, "cloudformation", "describe-stacks", "--stack-name", "instance"); err != nil || len(out.Stacks) != 1 || out.Stacks[0].StackStatus != "CREATE_COMPLETE" {
		t.Fatalf("the StackSet's template as one account's stack: %v %+v", err, out)
	}
	var roles struct{ Roles []struct{ RoleName string } }
	if err := acct.aws(&roles, "iam", "list-roles"); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range roles.Roles {
		got = append(got, r.RoleName)
	}
	for _, want := range []string{"infra-AdminR", "infra-OpsR", "infra-ReadR"} {
		if !slices.Contains(got, want) {
			t.Errorf("role %s missing after the StackSet template deployed: %v", want, got)
		}
	}
	var pols struct {
		Policies []struct{ Arn, DefaultVersionId string }
	}
	if err := acct.aws(&pols, "iam", "list-policies", "--scope", "Local"); err != nil {
		t.Fatal(err)
	}
	for _, p := range pols.Policies {
		if !strings.HasSuffix(p.Arn, ":policy/infra-OpsR-Policy") {
			continue
		}
		var v struct{ PolicyVersion struct{ Document any } }
		if err := acct.aws(&v, "iam", "get-policy-version", "--policy-arn", p.Arn, "--version-id", p.DefaultVersionId); err != nil {
			t.Fatal(err)
		}
		doc, _ := json.Marshal(v.PolicyVersion.Document)
		if !strings.Contains(string(doc), "arn:aws:iam::444444444444:") || strings.Contains(string(doc), "AWS::AccountId") {
			t.Errorf("OpsR's policy does not name the account it is deployed in: %s", doc)
		}
		return
	}
	t.Errorf("no infra-OpsR-Policy among %+v", pols.Policies)
}

// writeBody writes the template of workloads-dev's StackSet to a file.
func writeBody(t *testing.T, sets map[string]resource) string {
	t.Helper()
	for _, id := range []string{"StackSetWorkloadsDevD3E0F397"} {
		if r, ok := sets[id]; ok {
			f := filepath.Join(t.TempDir(), "body.json")
			if err := os.WriteFile(f, []byte(r.Properties["TemplateBody"].(string)), 0o644); err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	t.Fatalf("no StackSet for workloads-dev: %v", sets)
	return ""
}
