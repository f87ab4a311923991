//go:build cdk || integration

package access_test

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/iamstack/iamstack/internal/analyze/access"
	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/analyze/evaluate"
	"github.com/iamstack/iamstack/internal/policy"
	"github.com/iamstack/iamstack/internal/scaffold"
	"github.com/iamstack/iamstack/model"
)

// The deploy role `iamstack init --github` writes may assume the CDK
// bootstrap's deploy and file-publishing roles in every account and do
// nothing else, and only the repository's environment jobs assume it: both
// evaluators decide every probe on the starter model's own templates.
func TestStarterDeployRole(t *testing.T) {
	m, inv, _ := starter(t)
	identity, _ := m.Account("identity")
	deploy := inventoryRole(t, inv, "infra-DeployR", identity.ID)

	// Every role it might assume trusts the identity account, as
	// `cdk bootstrap --trust` makes the CDK's roles do: what refuses is
	// DeployR's own policy.
	trustsIdentity := &evaluate.Policy{Name: "trust", Document: policy.NewDocument(policy.Statement{Effect: policy.Allow,
		Principal: policy.Principal{"AWS": {"arn:aws:iam::" + identity.ID + ":root"}}, Actions: []string{"sts:AssumeRole", "sts:TagSession"}})}
	var cases []case_
	var want []bool
	ask := func(what, action, resource, account string, allow bool) {
		req := evaluate.Request{Principal: deploy.ARN, PrincipalAccount: identity.ID, Action: action,
			Resource: resource, ResourceAccount: account, Context: access.Context(deploy, false)}
		ps := evaluate.Policies{Identity: deploy.Identity, Boundary: deploy.Boundary}
		if strings.HasPrefix(action, "sts:") {
			ps.Resource = trustsIdentity
		}
		cases = append(cases, case_{what, req, ps})
		want = append(want, allow)
	}
	for _, name := range m.AccountNames() {
		a, _ := m.Account(name)
		role := func(name string) string { return "arn:aws:iam::" + a.ID + ":role/" + name }
		bootstrap := func(kind string) string { return role("cdk-hnb659fds-" + kind + "-role-" + a.ID + "-eu-west-1") }
		ask("assume the deploy role in "+a.Name, "sts:AssumeRole", bootstrap("deploy"), a.ID, true)
		ask("tag the deploy role's session in "+a.Name, "sts:TagSession", bootstrap("deploy"), a.ID, true)
		ask("assume the file-publishing role in "+a.Name, "sts:AssumeRole", bootstrap("file-publishing"), a.ID, true)
		// The lookup role reads the account; the execution role is
		// CloudFormation's, passed by the deploy role, never assumed by it.
		ask("assume the lookup role in "+a.Name, "sts:AssumeRole", bootstrap("lookup"), a.ID, false)
		ask("assume the execution role in "+a.Name, "sts:AssumeRole", bootstrap("cfn-exec"), a.ID, false)
		for _, r := range []string{"infra-AdminR", "infra-OpsR", "infra-ReadR", "infra-DeployR", "infra-DriftReadR"} {
			ask("assume "+r+" in "+a.Name, "sts:AssumeRole", role(r), a.ID, false)
		}
		ask("pass the execution role in "+a.Name, "iam:PassRole", bootstrap("cfn-exec"), a.ID, false)
		ask("create a stack in "+a.Name, "cloudformation:CreateStack", "arn:aws:cloudformation:eu-west-1:"+a.ID+":stack/x/1", a.ID, false)
		ask("create a user in "+a.Name, "iam:CreateUser", "arn:aws:iam::"+a.ID+":user/x", a.ID, false)
		ask("read the assets bucket in "+a.Name, "s3:GetObject", "arn:aws:s3:::cdk-hnb659fds-assets-"+a.ID+"-eu-west-1/x", a.ID, false)
	}
	bothDecide(t, cases, want)

	// Who may assume it: the environment jobs of the repository only.
	githubTokens(t, deploy, map[string]bool{
		"repo:acme/identity:environment:env/dev":       true,
		"repo:acme/identity:environment:env/prod":      true,
		"repo:acme/identity:pull_request":              false,
		"repo:acme/identity:ref:refs/heads/main":       false,
		"repo:acme/identity:environment:env/prod-copy": false,
		"repo:acme/other:environment:env/prod":         false,
	})
}

// githubTokens presents a GitHub Actions token of each subject to a role
// of the identity account, and wants it admitted or refused as said. The
// simulator cannot take the provider's keys from a request (see
// TestExternalTrusts): it confirms the refusals.
func githubTokens(t *testing.T, role assembly.Principal, subjects map[string]bool) {
	t.Helper()
	provider := "arn:aws:iam::" + role.Account + ":oidc-provider/token.actions.githubusercontent.com"
	for _, sub := range slices.Sorted(maps.Keys(subjects)) {
		allow := subjects[sub]
		req := evaluate.Request{Principal: provider, PrincipalAccount: role.Account, Action: "sts:AssumeRoleWithWebIdentity",
			Resource: role.ARN, ResourceAccount: role.Account, Context: map[string][]string{
				"token.actions.githubusercontent.com:sub": {sub}, "token.actions.githubusercontent.com:aud": {"sts.amazonaws.com"}}}
		c := case_{sub, req, evaluate.Policies{Resource: role.Trust}}
		if ours := evaluate.Evaluate(c.req, c.ps).Decision == evaluate.Allow; ours != allow {
			t.Errorf("a token of %s for %s: want allowed=%v; iamstack %v", sub, role.Name, allow, ours)
		}
		if !allow {
			if answer := askOracle(t, []case_{c})[0]; answer.Result == "Allowed" {
				t.Errorf("a token of %s for %s: the independent simulator allows it %s", sub, role.Name, answer.Detail)
			}
		}
	}
}

