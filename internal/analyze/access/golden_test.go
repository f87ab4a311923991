package access_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/iamstack/iamstack/internal/analyze/access"
	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/analyze/evaluate"
	"github.com/iamstack/iamstack/internal/names"
	"github.com/iamstack/iamstack/internal/policy"
)

// goldenDir is the example's committed cloud assembly (`make golden`): the
// unit tests analyse it without synthesizing anything.
const goldenDir = "../../../testdata/golden"

var golden = sync.OnceValues(func() (*assembly.Inventory, error) { return assembly.Read(goldenDir) })

// goldenReport analyses the golden assembly.
func goldenReport(t *testing.T) (*assembly.Inventory, access.Report) {
	t.Helper()
	inv, err := golden()
	if err != nil {
		t.Fatal(err)
	}
	return inv, access.Analyze(inv)
}

// The shipped example is clean for everything the README promises: OpsR and
// every other role have no escalation, AdminR is an administrator, and only
// PowerG members have (by-design) findings, in accounts analysed with their
// standing resources.
func TestExampleFindings(t *testing.T) {
	_, rep := goldenReport(t)
	checkClean(t, "example", rep)
}

func checkClean(t *testing.T, name string, rep access.Report) {
	t.Helper()
	for _, f := range rep.Findings {
		if f.ByDesign == "" {
			t.Errorf("%s: open finding: %s", name, f)
		}
		if !strings.HasPrefix(f.Principal, "user alice.martin") {
			t.Errorf("%s: finding for someone not in PowerG: %s", name, f)
		}
	}
	if !slices.Equal(rep.Admins, []string{"AdminR in dev", "AdminR in prod"}) {
		t.Errorf("%s: admins %v", name, rep.Admins)
	}
	if len(rep.Unknown) > 0 {
		t.Errorf("%s: policies without document: %v", name, rep.Unknown)
	}
}

// Every route of issue 9 is closed on the example's templates by iamstack's
// evaluator (TestOpsRIsContained asks the independent one too, on the example
// and on OpsR over many services).
func TestOpsRIsContainedByOurEvaluator(t *testing.T) {
	inv, _ := goldenReport(t)
	cases := attackCases("example", inv)
	if len(cases) < 2*len(attacks)-10 {
		t.Fatalf("only %d cases: does the example still have OpsR in dev and prod?", len(cases))
	}
	for _, c := range cases {
		want := strings.Contains(c.what, ": control: ")
		if got := evaluate.Evaluate(c.req, c.ps).Decision == evaluate.Allow; got != want {
			t.Errorf("%s: allowed %v, want %v", c.what, got, want)
		}
	}
}

// A role stripped of OpsR's guard is caught. (Taking over ci-dev's keys is
// not among the findings: the account's guardrails keep every role but
// AdminR off users' credentials, guard or no guard.)
func TestWeakenedRoleHasFindings(t *testing.T) {
	weak := weakened(t, goldenDir)
	inv, err := assembly.Read(weak)
	if err != nil {
		t.Fatal(err)
	}
	rep := access.Analyze(inv)
	var texts []string
	for _, f := range rep.Findings {
		texts = append(texts, f.String())
	}
	for _, want := range []string{
		"OpsR in dev can iam:AttachRolePolicy on infra-AdminR (attach a policy to a role)",
		"OpsR in dev can iam:UpdateAssumeRolePolicy on infra-AdminR (rewrite a trust policy)",
		"OpsR in dev can iam:CreateRole+iam:AttachRolePolicy on a new role without permissions boundary (create an unbounded role)",
		"OpsR in dev can iam:CreatePolicyVersion on infra-OpsR-Policy (new policy version)",
	} {
		if !slices.Contains(texts, want) {
			t.Errorf("missing finding %q in:\n%s", want, strings.Join(texts, "\n"))
		}
	}
	diff := access.Diff(func() access.Report { _, r := goldenReport(t); return r }(), rep)
	if len(diff) == 0 || diff[0].Kind != "new-finding" || !strings.HasPrefix(diff[0].Text, "! OpsR in dev can ") {
		t.Errorf("diff of the weakened role: %+v", diff)
	}
}

