package plan_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/iamstack/iamstack/internal/cfn"
	"github.com/iamstack/iamstack/internal/plan"
	"github.com/iamstack/iamstack/model"
)

func identityCenterExample(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../examples/identity-center.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func identityCenterStack(t *testing.T, p *plan.Plan) plan.Stack {
	t.Helper()
	for _, s := range p.Stacks {
		if s.Kind == plan.IdentityCenterStack {
			return s
		}
	}
	t.Fatal("no Identity Center stack")
	return plan.Stack{}
}

// The example's Identity Center stack: in the instance's account and
// region, a permission set per role granted to someone signing in through
// Identity Center, mirroring the role's policies; a group per team with
// such a person, a user per such person and their memberships; one
// assignment per team or person, role and account, in ten chains; deployed
// after the stacks whose policies it attaches.
func TestIdentityCenterStack(t *testing.T) {
	st := identityCenterStack(t, mustPlan(t, identityCenterExample(t)))
	if st.ID != "corp-management-identity-center" || st.Name != "corp-identity-center" || st.AccountID != "200000000001" || st.Region != "eu-west-1" {
		t.Errorf("stack %s (%s) in %s/%s", st.ID, st.Name, st.AccountID, st.Region)
	}
	var sets []string
	for _, ps := range st.PermissionSets {
		sets = append(sets, ps.Name)
	}
	if got := strings.Join(sets, " "); got != "corp-AdminR corp-DataR corp-OpsR corp-ReadR" {
		t.Errorf("permission sets %s; BillingR and ReportsR reach nobody through Identity Center", got)
	}
	ops := st.PermissionSets[slices.IndexFunc(st.PermissionSets, func(p plan.PermissionSet) bool { return p.Name == "corp-OpsR" })]
	if ops.SessionSeconds != 4*3600 || !slices.Equal(ops.ManagedPolicies, []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}) ||
		!slices.Equal(ops.CustomerManaged, []cfn.PolicyReference{{Name: "corp-OpsR-Policy"}, {Name: "corp-Guardrails"}}) {
		t.Errorf("OpsR's permission set does not mirror its role: %+v", ops)
	}
	for i, ps := range st.PermissionSets {
		if (i == 0) != (len(ps.DependsOn) == 0) {
			t.Errorf("permission set %s depends on %v: they are provisioned one at a time", ps.Name, ps.DependsOn)
		}
	}
	if len(st.DirectoryGroups) != 2 || len(st.DirectoryUsers) != 4 || len(st.Memberships) != 5 {
		t.Errorf("directory: %d groups (platform, data), %d users, %d memberships; want 2, 4, 5", len(st.DirectoryGroups), len(st.DirectoryUsers), len(st.Memberships))
	}
	// platform: OpsR in 3 accounts, ReadR in 5; data: DataR in 2, ReadR
	// in 1; ana.lima's AdminR in 3, dara.kim's in 1.
	if len(st.Assignments) != 15 {
		t.Errorf("%d assignments, want 15", len(st.Assignments))
	}
	ids := map[string]int{}
	for i, a := range st.Assignments {
		ids[a.LogicalID] = i
		if i < 10 && len(a.DependsOn) > 0 || i >= 10 && (len(a.DependsOn) != 1 || ids[a.DependsOn[0]] != i-10) {
			t.Errorf("assignment %d depends on %v: ten chains", i, a.DependsOn)
		}
	}
	if got := strings.Join(st.DependsOn, " "); got != "corp-data corp-dev corp-management corp-prod corp-staging" {
		t.Errorf("deploys after %s", got)
	}
}

// What Identity Center cannot hold is refused before anything is written,
// naming the role and the fix.
func TestIdentityCenterLimits(t *testing.T) {
	ex := identityCenterExample(t)
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"a session that differs by account", "    maxSession: 4h\n    disabledIn: [management]\n",
			"    maxSession: 4h\n    maxSessionIn: {prod: 1h}\n    disabledIn: [management]\n",
			"people sign in to OpsR through Identity Center in dev and prod, where the role differs"},
		{"a name beyond 32 characters", "  DataR:\n", "  DataR:\n    name: corp-data-platform-query-runnersR\n",
			"whose permission set names are at most 32 characters; corp-data-platform-query-runnersR is 33"},
		{"a role that wants fresher MFA than the portal gives", "    description: Full power, for emergencies only.\n    maxSession: 1h\n",
			"    description: Full power, for emergencies only.\n    maxSession: 1h\n    mfaMaxAge: 1h\n",
			"people reach AdminR through Identity Center up to identityCenter.portalSession (4h0m0s) after MFA, and AdminR wants MFA within 1h0m0s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(ex, tc.old) {
				t.Fatalf("the example no longer holds %q", tc.old)
			}
			err := planErr(t, strings.Replace(ex, tc.old, tc.new, 1))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("want %q, got %v", tc.want, err)
			}
		})
	}
}

