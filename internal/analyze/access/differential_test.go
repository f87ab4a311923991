//go:build cdk || integration

package access_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/iamstack/iamstack"
	"github.com/iamstack/iamstack/internal/analyze/access"
	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/analyze/evaluate"
	"github.com/iamstack/iamstack/internal/policy"
)

// Differential test: @cloud-copilot/iam-simulate, an independent evaluator,
// decides every request the suite generates, and must agree with ours. It
// runs as a separate Node process (it is AGPL-3.0: test-only, never linked).
func TestAgreesWithIndependentEvaluator(t *testing.T) {
	var cases []case_
	for _, f := range fixtures {
		cases = append(cases, requests(f.name, f.inv)...)
		cases = append(cases, attackCases(f.name, f.inv)...)
	}
	answers := askOracle(t, cases)
	want := map[evaluate.Decision]string{evaluate.Allow: "Allowed", evaluate.ImplicitDeny: "ImplicitlyDenied", evaluate.ExplicitDeny: "ExplicitlyDenied"}
	disagree := 0
	decisions := map[string]int{}
	for i, c := range cases {
		ours := evaluate.Evaluate(c.req, c.ps)
		decisions[want[ours.Decision]]++
		if answers[i].Result != want[ours.Decision] {
			disagree++
			if disagree <= 10 {
				t.Errorf("%s: ours %v (allowed by %v, denied by %v), oracle %s %s", c.what, ours.Decision, ours.AllowedBy, ours.DeniedBy, answers[i].Result, answers[i].Detail)
			}
		}
	}
	seen := len(answers)
	t.Logf("%d requests over %d models, %d disagreements; decisions: %v", seen, len(fixtures), disagree, decisions)
	if decisions["Allowed"] == 0 || decisions["ImplicitlyDenied"] == 0 || decisions["ExplicitlyDenied"] == 0 {
		t.Errorf("the requests do not exercise every decision: %v", decisions)
	}
}

// bothDecide has iamstack's evaluator and the independent one decide every
// case, and each must allow exactly where want says.
func bothDecide(t *testing.T, cases []case_, want []bool) {
	t.Helper()
	answers := askOracle(t, cases)
	for i, c := range cases {
		ours := evaluate.Evaluate(c.req, c.ps).Decision == evaluate.Allow
		if ours != want[i] || (answers[i].Result == "Allowed") != want[i] {
			t.Errorf("%s on %s: want allowed=%v; iamstack %v, the independent simulator %s %s", c.what, c.req.Resource, want[i], ours, answers[i].Result, answers[i].Detail)
		}
	}
}

// answer is the independent evaluator's decision on one case.
type answer struct {
	Result string
	Detail json.RawMessage
}

