//go:build cdk || integration

package access_test

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/iamstack/iamstack"
	"github.com/iamstack/iamstack/internal/analyze/access"
	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/jsiiexit"
	"github.com/iamstack/iamstack/internal/plan"
	"github.com/iamstack/iamstack/internal/synth"
	"github.com/iamstack/iamstack/internal/synthetic"
	"github.com/iamstack/iamstack/model"
)

// fixture is a model synthesized once for all tests of this package.
type fixture struct {
	name string
	m    *model.Model
	dir  string
	inv  *assembly.Inventory
	rep  access.Report
}

var fixtures []*fixture

// randomModels is how many random models the property and differential
// tests synthesize.
const randomModels = 12

func TestMain(m *testing.M) {
	code := func() int {
		defer jsiiexit.Close()
		root, err := os.MkdirTemp("", "iamstack-access-test-")
		if err != nil {
			panic(err)
		}
		defer os.RemoveAll(root)
		add := func(name string, yaml []byte) {
			if _, err := model.ParseFiles(name, yaml, testdataFiles); err != nil {
				return // random models may be invalid: skip them
			}
			dir := filepath.Join(root, name)
			md, inv, err := synthesize(name, yaml, dir)
			if err != nil {
				panic(fmt.Sprintf("%s: %v", name, err))
			}
			fixtures = append(fixtures, &fixture{name: name, m: md, dir: dir, inv: inv, rep: access.Analyze(inv)})
		}
		add("example", iamstack.Example())
		many, err := os.ReadFile("testdata/many-services.yaml")
		if err != nil {
			panic(err)
		}
		add("many-services", many)
		for seed := uint64(1); len(fixtures) < 2+randomModels && seed < 200; seed++ {
			add(fmt.Sprintf("random-%d", seed), synthetic.Random(seed))
		}
		add("synthetic-ous", synthetic.Model(synthetic.Size{Users: 30, Accounts: 9, OUs: 4}))
		add("hub-roles", hubRoles())
		add("trusts", trusts())
		given, err := os.ReadFile("../../../testdata/given-names.yaml")
		if err != nil {
			panic(err)
		}
		add("given-names", given)
		external, err := os.ReadFile("../../../testdata/identity-center-external.yaml")
		if err != nil {
			panic(err)
		}
		add("identity-center-external.yaml", external)
		orgs, _ := filepath.Glob("../../../examples/*.yaml")
		for _, file := range orgs {
			yaml, err := os.ReadFile(file)
			if err != nil {
				panic(err)
			}
			add("examples/"+filepath.Base(file), yaml)
		}
		return m.Run()
	}()
	os.Exit(code)
}

// testdataFiles reads the files beside the test models (an external
// Identity Center directory's lock file) from testdata.
var testdataFiles = model.Dir("../../../testdata")

// synthesize parses, plans and synthesizes a model into dir and reads the
// assembly back.
func synthesize(name string, yaml []byte, dir string) (*model.Model, *assembly.Inventory, error) {
	m, err := model.ParseFiles(name, yaml, testdataFiles)
	if err != nil {
		return nil, nil, err
	}
	p, err := plan.New(m)
	if err != nil {
		return nil, nil, err
	}
	synth.Assembly(p, dir, synth.Options{})
	inv, err := assembly.Read(dir)
	return m, inv, err
}

func example(t *testing.T) *fixture {
	t.Helper()
	if fixtures[0].name != "example" {
		t.Fatal("no example fixture")
	}
	return fixtures[0]
}

