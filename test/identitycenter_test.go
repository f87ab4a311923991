//go:build integration

package test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The Identity Center stack of examples/identity-center.yaml deploys with
// the real cdk CLI into the management account (moto, whose sso-admin and
// identitystore backends the launcher gives CloudFormation types), and
// Identity Center then holds exactly the template's permission sets, with
// their policies and sessions, its groups, users and memberships, and its
// assignments, read back through the API.
func TestIdentityCenterStackDeploys(t *testing.T) {
	if testing.Short() {
		t.Skip("deploys; skipped with -short")
	}
	acct := newAccount(t, "200000000001")
	yaml, err := os.ReadFile(filepath.Join(repoRoot(t), "examples", "identity-center.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const stack = "corp-management-identity-center"
	asm := acct.synthAndDeploy(string(yaml), stack)

	var tpl struct {
		Metadata struct {
			Iamstack struct {
				IdentityCenter struct{ InstanceArn, IdentityStoreId string }
			}
		}
		Resources map[string]struct {
			Type       string
			Properties map[string]any
		}
	}
	b, _ := os.ReadFile(filepath.Join(asm, stack+".template.json"))
	if err := json.Unmarshal(b, &tpl); err != nil {
		t.Fatal(err)
	}
	instance, store := tpl.Metadata.Iamstack.IdentityCenter.InstanceArn, tpl.Metadata.Iamstack.IdentityCenter.IdentityStoreId
	// What the template says, as lines: permission sets, memberships and
	// assignments by the names of what they join.
	attr := func(v any) string { return v.(map[string]any)["Fn::GetAtt"].([]any)[0].(string) }
	name := func(id string) string {
		p := tpl.Resources[id].Properties
		for _, k := range []string{"Name", "DisplayName", "UserName"} {
			if tpl.Resources[id].Type == "AWS::IdentityStore::User" && k != "UserName" {
				continue
			}
			if s, ok := p[k].(string); ok {
				return s
			}
		}
		return id
	}
	var want []string
	for id, r := range tpl.Resources {
		p := r.Properties
		switch r.Type {
		case "AWS::SSO::PermissionSet":
			want = append(want, permissionSetLine(name(id), p["SessionDuration"], p["ManagedPolicies"], p["CustomerManagedPolicyReferences"]))
		case "AWS::IdentityStore::GroupMembership":
			want = append(want, "member "+name(attr(p["GroupId"]))+" "+name(attr(p["MemberId"].(map[string]any)["UserId"])))
		case "AWS::SSO::Assignment":
			want = append(want, fmt.Sprintf("assign %s %s %s %s", p["TargetId"], name(attr(p["PermissionSetArn"])), p["PrincipalType"], name(attr(p["PrincipalId"]))))
		}
	}

	// What Identity Center holds, through its APIs (one process).
	var accounts []string
	for _, r := range tpl.Resources {
		if r.Type == "AWS::SSO::Assignment" && !slices.Contains(accounts, r.Properties["TargetId"].(string)) {
			accounts = append(accounts, r.Properties["TargetId"].(string))
		}
	}
	out, err := acct.cmd(motoPython(t), append([]string{filepath.Join(repoRoot(t), "test", "moto", "readidc.py"), instance, store}, accounts...)...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("read Identity Center: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var got []string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("Identity Center holds:\n  %s\nthe template:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if len(want) < 20 {
		t.Errorf("only %d things to compare: the example's Identity Center stack shrank", len(want))
	}
}

// permissionSetLine is a permission set as a line: name, session and its
// policies in order.
func permissionSetLine(name string, session any, managed, own any) string {
	var parts []string
	if l, ok := managed.([]any); ok {
		for _, p := range l {
			parts = append(parts, fmt.Sprint(p))
		}
	}
	if l, ok := own.([]any); ok {
		for _, p := range l {
			parts = append(parts, "customer/"+fmt.Sprint(p.(map[string]any)["Name"]))
		}
	}
	slices.Sort(parts)
	return fmt.Sprintf("permission set %s %v %s", name, session, strings.Join(parts, ","))
}
