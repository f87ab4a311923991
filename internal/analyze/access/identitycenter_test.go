//go:build cdk || integration

package access_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamstack/iamstack/internal/analyze/access"
	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/analyze/evaluate"
)

// The roles Identity Center provisions for iamstack's permission sets trust
// only their account's Identity Center SAML provider, for AWS's sign-in
// audience: by both evaluators, the provider with that audience is
// admitted, another audience, another account's provider, an IAM user and
// the same-named IAM role are refused.
func TestIdentityCenterTrust(t *testing.T) {
	f := named(t, "examples/identity-center.yaml")
	var cases []case_
	var want []bool
	roles := 0
	for _, r := range f.inv.Roles {
		if r.PermissionSet == "" {
			continue
		}
		roles++
		provider := r.Trust.Document.Statements[0].Principal["Federated"][0]
		saml := func(principal, aud string) evaluate.Request {
			req := r.ResourceRequest("sts:AssumeRoleWithSAML")
			req.Principal, req.PrincipalAccount = principal, r.Account
			req.Context = map[string][]string{"SAML:aud": {aud}}
			return req
		}
		add := func(what string, req evaluate.Request, allow bool) {
			cases = append(cases, case_{fmt.Sprintf("%s: %s", r.ARN, what), req, evaluate.Policies{Resource: r.Trust}})
			want = append(want, allow)
		}
		add("its provider, sign-in audience", saml(provider, "https://signin.aws.amazon.com/saml"), true)
		add("its provider, another audience", saml(provider, "https://example.com/saml"), false)
		add("another account's provider", saml(strings.Replace(provider, r.Account, "999999999999", 1), "https://signin.aws.amazon.com/saml"), false)
		for _, u := range f.inv.Users {
			req, ps := access.AssumeRole(u, r, true)
			cases = append(cases, case_{fmt.Sprintf("%s: IAM user %s", r.ARN, u.Name), req, ps})
			want = append(want, false)
		}
	}
	if roles == 0 {
		t.Fatal("the example's templates give no Identity Center role")
	}
	// A role that trusts a role of the model (ReportsR trusts data/DataR)
	// admits the role's permission set there as it admits its IAM role, and
	// no other permission set.
	reports := inventoryRole(t, f.inv, "corp-ReportsR", "200000000001")
	for _, r := range f.inv.Roles {
		if r.Account != "200000000006" || (f.inv.RoleShortName(r) != "DataR" && f.inv.RoleShortName(r) != "ReadR") {
			continue
		}
		req, ps := roleAssumes(r, reports)
		cases = append(cases, case_{fmt.Sprintf("%s chains into ReportsR", r.ARN), req, ps})
		want = append(want, f.inv.RoleShortName(r) == "DataR")
	}
	bothDecide(t, cases, want)
}

// A permission set gives the same access in an account as the IAM role it
// mirrors there: every probe of the guard, the guardrails and the AWS
// managed policies is decided alike for both, by both evaluators; only the
// roles themselves differ as targets (AWS reserves the provisioned ones).
func TestPermissionSetsMirrorTheirRoles(t *testing.T) {
	f := named(t, "examples/identity-center.yaml")
	iamRole := map[[2]string]assembly.Principal{}
	for _, r := range f.inv.Roles {
		if r.PermissionSet == "" {
			iamRole[[2]string{r.Account, f.inv.RoleShortName(r)}] = r
		}
	}
	probes := []struct{ action, resource string }{
		{"ec2:RunInstances", "arn:aws:ec2:eu-west-1:ACCOUNT:instance/*"},
		{"ec2:RunInstances", "arn:aws:ec2:ap-south-1:ACCOUNT:instance/*"},
		{"rds:DeleteDBInstance", "arn:aws:rds:eu-west-1:ACCOUNT:db:orders"},
		{"s3:GetObject", "arn:aws:s3:::corp-data-sales/q1.parquet"},
		{"athena:StartQueryExecution", "arn:aws:athena:eu-west-1:ACCOUNT:workgroup/analytics"},
		{"iam:CreateUser", "arn:aws:iam::ACCOUNT:user/intruder"},
		{"iam:CreatePolicyVersion", "arn:aws:iam::ACCOUNT:policy/corp-OpsR-Policy"},
		{"iam:AttachRolePolicy", "arn:aws:iam::ACCOUNT:role/corp-ReadR"},
		{"iam:UpdateSAMLProvider", "arn:aws:iam::ACCOUNT:saml-provider/AWSSSO_0123456789ABCDEF_DO_NOT_DELETE"},
		{"sso:CreateAccountAssignment", "*"},
		{"identitystore:CreateGroupMembership", "*"},
		{"aws-portal:ViewBilling", "*"},
	}
	var cases []case_
	var want []bool
	pairs := 0
	for _, v := range f.inv.Roles {
		if v.PermissionSet == "" {
			continue
		}
		r, ok := iamRole[[2]string{v.Account, f.inv.RoleShortName(v)}]
		if !ok {
			t.Errorf("%s has no IAM role of its model role in its account", v.ARN)
			continue
		}
		pairs++
		for _, p := range probes {
			res := strings.ReplaceAll(p.resource, "ACCOUNT", r.Account)
			ask := func(who assembly.Principal) evaluate.Request {
				return evaluate.Request{Principal: who.ARN, PrincipalAccount: who.Account, Action: p.action, Resource: res,
					ResourceAccount: who.Account, Context: access.Context(who, true)}
			}
			iamAllows := evaluate.Evaluate(ask(r), evaluate.Policies{Identity: r.Identity, Boundary: r.Boundary}).Decision == evaluate.Allow
			cases = append(cases, case_{fmt.Sprintf("%s %s", v.ARN, p.action), ask(v), evaluate.Policies{Identity: v.Identity, Boundary: v.Boundary}})
			want = append(want, iamAllows)
		}
	}
	if pairs == 0 {
		t.Fatal("no permission set to compare")
	}
	bothDecide(t, cases, want)
}

