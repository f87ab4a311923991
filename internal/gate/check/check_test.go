package check_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/iamstack/iamstack"
	"github.com/iamstack/iamstack/internal/analyze/access"
	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/build/plan"
	"github.com/iamstack/iamstack/internal/gate/check"
	"github.com/iamstack/iamstack/internal/jsiiexit"
	"github.com/iamstack/iamstack/internal/synth"
	"github.com/iamstack/iamstack/model"
)

var exampleDir string // the example, synthesized once with cdk-nag

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "iamstack-check-test-")
	if err != nil {
		panic(err)
	}
	exampleDir = filepath.Join(dir, "example")
	mustSynth(exampleModel(), exampleDir, true)
	code := m.Run()
	os.RemoveAll(dir)
	jsiiexit.Close()
	os.Exit(code)
}

func exampleModel() *model.Model { return parse(string(iamstack.Example())) }

func parse(yaml string) *model.Model {
	m, err := model.Parse("m.yaml", []byte(yaml))
	if err != nil {
		panic(err)
	}
	return m
}

func mustSynth(m *model.Model, dir string, nag bool) {
	p, err := plan.New(m)
	if err != nil {
		panic(err)
	}
	synth.Assembly(p, dir, synth.Options{Nag: nag})
}

// mutate copies the example assembly and edits the resources of one template.
func mutate(t *testing.T, stack string, edit func(resources map[string]any)) string {
	t.Helper()
	out := t.TempDir()
	entries, _ := os.ReadDir(exampleDir)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(exampleDir, e.Name()))
		if err != nil {
			continue
		}
		if e.Name() == stack+".template.json" {
			var tpl map[string]any
			if err := json.Unmarshal(b, &tpl); err != nil {
				t.Fatal(err)
			}
			edit(tpl["Resources"].(map[string]any))
			b, _ = json.MarshalIndent(tpl, "", " ")
		}
		if err := os.WriteFile(filepath.Join(out, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
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
	if f := check.Failures(violations(t, exampleModel(), exampleDir)); len(f) > 0 {
		t.Errorf("the example breaks rules: %v", f)
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
		}, "IAMSTACK-PREFIX group deployers in dev: name lacks the prefix infra-"},
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
	}
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			got := check.Failures(violations(t, exampleModel(), mutate(t, tc.stack, tc.edit)))
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

func TestRemovals(t *testing.T) {
	base, _ := assembly.Read(exampleDir)
	removed := strings.Replace(string(iamstack.Example()), "  frank.osei:\n    grants:\n      ReadR: [prod]\n", "", 1)
	dir := t.TempDir()
	mustSynth(parse(removed), dir, false)
	head, err := assembly.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := check.Removals(base, head, parse(removed))
	if len(got) != 1 || got[0].Acknowledged != "" || !strings.Contains(got[0].String(), "user frank.osei in account identity is deleted: its MFA devices, access keys and password would be lost. If intended, add it to acknowledgedRemovals") {
		t.Errorf("unacknowledged removal: %v", got)
	}
	for account, want := range map[string]bool{"identity": true, "all": true, "dev": false} {
		acked := parse(removed + "acknowledgedRemovals:\n  - {kind: user, name: frank.osei, account: " + account + ", reason: left the company on 2026-11-20}\n")
		got = check.Removals(base, head, acked)
		if len(got) != 1 || (got[0].Acknowledged == "left the company on 2026-11-20") != want {
			t.Errorf("removal acknowledged for account %s: %v", account, got)
		}
	}
	// Spreading users over two stacks moves some: that replaces them.
	moved := t.TempDir()
	mustSynth(parse(strings.Replace(string(iamstack.Example()), "passwordChangeWithoutMFA: true", "passwordChangeWithoutMFA: true\nuserStacks: 2", 1)), moved, false)
	movedInv, _ := assembly.Read(moved)
	replaced := check.Removals(base, movedInv, exampleModel())
	if len(replaced) == 0 || !strings.Contains(replaced[0].How, "replaced (moved from stack infra-identity to infra-identity-users-1)") {
		t.Errorf("moving users between stacks: %v", replaced)
	}
	if none := check.Removals(base, base, exampleModel()); len(none) != 0 {
		t.Errorf("an assembly removes from itself: %v", none)
	}
}

func TestCfnLintErrorFails(t *testing.T) {
	errs, _, err := check.CfnLint(exampleDir)
	if err != nil || len(errs) != 0 {
		t.Fatalf("the example: %v %v", errs, err)
	}
	broken := mutate(t, "infra-dev", func(r map[string]any) { props(r, "RoleReadR")["MaxSessionDuration"] = 999999 })
	errs, _, err = check.CfnLint(broken)
	if err != nil {
		t.Fatal(err)
	}
	// The finding names the template by its name (the directory is
	// temporary), the resource path, and the model entity it comes from.
	want := regexp.MustCompile(`^infra-dev\.template\.json:[0-9]+: E3034 999999 is greater than the maximum of 43200 \(at Resources/RoleReadR/Properties/MaxSessionDuration; from role ReadR in dev\)$`)
	if len(errs) != 1 || !want.MatchString(errs[0]) {
		t.Errorf("cfn-lint errors: %q", errs)
	}
}

