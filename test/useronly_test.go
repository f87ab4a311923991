//go:build integration

package test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/iamstack/iamstack"
	"github.com/iamstack/iamstack/internal/plan"
)

// deployTests name, for every kind of stack a plan can hold, the test that
// deploys it against moto. A kind added to plan.StackKinds without a deploy
// test fails TestEveryStackKindIsDeployed.
var deployTests = map[string]string{
	plan.MemberStack:         "TestPromoteDeploysTheRelease, TestRoleSwitchedOffIsAnUpdate, TestTrustsDeploy",
	plan.UserOnlyStack:       "TestUserOnlyStackDeploys",
	plan.UserShardStack:      "TestUserStacksDeploy",
	plan.StackSetsStack:      "TestStackSetsDeploy",
	plan.IdentityCenterStack: "TestIdentityCenterStackDeploys",
	plan.BaselineStack:       "TestBaselineStackDeploys",
}

func TestEveryStackKindIsDeployed(t *testing.T) {
	for _, k := range plan.StackKinds {
		if deployTests[k] == "" {
			t.Errorf("stacks of kind %q have no deploy test: add one against moto and name it in deployTests", k)
		}
	}
}

// account is one moto server standing for one AWS account, bootstrapped.
type account struct {
	t   *testing.T
	id  string
	env []string
	cdk string
}

func newAccount(t *testing.T, id string) *account {
	t.Helper()
	a := &account{t: t, id: id, env: awsEnv(t, startMoto(t, id), id), cdk: filepath.Join(repoRoot(t), "node_modules", ".bin", "cdk")}
	if out, err := a.cmd(a.cdk, "bootstrap", "aws://"+id+"/eu-west-1", "--app", "").CombinedOutput(); err != nil {
		t.Fatalf("cdk bootstrap: %v\n%s", err, out)
	}
	return a
}

func (a *account) cmd(name string, args ...string) *exec.Cmd {
	c := exec.Command(name, args...)
	c.Env = append(os.Environ(), a.env...)
	c.Dir = repoRoot(a.t)
	return c
}

// sdk is the AWS SDK's configuration for the account: its moto server and
// credentials, as the environment gives them to the commands the tests run.
func (a *account) sdk() aws.Config {
	a.t.Helper()
	var endpoint string
	for _, e := range a.env {
		if v, ok := strings.CutPrefix(e, "AWS_ENDPOINT_URL="); ok {
			endpoint = v
		}
	}
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("eu-west-1"), config.WithBaseEndpoint(endpoint),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("testing"+a.id, "testing", "")))
	if err != nil {
		a.t.Fatal(err)
	}
	return cfg
}

// aws runs the AWS CLI and decodes its JSON output into v.
func (a *account) aws(v any, args ...string) error {
	out, err := a.cmd("aws", append(args, "--output", "json")...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return fmt.Errorf("aws %v: %v: %s", args, err, ee.Stderr)
		}
		return err
	}
	if v == nil {
		return nil
	}
	return json.Unmarshal(out, v)
}

// synthAndDeploy synthesizes a model and deploys the named stacks with the
// real cdk CLI; it returns the assembly directory.
func (a *account) synthAndDeploy(yaml string, stacks ...string) string {
	a.t.Helper()
	file := filepath.Join(a.t.TempDir(), "model.yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		a.t.Fatal(err)
	}
	asm := filepath.Join(a.t.TempDir(), "asm")
	if out, err := a.cmd(iamstackBinary(a.t), "synth", "--model", file, "--out", asm).CombinedOutput(); err != nil {
		a.t.Fatalf("synth: %v\n%s", err, out)
	}
	// moto 5.2.1's DeleteChangeSet breaks the change-set path: deploy
	// directly. Its UpdateStack fails on a parameter passed with
	// UsePreviousValue that the stack got from its default, as the cdk CLI
	// passes BootstrapVersion: pass it explicitly, with the value it has.
	args := append([]string{"deploy", "--app", asm, "--exclusively", "--require-approval", "never", "--method=direct",
		"--parameters", "BootstrapVersion=/cdk-bootstrap/hnb659fds/version"}, stacks...)
	if out, err := a.cmd(a.cdk, args...).CombinedOutput(); err != nil {
		a.t.Fatalf("cdk deploy %v: %v\n%s", stacks, err, out)
	}
	return asm
}