// Identity Center's own escalation surface: a role of the instance's
// account that may administer Identity Center assigns itself anything, and
// a role of a member account that may rewrite Identity Center's SAML
// provider there signs in as any permission set's role; both are findings,
// and both evaluators allow the requests they rest on.
func TestIdentityCenterEscalation(t *testing.T) {
	yaml, err := os.ReadFile("../../../examples/identity-center.yaml")
	if err != nil {
		t.Fatal(err)
	}
	extra := `  HelpdeskR:
    description: Helps people sign in.
    enabledIn: [management]
    statements:
      - {effect: Allow, actions: ["sso:*", "identitystore:*"], resources: ["*"]}
  FederationR:
    description: Manages the account's identity providers.
    enabledIn: [dev]
    statements:
      - {effect: Allow, actions: ["iam:UpdateSAMLProvider"], resources: ["arn:aws:iam::200000000003:saml-provider/*"]}
`
	changed := strings.Replace(string(yaml), "  BillingR:\n", extra+"  BillingR:\n", 1)
	_, inv, err := synthesize("escalation.yaml", []byte(changed), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	open := openFindings(access.Analyze(inv))
	for _, want := range []struct{ start, holds string }{
		{"HelpdeskR in management can sso:CreateAccountAssignment on Identity Center arn:aws:sso:::instance/ssoins-6804a1b2c3d4e5f6", "administer IAM Identity Center"},
		{"FederationR in dev can iam:UpdateSAMLProvider on Identity Center's SAML provider in dev", "signs in as any permission set's role"},
	} {
		if !containsFinding(open, want.start, want.holds) {
			t.Errorf("no finding %q; open findings:\n%s", want.start, strings.Join(open, "\n"))
		}
	}
	// The requests behind them, by both evaluators.
	var cases []case_
	for _, r := range inv.Roles {
		name := inv.RoleShortName(r)
		var action, resource string
		switch {
		case name == "HelpdeskR" && r.PermissionSet == "":
			action, resource = "sso:CreateAccountAssignment", inv.IdentityCenter.InstanceARN
		case name == "FederationR" && r.PermissionSet == "":
			action, resource = "iam:UpdateSAMLProvider", "arn:aws:iam::200000000003:saml-provider/AWSSSO_0123456789ABCDEF_DO_NOT_DELETE"
		default:
			continue
		}
		cases = append(cases, case_{r.ARN + " " + action, evaluate.Request{Principal: r.ARN, PrincipalAccount: r.Account, Action: action,
			Resource: resource, ResourceAccount: r.Account, Context: access.Context(r, true)}, evaluate.Policies{Identity: r.Identity, Boundary: r.Boundary}})
	}
	if len(cases) != 2 {
		t.Fatalf("%d roles to probe, want HelpdeskR and FederationR", len(cases))
	}
	bothDecide(t, cases, []bool{true, true})
}

// With an external directory the templates reference the provider's groups
// and people by the IDs of the lock file, hold no directory resources, and
// carry the memberships the model declares: the matrix joins with those and
// says they are declared.
func TestExternalDirectory(t *testing.T) {
	f := named(t, "identity-center-external.yaml")
	ic := f.inv.IdentityCenter
	if ic == nil || ic.Directory != "external" || len(ic.DirectoryUsers) != 0 {
		t.Fatalf("Identity Center of the templates: %+v", ic)
	}
	if got := strings.Join(ic.Members["platform"], ","); got != "ana.lima" {
		t.Errorf("platform's declared members: %s", got)
	}
	b, err := os.ReadFile(filepath.Join(f.dir, "acme-management-identity-center.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{`"PrincipalId": "9067f1e2d3-2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d"`, `"PrincipalId": "9067f1e2d3-3b4c5d6e-7f8a-4b9c-8d0e-2f3a4b5c6d7e"`} {
		if !strings.Contains(string(b), id) {
			t.Errorf("the template assigns no %s", id)
		}
	}
	if strings.Contains(string(b), "AWS::IdentityStore::") {
		t.Error("the template creates directory resources the provider owns")
	}
	for e := range f.rep.Entries() {
		if e.User == "ben.oduya" && e.Role == "OpsR" && (len(e.Via) != 1 || !strings.Contains(e.Via[0], "Identity Center group AWS-Developers (membership declared")) {
			t.Errorf("ben's OpsR in dev is reached via %v", e.Via)
		}
	}
}