// Property: for every model, the matrix computed from the templates is
// exactly what the model declares, in both directions, whichever way each
// person signs in (IAM user, Identity Center or both); every human entry
// requires MFA and is reached the way the model signs the person in; CI/CD
// users reach exactly their roles, without MFA.
func TestMatrixEqualsDeclaredGrants(t *testing.T) {
	if len(fixtures) < 2+randomModels/2 {
		t.Fatalf("only %d models synthesized", len(fixtures))
	}
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			// A listed account by its ID; an OU, whose accounts its
			// StackSet reaches, by the OU's ID, as the matrix says it.
			id := map[string]string{}
			for _, n := range f.m.AccountNames() {
				a, _ := f.m.Account(n)
				id[n] = a.ID
			}
			for _, n := range f.m.OUNames() {
				ou, _ := f.m.OU(n)
				id[n] = ou.ID
			}
			want := map[string][]string{}
			for _, u := range f.m.UserNames() {
				want[u] = []string{}
				for _, g := range f.m.UserGrants(u) {
					want[u] = append(want[u], id[g.Account]+"/"+g.Role)
				}
			}
			for _, c := range f.m.CICDUserNames() {
				want[c] = []string{}
				machine, _ := f.m.CICDUser(c)
				for _, r := range machine.Roles {
					want[c] = append(want[c], id[machine.Account]+"/"+r)
				}
				for _, g := range f.m.CICDAssumeGrants(c) {
					want[c] = append(want[c], id[g.Account]+"/"+g.Role)
				}
			}
			got := map[string][]string{}
			for e := range f.rep.Entries() {
				if _, ok := got[e.User]; !ok {
					got[e.User] = []string{}
				}
				if e.Type != "assume-role" {
					continue
				}
				if len(e.Through) > 0 {
					// Reached by chaining: the last role before it must be
					// one the model says its trust admits.
					r, _ := f.m.Role(e.Role)
					if !slices.ContainsFunc(r.Trust, func(tr model.Trust) bool { return tr.Role == e.Through[len(e.Through)-1] }) {
						t.Errorf("%s reaches %s in %s through %v, which its trust does not name", e.User, e.Role, e.Account, e.Through)
					}
					continue
				}
				got[e.User] = append(got[e.User], e.AccountID+"/"+e.Role)
				_, human := f.m.User(e.User)
				if human != e.MFA {
					t.Errorf("%s assumes %s in %s with mfa=%v; humans always need MFA, CI/CD users never", e.User, e.Role, e.Account, e.MFA)
				}
				if human != (e.UserKind == "human") {
					t.Errorf("%s is reported as %s", e.User, e.UserKind)
				}
				// How the person reaches it is how the model signs them in
				// (said once templates have an Identity Center stack).
				if f.inv.IdentityCenter != nil && human {
					want := map[string][]string{model.SignInIAM: {access.SignInIAM}, model.SignInIdentityCenter: {access.SignInIdentityCenter},
						model.SignInBoth: {access.SignInIAM, access.SignInIdentityCenter}}[f.m.SignIn(e.User)]
					if !slices.Equal(e.SignIn, want) {
						t.Errorf("%s reaches %s in %s through %v; the model signs them in through %s", e.User, e.Role, e.Account, e.SignIn, f.m.SignIn(e.User))
					}
				}
			}
			for u := range want {
				sort.Strings(want[u])
				sort.Strings(got[u])
				if !slices.Equal(want[u], got[u]) {
					t.Errorf("%s: templates grant %v, the model %v", u, got[u], want[u])
				}
			}
			for u := range got {
				if _, ok := want[u]; !ok {
					t.Errorf("templates hold user %s, which the model does not", u)
				}
			}
		})
	}
}

