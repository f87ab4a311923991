package access_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/iamstack/iamstack"
	"github.com/iamstack/iamstack/internal/analyze/access"
	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/analyze/assembly/assemblytest"
	"github.com/iamstack/iamstack/internal/plan"
	"github.com/iamstack/iamstack/model"
)

// externalOrg is an organization of an external directory with more
// assignments than one stack holds: teams granted two roles in every
// account, and its lock file.
func externalOrg(accounts, teams, stacks int) (string, model.Files) {
	return externalPeople(accounts, teams, teams, stacks)
}

// externalPeople is externalOrg with people spread over the teams.
func externalPeople(accounts, teams, people, stacks int) (string, model.Files) {
	var b, lock strings.Builder
	fmt.Fprintf(&b, `apiVersion: iamstack/v1
region: eu-west-1
identityCenter:
  account: acct-1
  instanceArn: arn:aws:sso:::instance/ssoins-0123456789abcdef
  identityStoreId: d-0123456789
  startUrl: https://d-0123456789.awsapps.com/start
  directory: external
  mfa: identity-provider
  portalSession: 8h
  signIn: identity-center
  stacks: %d
accounts:
  - {name: identity, id: "400000000000", type: user-only}
`, stacks)
	for i := 1; i <= accounts; i++ {
		fmt.Fprintf(&b, "  - {name: acct-%d, id: \"%012d\", type: workload}\n", i, 400000000000+i)
	}
	b.WriteString("teams:\n")
	lock.WriteString("identityStoreId: d-0123456789\ngroups:\n")
	for t := 0; t < teams; t++ {
		fmt.Fprintf(&b, "  team-%d: {grants: {OpsR: [workload], ReadR: [all]}}\n", t)
		fmt.Fprintf(&lock, "  infra-team-%d: 0123456789-%08x-0000-4000-8000-000000000000\n", t, t)
	}
	b.WriteString("users:\n")
	lock.WriteString("users:\n")
	for p := 0; p < people; p++ {
		fmt.Fprintf(&b, "  person.%d: {teams: [team-%d]}\n", p, p%teams)
		fmt.Fprintf(&lock, "  person.%d: 0123456789-%08x-0000-4000-8000-000000000001\n", p, p)
	}
	files := func(name string) ([]byte, bool, error) {
		return []byte(lock.String()), name == "org.identity-center.lock", nil
	}
	return b.String(), files
}