// iamState is what IAM holds, read back through its API.
type iamState struct {
	users    map[string]iamUser
	groups   map[string]iamGroup
	policies map[string]any // name -> default version document
}

type iamUser struct {
	ID, Path     string
	Groups, Tags []string // sorted; tags as key=value
	Login        string   // "" or "reset" / "no-reset"
}

type iamGroup struct {
	ID       string
	Policies []string // sorted ARNs
}

// read reads IAM back through its API (test/moto/readiam.py, one process
// for every call).
func (a *account) read() iamState {
	a.t.Helper()
	out, err := a.cmd(motoPython(a.t), filepath.Join(repoRoot(a.t), "test", "moto", "readiam.py")).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			a.t.Fatalf("read IAM: %v\n%s", err, ee.Stderr)
		}
		a.t.Fatal(err)
	}
	var raw struct {
		Users    map[string]iamUser
		Groups   map[string]iamGroup
		Policies map[string]any
	}
	if err := json.Unmarshal(out, &raw); err != nil {
		a.t.Fatal(err)
	}
	for name, u := range raw.Users {
		u.Groups, u.Tags = nilIfEmpty(u.Groups), nilIfEmpty(u.Tags)
		raw.Users[name] = u
	}
	for name, g := range raw.Groups {
		g.Policies = nilIfEmpty(g.Policies)
		raw.Groups[name] = g
	}
	return iamState{users: raw.Users, groups: raw.Groups, policies: raw.Policies}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// compare checks IAM against the user-only account's templates, field by