func TestDiffOfAModelChange(t *testing.T) {
	f := example(t)
	changed := strings.Replace(string(iamstack.Example()), "frank.osei:\n    grants:\n      ReadR: [prod]", "frank.osei:\n    grants:\n      AdminR: [prod]", 1)
	_, inv, err := synthesize("changed.yaml", []byte(changed), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range access.Diff(f.rep, access.Analyze(inv)) {
		got = append(got, c.Text)
	}
	want := []string{"+ frank.osei can assume AdminR in prod (MFA)", "- frank.osei can assume ReadR in prod (MFA)"}
	if !slices.Equal(got, want) {
		t.Errorf("diff:\n got %q\nwant %q", got, want)
	}
	if d := access.Diff(f.rep, f.rep); len(d) != 0 {
		t.Errorf("an assembly differs from itself: %v", d)
	}
}

// An account of an OU that becomes listed shows up in the diff as an
// account of its own, with what grants to the OU, its type and all give
// there; the OU's own entries stand (its other accounts keep the StackSet).
func TestDiffOfAnAccountListedInItsOU(t *testing.T) {
	f := named(t, "examples/organization.yaml")
	yaml, err := os.ReadFile("../../../examples/organization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	listed := strings.Replace(string(yaml), "  - name: payments-prod\n", "  - {name: web-dev, id: \"555555555555\", type: dev, ou: workloads-dev}\n  - name: payments-prod\n", 1)
	_, inv, err := synthesize("listed.yaml", []byte(listed), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range access.Diff(f.rep, access.Analyze(inv)) {
		got = append(got, c.Text)
	}
	want := []string{
		"+ alice.martin can assume AdminR in web-dev (MFA)",
		"+ bob.nguyen can assume OpsR in web-dev (MFA)",
		"+ bob.nguyen can assume ReadR in web-dev (MFA)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("diff:\n got %q\nwant %q", got, want)
	}
}

func BenchmarkAnalyzeThousandUsers(b *testing.B) {
	dir := b.TempDir()
	if _, _, err := synthesize("large.yaml", synthetic.Model(synthetic.Size{Users: 1000, Accounts: 20}), dir); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		inv, err := assembly.Read(dir)
		if err != nil {
			b.Fatal(err)
		}
		rep := access.Analyze(inv)
		// The matrix is computed as it is read: read it whole.
		if n := len(slices.Collect(rep.Entries())); n < 1000 {
			b.Fatalf("%d entries", n)
		}
	}
}

// The example and OpsR over many services (issue 9's variant), synthesized
// now, are clean as the golden assembly is.
func TestSynthesizedExamplesAreClean(t *testing.T) {
	for _, f := range fixtures[:2] {
		checkClean(t, f.name, f.rep)
	}
}

// What the model declares as standing resources is analysed too: a Lambda
// function running as an administrator role is OpsR's to steer (lambda is
// one of its services), and a CI/CD role that deploys application stacks
// under the CDK execution role deploys as an administrator.
func TestDeclaredStandingResourcesAreAnalysed(t *testing.T) {
	yaml := string(iamstack.Example()) + `
standingResources:
  - {account: dev, kind: role, name: legacy-admin, managedPolicies: [AdministratorAccess], trustedBy: [lambda.amazonaws.com]}
  - {account: dev, kind: workload, service: lambda, name: nightly-report, runsAs: legacy-admin}
  - {account: prod, kind: stack, name: app-api, runsAs: cdk-hnb659fds-cfn-exec-role-333333333333-eu-west-1}
`
	_, inv, err := synthesize("standing.yaml", []byte(yaml), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	open := openFindings(access.Analyze(inv))
	for _, want := range []string{
		"OpsR in dev can lambda:UpdateFunctionCode on legacy-admin (change what a role runs, and so full power): lambda:UpdateFunctionCode on lambda nightly-report -> it runs as legacy-admin",
		"DeployR in prod can cloudformation:CreateChangeSet on cdk-hnb659fds-cfn-exec-role-333333333333-eu-west-1 (change what a role runs, and so full power): cloudformation:CreateChangeSet on stack app-api -> it runs as cdk-hnb659fds-cfn-exec-role-333333333333-eu-west-1",
	} {
		if !slices.Contains(open, want) {
			t.Errorf("missing finding %q in:\n%s", want, strings.Join(open, "\n"))
		}
	}
	for _, f := range open {
		if strings.HasPrefix(f, "OpsR in prod") {
			t.Errorf("OpsR may not touch a stack under its service role: %s", f)
		}
	}
}

// hubRoles is the example with roles in the user-only account, as hub
// accounts hold them: AdminR there too, and an auditor role only there.
func hubRoles() []byte {
	return exampleWith([][2]string{
		{"  AdminR:\n    description: Full power, for emergencies only.\n", "  AdminR:\n    description: Full power, for emergencies only.\n    enabledIn: [all, identity]\n"},
		{"  BillingR:\n", "  AuditR:\n    description: Security audits of the hub.\n    managedPolicies: [SecurityAudit]\n    enabledIn: [identity]\n    waivers: {AwsSolutions-IAM4: \"SecurityAudit is AWS's maintained audit policy, kept current by AWS.\"}\n  BillingR:\n"},
		{"      OpsR: [dev, prod]\n      ReadR: [all]\n", "      OpsR: [dev, prod]\n      ReadR: [all]\n      AuditR: [identity]\n"},
		{"    grants:\n      AdminR: [dev, prod]\n", "    grants:\n      AdminR: [dev, prod, identity]\n"},
		{"cicdUsers:\n", "cicdUsers:\n  deployer:\n    account: identity\n    assume: {DeployR: [dev, prod]}\n"},
	})
}

// exampleWith is the example with each edit's first text replaced by its
// second, once.
func exampleWith(edits [][2]string) []byte {
	y := string(iamstack.Example())
	for _, r := range edits {
		if !strings.Contains(y, r[0]) {
			panic(fmt.Sprintf("the example no longer holds %q: update the fixture", r[0]))
		}
		y = strings.Replace(y, r[0], r[1], 1)
	}
	return []byte(y)
}

// roleIn returns the role of a fixture's account by the model's name for it.
func roleIn(t *testing.T, f *fixture, account, role string) assembly.Principal {
	t.Helper()
	a, _ := f.m.Account(account)
	for _, r := range f.inv.Roles {
		if r.Account == a.ID && f.inv.RoleShortName(r) == role {
			return r
		}
	}
	t.Fatalf("%s: no %s in %s", f.name, role, account)
	return assembly.Principal{}
}

// named returns the fixture of that name.
func named(t *testing.T, name string) *fixture {
	t.Helper()
	for _, f := range fixtures {
		if f.name == name {
			return f
		}
	}
	t.Fatalf("no %s fixture", name)
	return nil
}

// People assume roles in the user-only account with the same MFA, session
// name and exactness as anywhere (the property test checks the rest).
func TestHubRoles(t *testing.T) {
	hub := named(t, "hub-roles")
	var got []string
	for e := range hub.rep.Entries() {
		if e.Type == "assume-role" && e.Account == "identity" {
			got = append(got, fmt.Sprintf("%s %s mfa=%v", e.User, e.Role, e.MFA))
		}
	}
	want := []string{"alice.martin AdminR mfa=true", "alice.martin AuditR mfa=true", "bob.nguyen AuditR mfa=true"}
	if !slices.Equal(got, want) {
		t.Errorf("roles assumed in the user-only account: %v, want %v", got, want)
	}
	// A central machine user of the hub assumes its roles in other
	// accounts, with its access keys alone, and nothing else.
	got = nil
	for e := range hub.rep.Entries() {
		if e.User == "deployer" && e.Type == "assume-role" {
			got = append(got, fmt.Sprintf("%s %s mfa=%v", e.Account, e.Role, e.MFA))
		}
	}
	if want := []string{"dev DeployR mfa=false", "prod DeployR mfa=false"}; !slices.Equal(got, want) {
		t.Errorf("the central machine user assumes %v, want %v", got, want)
	}
	for _, f := range hub.rep.Findings {
		if f.ByDesign == "" {
			t.Errorf("open finding: %s", f)
		}
	}
	if !slices.Equal(hub.rep.Admins, []string{"AdminR in dev", "AdminR in identity", "AdminR in prod"}) {
		t.Errorf("admins %v", hub.rep.Admins)
	}
}

// trusts is the example with roles that admit principals beyond its users:
// a GitHub Actions workflow, a vendor account with an external ID, and a
// role of another account (role chaining), one of them with statements of
// its account only.
func trusts() []byte {
	return exampleWith([][2]string{
		{"    maxSession: 1h\n    statements:\n", "    maxSession: 1h\n    trust:\n      - github: repo:acme/infra:environment:prod\n      - account: \"111122223333\"\n        externalId: acme-vendor-7f3a\n    statements:\n"},
		{"  BillingR:\n", "  ChainR:\n    description: Reached from AdminR in dev.\n    managedPolicies: [ReadOnlyAccess]\n    enabledIn: [prod]\n    trust:\n      - role: dev/AdminR\n    statementsIn:\n      prod: [{effect: Allow, actions: [\"s3:PutObject\"], resources: [\"arn:aws:s3:::acme-prod-reports/*\"]}]\n    waivers: {AwsSolutions-IAM4: \"ReadOnlyAccess is AWS's maintained read policy.\"}\n  BillingR:\n"},
	})
}

// Roles trusted beyond the model's users are reported: chained roles as
// entries of the users who reach them, with the chaining session limit;
// outside principals with the conditions that guard them.
func TestTrusts(t *testing.T) {
	f := named(t, "trusts")
	var chained []string
	for e := range f.rep.Entries() {
		if len(e.Through) > 0 {
			chained = append(chained, fmt.Sprintf("%s %s/%s through %s mfa=%v session=%d", e.User, e.Account, e.Role,
				strings.Join(e.Through, ","), e.MFA, e.MaxSessionSeconds))
		}
	}
	// The example grants alice.martin and carol.silva AdminR in dev.
	if want := []string{"alice.martin prod/ChainR through dev/AdminR mfa=true session=3600",
		"carol.silva prod/ChainR through dev/AdminR mfa=true session=3600"}; !slices.Equal(chained, want) {
		t.Errorf("chained entries %v, want %v", chained, want)
	}
	var ext []string
	for _, x := range f.rep.External {
		ext = append(ext, fmt.Sprintf("%s/%s %s %s %v", x.Account, x.Role, x.Type, x.Principal, x.Conditions))
	}
	for _, want := range []string{
		"dev/DeployR AWS arn:aws:iam::111122223333:root [StringEquals sts:ExternalId=acme-vendor-7f3a]",
		"prod/DeployR Federated arn:aws:iam::%s:oidc-provider/token.actions.githubusercontent.com [StringEquals token.actions.githubusercontent.com:aud=sts.amazonaws.com StringEquals token.actions.githubusercontent.com:sub=repo:acme/infra:environment:prod]",
	} {
		if strings.Contains(want, "%s") {
			prod, _ := f.m.Account("prod")
			want = fmt.Sprintf(want, prod.ID)
		}
		if !slices.Contains(ext, want) {
			t.Errorf("external trusts %v lack %q", ext, want)
		}
	}
	for _, x := range ext {
		if strings.Contains(x, "ChainR") {
			t.Errorf("a role of the model is reported as external: %s", x)
		}
	}
}

// A model that keeps its names: the templates carry them, and the access
// follows them (the property and differential tests cover the rest).
func TestGivenNames(t *testing.T) {
	f := named(t, "given-names")
	dev, _ := f.m.Account("dev")
	ids := map[string]string{}
	for _, p := range append(append([]assembly.Principal(nil), f.inv.Roles...), f.inv.Users...) {
		if p.Account == dev.ID || p.Kind == "user" {
			ids[p.ARN] = p.Kind
		}
	}
	for _, arn := range []string{
		"arn:aws:iam::222222222222:role/legacy/admin",
		"arn:aws:iam::222222222222:role/readonly",
		"arn:aws:iam::222222222222:role/ci/terraform-deploy",
		"arn:aws:iam::222222222222:role/infra-OpsR",
		"arn:aws:iam::222222222222:user/automation/ci-dev",
		"arn:aws:iam::111111111111:user/people/alice.martin",
		"arn:aws:iam::111111111111:user/bob.nguyen",
		"arn:aws:iam::111111111111:user/infra/carol.silva",
	} {
		if ids[arn] == "" {
			t.Errorf("the templates create no %s; they hold %v", arn, slices.Sorted(maps.Keys(ids)))
		}
	}
	var policies []string
	for _, mp := range f.inv.ManagedPolicies {
		if mp.Account == dev.ID {
			policies = append(policies, mp.Name)
		}
	}
	if !slices.Contains(policies, "terraform-deploy-policy") || slices.Contains(policies, "infra-DeployR-Policy") {
		t.Errorf("DeployR's policy in dev is not the name the model gives: %v", policies)
	}
	var groups []string
	for _, g := range f.inv.Groups {
		groups = append(groups, g.Name)
	}
	for _, want := range []string{"assume-role", "self-service", "iam-admins"} {
		if !slices.Contains(groups, want) {
			t.Errorf("groups %v lack %s", groups, want)
		}
	}
	var chained []string
	for e := range f.rep.Entries() {
		if len(e.Through) > 0 {
			chained = append(chained, e.User+" "+e.Account+"/"+e.Role+" through "+strings.Join(e.Through, ","))
		}
	}
	if want := []string{"alice.martin prod/ChainR through dev/AdminR", "carol.silva prod/ChainR through dev/AdminR"}; !slices.Equal(chained, want) {
		t.Errorf("chained entries %v, want %v", chained, want)
	}
	checkClean(t, f.name, f.rep)
}

// A principal over every other user of an account of many users gets one
// finding per action saying so, not one per user (which grew with users
// squared): user.0000 of the synthetic model is in PowerG.
func TestFindingsOverEveryUserAreOne(t *testing.T) {
	f := named(t, "synthetic-ous")
	got := map[string][]string{}
	for _, fd := range f.rep.Findings {
		if fd.Principal == "user user.0000 in identity" && fd.Steps == nil { // chains name their one target
			got[fd.Action] = append(got[fd.Action], fd.Target)
		}
	}
	for _, action := range []string{"iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile"} {
		if want := []string{"every other user in identity"}; !slices.Equal(got[action], want) {
			t.Errorf("%s: targets %q, want %q", action, got[action], want)
		}
	}
	if want := []string{"every user in identity"}; !slices.Equal(got["iam:AttachUserPolicy"], want) {
		t.Errorf("iam:AttachUserPolicy: targets %q, want %q", got["iam:AttachUserPolicy"], want)
	}
}

// A role that may assume a role in another account, whose trust admits its
// account, reaches what that role reaches: the chain goes on in the other
// account's search, and the finding names the account.
func TestEscalationCrossesAccounts(t *testing.T) {
	yaml := exampleWithRole(`  HopR:
    enabledIn: [dev]
    statements:
      - {effect: Allow, actions: ["sts:AssumeRole"], resources: ["*"]}
`)
	yaml = strings.Replace(yaml, "cicdUsers:\n", `standingResources:
  - {account: prod, kind: role, name: legacy-admin, managedPolicies: [AdministratorAccess], trustedBy: ["222222222222"]}
cicdUsers:
`, 1)
	_, inv, err := synthesize("cross.yaml", []byte(yaml), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	want := "HopR in dev can sts:AssumeRole on legacy-admin (assume a role in another account, and so full power): sts:AssumeRole legacy-admin in prod"
	var got []string
	for _, f := range access.Analyze(inv).Findings {
		if f.Principal == "HopR in dev" {
			got = append(got, f.String())
		}
	}
	if !slices.Contains(got, want) {
		t.Errorf("HopR's findings lack the way into prod:\n%s", strings.Join(got, "\n"))
	}
}

// A policy variable for the resource's account, ${aws:ResourceAccount}, is
// the account of the resource probed: a role that may write any role's
// policy of its own account, so written, escalates.
func TestResourceAccountVariable(t *testing.T) {
	yaml := exampleWithRole(`  TunerR:
    enabledIn: [dev]
    statements:
      - {effect: Allow, actions: ["iam:PutRolePolicy"], resources: ["arn:aws:iam::${aws:ResourceAccount}:role/*"]}
`)
	_, inv, err := synthesize("resource-account.yaml", []byte(yaml), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range access.Analyze(inv).Findings {
		if f.Principal == "TunerR in dev" && f.Action == "iam:PutRolePolicy" {
			got = append(got, f.Target)
		}
	}
	if !slices.Contains(got, "infra-AdminR") {
		t.Errorf("TunerR may write AdminR's inline policy; its iam:PutRolePolicy findings name %q", got)
	}
}

// exampleWithRole is the example model with one more custom role, given as
// its YAML under roles.
func exampleWithRole(role string) string {
	return strings.Replace(string(iamstack.Example()), "  DeployR:\n", role+"  DeployR:\n", 1)
}
