package identitycenter_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/analyze/assembly/assemblytest"
	"github.com/iamstack/iamstack/internal/cfn"
	"github.com/iamstack/iamstack/internal/ship/identitycenter"
	"github.com/iamstack/iamstack/model"
)

// instance is an Identity Center instance in memory.
type instance struct {
	directory
	sets        map[string]identitycenter.LivePermissionSet
	assignments map[string][]string // account/ARN -> "TYPE id"
	members     map[string][]string // group ID -> user IDs
}

func (i instance) PermissionSets(context.Context, string) (map[string]identitycenter.LivePermissionSet, error) {
	return i.sets, nil
}
func (i instance) Assignments(_ context.Context, _, account, arn string) ([]string, error) {
	return i.assignments[account+"/"+arn], nil
}
func (i instance) Members(_ context.Context, _, group string) ([]string, error) {
	return i.members[group], nil
}

// deployed is the instance as the templates of the external-directory
// model would leave it.
func deployed(t *testing.T) (*assembly.IdentityCenter, instance) {
	t.Helper()
	m, err := model.Load(external)
	if err != nil {
		t.Fatal(err)
	}
	inv := assemblytest.Inventory(t, m)
	ic := inv.IdentityCenter
	inst := instance{sets: map[string]identitycenter.LivePermissionSet{}, assignments: map[string][]string{}, members: map[string][]string{}}
	for name, ps := range ic.PermissionSets {
		inst.sets[name] = identitycenter.LivePermissionSet{ARN: "arn:" + name, Managed: slices.Sorted(slices.Values(ps.Managed)),
			Customer: slices.Sorted(slices.Values(ps.Customer)), Session: cfn.ISODuration(ps.SessionSeconds)}
	}
	for _, a := range ic.Assignments {
		k := a.Account + "/arn:" + a.PermissionSet
		inst.assignments[k] = append(inst.assignments[k], a.PrincipalType+" "+a.PrincipalID)
	}
	for team, users := range ic.Members {
		for _, u := range users {
			inst.members[ic.GroupIDs[team]] = append(inst.members[ic.GroupIDs[team]], ic.UserIDs[u])
		}
	}
	return ic, inst
}

func TestVerify(t *testing.T) {
	ic, inst := deployed(t)
	diffs, err := identitycenter.Verify(context.Background(), inst, ic)
	if err != nil || len(diffs) != 0 {
		t.Fatalf("an instance as deployed: %v %v", diffs, err)
	}
	const stranger = "9067f1e2d3-5d6e7f8a-9b0c-4d1e-8f2a-4b5c6d7e8f9a"
	ops := inst.sets["acme-OpsR"]
	ops.Session, ops.Customer = "PT12H", append(ops.Customer, "/hand-made")
	inst.sets["acme-OpsR"] = ops
	dev := "300000000003/arn:acme-OpsR"
	inst.assignments[dev] = append(inst.assignments[dev][1:], "USER "+stranger)
	platform := ic.GroupIDs["platform"]
	inst.members[platform] = []string{stranger}
	diffs, err = identitycenter.Verify(context.Background(), inst, ic)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(diffs, "\n")
	for _, want := range []string{
		"permission set acme-OpsR has session PT12H, the release PT4H",
		"permission set acme-OpsR attaches customer managed policies [/acme-Guardrails,/acme-OpsR-Policy,/hand-made]",
		"lacks acme-OpsR in 300000000003",
		"USER " + stranger + " holds acme-OpsR in 300000000003, which the release does not grant",
		"group AWS-Platform lacks ana.lima, whom the model puts in team platform",
		"group AWS-Platform holds user " + stranger + ", whom the model does not put in team platform",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("differences lack %q:\n%s", want, got)
		}
	}
}