// An external directory's permission sets spread over identityCenter.stacks
// stacks, each with all its assignments, by a hash of the role's name:
// adding a role moves no other; each stack chains its own; too many
// resources for the stacks is refused, naming how many it takes.
func TestIdentityCenterStacksSpread(t *testing.T) {
	b, err := os.ReadFile("../../testdata/identity-center-external.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(string(b), "  signIn: identity-center\n", "  signIn: identity-center\n  stacks: 3\n", 1)
	plan3 := func(y string) map[string]string {
		m, err := model.ParseFiles("identity-center-external.yaml", []byte(y), model.Dir("../../testdata"))
		if err != nil {
			t.Fatal(err)
		}
		p, err := plan.New(m)
		if err != nil {
			t.Fatal(err)
		}
		where := map[string]string{} // permission set -> stack
		stacks := 0
		for _, s := range p.Stacks {
			if s.Kind != plan.IdentityCenterStack {
				continue
			}
			stacks++
			sets := map[string]bool{}
			for i, ps := range s.PermissionSets {
				where[ps.Name] = s.ID
				sets[ps.LogicalID] = true
				if (i == 0) != (len(ps.DependsOn) == 0) {
					t.Errorf("%s: permission set %s depends on %v", s.ID, ps.Name, ps.DependsOn)
				}
			}
			for _, a := range s.Assignments {
				if !sets[a.PermissionSet] {
					t.Errorf("%s: assignment %s of a permission set of another stack", s.ID, a.LogicalID)
				}
			}
		}
		if stacks != 3 {
			t.Errorf("%d Identity Center stacks, want 3", stacks)
		}
		return where
	}
	before := plan3(src)
	if len(before) != 3 {
		t.Fatalf("permission sets: %v", before)
	}
	withRole := strings.Replace(src, "  ReadR: {maxSession: 8h}\n", "  ReadR: {maxSession: 8h}\n  AuditR:\n    statements: [{effect: Allow, actions: [\"cloudtrail:LookupEvents\"], resources: [\"*\"]}]\n", 1)
	withRole = strings.Replace(withRole, "    grants: {OpsR: [dev], ReadR: [dev]}\n", "    grants: {OpsR: [dev], ReadR: [dev], AuditR: [prod]}\n", 1)
	after := plan3(withRole)
	for ps, st := range before {
		if after[ps] != st {
			t.Errorf("adding a role moved %s from %s to %s", ps, st, after[ps])
		}
	}
	if after["acme-AuditR"] == "" {
		t.Error("the new role has no permission set")
	}
	own := strings.Replace(identityCenterExample(t), "  portalSession: 4h\n", "  portalSession: 4h\n  stacks: 2\n", 1)
	if _, err := model.Parse("m.yaml", []byte(own)); err == nil || !strings.Contains(err.Error(), "Identity Center's own directory lives in one stack") {
		t.Errorf("spreading Identity Center's own directory: %v", err)
	}
}

// IAM matches actions without regard to case, and migrated policies spell
// them as they were written: the model accepts them, and the template
// writes the catalog's spelling.
func TestActionsAreWrittenAsTheCatalogSpellsThem(t *testing.T) {
	ex := identityCenterExample(t)
	old := "        actions: [athena:GetQueryExecution, athena:GetQueryResults, athena:StartQueryExecution, athena:StopQueryExecution]\n"
	if !strings.Contains(ex, old) {
		t.Fatal("the example's DataR changed")
	}
	p := mustPlan(t, strings.Replace(ex, old, "        actions: [ATHENA:getqueryexecution, athena:GetQueryResults, Athena:Start*, athena:StopQueryExecution]\n", 1))
	for _, s := range p.Stacks {
		for _, mp := range s.ManagedPolicies {
			if mp.Entity.Name != "DataR" {
				continue
			}
			got := string(mp.Document.JSON())
			if !strings.Contains(got, `"athena:GetQueryExecution"`) || !strings.Contains(got, `"athena:Start*"`) || strings.Contains(got, "ATHENA") {
				t.Errorf("%s: %s", mp.Name, got)
			}
			return
		}
	}
	t.Fatal("no policy of DataR")
}