// starter is the model `iamstack init --github acme/identity` writes,
// synthesized and analysed.
func starter(t *testing.T) (*model.Model, *assembly.Inventory, access.Report) {
	t.Helper()
	dir := t.TempDir()
	if _, err := scaffold.Write(dir, scaffold.Options{Schema: []byte("{}"), CDKVersion: "2.0.0", Version: "v1.0.0", GitHub: "acme/identity"}); err != nil {
		t.Fatal(err)
	}
	yaml, err := os.ReadFile(filepath.Join(dir, "iamstack.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m, inv, err := synthesize("starter.yaml", yaml, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return m, inv, access.Analyze(inv)
}

// The drift roles `iamstack init --github` writes: DriftR, which only the
// repository's drift job assumes, may assume DriftReadR in every account
// (keeping its session name, as the trust requires) and nothing else;
// DriftReadR reads IAM and cannot change anything or go further; no other
// role reaches it. Both evaluators decide; the analysis finds nothing on
// either.
func TestStarterDriftRoles(t *testing.T) {
	m, inv, rep := starter(t)
	identity, _ := m.Account("identity")
	driftR := inventoryRole(t, inv, "infra-DriftR", identity.ID)
	deploy := inventoryRole(t, inv, "infra-DeployR", identity.ID)
	var cases []case_
	var want []bool
	ask := func(what string, caller assembly.Principal, ctx map[string][]string, action string, target assembly.Principal, allow bool) {
		req := evaluate.Request{Principal: caller.ARN, PrincipalAccount: caller.Account, Action: action, Resource: target.ARN,
			ResourceAccount: target.Account, Context: ctx}
		cases = append(cases, case_{what, req, evaluate.Policies{Identity: caller.Identity, Boundary: caller.Boundary, Resource: target.Trust}})
		want = append(want, allow)
	}
	for _, name := range m.AccountNames() {
		a, _ := m.Account(name)
		read := inventoryRole(t, inv, "infra-DriftReadR", a.ID)
		ask("DriftR assumes DriftReadR in "+name, driftR, access.Context(driftR, false), "sts:AssumeRole", read, true)
		renamed := access.Context(driftR, false)
		renamed["sts:RoleSessionName"] = []string{"someone-else"}
		ask("DriftR assumes DriftReadR in "+name+" under another session name", driftR, renamed, "sts:AssumeRole", read, false)
		ask("DeployR assumes DriftReadR in "+name, deploy, access.Context(deploy, false), "sts:AssumeRole", read, false)
		for _, r := range []string{"infra-AdminR", "infra-OpsR", "infra-ReadR"} {
			if m.RoleEnabled(strings.TrimPrefix(r, "infra-"), name) {
				ask("DriftR assumes "+r+" in "+name, driftR, access.Context(driftR, false), "sts:AssumeRole", inventoryRole(t, inv, r, a.ID), false)
			}
		}
		readCtx := access.Context(read, false)
		act := func(what, action, resource string, allow bool) {
			req := evaluate.Request{Principal: read.ARN, PrincipalAccount: a.ID, Action: action, Resource: resource, ResourceAccount: a.ID, Context: readCtx}
			cases = append(cases, case_{what, req, evaluate.Policies{Identity: read.Identity, Boundary: read.Boundary}})
			want = append(want, allow)
		}
		act("DriftReadR reads IAM in "+name, "iam:GetAccountAuthorizationDetails", "*", true)
		act("DriftReadR reads a role in "+name, "iam:GetRole", "arn:aws:iam::"+a.ID+":role/infra-AdminR", true)
		act("DriftReadR creates a user in "+name, "iam:CreateUser", "arn:aws:iam::"+a.ID+":user/x", false)
		act("DriftReadR attaches a policy in "+name, "iam:AttachRolePolicy", "arn:aws:iam::"+a.ID+":role/infra-ReadR", false)
		act("DriftReadR reads an object in "+name, "s3:GetObject", "arn:aws:s3:::bucket/x", false)
		act("DriftReadR assumes a role in "+name, "sts:AssumeRole", "arn:aws:iam::"+a.ID+":role/infra-AdminR", false)
	}
	bothDecide(t, cases, want)

	githubTokens(t, driftR, map[string]bool{
		"repo:acme/identity:environment:drift":    true,
		"repo:acme/identity:ref:refs/heads/main":  false,
		"repo:acme/identity:pull_request":         false,
		"repo:acme/identity:environment:env/prod": false,
		"repo:acme/other:environment:drift":       false,
	})
	for _, f := range rep.Findings {
		if strings.Contains(f.Principal, "Drift") {
			t.Errorf("finding on a drift role: %s", f)
		}
	}
}
