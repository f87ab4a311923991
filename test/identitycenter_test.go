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
	t.Parallel() // its own moto and directories: it runs beside the other deploy tests
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

	// iamstack identity-center verify, through the AWS SDK: the instance
	// holds what the release grants; then an assignment made by hand is a
	// difference, and the command exits 1 naming it.
	verify := func() (string, error) {
		cmd := acct.cmd(iamstackBinary(t), "identity-center", "verify", "--assembly", asm)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := verify(); err != nil || !strings.Contains(out, "holds exactly what the templates grant: 4 permission sets, 15 assignments") {
		t.Errorf("verify after the deploy: %v\n%s", err, out)
	}
	grant := `import boto3, sys
sso, ids = boto3.client("sso-admin"), boto3.client("identitystore")
arn = [a for a in sso.list_permission_sets(InstanceArn=sys.argv[1])["PermissionSets"]
       if sso.describe_permission_set(InstanceArn=sys.argv[1], PermissionSetArn=a)["PermissionSet"]["Name"] == "corp-AdminR"][0]
user = [u["UserId"] for u in ids.list_users(IdentityStoreId=sys.argv[2])["Users"] if u["UserName"] == "ben.oduya"][0]
sso.create_account_assignment(InstanceArn=sys.argv[1], TargetId="200000000005", TargetType="AWS_ACCOUNT",
    PermissionSetArn=arn, PrincipalType="USER", PrincipalId=user)
print(user)`
	out, err = acct.cmd(motoPython(t), "-c", grant, instance, store).Output()
	if err != nil {
		t.Fatalf("assign by hand: %v", err)
	}
	ben := strings.TrimSpace(string(out))
	o, err := verify()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(o, "USER "+ben+" holds corp-AdminR in 200000000005, which the release does not grant") {
		t.Errorf("verify after an assignment by hand: %v\n%s", err, o)
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

// `iamstack identity-center lock` asks the identity store (moto's, through
// the AWS SDK) for the IDs of an external directory's groups and people and
// writes the model's lock file, with which the model loads; a person the
// store lacks is an error, and nothing is written.
func TestIdentityCenterLock(t *testing.T) {
	if testing.Short() {
		t.Skip("runs moto; skipped with -short")
	}
	t.Parallel() // its own moto and directories: it runs beside the other deploy tests
	const store = "d-9067f1e2d3"
	endpoint := startMoto(t, "300000000001")
	env := awsEnv(t, endpoint, "300000000001")
	aws := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("aws", append(args, "--output", "text")...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	want := map[string]string{}
	for _, g := range []string{"AWS-Platform", "AWS-Developers"} {
		want[g] = aws("identitystore", "create-group", "--identity-store-id", store, "--display-name", g, "--query", "GroupId")
	}
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join(repoRoot(t), "testdata", "identity-center-external.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "iamstack.yaml")
	os.WriteFile(file, src, 0o644)
	iamstack := func(args ...string) (string, error) {
		cmd := exec.Command(iamstackBinary(t), args...)
		cmd.Dir, cmd.Env = repoRoot(t), append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	lock := filepath.Join(dir, "iamstack.identity-center.lock")

	// Nobody is provisioned yet: an error naming them, and no file.
	if out, err := iamstack("identity-center", "lock", "--model", file); err == nil || !strings.Contains(out, `has no user "ana.lima@acme.example", user "ben.oduya@acme.example"`) {
		t.Errorf("lock before the people exist: %v\n%s", err, out)
	}
	if _, err := os.Stat(lock); err == nil {
		t.Error("a failed lock wrote the file")
	}
	for _, u := range []string{"ana.lima@acme.example", "ben.oduya@acme.example"} {
		want[u] = aws("identitystore", "create-user", "--identity-store-id", store, "--user-name", u, "--display-name", u,
			"--name", "GivenName=A,FamilyName=B", "--query", "UserId")
	}
	if out, err := iamstack("identity-center", "lock", "--model", file); err != nil || !strings.Contains(out, "2 groups and 2 people of identity store "+store) {
		t.Fatalf("lock: %v\n%s", err, out)
	}
	b, _ := os.ReadFile(lock)
	for name, id := range want {
		if !strings.Contains(string(b), name+": "+id+"\n") {
			t.Errorf("the lock file lacks %s: %s:\n%s", name, id, b)
		}
	}
	if out, err := iamstack("validate", "--model", file); err != nil {
		t.Errorf("the model does not load with its lock: %v\n%s", err, out)
	}
}