// The matrix is the same whether the permission sets sit in one stack or
// are spread over several; and a model whose assignments do not fit one
// stack is refused with the number of stacks that holds them.
func TestSpreadStacksGiveTheSameMatrix(t *testing.T) {
	matrix := func(stacks int) ([]string, int, error) {
		yaml, files := externalOrg(30, 10, stacks)
		m, err := model.ParseFiles("org.yaml", []byte(yaml), files)
		if err != nil {
			t.Fatal(err)
		}
		p, err := plan.New(m)
		if err != nil {
			return nil, 0, err
		}
		n := 0
		for _, s := range p.Stacks {
			if s.Kind == plan.IdentityCenterStack {
				n++
				if s.ResourceCount() > plan.MaxResourcesPerStack {
					t.Errorf("%s holds %d resources", s.ID, s.ResourceCount())
				}
			}
		}
		inv, err := assembly.FromPlan(p, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for e := range access.Analyze(inv).Entries() {
			out = append(out, fmt.Sprintf("%s %s %s %v %v", e.User, e.Account, e.Role, e.SignIn, e.Via))
		}
		return out, n, nil
	}
	if _, _, err := matrix(1); err == nil || !strings.Contains(err.Error(), "set identityCenter.stacks to 2 or more") {
		t.Fatalf("600 assignments in one stack: %v", err)
	}
	spread, n, err := matrix(3)
	if err != nil || n != 3 {
		t.Fatalf("%d stacks: %v", n, err)
	}
	if len(spread) != 10*(30+30) {
		t.Errorf("%d entries, want 600 (ten people, OpsR and ReadR in thirty accounts)", len(spread))
	}
	again, _, _ := matrix(4)
	if !slices.Equal(spread, again) {
		t.Error("the matrix differs between three and four stacks")
	}
}

// A person who moves from an IAM user to Identity Center keeps every entry:
// the diff says only how each is now reached.
func TestDiffOfAMigration(t *testing.T) {
	base, _ := externalOrg(3, 2, 1)
	_, files := externalOrg(3, 2, 1)
	render := func(yaml string) access.Report { return analyzeModel(t, yaml, files) }
	before := strings.Replace(base, "  person.1: {teams: [team-1]}", "  person.1: {teams: [team-1], signIn: iam}", 1)
	after := strings.Replace(base, "  person.1: {teams: [team-1]}", "  person.1: {teams: [team-1], signIn: both}", 1)
	var got []string
	for _, c := range access.Diff(render(before), render(after)) {
		if c.Entry == nil || c.Entry.Type == "assume-role" {
			got = append(got, c.Kind+" "+c.Text)
		}
	}
	if len(got) != 6 {
		t.Fatalf("%d changes, want person.1's six entries reached another way:\n%s", len(got), strings.Join(got, "\n"))
	}
	for _, c := range got {
		if !strings.HasPrefix(c, "sign-in-changed ~ person.1 can assume ") || !strings.Contains(c, "(MFA, IAM user and Identity Center), before IAM user") {
			t.Errorf("change %q", c)
		}
	}
}

// BenchmarkIdentityCenterAnalysis renders and analyses an organization of
// people in teams of an external directory, each team granted OpsR and
// ReadR in every one of 24 accounts (1,000 people in ten teams: 480
// assignments over four stacks; 5,000 in twenty: 960 over eight):
// planning, rendering in Go, reading and the analysis that joins
// assignments with memberships.
func BenchmarkIdentityCenterAnalysis(b *testing.B) {
	for _, size := range []struct{ people, teams, stacks int }{{1000, 10, 4}, {5000, 20, 8}} {
		b.Run(fmt.Sprintf("%d-people", size.people), func(b *testing.B) {
			yaml, files := externalPeople(24, size.teams, size.people, size.stacks)
			for b.Loop() {
				m, err := model.ParseFiles("org.yaml", []byte(yaml), files)
				if err != nil {
					b.Fatal(err)
				}
				inv := assemblytest.Inventory(b, m)
				if n := len(slices.Collect(access.Analyze(inv).Entries())); n != size.people*48 {
					b.Fatalf("%d entries", n)
				}
			}
		})
	}
}

// A grant is never an escalation: a person granted the hub's administrator
// role in the user-only account assumes it as the matrix says, with no
// open finding (it was reported as "can sts:AssumeRole on
// FullAdministratorR, and so full power").
func TestAGrantIsNoEscalation(t *testing.T) {
	// A hub's own administrator role, as a real organization writes it.
	yaml := strings.Replace(strings.Replace(string(iamstack.Example()),
		"  BillingR:\n", "  FullAdministratorR:\n    description: Administers the hub.\n    managedPolicies: [AdministratorAccess]\n    enabledIn: [identity]\n    waivers: {AwsSolutions-IAM4: \"The hub's administrators hold AWS's AdministratorAccess, as they do today.\"}\n  BillingR:\n", 1),
		"  bob.nguyen:\n    teams: [platform]\n", "  bob.nguyen:\n    teams: [platform]\n    grants: {FullAdministratorR: [identity]}\n", 1)
	rep := analyzeModel(t, yaml, nil)
	granted := false
	for e := range rep.Entries() {
		granted = granted || (e.User == "bob.nguyen" && e.Account == "identity" && e.Role == "FullAdministratorR")
	}
	if !granted {
		t.Fatal("the grant of FullAdministratorR in identity is not in the matrix")
	}
	for _, f := range rep.Findings {
		if f.ByDesign == "" && strings.Contains(f.Principal, "bob.nguyen") {
			t.Errorf("the grant is reported as an escalation: %s", f)
		}
	}
}