func TestNagFindingWithoutWaiverFails(t *testing.T) {
	if got, err := check.Nag(exampleDir); err != nil || len(got) != 0 {
		t.Fatalf("the example has unaccepted cdk-nag findings: %v %v", got, err)
	}
	unwaived := strings.Replace(string(iamstack.Example()), "      AwsSolutions-IAM5: CI/CD deploys every application stack", "      IAMSTACK-ESCALATION: CI/CD deploys every application stack", 1)
	dir := t.TempDir()
	mustSynth(parse(unwaived), dir, true)
	got, err := check.Nag(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || got[0].Rule != "AwsSolutions-IAM5" || !strings.Contains(got[0].Resource, "PolicyDeployRPolicy") {
		t.Errorf("cdk-nag findings: %v", got)
	}
}

func TestGolden(t *testing.T) {
	if diffs, err := check.Golden(exampleDir, "../../../testdata/golden"); err != nil || len(diffs) != 0 {
		t.Fatalf("the example differs from testdata/golden (run `make golden` if intended): %v %v", diffs, err)
	}
	changed := mutate(t, "infra-dev", func(r map[string]any) { props(r, "RoleReadR")["MaxSessionDuration"] = 7200 })
	diffs, err := check.Golden(changed, "../../../testdata/golden")
	if err != nil || len(diffs) != 1 || !strings.HasPrefix(diffs[0], "infra-dev.template.json: resource RoleReadR changed") {
		t.Errorf("diffs %v %v", diffs, err)
	}
}

// The workflow users adopt calls the same make target as this repository's CI.
func TestWorkflowRunsMakeCheck(t *testing.T) {
	b, err := os.ReadFile("../../../.github/workflows/check.yml")
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
	mk, _ := os.ReadFile("../../../Makefile")
	if !strings.Contains(string(mk), "\ncheck:") {
		t.Error("the Makefile has no check target")
	}
}

// Resources are attributed by the metadata iamstack writes, never by their
// names: models built to collide get every violation on the right entity.
func TestViolationsGoToTheRightEntity(t *testing.T) {
	yaml := strings.Replace(string(iamstack.Example()), "cicdUsers:\n", `cicdUsers:
  ci:
    account: dev
    statements: [{effect: Allow, actions: ["s3:GetObject"], resources: ["arn:aws:s3:::example-artifacts-dev/*"]}]
    waivers: {IAMSTACK-PRINCIPAL-STAR: "a waiver of ci must never reach ci-2"}
  ci-2:
    account: dev
    statements: [{effect: Allow, actions: ["s3:GetObject"], resources: ["arn:aws:s3:::example-artifacts-dev/*"]}]
  bob.nguyen:
    account: dev
    statements: [{effect: Allow, actions: ["s3:GetObject"], resources: ["arn:aws:s3:::example-artifacts-dev/*"]}]
`, 1)
	m := parse(yaml)
	dir := t.TempDir()
	mustSynth(m, dir, false)
	// ci-2's policy opens to everyone, and dev's ReadR forgets MFA age and
	// session name on both sides: the human bob.nguyen must be the one
	// reported, not the CI/CD user of the same name in dev.
	edit := func(file string, f func(map[string]any)) {
		b, _ := os.ReadFile(filepath.Join(dir, file))
		var tpl map[string]any
		json.Unmarshal(b, &tpl)
		f(tpl["Resources"].(map[string]any))
		b, _ = json.Marshal(tpl)
		os.WriteFile(filepath.Join(dir, file), b, 0o644)
	}
	edit("infra-dev.template.json", func(r map[string]any) {
		var doc map[string]any
		for id, res := range r {
			if res.(map[string]any)["Type"] == "AWS::IAM::ManagedPolicy" && props(r, id)["ManagedPolicyName"] == "infra-Cicd-ci-2" {
				doc = props(r, id)["PolicyDocument"].(map[string]any)
			}
		}
		doc["Statement"] = append(doc["Statement"].([]any), map[string]any{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"})
		dropCondition(props(r, "RoleReadR")["AssumeRolePolicyDocument"], "NumericLessThan")
	})
	edit("infra-identity.template.json", func(r map[string]any) {
		dropStatements(props(r, "PolicyAssumeRoleG")["PolicyDocument"], "DenyAssumeRoleWithOldMFA")
	})
	var got []string
	for _, v := range violations(t, m, dir) {
		got = append(got, v.String())
	}
	for _, want := range []string{
		`IAMSTACK-PRINCIPAL-STAR policy infra-Cicd-ci-2 in dev: names Principal "*" [to accept it, add under cicdUsers.ci-2: waivers: {IAMSTACK-PRINCIPAL-STAR: <reason>}]`,
		"IAMSTACK-MFA role infra-ReadR in dev: admits bob.nguyen with an MFA session of any age; bound aws:MultiFactorAuthAge [to accept it, add under roles.ReadR",
	} {
		if !slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, want) }) {
			t.Errorf("want %q among:\n%s", want, strings.Join(got, "\n"))
		}
	}
	for _, v := range got {
		if strings.Contains(v, "waived: a waiver of ci") {
			t.Errorf("ci's waiver leaked: %s", v)
		}
	}
}