// weakened copies an assembly, deletes OpsR's guard from dev's template and
// widens its IAM power from its own path to the whole account.
func weakened(t *testing.T, dir string) string {
	t.Helper()
	out := t.TempDir()
	entries, _ := os.ReadDir(dir)
	var guard []string
	for _, s := range policy.OpsGuard(names.Scheme{Partition: "aws", Prefix: "infra"}, "222222222222") {
		guard = append(guard, s.Sid)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		if e.Name() == "infra-dev.template.json" {
			var tpl map[string]any
			if err := json.Unmarshal(b, &tpl); err != nil {
				t.Fatal(err)
			}
			for _, r := range tpl["Resources"].(map[string]any) {
				props := r.(map[string]any)["Properties"].(map[string]any)
				doc, ok := props["PolicyDocument"].(map[string]any)
				if !ok {
					continue
				}
				var kept []any
				for _, st := range doc["Statement"].([]any) {
					sm := st.(map[string]any)
					if sm["Sid"] == "IAMUnderOpsPath" {
						sm["Resource"] = "*"
					}
					if !slices.Contains(guard, fmt.Sprint(sm["Sid"])) {
						kept = append(kept, st)
					}
				}
				doc["Statement"] = kept
			}
			if b, err = json.Marshal(tpl); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(out, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// On the templates iamstack shipped before (testdata/before-containment*),
// the escalation analysis finds every route an attacker took.
func TestAnalysisFindsTheOldRoutes(t *testing.T) {
	type want struct{ principal, action, target, method string }
	for dir, wants := range map[string][]want{
		"testdata/before-containment": {
			{"OpsR in dev", "iam:CreateGroup+iam:AttachGroupPolicy+iam:AddUserToGroup", "ci-dev", "create a group"},
			{"OpsR in dev", "iam:UpdateAssumeRolePolicy+sts:AssumeRole", "cdk-hnb659fds-cfn-exec-role-222222222222-eu-west-1", "full power"},
			{"OpsR in dev", "iam:UpdateAssumeRolePolicy+sts:AssumeRole+iam:PassRole+cloudformation:CreateStack", "cdk-hnb659fds-deploy-role-222222222222-eu-west-1", "full power"},
			{"OpsR in dev", "s3:PutObject", "cdk-hnb659fds-cfn-exec-role-222222222222-eu-west-1", "change what a role runs"},
			{"OpsR in dev", "cloudformation:UpdateStack", "cdk-hnb659fds-cfn-exec-role-222222222222-eu-west-1", "change what a role runs"},
			{"OpsR in dev", "iam:CreateRole+iam:AttachRolePolicy", "iamstack-escalation-probe", "region restriction does not bind"},
			{"OpsR in dev", "iam:CreateUser+iam:CreateAccessKey", "a new user", "outlive"},
			{"OpsR in dev", "iam:UpdateAssumeRolePolicy+sts:AssumeRole", "OrganizationAccountAccessRole", "full power"},
			{"OpsR in prod", "cloudformation:DeleteStack", "stack application-stack", "past the RDS guardrail"},
		},
		"testdata/before-containment-many": {
			{"OpsR in prod", "iam:CreateRole+iam:AttachRolePolicy", "iamstack-escalation-probe", "RDS guardrail does not bind"},
			{"OpsR in prod", "rds:DeleteDBInstanceAutomatedBackup", "any database", "RDS guardrail"},
			{"OpsR in prod", "rds:DeleteDBClusterAutomatedBackup", "any database", "RDS guardrail"},
			{"OpsR in prod", "rds:ModifyDBInstance", "any database", "RDS guardrail"},
			{"OpsR in dev", "organizations:LeaveOrganization", "the organization", "service control"},
			{"OpsR in dev", "sts:AssumeRole", "unmanaged-admin", "full power"},
		},
	} {
		inv, err := assembly.Read(dir)
		if err != nil {
			t.Fatal(err)
		}
		rep := access.Analyze(inv)
		for _, w := range wants {
			if !slices.ContainsFunc(rep.Findings, func(f access.Finding) bool {
				return f.Principal == w.principal && f.Action == w.action && f.Target == w.target && strings.Contains(f.Method, w.method) && f.ByDesign == ""
			}) {
				t.Errorf("%s: no open finding %+v", dir, w)
			}
		}
		for _, f := range rep.Findings {
			if strings.Contains(f.Action, "+") && len(f.Steps) < 2 {
				t.Errorf("%s: a chain finding without its steps: %s", dir, f)
			}
		}
	}
}

// AWS managed policies are evaluated from their real documents: ReadR reads
// but does not write, BillingR sees the bills.
func TestManagedPoliciesAreExact(t *testing.T) {
	inv, _ := goldenReport(t)
	role := func(name, account string) assembly.Principal { return inventoryRole(t, inv, name, account) }
	for _, tc := range []struct {
		role, account, action, resource string
		allow                           bool
	}{
		{"infra-ReadR", "222222222222", "ec2:DescribeInstances", "*", true},
		{"infra-ReadR", "222222222222", "cloudtrail:LookupEvents", "*", true},
		{"infra-ReadR", "222222222222", "s3:PutObject", "arn:aws:s3:::example-artifacts-dev/app.zip", false},
		{"infra-ReadR", "222222222222", "iam:CreateUser", "arn:aws:iam::222222222222:user/x", false},
		{"infra-BillingR", "333333333333", "aws-portal:ViewBilling", "*", true},
		{"infra-BillingR", "333333333333", "ec2:TerminateInstances", "arn:aws:ec2:eu-west-1:333333333333:instance/i-0123456789abcdef0", false},
	} {
		r := role(tc.role, tc.account)
		got := evaluate.Evaluate(evaluate.Request{Principal: r.ARN, PrincipalAccount: r.Account, Action: tc.action, Resource: tc.resource,
			ResourceAccount: r.Account, Context: access.Context(r, true)}, evaluate.Policies{Identity: r.Identity, Boundary: r.Boundary})
		if (got.Decision == evaluate.Allow) != tc.allow {
			t.Errorf("%s in %s: %s on %s: %v, want allowed=%v", tc.role, tc.account, tc.action, tc.resource, got.Decision, tc.allow)
		}
	}
}

// What a role may do, by access level and risk, from the IAM catalog.
func TestClassify(t *testing.T) {
	inv, _ := goldenReport(t)
	classes := map[string]access.Class{}
	for _, r := range inv.Roles {
		c := access.Classify(inv, r)
		classes[c.Principal] = c
	}
	read, ops, admin := classes["ReadR in dev"], classes["OpsR in dev"], classes["AdminR in dev"]
	// ReadOnlyAccess is reads and lists, and the handful of actions the
	// service authorization reference files under Write (such as
	// s3express:CreateSession, which opens a session to read).
	if read.Levels["Write"] > 20 || read.Levels["Permissions management"] > 5 || read.Levels["Read"] < 1000 || read.Levels["List"] < 1000 {
		t.Errorf("ReadR's levels: %v", read.Levels)
	}
	if !slices.Contains(read.Risks[access.RiskDataExfiltration], "s3:GetObject") || len(read.Risks[access.RiskPrivilegeEscalation]) != 0 {
		t.Errorf("ReadR's risks: %v", read.Risks)
	}
	if ops.Levels["Write"] == 0 || !slices.Contains(ops.Risks[access.RiskPrivilegeEscalation], "iam:PassRole") ||
		len(ops.Risks[access.RiskInfrastructureModification]) == 0 {
		t.Errorf("OpsR's classes: levels %v, %d risks", ops.Levels, len(ops.Risks))
	}
	if ops.Levels["Write"] >= admin.Levels["Write"] || admin.Levels["Write"] < 10000 {
		t.Errorf("OpsR writes %d actions, AdminR %d", ops.Levels["Write"], admin.Levels["Write"])
	}
}

// inventoryRole returns an inventory's role by its IAM name and account ID.
func inventoryRole(t *testing.T, inv *assembly.Inventory, name, account string) assembly.Principal {
	t.Helper()
	for _, r := range inv.Roles {
		if r.Name == name && r.Account == account {
			return r
		}
	}
	t.Fatalf("no role %s in %s", name, account)
	return assembly.Principal{}
}
