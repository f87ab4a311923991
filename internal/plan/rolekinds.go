package plan

import (
	"github.com/iamstack/iamstack/internal/metadata"
	"github.com/iamstack/iamstack/internal/names"
	"github.com/iamstack/iamstack/internal/policy"
	"github.com/iamstack/iamstack/model"
)

// A roleKind decides what a kind of role holds beyond its trust and its
// account's guardrails. The built-in roles are kinds of their own; every
// other role is custom.
type roleKind interface {
	permissions(b *builder, st *Stack, a model.Account, name string, r model.Role) permissions
}

// permissions are a role's AWS managed policies, its own statements, and
// the cdk-nag suppressions the role and its policies need.
type permissions struct {
	managed              []Ref
	inline               []InlinePolicy
	statements           []Statement
	roleSupp, policySupp []Suppression
}

// roleKinds are the built-in roles' kinds, by name.
var roleKinds = map[string]roleKind{model.AdminR: adminRole{}, model.OpsR: opsRole{}, model.ReadR: readRole{}}

func kindOf(role string) roleKind {
	if k, ok := roleKinds[role]; ok {
		return k
	}
	return customRole{}
}

// adminRole is AdminR: AdministratorAccess, for emergencies.
type adminRole struct{}

func (adminRole) permissions(b *builder, _ *Stack, _ model.Account, _ string, r model.Role) permissions {
	return permissions{
		managed:    []Ref{{Value: b.s.AWSManagedPolicyARN("AdministratorAccess")}},
		roleSupp:   []Suppression{{ID: nagManagedPolicies, Reason: "AdminR is the emergency role: AdministratorAccess is its purpose, and its sessions are short (maxSession)."}},
		policySupp: waived(r.Waivers, nagWildcards),
	}
}

// readRole is ReadR: AWS's ReadOnlyAccess.
type readRole struct{}

func (readRole) permissions(b *builder, _ *Stack, _ model.Account, _ string, r model.Role) permissions {
	return permissions{
		managed:    []Ref{{Value: b.s.AWSManagedPolicyARN("ReadOnlyAccess")}},
		roleSupp:   []Suppression{{ID: nagManagedPolicies, Reason: readOnlyReason}},
		policySupp: waived(r.Waivers, nagWildcards),
	}
}

// opsRole is OpsR: ReadOnlyAccess, full power over its services, the guard
// that contains it, and the boundary every role it creates must carry.
type opsRole struct{}

func (opsRole) permissions(b *builder, st *Stack, a model.Account, name string, r model.Role) permissions {
	where := []string{"roles", name}
	boundary := policy.OpsBoundary(b.s, a.ID, r.Services, b.m.BoundaryGuardrailStatements(a.Name))
	if n := boundary.Size(); n > policy.ManagedPolicyMaxSize {
		b.problem(append(where, "services"), "the boundary of OpsR in account %s (its permissions, guard and the account's guardrails) is %d characters; a boundary is one managed policy, which IAM allows %d. Name fewer services or shorten the custom guardrails of that account",
			a.Name, n, policy.ManagedPolicyMaxSize)
	}
	entity := metadata.Entity{Kind: metadata.EntityRole, Name: name, Account: a.Name}
	b.policy(st, entity, policy.OpsBoundaryName, "Permissions boundary every role OpsR creates must carry: OpsR's permissions, its guard and the account's guardrails.", boundary,
		[]Suppression{{ID: nagWildcards, Reason: opsServicesReason}})
	return permissions{
		managed:    []Ref{{Value: b.s.AWSManagedPolicyARN("ReadOnlyAccess")}},
		statements: append(policy.OpsPermissions(b.s, a.ID, r.Services), policy.OpsGuard(b.s, a.ID)...),
		roleSupp:   []Suppression{{ID: nagManagedPolicies, Reason: readOnlyReason}},
		policySupp: []Suppression{{ID: nagWildcards, Reason: opsServicesReason}},
	}
}

// customRole is a role of the model's own: the AWS managed policies and
// the statements it names.
type customRole struct{}

func (customRole) permissions(b *builder, st *Stack, a model.Account, name string, r model.Role) permissions {
	var managed []Ref
	for _, mp := range r.ManagedPolicies {
		managed = append(managed, Ref{Value: b.s.AWSManagedPolicyARN(mp)})
	}
	// The policies the model names come after the AWS managed ones, in
	// the order of their names, each as the role's own are.
	entity := metadata.Entity{Kind: metadata.EntityRole, Name: name, Account: a.Name}
	for _, np := range b.m.RolePolicies(name) {
		managed = append(managed, b.policies(st, entity, names.RoleNamedPolicyShort(name, np.Name), "Permissions of "+b.s.Role(name)+": "+np.Name+".",
			np.Statements, []string{"roles", name, "policies", np.Name}, waived(r.Waivers, nagWildcards))...)
	}
	var inline []InlinePolicy
	for _, np := range b.m.RoleInlinePolicies(name) {
		inline = append(inline, InlinePolicy{Name: np.Name, Document: policy.NewDocument(spelled(np.Statements)...)})
	}
	roleSupp := waived(r.Waivers, nagManagedPolicies)
	if len(inline) > 0 {
		// cdk-nag reads a role's inline policies as the role's.
		roleSupp = append(roleSupp, waived(r.Waivers, nagWildcards)...)
	}
	return permissions{
		managed:    managed,
		inline:     inline,
		statements: b.m.RoleStatements(name, a.Name),
		roleSupp:   roleSupp,
		policySupp: waived(r.Waivers, nagWildcards),
	}
}
