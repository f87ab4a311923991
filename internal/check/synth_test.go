//go:build cdk || integration

package check_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/iamstack/iamstack"
	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/check"
	"github.com/iamstack/iamstack/internal/jsiiexit"
	"github.com/iamstack/iamstack/internal/plan"
	"github.com/iamstack/iamstack/internal/synth"
	"github.com/iamstack/iamstack/model"
)

var nagDir string // the example, synthesized once with cdk-nag

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "iamstack-check-test-")
	if err != nil {
		panic(err)
	}
	nagDir = filepath.Join(dir, "example")
	mustSynth(exampleModel(), nagDir, true)
	code := m.Run()
	os.RemoveAll(dir)
	jsiiexit.Close()
	os.Exit(code)
}

func mustSynth(m *model.Model, dir string, nag bool) {
	p, err := plan.New(m)
	if err != nil {
		panic(err)
	}
	synth.Assembly(p, dir, synth.Options{Nag: nag})
}

// What the code synthesizes today is the committed golden assembly.
func TestGoldenIsCurrent(t *testing.T) {
	if diffs, err := check.Golden(nagDir, goldenDir); err != nil || len(diffs) != 0 {
		t.Fatalf("the example differs from testdata/golden (run `make golden` if intended): %v %v", diffs, err)
	}
}

// A synthesis without cdk-nag creates generic resources (stacks.AppProps):
// its templates are the ones cdk-nag checked, byte for byte, for the example
// and for the examples with OIDC providers, trusts beyond iamstack, roles in
// the user-only account and given names.
func TestTemplatesWithoutNagAreTheCheckedOnes(t *testing.T) {
	models := map[string]*model.Model{"example": exampleModel()}
	for _, f := range []string{"hub.yaml", "security-hub.yaml", "organization.yaml"} {
		b, err := os.ReadFile(filepath.Join("../../examples", f))
		if err != nil {
			t.Fatal(err)
		}
		models[f] = parse(string(b))
	}
	for name, m := range models {
		typed, generic := nagDir, filepath.Join(t.TempDir(), "generic")
		if name != "example" {
			typed = filepath.Join(t.TempDir(), "typed")
			mustSynth(m, typed, true)
		}
		mustSynth(m, generic, false)
		same, err := check.SameTemplates(generic, typed)
		if err != nil {
			t.Fatal(err)
		}
		files, _ := filepath.Glob(filepath.Join(typed, "*.template.json"))
		if len(same) != len(files) || len(files) == 0 {
			t.Errorf("%s: %d of %d templates are the same without cdk-nag: %v", name, len(same), len(files), same)
		}
	}
}

func TestNagFindingWithoutWaiverFails(t *testing.T) {
	if got, err := check.Nag(nagDir); err != nil || len(got) != 0 {
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

func TestRemovals(t *testing.T) {
	base, _ := assembly.Read(goldenDir)
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
	// Giving a role a name deletes the old one; giving it a path replaces
	// it (Path is create-only); a user's path moves it in place.
	for _, c := range []struct{ edit, want string }{
		{"  ReadR:\n    name: readonly\n", "role infra-ReadR in account dev is deleted"},
		{"  ReadR:\n    path: /legacy/\n", "role infra-ReadR in account dev is replaced (path / becomes /legacy/)"},
	} {
		yaml := strings.Replace(string(iamstack.Example()), "  ReadR:\n", c.edit, 1)
		yaml = strings.Replace(yaml, "  frank.osei:\n", "  frank.osei:\n    path: /people/\n", 1)
		dir := t.TempDir()
		mustSynth(parse(yaml), dir, false)
		head, err := assembly.Read(dir)
		if err != nil {
			t.Fatal(err)
		}
		got := check.Removals(base, head, parse(yaml))
		var found bool
		for _, r := range got {
			found = found || strings.HasPrefix(r.String(), c.want)
			if r.Kind == "user" {
				t.Errorf("a user's new path is reported as a removal: %v", r)
			}
		}
		if !found {
			t.Errorf("%q: removals %v lack %q", c.edit, got, c.want)
		}
	}
	if none := check.Removals(base, base, exampleModel()); len(none) != 0 {
		t.Errorf("an assembly removes from itself: %v", none)
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
	editTemplate(t, dir, "infra-dev.template.json", func(r map[string]any) {
		var doc map[string]any
		for id, res := range r {
			if res.(map[string]any)["Type"] == "AWS::IAM::ManagedPolicy" && props(r, id)["ManagedPolicyName"] == "infra-Cicd-ci-2" {
				doc = props(r, id)["PolicyDocument"].(map[string]any)
			}
		}
		doc["Statement"] = append(doc["Statement"].([]any), map[string]any{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"})
		dropCondition(props(r, "RoleReadR")["AssumeRolePolicyDocument"], "NumericLessThan")
	})
	editTemplate(t, dir, "infra-identity.template.json", func(r map[string]any) {
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

// Declaring the GitHub OIDC provider as standing, or dropping the last
// GitHub trust, deletes the provider iamstack created: every role trusting
// it would refuse GitHub's tokens, so the change is refused until it is
// acknowledged.
func TestRemovingTheOIDCProviderIsLoud(t *testing.T) {
	withGitHub := strings.Replace(string(iamstack.Example()), "    maxSession: 1h\n    statements:\n",
		"    maxSession: 1h\n    trust:\n      - github: repo:acme/app:environment:prod\n    statements:\n", 1)
	if !strings.Contains(withGitHub, "github: repo:acme/app") {
		t.Fatal("the example's DeployR changed: update this test")
	}
	read := func(yaml string) *assembly.Inventory {
		dir := t.TempDir()
		mustSynth(parse(yaml), dir, false)
		inv, err := assembly.Read(dir)
		if err != nil {
			t.Fatal(err)
		}
		return inv
	}
	base := read(withGitHub)
	if len(base.OIDCProviders) != 2 {
		t.Fatalf("OIDC providers %+v, want one in dev and one in prod", base.OIDCProviders)
	}
	standing := withGitHub + "standingResources:\n  - {account: prod, kind: oidc-provider, name: token.actions.githubusercontent.com}\n"
	got := check.Removals(base, read(standing), parse(standing))
	want := "oidc-provider token.actions.githubusercontent.com in account prod is deleted: its federated sign-ins"
	if len(got) != 1 || !strings.HasPrefix(got[0].String(), want) {
		t.Fatalf("removals %v, want one: %s", got, want)
	}
	acked := standing + "acknowledgedRemovals:\n  - {kind: oidc-provider, name: token.actions.githubusercontent.com, account: prod, reason: the platform team's stack owns it now}\n"
	if got := check.Removals(base, read(acked), parse(acked)); len(got) != 1 || got[0].Acknowledged == "" {
		t.Errorf("acknowledged removal: %v", got)
	}
}
