package access

import (
	"slices"
	"testing"

	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/analyze/evaluate"
	"github.com/iamstack/iamstack/internal/policy"
)

// The roles assumable leaves out are denied: for every principal and role
// of an estate with each kind of trust, what is allowed among all roles is
// what is allowed among those assumable yields.
func TestAssumableLeavesOutOnlyDenials(t *testing.T) {
	const a, b, c = "111111111111", "222222222222", "333333333333"
	arn := func(acct, kind, name string) string { return "arn:aws:iam::" + acct + ":" + kind + "/" + name }
	trust := func(principal policy.Principal, not bool) *evaluate.Policy {
		st := policy.Statement{Effect: policy.Allow, Actions: []string{"sts:AssumeRole"}}
		if not {
			st.NotPrincipal = principal
		} else {
			st.Principal = principal
		}
		return &evaluate.Policy{Name: "trust", Document: policy.NewDocument(st)}
	}
	allow := func(resources ...string) []evaluate.Policy {
		return []evaluate.Policy{{Name: "id", Document: policy.NewDocument(policy.Statement{
			Effect: policy.Allow, Actions: []string{"sts:AssumeRole"}, Resources: resources})}}
	}
	role := func(acct, name string, tr *evaluate.Policy, identity []evaluate.Policy) assembly.Principal {
		return assembly.Principal{Kind: "role", Account: acct, Name: name, ARN: arn(acct, "role", name), Trust: tr, Identity: identity}
	}
	inv := &assembly.Inventory{
		Roles: []assembly.Principal{
			role(b, "byRoot", trust(policy.Principal{"AWS": {"arn:aws:iam::" + a + ":root"}}, false), allow("*")),
			role(b, "byID", trust(policy.Principal{"AWS": {a}}, false), nil),
			role(b, "byStar", trust(policy.Principal{"AWS": {"*"}}, false), allow(arn(c, "role", "*"))),
			role(b, "byNot", trust(policy.Principal{"AWS": {arn(a, "user", "bob")}}, true), nil),
			role(b, "byService", trust(policy.Principal{"Service": {"lambda.amazonaws.com"}}, false), allow("*")),
			role(b, "byOddType", trust(policy.Principal{"Federated": {arn(a, "user", "alice")}}, false), nil),
			role(b, "byAnyAccountARN", trust(policy.Principal{"AWS": {"arn:aws:iam::*:root"}}, false), nil),
			role(a, "sameByARN", trust(policy.Principal{"AWS": {arn(a, "user", "alice")}}, false), nil),
			role(a, "sameByDave", trust(policy.Principal{"AWS": {arn(a, "user", "dave")}}, false), nil),
			role(a, "sameByRoot", trust(policy.Principal{"AWS": {"arn:aws:iam::" + a + ":root"}}, false), nil),
			role(c, "byRoleB", trust(policy.Principal{"AWS": {arn(b, "role", "byStar")}}, false), nil),
			role(c, "noTrust", nil, allow("*")),
		},
		Users: []assembly.Principal{
			{Kind: "user", Account: a, Name: "alice", ARN: arn(a, "user", "alice"), Identity: allow("*")},
			{Kind: "user", Account: a, Name: "bob", ARN: arn(a, "user", "bob"), Identity: allow(arn(b, "role", "byID"))},
			{Kind: "user", Account: a, Name: "carol", ARN: arn(a, "user", "carol")},
			{Kind: "user", Account: a, Name: "dave", ARN: arn(a, "user", "dave")}, // reaches sameByDave, which names it, alone
		},
	}
	s := newShapes(inv)
	for _, p := range append(slices.Clone(inv.Users), inv.Roles...) {
		for _, mfa := range []bool{false, true} {
			ctx := evaluate.NewContext(Context(p, mfa))
			narrowed := evaluate.Narrow(evaluate.Policies{Identity: p.Identity}, "sts:AssumeRole")
			allowed := func(roles []assembly.Principal) []string {
				var out []string
				for _, r := range roles {
					ps := narrowed
					ps.Resource = r.Trust
					if evaluate.EvaluateIn(ctx, assumeRequest(p, r), ps).Decision == evaluate.Allow {
						out = append(out, r.Name)
					}
				}
				return out
			}
			all, pruned := allowed(inv.Roles), allowed(slices.Collect(s.assumable(p, ctx, narrowed)))
			if !slices.Equal(all, pruned) {
				t.Errorf("%s (mfa %v): allowed %v among all roles, %v among those assumable", p.Name, mfa, all, pruned)
			}
			if len(all) == 0 && p.Name != "carol" && p.Kind == "user" {
				t.Errorf("%s (mfa %v) reaches no role: the estate tests nothing", p.Name, mfa)
			}
		}
	}
}