// askOracle has @cloud-copilot/iam-simulate decide every case, in one
// separate Node process.
func askOracle(t *testing.T, cases []case_) []answer {
	t.Helper()
	oracle, err := filepath.Abs("../../../test/oracle")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(oracle, "node_modules", "@cloud-copilot", "iam-simulate")); err != nil {
		t.Fatalf("the test oracle is not installed: run `make test`, or `npm ci --prefix test/oracle` (%v)", err)
	}
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	for i, c := range cases {
		if err := enc.Encode(map[string]any{"id": i, "simulation": simulation(c)}); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("node", filepath.Join(oracle, "simulate.mjs"))
	cmd.Stdin = &in
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("oracle: %v\n%s", err, stderr.String())
	}
	answers := make([]answer, len(cases))
	seen := 0
	sc := bufio.NewScanner(&out)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var r struct {
			ID     int             `json:"id"`
			Result string          `json:"result"`
			Detail json.RawMessage `json:"detail"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		answers[r.ID] = answer{r.Result, r.Detail}
		seen++
	}
	if seen != len(cases) {
		t.Fatalf("oracle answered %d of %d requests\n%s", seen, len(cases), stderr.String())
	}
	return answers
}

// requests are every AssumeRole of the matrix, with and without MFA, and
// the escalation probes of every principal on every target of its account.
func requests(name string, inv *assembly.Inventory) []case_ {
	var out []case_
	for _, u := range inv.Users {
		for _, r := range inv.Roles {
			for _, mfa := range []bool{false, true} {
				req, ps := access.AssumeRole(u, r, mfa)
				out = append(out, case_{fmt.Sprintf("%s: %s assumes %s (mfa %v)", name, u.Name, r.ARN, mfa), req, ps})
			}
		}
	}
	// Each probe action targets the resource type it acts on.
	probes := map[string]string{
		"iam:AttachRolePolicy": "role", "iam:UpdateAssumeRolePolicy": "role", "iam:PassRole": "role", "iam:CreateRole": "role",
		"iam:CreatePolicyVersion": "policy", "iam:CreateAccessKey": "user", "iam:AddUserToGroup": "group",
	}
	for _, p := range append(append([]assembly.Principal(nil), inv.Roles...), inv.Users...) {
		resources := map[string][]string{}
		for _, r := range inv.Roles {
			if r.Account == p.Account {
				resources["role"] = append(resources["role"], r.ARN)
			}
		}
		for _, u := range inv.Users {
			if u.Account == p.Account {
				resources["user"] = append(resources["user"], u.ARN)
			}
		}
		for _, g := range inv.Groups {
			if g.Account == p.Account {
				resources["group"] = append(resources["group"], g.ARN)
			}
		}
		for _, mp := range inv.ManagedPolicies {
			if mp.Account == p.Account {
				resources["policy"] = append(resources["policy"], mp.ARN)
			}
		}
		for _, action := range slices.Sorted(maps.Keys(probes)) {
			for _, res := range resources[probes[action]] {
				ctx := access.Context(p, p.Kind == "user")
				ctx["iam:PolicyARN"] = []string{"arn:aws:iam::aws:policy/AdministratorAccess"}
				out = append(out, case_{fmt.Sprintf("%s: %s %s on %s", name, p.ARN, action, res),
					evaluate.Request{Principal: p.ARN, PrincipalAccount: p.Account, Action: action, Resource: res, ResourceAccount: p.Account, Context: ctx},
					evaluate.Policies{Identity: p.Identity, Boundary: p.Boundary}})
			}
		}
	}
	// What AWS managed policies allow, evaluated from their real documents
	// (the embedded catalog's) by both evaluators: ReadOnlyAccess on reads and
	// on writes, job-function/Billing on billing.
	for _, r := range inv.Roles {
		for _, probe := range managedProbes {
			ctx := access.Context(r, true)
			res := strings.ReplaceAll(probe.resource, "ACCOUNT", r.Account)
			out = append(out, case_{fmt.Sprintf("%s: %s %s on %s", name, r.ARN, probe.action, res),
				evaluate.Request{Principal: r.ARN, PrincipalAccount: r.Account, Action: probe.action, Resource: res, ResourceAccount: r.Account, Context: ctx},
				evaluate.Policies{Identity: r.Identity, Boundary: r.Boundary}})
		}
	}
	return out
}

// managedProbes are requests whose answer comes from AWS managed policies.
var managedProbes = []struct{ action, resource string }{
	{"ec2:DescribeInstances", "*"},
	{"iam:ListRoles", "*"},
	{"s3:GetObject", "arn:aws:s3:::example-artifacts-dev/app.zip"},
	{"s3:PutObject", "arn:aws:s3:::example-artifacts-dev/app.zip"},
	{"dynamodb:DeleteTable", "arn:aws:dynamodb:eu-west-1:ACCOUNT:table/orders"},
	{"ce:GetCostAndUsage", "*"},
	{"aws-portal:ViewBilling", "*"},
	{"budgets:ViewBudget", "arn:aws:budgets::ACCOUNT:budget/monthly"},
}

// simulation is a case as the independent simulator takes it. Each policy
// keeps only the statements that can match the action (evaluate.Narrow):
// AWS managed policies such as ReadOnlyAccess run to 90 KB, sent with every
// request, and statements of other actions cannot change a decision.
func simulation(c case_) map[string]any {
	c.ps = evaluate.Narrow(c.ps, c.req.Action)
	named := func(ps []evaluate.Policy) []map[string]any {
		out := []map[string]any{}
		for i, p := range ps {
			out = append(out, map[string]any{"name": fmt.Sprintf("%d-%s", i, p.Name), "policy": json.RawMessage(p.Document.JSON())})
		}
		return out
	}
	ctx := map[string]any{}
	for k, v := range c.req.Context {
		if len(v) == 1 {
			ctx[k] = v[0]
		} else {
			ctx[k] = v
		}
	}
	// AWS puts the resource's account and place in the organization in
	// every request's context; the simulator takes them as given.
	ctx["aws:ResourceAccount"] = c.req.ResourceAccount
	if c.req.ResourceOrgID != "" {
		ctx["aws:ResourceOrgID"] = c.req.ResourceOrgID
		ctx["aws:ResourceOrgPaths"] = c.req.ResourceOrgPaths
	}
	sim := map[string]any{
		"request": map[string]any{
			"principal": c.req.Principal, "action": c.req.Action,
			"resource":         map[string]any{"resource": c.req.Resource, "accountId": c.req.ResourceAccount},
			"contextVariables": ctx,
		},
		"identityPolicies":        named(c.ps.Identity),
		"serviceControlPolicies":  []any{},
		"resourceControlPolicies": []any{},
	}
	if c.ps.Resource != nil {
		sim["resourcePolicy"] = json.RawMessage(c.ps.Resource.Document.JSON())
	}
	if c.ps.Boundary != nil {
		sim["permissionBoundaryPolicies"] = named([]evaluate.Policy{*c.ps.Boundary})
	}
	return sim
}

// Every route of issue 9 is closed on today's templates, for the example and
// for OpsR over many services, by iamstack's evaluator and by the
// independent one; the positive controls stay open in both.
func TestOpsRIsContained(t *testing.T) {
	var cases []case_
	var wantAllow []bool
	for _, f := range fixtures[:2] {
		if f.name != "example" && f.name != "many-services" {
			t.Fatalf("fixture %s where the example or many-services was expected", f.name)
		}
		cs := attackCases(f.name, f.inv)
		cases = append(cases, cs...)
		for _, c := range cs {
			wantAllow = append(wantAllow, strings.Contains(c.what, ": control: "))
		}
	}
	if len(cases) < 2*len(attacks) {
		t.Fatalf("only %d cases: does the example still have OpsR in dev and prod?", len(cases))
	}
	answers := askOracle(t, cases)
	for i, c := range cases {
		ours := evaluate.Evaluate(c.req, c.ps).Decision == evaluate.Allow
		theirs := answers[i].Result == "Allowed"
		if ours != wantAllow[i] || theirs != wantAllow[i] {
			t.Errorf("%s: want allowed=%v; iamstack allowed=%v, independent simulator %s", c.what, wantAllow[i], ours, answers[i].Result)
		}
	}
}

// Per-role settings as real setups write them: an emergency role that wants
// a fresher MFA session, a shorter session in prod, session tags and a
// source identity that must be the person's own name. Both sides of the
// grant enforce them, and both evaluators agree.
func TestPerRoleSettings(t *testing.T) {
	yaml := strings.Replace(string(iamstack.Example()), "  AdminR:\n    description: Full power, for emergencies only.\n    maxSession: 1h\n",
		"  AdminR:\n    description: Full power, for emergencies only.\n    maxSession: 1h\n    mfaMaxAge: 1h\n", 1)
	yaml = strings.Replace(yaml, "    maxSession: 4h\n", "    maxSession: 4h\n    sessionTags: [team, cost-center]\n", 1)
	yaml = strings.Replace(yaml, "  ReadR:\n    description: Read-only access to everything.\n    maxSession: 8h\n",
		"  ReadR:\n    description: Read-only access to everything.\n    maxSession: 8h\n    maxSessionIn: {prod: 2h}\n    sessionTags: true\n    sourceIdentity: true\n", 1)
	if !strings.Contains(yaml, "mfaMaxAge: 1h") || !strings.Contains(yaml, "sourceIdentity: true") || !strings.Contains(yaml, "cost-center") {
		t.Fatal("the example's roles changed: update this test")
	}
	_, inv, err := synthesize("settings.yaml", []byte(yaml), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var alice assembly.Principal
	for _, u := range inv.Users {
		if u.Name == "alice.martin" {
			alice = u
		}
	}
	role := func(name, account string) assembly.Principal { return inventoryRole(t, inv, name, account) }
	if got := role("infra-ReadR", "333333333333").MaxSessionSeconds; got != 7200 {
		t.Errorf("ReadR's maximum session in prod: %d s", got)
	}
	if got := role("infra-ReadR", "222222222222").MaxSessionSeconds; got != 28800 {
		t.Errorf("ReadR's maximum session in dev: %d s", got)
	}
	type probe struct {
		what, action, role, account string
		ctx                         map[string]string
		allow                       bool
	}
	var cases []case_
	var want []bool
	for _, p := range []probe{
		{"AdminR with a 30-minute-old MFA session", "sts:AssumeRole", "infra-AdminR", "222222222222", map[string]string{"aws:MultiFactorAuthAge": "1800"}, true},
		{"AdminR with a 2-hour-old MFA session", "sts:AssumeRole", "infra-AdminR", "222222222222", map[string]string{"aws:MultiFactorAuthAge": "7200"}, false},
		{"ReadR with a 2-hour-old MFA session", "sts:AssumeRole", "infra-ReadR", "222222222222", map[string]string{"aws:MultiFactorAuthAge": "7200"}, true},
		{"session tags for ReadR", "sts:TagSession", "infra-ReadR", "222222222222", map[string]string{"aws:TagKeys": "team"}, true},
		{"session tags for AdminR, which takes none", "sts:TagSession", "infra-AdminR", "222222222222", map[string]string{"aws:TagKeys": "team"}, false},
		{"her own name as source identity", "sts:SetSourceIdentity", "infra-ReadR", "222222222222", map[string]string{"sts:SourceIdentity": "alice.martin"}, true},
		{"someone else's name as source identity", "sts:SetSourceIdentity", "infra-ReadR", "222222222222", map[string]string{"sts:SourceIdentity": "bob.nguyen"}, false},
		{"a session tag with iamstack's grant key, which would outrank her own", "sts:TagSession", "infra-ReadR", "222222222222", map[string]string{"aws:TagKeys": "infra-grants-AdminR"}, false},
		{"a transitive session tag, which would follow the session into chained roles", "sts:TagSession", "infra-ReadR", "222222222222", map[string]string{"aws:TagKeys": "team", "sts:TransitiveTagKeys": "team"}, false},
		{"OpsR's named tag keys", "sts:TagSession", "infra-OpsR", "222222222222", map[string]string{"aws:TagKeys": "team,cost-center"}, true},
		{"a key OpsR does not name", "sts:TagSession", "infra-OpsR", "222222222222", map[string]string{"aws:TagKeys": "team,project"}, false},
		{"a named key in another case", "sts:TagSession", "infra-OpsR", "222222222222", map[string]string{"aws:TagKeys": "Team"}, false},
		{"a named key made transitive", "sts:TagSession", "infra-OpsR", "222222222222", map[string]string{"aws:TagKeys": "team", "sts:TransitiveTagKeys": "team"}, false},
		{"a source identity for AdminR, which takes none", "sts:SetSourceIdentity", "infra-AdminR", "222222222222", map[string]string{"sts:SourceIdentity": "alice.martin"}, false},
	} {
		r := role(p.role, p.account)
		req, ps := access.AssumeRole(alice, r, true)
		req.Action = p.action
		for k, v := range p.ctx {
			req.Context[k] = strings.Split(v, ",")
		}
		cases = append(cases, case_{p.what, req, ps})
		want = append(want, p.allow)
	}
	bothDecide(t, cases, want)
}

// Guardrails as configured: an action exempted from the region restriction
// runs anywhere, a role exempted from it is not held to the regions, the RDS
// guard covers only the databases it names, and every other role stays
// under both, by both evaluators.
func TestConfiguredGuardrails(t *testing.T) {
	old := "  regionRestriction:\n    regions: [eu-west-1, us-east-1]\n  rdsDeletePrevent:\n    accounts: [prod]\n"
	yaml := strings.Replace(string(iamstack.Example()), old, `  regionRestriction:
    regions: [eu-west-1, us-east-1]
    exempt: ["bedrock:InvokeModel"]
    exemptRoles: [AdminR]
  rdsDeletePrevent:
    accounts: [prod]
    resources: ["arn:aws:rds:*:*:db:prod-*"]
`, 1)
	if !strings.Contains(yaml, "exemptRoles: [AdminR]") {
		t.Fatal("the example's guardrails changed: update this test")
	}
	_, inv, err := synthesize("guardrails.yaml", []byte(yaml), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	const prod = "333333333333"
	role := func(name string) assembly.Principal { return inventoryRole(t, inv, name, prod) }
	type probe struct {
		role, action, resource, region string
		allow                          bool
	}
	var cases []case_
	var want []bool
	for _, p := range []probe{
		{"infra-AdminR", "ec2:RunInstances", "arn:aws:ec2:us-west-2:" + prod + ":instance/*", "us-west-2", true},
		{"infra-OpsR", "ec2:RunInstances", "arn:aws:ec2:us-west-2:" + prod + ":instance/*", "us-west-2", false},
		{"infra-OpsR", "ec2:RunInstances", "arn:aws:ec2:eu-west-1:" + prod + ":instance/*", "eu-west-1", true},
		{"infra-AdminR", "bedrock:InvokeModel", "arn:aws:bedrock:us-west-2::foundation-model/x", "us-west-2", true},
		{"infra-AdminR", "bedrock:InvokeAgent", "arn:aws:bedrock:ap-south-1:" + prod + ":agent-alias/a/b", "ap-south-1", true},
		{"infra-ReadR", "ec2:DescribeInstances", "*", "us-west-2", false},
		{"infra-AdminR", "rds:DeleteDBInstance", "arn:aws:rds:eu-west-1:" + prod + ":db:prod-orders", "eu-west-1", false},
		{"infra-AdminR", "rds:DeleteDBInstance", "arn:aws:rds:eu-west-1:" + prod + ":db:scratch", "eu-west-1", true},
	} {
		r := role(p.role)
		ctx := access.Context(r, true)
		ctx["aws:RequestedRegion"] = []string{p.region}
		req := evaluate.Request{Principal: r.ARN, PrincipalAccount: prod, Action: p.action, Resource: p.resource,
			ResourceAccount: prod, Context: ctx}
		cases = append(cases, case_{fmt.Sprintf("%s %s in %s", p.role, p.action, p.region), req,
			evaluate.Policies{Identity: r.Identity, Boundary: r.Boundary}})
		want = append(want, p.allow)
	}
	bothDecide(t, cases, want)
}

// The trusts a role admits beyond iamstack's users hold against the wrong
// caller: a GitHub token with another subject or audience, and a vendor
// without its external ID, are refused by both evaluators; the right vendor
// is admitted by both, the right workflow by iamstack's. The simulator, in
// its strict mode, does not take token.actions.githubusercontent.com keys
// from the request (its analysis reports the condition unmatched with the
// right values), so it can only confirm the GitHub refusals.
func TestExternalTrusts(t *testing.T) {
	f := named(t, "trusts")
	prod, _ := f.m.Account("prod")
	deploy := roleIn(t, f, "prod", "DeployR")
	provider := "arn:aws:iam::" + prod.ID + ":oidc-provider/token.actions.githubusercontent.com"
	github := func(sub, aud string) evaluate.Request {
		return evaluate.Request{Principal: provider, PrincipalAccount: prod.ID, Action: "sts:AssumeRoleWithWebIdentity",
			Resource: deploy.ARN, ResourceAccount: prod.ID, Context: map[string][]string{
				"token.actions.githubusercontent.com:sub": {sub}, "token.actions.githubusercontent.com:aud": {aud}}}
	}
	vendorPolicy := []evaluate.Policy{{Name: "vendor", Document: policy.NewDocument(policy.Statement{
		Effect: policy.Allow, Actions: []string{"sts:AssumeRole"}, Resources: []string{"*"}})}}
	vendor := func(ctx map[string][]string) evaluate.Request {
		return evaluate.Request{Principal: "arn:aws:iam::111122223333:role/monitor", PrincipalAccount: "111122223333",
			Action: "sts:AssumeRole", Resource: deploy.ARN, ResourceAccount: prod.ID, Context: ctx}
	}
	for _, p := range []struct {
		what     string
		req      evaluate.Request
		identity []evaluate.Policy
		allow    bool
		oracle   bool // whether the simulator can decide it
	}{
		{"the production environment's workflow", github("repo:acme/infra:environment:prod", "sts.amazonaws.com"), nil, true, false},
		{"a workflow of another branch", github("repo:acme/infra:ref:refs/heads/feature", "sts.amazonaws.com"), nil, false, true},
		{"another repository's workflow", github("repo:acme/other:environment:prod", "sts.amazonaws.com"), nil, false, true},
		{"a token for another audience", github("repo:acme/infra:environment:prod", "https://example.com"), nil, false, true},
		{"the vendor with its external ID", vendor(map[string][]string{"sts:ExternalId": {"acme-vendor-7f3a"}}), vendorPolicy, true, true},
		{"the vendor with another external ID", vendor(map[string][]string{"sts:ExternalId": {"guess"}}), vendorPolicy, false, true},
		{"the vendor without an external ID", vendor(map[string][]string{}), vendorPolicy, false, true},
	} {
		c := case_{p.what, p.req, evaluate.Policies{Identity: p.identity, Resource: deploy.Trust}}
		ours := evaluate.Evaluate(c.req, c.ps).Decision == evaluate.Allow
		if ours != p.allow {
			t.Errorf("%s: want allowed=%v; iamstack %v", p.what, p.allow, ours)
		}
		if !p.oracle {
			continue
		}
		if answer := askOracle(t, []case_{c})[0]; (answer.Result == "Allowed") != p.allow {
			t.Errorf("%s: want allowed=%v; the independent simulator %s %s", p.what, p.allow, answer.Result, answer.Detail)
		}
	}
}

// The names a model gives are under OpsR's guard as the prefix's are: OpsR,
// with or without an allow from elsewhere, and a role it creates, can change none of the renamed roles, the
// renamed policy (and the numbered ones after it), the CI/CD user under its own path or what they trust, by iamstack's evaluator and
// the independent one.
func TestGivenNamesAreGuarded(t *testing.T) {
	f := named(t, "given-names")
	dev, _ := f.m.Account("dev")
	ops := roleIn(t, f, "dev", "OpsR")
	// The guard must hold even where an allow from elsewhere reaches: an
	// administrator policy attached to OpsR out of band.
	widened := ops
	widened.Name = ops.Name + "+AdministratorAccess"
	widened.Identity = append(append([]evaluate.Policy(nil), ops.Identity...), evaluate.Policy{Name: "AdministratorAccess",
		Document: policy.NewDocument(policy.Statement{Effect: policy.Allow, Actions: []string{"*"}, Resources: []string{"*"}})})
	var cases []case_
	for _, attacker := range []assembly.Principal{ops, widened, createdByOpsR(f.inv, ops)} {
		for _, a := range []struct{ action, resource string }{
			{"iam:UpdateAssumeRolePolicy", "role/legacy/admin"},
			{"iam:AttachRolePolicy", "role/legacy/admin"},
			{"iam:PutRolePolicy", "role/readonly"},
			{"iam:PassRole", "role/ci/terraform-deploy"},
			{"iam:DetachRolePolicy", "role/ci/terraform-deploy"},
			{"iam:CreatePolicyVersion", "policy/terraform-deploy-policy"},
			{"iam:SetDefaultPolicyVersion", "policy/terraform-deploy-policy-2"},
			{"iam:CreateAccessKey", "user/automation/ci-dev"},
			{"iam:AttachUserPolicy", "user/automation/ci-dev"},
			{"iam:AddUserToGroup", "group/infra-CicdG-ci-dev"},
		} {
			ctx := access.Context(attacker, true)
			ctx["iam:PolicyARN"] = []string{adminPolicy}
			for k, v := range boundaryCtx(dev.ID) {
				ctx[k] = v
			}
			req := evaluate.Request{Principal: attacker.ARN, PrincipalAccount: dev.ID, Action: a.action,
				Resource: "arn:aws:iam::" + dev.ID + ":" + a.resource, ResourceAccount: dev.ID, Context: ctx}
			cases = append(cases, case_{attacker.Name + ": " + a.action + " on " + a.resource, req,
				evaluate.Policies{Identity: attacker.Identity, Boundary: attacker.Boundary}})
		}
	}
	answers := askOracle(t, cases)
	for i, c := range cases {
		if ours := evaluate.Evaluate(c.req, c.ps).Decision; ours == evaluate.Allow || answers[i].Result == "Allowed" {
			t.Errorf("%s: iamstack %v, independent simulator %s; want denied", c.what, ours, answers[i].Result)
		}
	}
}

// A role reached by chaining admits the caller's session under its own name
// only (issue 26): ScannerR's session, named for the person who assumed it,
// may assume AuditR under that name, not under another; it may carry a
// source identity it has into AuditR, whose trust takes one, and may not
// start or change one on the way. Both evaluators decide; and a service
// acting for another account (the confused deputy) is refused by both.
func TestChainedSessionsKeepTheirName(t *testing.T) {
	inv := named(t, "examples/security-hub.yaml").inv
	scanner := inventoryRole(t, inv, "sec-ScannerR", "200000000002")
	audit := inventoryRole(t, inv, "sec-AuditR", "200000000003")
	backup := inventoryRole(t, inv, "sec-BackupR", "200000000004")
	type probe struct {
		what, action string
		ctx          map[string]string
		allow        bool
	}
	var cases []case_
	var want []bool
	for _, p := range []probe{
		{"ScannerR's session assumes AuditR under its own name", "sts:AssumeRole", nil, true},
		{"ScannerR's session assumes AuditR under another name", "sts:AssumeRole", map[string]string{"sts:RoleSessionName": "someone-else"}, false},
		{"ScannerR's session, named for bob, assumes AuditR as alice", "sts:AssumeRole",
			map[string]string{"aws:userid": access.RoleSessionUserID("bob"), "sts:RoleSessionName": "alice"}, false},
		{"ScannerR's session, named for bob, assumes AuditR as bob", "sts:AssumeRole",
			map[string]string{"aws:userid": access.RoleSessionUserID("bob"), "sts:RoleSessionName": "bob"}, true},
	} {
		req, ps := roleAssumes(scanner, audit)
		req.Action = p.action
		for k, v := range p.ctx {
			req.Context[k] = strings.Split(v, ",")
		}
		cases = append(cases, case_{p.what, req, ps})
		want = append(want, p.allow)
	}
	// A service acting for its own account, or for another.
	for _, sa := range []struct {
		account string
		allow   bool
	}{{"200000000004", true}, {"999988887777", false}} {
		req := backup.ResourceRequest("sts:AssumeRole")
		// iamstack's evaluator lets a trust that names the caller grant on
		// its own within the account, as it does for a service.
		req.Principal, req.PrincipalAccount = "backup.amazonaws.com", backup.Account
		req.Context = map[string][]string{"aws:SourceAccount": {sa.account}, "aws:PrincipalServiceName": {"backup.amazonaws.com"}}
		cases = append(cases, case_{"AWS Backup acting for account " + sa.account + " assumes BackupR", req, evaluate.Policies{Resource: backup.Trust}})
		want = append(want, sa.allow)
	}
	bothDecide(t, cases, want)
}

// roleAssumes is a session of role p assuming role r, as the analysis
// makes it.
func roleAssumes(p, r assembly.Principal) (evaluate.Request, evaluate.Policies) {
	req := r.ResourceRequest("sts:AssumeRole")
	req.Principal, req.PrincipalAccount = p.ARN, p.Account
	req.Context = access.Context(p, true)
	return req, evaluate.Policies{Identity: p.Identity, Boundary: p.Boundary, Resource: r.Trust}
}

// No role but AdminR reaches a user's credentials (issue 26, README "What
// OpsR can and cannot do"): a custom role of the user-only account with
// iam:* and secretsmanager:* on everything, and ReadR, can neither read a
// person's first password nor give the person a password, keys, an MFA
// device or a tag, by both evaluators; AdminR can. With the credentials
// guardrail taken out of the templates, the analysis reports the custom
// role's route.
func TestOnlyAdminRReachesCredentials(t *testing.T) {
	yaml := exampleWith([][2]string{
		{"  AdminR:\n    description: Full power, for emergencies only.\n", "  AdminR:\n    description: Full power, for emergencies only.\n    enabledIn: [all, identity]\n"},
		{"  ReadR:\n    description: Read-only access to everything.\n", "  ReadR:\n    description: Read-only access to everything.\n    enabledIn: [all, identity]\n"},
		{"  BillingR:\n", "  HelpdeskR:\n    description: Broad IAM and Secrets Manager power in the hub.\n    enabledIn: [identity]\n    statements:\n      - {effect: Allow, actions: [\"iam:*\", \"secretsmanager:*\"], resources: [\"*\"]}\n    waivers: {AwsSolutions-IAM5: \"A test of the credentials guardrail: the role is as broad as a role gets.\"}\n  BillingR:\n"},
	})
	_, inv, err := synthesize("helpdesk.yaml", yaml, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	const identity = "111111111111"
	person := "arn:aws:iam::" + identity + ":user/infra/alice.martin"
	var secret string
	for _, s := range inv.Secrets {
		if s.Entity.Name == "alice.martin" {
			secret = s.ARN
		}
	}
	if secret == "" {
		t.Fatal("no first password for alice.martin in the templates")
	}
	probes := []struct{ action, resource string }{
		{"secretsmanager:GetSecretValue", secret}, {"secretsmanager:PutResourcePolicy", secret},
		{"iam:CreateLoginProfile", person}, {"iam:UpdateLoginProfile", person}, {"iam:CreateAccessKey", person},
		{"iam:EnableMFADevice", person}, {"iam:TagUser", person},
	}
	var cases []case_
	var want []bool
	for _, role := range []string{"infra-HelpdeskR", "infra-ReadR", "infra-AdminR"} {
		r := inventoryRole(t, inv, role, identity)
		for _, p := range probes {
			ctx := access.Context(r, true)
			cases = append(cases, case_{role + " " + p.action, evaluate.Request{Principal: r.ARN, PrincipalAccount: identity,
				Action: p.action, Resource: p.resource, ResourceAccount: identity, Context: ctx},
				evaluate.Policies{Identity: r.Identity, Boundary: r.Boundary}})
			want = append(want, role == "infra-AdminR")
		}
	}
	bothDecide(t, cases, want)

	// The same templates without the guardrail: the route shows.
	for i := range inv.Roles {
		for j, p := range inv.Roles[i].Identity {
			kept := slices.DeleteFunc(slices.Clone(p.Document.Statements), func(s policy.Statement) bool {
				return s.Sid == "UsersAndTheirCredentialsAreNotRoles"
			})
			inv.Roles[i].Identity[j].Document = policy.Document{Statements: kept}
		}
	}
	open := openFindings(access.Analyze(inv))
	if !containsFinding(open, "HelpdeskR in identity can secretsmanager:GetSecretValue on first password of alice.martin (read a person's first password", "") {
		t.Errorf("without the guardrail, HelpdeskR's route is not reported:\n%s", strings.Join(open, "\n"))
	}
}

// A CI/CD user of the user-only account never passes for a person: with a
// grant tag, an MFA session, its own name as session name and an identity
// policy that allows everything (what an attacker who could tag it would
// add), AdminR's trust refuses it, by both evaluators. By default it is
// under a path of its own, which the people's pattern does not cover; in a
// migrated model that keeps people and the machine under "/", the trust
// excludes the machine by name. A person with the same grant is admitted.
func TestMachinesNeverPassForPeople(t *testing.T) {
	central := [2]string{"cicdUsers:\n", "cicdUsers:\n  deployer:\n    account: identity\n    assume: {DeployR: [dev]}\n"}
	for _, c := range []struct {
		name  string
		edits [][2]string
	}{
		{"own path", [][2]string{central}},
		{"people and the machine under /", [][2]string{
			{"cicdUsers:\n", "cicdUsers:\n  deployer:\n    account: identity\n    path: /\n    assume: {DeployR: [dev]}\n"},
			{"  alice.martin:\n", "  alice.martin:\n    path: /\n"},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, inv, err := synthesize("machines.yaml", exampleWith(c.edits), t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			var alice, deployer assembly.Principal
			for _, u := range inv.Users {
				switch u.Name {
				case "alice.martin":
					alice = u
				case "deployer":
					deployer = u
				}
			}
			if alice.ARN == "" || deployer.ARN == "" {
				t.Fatal("alice.martin or deployer missing from the templates")
			}
			const grant = "infra-grants-AdminR"
			if alice.Tags[grant] == "" {
				t.Fatalf("alice.martin has no %s tag: update the test", grant)
			}
			deployer.Tags = map[string]string{grant: alice.Tags[grant]}
			deployer.Identity = []evaluate.Policy{{Name: "Everything", Document: policy.NewDocument(
				policy.Statement{Effect: policy.Allow, Actions: []string{"*"}, Resources: []string{"*"}})}}
			adminR := inventoryRole(t, inv, "infra-AdminR", "222222222222")
			var cases []case_
			for _, p := range []assembly.Principal{alice, deployer} {
				req, ps := access.AssumeRole(p, adminR, true)
				cases = append(cases, case_{p.ARN + " with a grant tag and MFA", req, ps})
			}
			bothDecide(t, cases, []bool{true, false})
		})
	}
}