// field: every user (path, groups, tags, login profile), group (managed
// policies) and managed policy (document), and nothing else.
func (a *account) compare(asm string, s iamState) {
	a.t.Helper()
	tpls, _ := readAssembly(a.t, asm)
	wantUsers, wantGroups, wantPolicies := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for id, tpl := range tpls {
		if !strings.HasPrefix(id, "infra-identity") {
			continue
		}
		groupName := map[string]string{}
		policyARN := map[string]string{}
		for lid, r := range tpl.Resources {
			switch r.Type {
			case "AWS::IAM::Group":
				groupName[lid] = r.Properties["GroupName"].(string)
			case "AWS::IAM::ManagedPolicy":
				policyARN[lid] = "arn:aws:iam::" + a.id + ":policy/" + r.Properties["ManagedPolicyName"].(string)
			}
		}
		ref := func(v any, names map[string]string) string {
			if m, ok := v.(map[string]any); ok {
				return names[fmt.Sprint(m["Ref"])]
			}
			return fmt.Sprint(v)
		}
		for _, r := range tpl.Resources {
			p := r.Properties
			switch r.Type {
			case "AWS::IAM::User":
				name := p["UserName"].(string)
				wantUsers[name] = true
				got, ok := s.users[name]
				if !ok {
					a.t.Errorf("%s: user %s is not in IAM", id, name)
					continue
				}
				want := iamUser{ID: got.ID, Path: p["Path"].(string)}
				for _, g := range p["Groups"].([]any) {
					want.Groups = append(want.Groups, ref(g, groupName))
				}
				sort.Strings(want.Groups)
				for _, tg := range asSlice(p["Tags"]) {
					m := tg.(map[string]any)
					want.Tags = append(want.Tags, fmt.Sprint(m["Key"])+"="+fmt.Sprint(m["Value"]))
				}
				sort.Strings(want.Tags)
				if lp, ok := p["LoginProfile"].(map[string]any); ok {
					want.Login = map[bool]string{true: "reset", false: "no-reset"}[lp["PasswordResetRequired"] == true]
				}
				if !reflect.DeepEqual(got, want) {
					a.t.Errorf("%s: user %s in IAM %+v, the template %+v", id, name, got, want)
				}
			case "AWS::IAM::Group":
				name := p["GroupName"].(string)
				wantGroups[name] = true
				var want []string
				for _, arn := range asSlice(p["ManagedPolicyArns"]) {
					want = append(want, ref(arn, policyARN))
				}
				sort.Strings(want)
				if got := s.groups[name]; !slices.Equal(got.Policies, want) {
					a.t.Errorf("%s: group %s has policies %v in IAM, %v in the template", id, name, got.Policies, want)
				}
			case "AWS::IAM::ManagedPolicy":
				name := p["ManagedPolicyName"].(string)
				wantPolicies[name] = true
				if !reflect.DeepEqual(s.policies[name], p["PolicyDocument"]) {
					a.t.Errorf("%s: policy %s in IAM differs from the template", id, name)
				}
			}
		}
	}
	for name := range s.users {
		if !wantUsers[name] {
			a.t.Errorf("IAM holds user %s, which no template defines", name)
		}
	}
	for name := range s.groups {
		if !wantGroups[name] {
			a.t.Errorf("IAM holds group %s, which no template defines", name)
		}
	}
	if len(wantUsers) == 0 || len(wantGroups) == 0 || len(wantPolicies) == 0 {
		a.t.Fatalf("the templates define %d users, %d groups, %d policies", len(wantUsers), len(wantGroups), len(wantPolicies))
	}
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func sorted(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return out
}

// The user-only stack of the example deploys, and IAM then holds exactly
// its users, groups, memberships, tags, managed policies and login profiles
// (whose first passwords come from Secrets Manager dynamic references).
// Changing a grant, adding a user and removing one update the stack in
// place: every other user and group keeps its unique ID.
func TestUserOnlyStackDeploys(t *testing.T) {
	if testing.Short() {
		t.Skip("deploys; skipped with -short")
	}
	t.Parallel() // its own moto and directories: it runs beside the other deploy tests
	acct := newAccount(t, "111111111111")
	example := string(iamstack.Example())
	asm := acct.synthAndDeploy(example, "infra-identity")
	before := acct.read()
	acct.compare(asm, before)

	// A grant changes a tag: an update, never a replacement.
	regrant := strings.Replace(example, "frank.osei:\n    grants:\n      ReadR: [prod]", "frank.osei:\n    grants:\n      AdminR: [prod]", 1)
	if regrant == example {
		t.Fatal("the example no longer grants frank.osei ReadR in prod")
	}
	asm = acct.synthAndDeploy(regrant, "infra-identity")
	after := acct.read()
	acct.compare(asm, after)
	if !slices.Contains(after.users["frank.osei"].Tags, "infra-grants-AdminR=:333333333333:") {
		t.Errorf("frank's grant tag: %v", after.users["frank.osei"].Tags)
	}
	sameIDs(t, before, after, nil)

	// A new person and a person who leaves (acknowledged).
	moved := strings.Replace(regrant, "  frank.osei:\n", "  grace.hopper:\n    teams: [developers]\n    console: true\n  frank.osei:\n", 1)
	moved = strings.Replace(moved, "  dan.okafor:\n    teams: [developers]\n", "", 1)
	moved += "\nacknowledgedRemovals:\n  - {kind: user, name: dan.okafor, account: identity, reason: left the company on 2026-11-20}\n"
	asm = acct.synthAndDeploy(moved, "infra-identity")
	final := acct.read()
	acct.compare(asm, final)
	if _, ok := final.users["dan.okafor"]; ok {
		t.Error("dan.okafor is still in IAM")
	}
	if final.users["grace.hopper"].Login != "reset" {
		t.Errorf("grace.hopper: %+v", final.users["grace.hopper"])
	}
	sameIDs(t, after, final, []string{"dan.okafor"})
}

// sameIDs checks that every user and group of before that should stay has
// the same unique ID after: updated in place, not replaced.
func sameIDs(t *testing.T, before, after iamState, gone []string) {
	t.Helper()
	for name, u := range before.users {
		if slices.Contains(gone, name) {
			continue
		}
		if a, ok := after.users[name]; !ok || a.ID != u.ID {
			t.Errorf("user %s was replaced or lost: ID %s, then %s", name, u.ID, a.ID)
		}
	}
	for name, g := range before.groups {
		if a, ok := after.groups[name]; !ok || a.ID != g.ID {
			t.Errorf("group %s was replaced or lost: ID %s, then %s", name, g.ID, a.ID)
		}
	}
}

// With userStacks: 3, the main stack and both extra user stacks deploy, in
// the order their dependencies give, and IAM holds every user in the groups
// of the main stack.
func TestUserStacksDeploy(t *testing.T) {
	if testing.Short() {
		t.Skip("deploys; skipped with -short")
	}
	t.Parallel() // its own moto and directories: it runs beside the other deploy tests
	acct := newAccount(t, "111111111111")
	yaml := strings.Replace(string(iamstack.Example()), "passwordChangeWithoutMFA: true", "passwordChangeWithoutMFA: true\nuserStacks: 3", 1)
	for i := 0; i < 12; i++ {
		yaml = strings.Replace(yaml, "users:\n", fmt.Sprintf("users:\n  person%02d:\n    teams: [developers]\n", i), 1)
	}
	asm := acct.synthAndDeploy(yaml, "infra-identity", "infra-identity-users-1", "infra-identity-users-2")
	state := acct.read()
	acct.compare(asm, state)
	tpls, _ := readAssembly(t, asm)
	for _, id := range []string{"infra-identity-users-1", "infra-identity-users-2"} {
		users := 0
		for _, r := range tpls[id].Resources {
			if r.Type == "AWS::IAM::User" {
				users++
			}
		}
		if users == 0 {
			t.Errorf("%s holds no user: the test does not exercise it", id)
		}
	}
}

// Switching a role off in an account deletes it there and changes nothing
// else: the account's other roles keep their unique IDs.
func TestRoleSwitchedOffIsAnUpdate(t *testing.T) {
	if testing.Short() {
		t.Skip("deploys; skipped with -short")
	}
	t.Parallel() // its own moto and directories: it runs beside the other deploy tests
	dev := newAccount(t, "222222222222")
	example := string(iamstack.Example())
	both := strings.Replace(example, "    enabledIn: [prod]\n    waivers:\n      AwsSolutions-IAM4: job-function/Billing", "    enabledIn: [dev, prod]\n    waivers:\n      AwsSolutions-IAM4: job-function/Billing", 1)
	if both == example {
		t.Fatal("the example no longer enables BillingR in prod only")
	}
	roleIDs := func() map[string]string {
		var out struct {
			Roles []struct{ RoleName, RoleId string }
		}
		if err := dev.aws(&out, "iam", "list-roles"); err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, r := range out.Roles {
			if strings.HasPrefix(r.RoleName, "infra-") {
				m[r.RoleName] = r.RoleId
			}
		}
		return m
	}
	dev.synthAndDeploy(both, "infra-dev")
	before := roleIDs()
	if before["infra-BillingR"] == "" {
		t.Fatalf("BillingR was not deployed in dev: %v", before)
	}
	dev.synthAndDeploy(example, "infra-dev")
	after := roleIDs()
	if _, ok := after["infra-BillingR"]; ok {
		t.Error("BillingR is still in dev after it was switched off there")
	}
	for name, id := range before {
		if name != "infra-BillingR" && after[name] != id {
			t.Errorf("role %s was replaced or lost: ID %s, then %s", name, id, after[name])
		}
	}
}
