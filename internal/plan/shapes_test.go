package plan_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/iamstack/iamstack/internal/plan"
)

// attachedNames are the names of the managed policies a list of refs
// attaches: an ARN's last part.
func attachedNames(refs []plan.Ref) []string {
	var out []string
	for _, r := range refs {
		out = append(out, r.Value[strings.LastIndex(r.Value, "/")+1:])
	}
	return out
}

// The policy shapes a migrating team keeps land where IAM expects them:
// a role's named policies and the guardrails of their own attached by name
// after the AWS managed ones, created once per account; an inline policy on
// the role; a person's own policy attached to their user, in their stack;
// a CI/CD user's AWS managed policies on its group; a user without
// permissions in no group policy at all.
func TestPolicyShapes(t *testing.T) {
	model, err := os.ReadFile("../../examples/platform-migration.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := mustPlan(t, string(model))
	prod, _ := p.Stack("plat-prod")
	roles := map[string]plan.Role{}
	for _, r := range prod.Roles {
		roles[r.Name] = r
	}
	if got, want := attachedNames(roles["plat-PowerR"].ManagedPolicies), []string{"Power", "Power2", "plat-Guardrails", "RegionRestriction", "RDSDeletePrevent"}; !slices.Equal(got, want) {
		t.Errorf("PowerR attaches %v, want %v", got, want)
	}
	// Every role of prod attaches the guardrails of their own, made once.
	made := map[string]int{}
	for _, mp := range prod.ManagedPolicies {
		made[mp.Name]++
	}
	for _, name := range []string{"Power", "Power2", "RegionRestriction", "RDSDeletePrevent"} {
		if made[name] != 1 {
			t.Errorf("prod makes %s %d times", name, made[name])
		}
	}
	for name, r := range roles {
		if got := attachedNames(r.ManagedPolicies); !slices.Contains(got, "RegionRestriction") || !slices.Contains(got, "RDSDeletePrevent") {
			t.Errorf("%s attaches %v: every role of prod takes the guardrails", name, got)
		}
	}
	dev, _ := p.Stack("plat-dev")
	for _, mp := range dev.ManagedPolicies {
		if mp.Name == "RDSDeletePrevent" {
			t.Error("dev makes RDSDeletePrevent, which covers prod only")
		}
	}
	reports := roles["plat-LegacyReportsR"]
	if len(reports.Inline) != 1 || reports.Inline[0].Name != "reports-read" || reports.Inline[0].Document.Statements[0].Actions[0] != "s3:GetObject" {
		t.Errorf("LegacyReportsR's inline policies %+v", reports.Inline)
	}

	// pia.sund's own policy lives in the stack that holds her.
	found := false
	for _, st := range p.Stacks {
		for _, u := range st.Users {
			if u.Name != "pia.sund" {
				continue
			}
			found = true
			if len(u.ManagedPolicies) != 1 || u.ManagedPolicies[0].LogicalID == "" {
				t.Fatalf("pia.sund attaches %+v", u.ManagedPolicies)
			}
			if !slices.ContainsFunc(st.ManagedPolicies, func(mp plan.ManagedPolicy) bool {
				return mp.LogicalID == u.ManagedPolicies[0].LogicalID && mp.Name == "plat-User-pia.sund"
			}) {
				t.Errorf("pia.sund's policy is not in her stack %s", st.ID)
			}
		}
		for _, u := range st.Users {
			if u.Name != "pia.sund" && len(u.ManagedPolicies) > 0 {
				t.Errorf("%s attaches %v directly", u.Name, u.ManagedPolicies)
			}
		}
	}
	if !found {
		t.Fatal("no pia.sund in the plan")
	}

	tooling, _ := p.Stack("plat-tooling")
	for _, g := range tooling.Groups {
		switch g.Entity.Name {
		case "metrics":
			if got := attachedNames(g.ManagedPolicies); !slices.Equal(got, []string{"CloudWatchReadOnlyAccess"}) {
				t.Errorf("metrics' group attaches %v", got)
			}
			if len(g.Suppressions) != 1 || g.Suppressions[0].ID != "AwsSolutions-IAM4" {
				t.Errorf("metrics' group suppressions %+v", g.Suppressions)
			}
		case "canary":
			if len(g.ManagedPolicies) != 0 {
				t.Errorf("the canary's group attaches %v", g.ManagedPolicies)
			}
		}
	}
}

// Inline policies past IAM's 10,240 characters per role are refused before
// deploy, at the role's inlinePolicies.
func TestInlinePoliciesQuota(t *testing.T) {
	var b strings.Builder
	for i := range 4 {
		b.WriteString("      p" + string(rune('a'+i)) + ":\n        - {effect: Allow, actions: [\"s3:GetObject\"], resources: [" +
			strings.Repeat(`"arn:aws:s3:::bucket-with-a-long-name-for-testing-quotas/*", `, 50) + "]}\n")
	}
	err := planErr(t, `apiVersion: iamstack/v1
region: eu-west-1
accounts:
  - {name: identity, id: "111111111111", type: user-only}
  - {name: dev, id: "222222222222", type: dev}
roles:
  BigR:
    waivers: {IAMSTACK-INLINE-POLICY: "Kept inline while the team migrates it."}
    inlinePolicies:
`+b.String()+`users:
  alice: {grants: {BigR: [dev]}}
`)
	if err == nil || !strings.Contains(err.Error(), "roles.BigR.inlinePolicies: the inline policies of infra-BigR are") || !strings.Contains(err.Error(), "IAM allows 10240") {
		t.Errorf("got %v", err)
	}
}
