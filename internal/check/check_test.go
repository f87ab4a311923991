package check_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/iamstack/iamstack"
	"github.com/iamstack/iamstack/internal/analyze/access"
	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/analyze/assembly/assemblytest"
	"github.com/iamstack/iamstack/internal/check"
	"github.com/iamstack/iamstack/internal/rules"
	"github.com/iamstack/iamstack/internal/synthetic"
	"github.com/iamstack/iamstack/model"
)

// goldenDir is the example's committed cloud assembly (`make golden`): the
// rule tests edit copies of it, without synthesizing anything.
const goldenDir = "../../testdata/golden"

func exampleModel() *model.Model { return parse(string(iamstack.Example())) }

func parse(yaml string) *model.Model {
	m, err := model.Parse("m.yaml", []byte(yaml))
	if err != nil {
		panic(err)
	}
	return m
}

// mutate copies the example assembly and edits the resources of one template.
func mutate(t *testing.T, stack string, edit func(resources map[string]any)) string {
	t.Helper()
	out := t.TempDir()
	entries, _ := os.ReadDir(goldenDir)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(goldenDir, e.Name()))
		if err != nil {
			continue
		}
		if err := os.WriteFile(filepath.Join(out, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	editTemplate(t, out, stack+".template.json", edit)
	return out
}

func props(r map[string]any, id string) map[string]any {
	return r[id].(map[string]any)["Properties"].(map[string]any)
}

// dropStatements removes statements by Sid from a policy document.
func dropStatements(doc any, sids ...string) {
	d := doc.(map[string]any)
	var kept []any
	for _, s := range d["Statement"].([]any) {
		if !slices.Contains(sids, fmt.Sprint(s.(map[string]any)["Sid"])) {
			kept = append(kept, s)
		}
	}
	d["Statement"] = kept
}

// editTemplate edits the resources of one template of dir.
func editTemplate(t *testing.T, dir, file string, edit func(resources map[string]any)) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	var tpl map[string]any
	if err := json.Unmarshal(b, &tpl); err != nil {
		t.Fatal(err)
	}
	edit(tpl["Resources"].(map[string]any))
	if b, err = json.MarshalIndent(tpl, "", " "); err == nil {
		err = os.WriteFile(filepath.Join(dir, file), b, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func dropCondition(doc any, op string) {
	for _, s := range doc.(map[string]any)["Statement"].([]any) {
		if c, ok := s.(map[string]any)["Condition"].(map[string]any); ok {
			delete(c, op)
		}
	}
}

func violations(t *testing.T, m *model.Model, dir string) []check.Violation {
	t.Helper()
	inv, err := assembly.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	return check.Templates(m, inv, access.Analyze(inv))
}

func TestExamplePassesEveryRule(t *testing.T) {
	if f := check.Failures(violations(t, exampleModel(), goldenDir)); len(f) > 0 {
		t.Errorf("the example breaks rules: %v", f)
	}
}

// Every rule of iamstack's list has its rationale, severity and stage, and
// a check unless the model enforces it as it loads; the rules a model
// enforces refuse their break with a message naming the rule's waiver.
func TestEveryRuleIsComplete(t *testing.T) {
	var ids []string
	for _, r := range check.Rules {
		ids = append(ids, r.ID)
		if r.Rationale == "" || (r.Severity != check.Error && r.Severity != check.Warning) ||
			!slices.Contains([]string{check.InTemplates, check.InStatements, check.AtLoad}, r.Stage) {
			t.Errorf("%s: rationale %q, severity %q, stage %q", r.ID, r.Rationale, r.Severity, r.Stage)
		}
	}
	if !slices.Equal(ids, rules.Iamstack) {
		t.Errorf("check.Rules %v, the rules package lists %v", ids, rules.Iamstack)
	}
	atLoad := map[string]string{
		rules.OIDCWildcard: `  WildR:
    statements: [{effect: Allow, actions: ["s3:ListAllMyBuckets"], resources: ["*"]}]
    trust: [{github: "repo:acme/*:*"}]
  AdminR:
`,
		rules.AdminTrust: `  AdminR:
    trust: [{account: "999988887777"}]
`,
	}
	for _, r := range check.Rules {
		if r.Stage != check.AtLoad {
			continue
		}
		extra, ok := atLoad[r.ID]
		if !ok {
			t.Errorf("%s: no model that breaks it in this test", r.ID)
			continue
		}
		yaml := strings.Replace(string(iamstack.Example()), "\nroles:\n  AdminR:\n", "\nroles:\n"+extra, 1)
		if _, err := model.Parse("m.yaml", []byte(yaml)); err == nil || !strings.Contains(err.Error(), r.ID) {
			t.Errorf("%s: a model that breaks it loads, or its error does not name the waiver: %v", r.ID, err)
		}
	}
}

func TestEachRuleCatchesItsBreak(t *testing.T) {
	cases := []struct {
		rule, stack string
		edit        func(map[string]any)
		want        string
	}{
		// IAMSTACK-MFA and IAMSTACK-SESSION-NAME need both sides weakened:
		// TestMFAAndSessionNameNeedBothSidesWeakened.
		{"IAMSTACK-DIRECT-POLICY", "infra-identity", func(r map[string]any) {
			props(r, "UserBobNguyenEEEBB3CC")["ManagedPolicyArns"] = []any{"arn:aws:iam::aws:policy/ReadOnlyAccess"}
		}, "IAMSTACK-DIRECT-POLICY user bob.nguyen in identity: has policies attached directly: ReadOnlyAccess"},
		{"IAMSTACK-INLINE-POLICY", "infra-dev", func(r map[string]any) {
			props(r, "RoleReadR")["Policies"] = []any{map[string]any{"PolicyName": "extra",
				"PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}}}}
		}, "IAMSTACK-INLINE-POLICY role infra-ReadR in dev: has inline policies: extra [to accept it, add under roles.ReadR: waivers: {IAMSTACK-INLINE-POLICY: <reason>}]"},
		{"IAMSTACK-PREFIX", "infra-dev", func(r map[string]any) {
			props(r, "CicdGroupCiDevED5EA46B")["GroupName"] = "deployers"
		}, "IAMSTACK-PREFIX group deployers in dev: is not under OpsR's guard: its name lacks the prefix, and the model does not give it [to accept it, add under cicdUsers.ci-dev: waivers: {IAMSTACK-PREFIX: <reason>}]"},
		{"IAMSTACK-PRINCIPAL-STAR", "infra-dev", func(r map[string]any) {
			trust := props(r, "RoleReadR")["AssumeRolePolicyDocument"].(map[string]any)
			trust["Statement"] = append(trust["Statement"].([]any), map[string]any{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"})
		}, "IAMSTACK-PRINCIPAL-STAR role infra-ReadR in dev: trust policy names Principal \"*\""},
		{"IAMSTACK-QUOTA", "infra-dev", func(r map[string]any) {
			arns := []any{}
			for i := 0; i < 11; i++ {
				arns = append(arns, fmt.Sprintf("arn:aws:iam::aws:policy/Extra%d", i))
			}
			props(r, "RoleReadR")["ManagedPolicyArns"] = arns
		}, "IAMSTACK-QUOTA role infra-ReadR in dev: has 11 managed policies; IAM allows 10"},
		{"IAMSTACK-ESCALATION", "infra-dev", func(r map[string]any) {
			for id := range r {
				if strings.HasPrefix(id, "PolicyOpsRPolicy") {
					// OpsR's IAM power reaches past its own path, unguarded.
					doc := props(r, id)["PolicyDocument"]
					for _, s := range doc.(map[string]any)["Statement"].([]any) {
						if s.(map[string]any)["Sid"] == "IAMUnderOpsPath" {
							s.(map[string]any)["Resource"] = "*"
						}
					}
					dropStatements(doc, "IamstackIdentitiesAreReadOnly", "NewAndChangedPrincipalsCarryTheBoundary")
				}
			}
		}, "IAMSTACK-ESCALATION OpsR in dev: can iam:AttachRolePolicy on infra-AdminR (attach a policy to a role)"},
		{"IAMSTACK-OUTSIDE-ACCOUNT", "infra-dev", func(r map[string]any) {
			trust := props(r, "RoleReadR")["AssumeRolePolicyDocument"].(map[string]any)
			trust["Statement"] = append(trust["Statement"].([]any), map[string]any{"Effect": "Allow",
				"Principal": map[string]any{"AWS": "arn:aws:iam::999988887777:root"}, "Action": "sts:AssumeRole"})
		}, "IAMSTACK-OUTSIDE-ACCOUNT role infra-ReadR in dev: trusts account 999988887777 as a whole"},
	}
	// Every rule checked on the templates has a case here, but the two
	// TestMFAAndSessionNameNeedBothSidesWeakened breaks.
	for _, r := range check.Rules {
		if r.Stage == check.InTemplates && r.ID != rules.MFA && r.ID != rules.SessionName &&
			!slices.ContainsFunc(cases, func(c struct {
				rule, stack string
				edit        func(map[string]any)
				want        string
			}) bool {
				return c.rule == r.ID
			}) {
			t.Errorf("%s has no case", r.ID)
		}
	}
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			got := violations(t, exampleModel(), mutate(t, tc.stack, tc.edit))
			if i := slices.IndexFunc(check.Rules, func(r check.Rule) bool { return r.ID == tc.rule }); check.Rules[i].Severity != check.Warning {
				got = check.Failures(got)
			}
			var texts []string
			for _, v := range got {
				if v.Rule != tc.rule {
					continue
				}
				texts = append(texts, v.String())
			}
			if !slices.ContainsFunc(texts, func(s string) bool { return strings.HasPrefix(s, tc.want) }) {
				t.Errorf("want %q among:\n%s\n(all: %v)", tc.want, strings.Join(texts, "\n"), got)
			}
		})
	}
}

// Both sides bound MFA age and session name, so one side weakened still
// holds; both sides weakened is caught.
func TestMFAAndSessionNameNeedBothSidesWeakened(t *testing.T) {
	for _, tc := range []struct {
		rule, op, sid, want string
	}{
		{"IAMSTACK-MFA", "NumericLessThan", "DenyAssumeRoleWithOldMFA", "admits frank.osei with an MFA session of any age"},
		{"IAMSTACK-SESSION-NAME", "StringEquals", "DenyAssumeRoleWithForeignSessionName", "admits frank.osei under another session name"},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			oneSide := mutate(t, "infra-prod", func(r map[string]any) { dropCondition(props(r, "RoleReadR")["AssumeRolePolicyDocument"], tc.op) })
			for _, v := range check.Failures(violations(t, exampleModel(), oneSide)) {
				if v.Rule == tc.rule {
					t.Errorf("one weakened side is reported, but the other still holds: %v", v)
				}
			}
			both := filepath.Join(t.TempDir(), "both")
			os.CopyFS(both, os.DirFS(oneSide))
			b, _ := os.ReadFile(filepath.Join(both, "infra-identity.template.json"))
			var tpl map[string]any
			json.Unmarshal(b, &tpl)
			r := tpl["Resources"].(map[string]any)
			dropStatements(props(r, "PolicyAssumeRoleG")["PolicyDocument"], tc.sid)
			b, _ = json.Marshal(tpl)
			os.WriteFile(filepath.Join(both, "infra-identity.template.json"), b, 0o644)
			found := false
			for _, v := range check.Failures(violations(t, exampleModel(), both)) {
				found = found || v.Rule == tc.rule && strings.Contains(v.Message, tc.want)
			}
			if !found {
				t.Errorf("%s not reported with %q", tc.rule, tc.want)
			}
		})
	}
}

func TestWaiverAcceptsOneResource(t *testing.T) {
	weak := mutate(t, "infra-dev", func(r map[string]any) {
		props(r, "RoleReadR")["Policies"] = []any{map[string]any{"PolicyName": "extra",
			"PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}}}}
		props(r, "RoleAdminR")["Policies"] = props(r, "RoleReadR")["Policies"]
	})
	waived := parse(strings.Replace(string(iamstack.Example()), "  ReadR:\n", "  ReadR:\n    waivers: {IAMSTACK-INLINE-POLICY: \"emergency fix for incident 42, removed next sprint\"}\n", 1))
	vs := violations(t, waived, weak)
	var failed, accepted []string
	for _, v := range vs {
		if v.Rule != "IAMSTACK-INLINE-POLICY" {
			continue
		}
		if v.Waived != "" {
			accepted = append(accepted, v.Resource)
		} else {
			failed = append(failed, v.Resource)
		}
	}
	if !slices.Equal(accepted, []string{"role infra-ReadR in dev"}) || !slices.Equal(failed, []string{"role infra-AdminR in dev"}) {
		t.Errorf("waiver on ReadR: accepted %v, failed %v", accepted, failed)
	}
}

// The workflow users adopt calls the same make target as this repository's CI.
func TestWorkflowRunsMakeCheck(t *testing.T) {
	b, err := os.ReadFile("../../.github/workflows/check.yml")
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		On   map[string]any `yaml:"on"`
		Jobs map[string]struct {
			Steps []struct {
				Uses string         `yaml:"uses"`
				Run  string         `yaml:"run"`
				With map[string]any `yaml:"with"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(b, &wf); err != nil {
		t.Fatal(err)
	}
	if _, ok := wf.On["pull_request"]; !ok {
		t.Error("the workflow does not run on pull requests")
	}
	var uses, runs []string
	for _, s := range wf.Jobs["check"].Steps {
		uses = append(uses, strings.Split(s.Uses, "@")[0])
		runs = append(runs, s.Run)
	}
	for _, want := range []string{"actions/checkout", "actions/setup-go", "actions/setup-node"} {
		if !slices.Contains(uses, want) {
			t.Errorf("the workflow lacks %s", want)
		}
	}
	all := strings.Join(runs, "\n")
	if !strings.Contains(all, `make check BASE="$BASE"`) || !strings.Contains(all, "GITHUB_STEP_SUMMARY") {
		t.Errorf("the workflow must run make check with the base and write the job summary:\n%s", all)
	}
	mk, _ := os.ReadFile("../../Makefile")
	if !strings.Contains(string(mk), "\ncheck:") {
		t.Error("the Makefile has no check target")
	}
}

// A changed resource shows as a difference from the golden files.
func TestGoldenNamesTheChangedResource(t *testing.T) {
	changed := mutate(t, "infra-dev", func(r map[string]any) { props(r, "RoleReadR")["MaxSessionDuration"] = 7200 })
	diffs, err := check.Golden(changed, goldenDir)
	if err != nil || len(diffs) != 1 || diffs[0] != "infra-dev.template.json: resource RoleReadR changed:\n  Properties.MaxSessionDuration: 28800 -> 7200" {
		t.Errorf("diffs %v %v", diffs, err)
	}
	if diffs, err := check.Golden(goldenDir, goldenDir); err != nil || len(diffs) != 0 {
		t.Errorf("the golden files differ from themselves: %v %v", diffs, err)
	}
}

// The policy lint finds each of its rules on the statement that breaks it,
// attributed to the model entity, and a waiver on that entity accepts it.
func TestLint(t *testing.T) {
	yaml := strings.Replace(string(iamstack.Example()), "cicdUsers:\n", `cicdUsers:
  ci-lint:
    account: dev
    statements:
      - {sid: Admin, effect: Allow, actions: ["iam:AttachRolePolicy", "s3:GetObject"], resources: ["*"]}
      - {sid: Broad, effect: Allow, notActions: ["iam:*"], resources: ["*"]}
      - {sid: WrongKey, effect: Allow, actions: ["ec2:DescribeInstances"], resources: ["*"], conditions: {StringEquals: {"s3:prefix": [home/]}}}
      - {sid: Again, effect: Allow, actions: ["s3:GetObject"], resources: ["arn:aws:s3:::example-artifacts-dev/app.zip"]}
`, 1)
	m := parse(yaml)
	var got []string
	for _, v := range check.Lint(m) {
		got = append(got, v.Severity+" "+v.String())
	}
	for _, want := range []string{
		"error IAMSTACK-LINT-PERMISSIONS-ON-ALL cicdUsers.ci-lint.statements[0] (Admin): allows iam:AttachRolePolicy, which change who may do what, on every resource; name the resources [to accept it, add under cicdUsers.ci-lint",
		"error IAMSTACK-LINT-NOTACTION-ALLOW cicdUsers.ci-lint.statements[1] (Broad): allows with notActions: every action but iam:*",
		"error IAMSTACK-LINT-KEY-NEVER-PRESENT cicdUsers.ci-lint.statements[2] (WrongKey): StringEquals on s3:prefix, a key of s3, which none of the statement's actions (ec2:DescribeInstances) sets",
		"warning IAMSTACK-LINT-REDUNDANT cicdUsers.ci-lint.statements[3] (Again): cicdUsers.ci-lint.statements[0] already allows everything this one does",
	} {
		if !slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, want) }) {
			t.Errorf("want %q among:\n%s", want, strings.Join(got, "\n"))
		}
	}
	if len(got) != 4 {
		t.Errorf("%d findings, want 4:\n%s", len(got), strings.Join(got, "\n"))
	}
	for _, r := range check.Rules {
		if r.Stage == check.InStatements && !slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, " "+r.ID+" ") }) {
			t.Errorf("%s, a rule on the model's statements, has no case here", r.ID)
		}
	}
	if f := check.Failures(check.Lint(exampleModel())); len(f) > 0 {
		t.Errorf("the example fails the lint: %v", f)
	}
	waived := parse(strings.Replace(yaml, "  ci-lint:\n    account: dev\n", "  ci-lint:\n    account: dev\n    waivers: {IAMSTACK-LINT-NOTACTION-ALLOW: \"break-glass CI user, reviewed quarterly\"}\n", 1))
	for _, v := range check.Lint(waived) {
		if v.Rule == "IAMSTACK-LINT-NOTACTION-ALLOW" && v.Waived == "" {
			t.Errorf("the waiver does not accept %s", v)
		}
	}
}

// The generated large model, which `make bench` checks, passes the lint.
func TestSyntheticModelPassesTheLint(t *testing.T) {
	m := parse(string(synthetic.Model(synthetic.Size{Users: 50, Accounts: 5})))
	if f := check.Failures(check.Lint(m)); len(f) > 0 {
		t.Errorf("the synthetic model fails the lint: %v", f)
	}
}

// Per-account statements are linted like the shared ones, where they stand.
func TestLintStatementsIn(t *testing.T) {
	yaml := strings.Replace(string(iamstack.Example()), "  BillingR:\n", `  LintR:
    enabledIn: [prod]
    statementsIn:
      prod:
        - {sid: Broad, effect: Allow, notActions: ["iam:*"], resources: ["*"]}
  BillingR:
`, 1)
	var got []string
	for _, v := range check.Lint(parse(yaml)) {
		got = append(got, v.String())
	}
	want := "IAMSTACK-LINT-NOTACTION-ALLOW roles.LintR.statementsIn.prod[0] (Broad): allows with notActions"
	if !slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, want) }) {
		t.Errorf("want %q among:\n%s", want, strings.Join(got, "\n"))
	}
}

// The rules read each shape of people once, but report every person: with
// both sides of a role's MFA age weakened, each person who reaches the role
// is reported, however many share a shape.
func TestRulesReportEveryMemberOfAShape(t *testing.T) {
	m := parse(string(synthetic.Model(synthetic.Size{Users: 200, Accounts: 5})))
	dir := assemblytest.Templates(t, m)
	editTemplate(t, dir, "infra-dev-01.template.json", func(r map[string]any) {
		dropCondition(props(r, "RoleReadR")["AssumeRolePolicyDocument"], "NumericLessThan")
	})
	editTemplate(t, dir, "infra-identity.template.json", func(r map[string]any) {
		dropStatements(props(r, "PolicyAssumeRoleG")["PolicyDocument"], "DenyAssumeRoleWithOldMFA")
	})
	inv, err := assembly.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	rep := access.Analyze(inv)
	want := map[string]bool{}
	shapes := map[string]bool{}
	for e := range rep.Entries() {
		if e.UserKind == "human" && e.Type == "assume-role" && e.Role == "ReadR" && e.Account == "dev-01" {
			want["admits "+e.User+" with an MFA session of any age; bound aws:MultiFactorAuthAge"] = true
			for _, u := range inv.Users {
				if u.ARN == e.UserARN {
					shapes[rep.Shape(u)] = true
				}
			}
		}
	}
	if len(want) <= 2*len(shapes) {
		t.Fatalf("%d people in %d shapes reach the role: the test needs shapes of many", len(want), len(shapes))
	}
	got := map[string]bool{}
	for _, v := range check.Templates(m, inv, rep) {
		if v.Rule == rules.MFA && v.Resource == "role infra-ReadR in dev-01" {
			got[v.Message] = true
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("%d people reported, want %d", len(got), len(want))
	}
}
