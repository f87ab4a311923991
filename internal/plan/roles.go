package plan

import (
	"maps"
	"slices"

	"github.com/iamstack/iamstack/internal/metadata"
	"github.com/iamstack/iamstack/internal/names"
	"github.com/iamstack/iamstack/internal/policy"
	"github.com/iamstack/iamstack/model"
)

// roles adds the roles enabled in an account, with the account's
// guardrails, to its main stack: a member account's, or the user-only
// account's when the model puts roles there (hub accounts hold roles too).
func (b *builder) roles(st *Stack, a model.Account) {
	roles := b.m.EnabledRoles(a.Name)
	if len(roles) == 0 {
		return
	}
	guard := b.policies(st, shared(a, names.GuardrailsPolicy), names.GuardrailsPolicy, "Denies attached to every role of this account.",
		b.m.GuardrailStatements(a.Name), []string{"guardrails"}, nil)
	// A guardrail the model makes a policy of its own follows, by name.
	for _, g := range b.m.GuardrailPolicies(a.Name) {
		short := names.GuardrailPolicyShort(g.Name)
		guard = append(guard, b.policies(st, shared(a, short), short, "Guardrail "+g.Name+": denies attached to every role it covers.", g.Statements, []string{"guardrails"}, nil)...)
	}
	for _, role := range roles {
		b.role(st, a, role, guard)
	}
}

func (b *builder) role(st *Stack, a model.Account, name string, guardrails []Ref) {
	r, _ := b.m.Role(name)
	where := []string{"roles", name}
	entity := metadata.Entity{Kind: metadata.EntityRole, Name: name, Account: a.Name}
	perms := kindOf(name).permissions(b, st, a, name, r)
	refs, own, roleSupp, policySupp := perms.managed, perms.statements, perms.roleSupp, perms.policySupp
	ownRefs := b.policies(st, entity, names.RolePolicyShort(name), "Permissions of "+b.s.Role(name)+".", own, append(where, "statements"), policySupp)
	refs = append(refs, ownRefs...)
	refs = append(refs, guardrails...)

	opts := b.trustOptions(name)
	mfaMaxAge := b.m.RoleMFAMaxAgeSeconds(name, a.Name)
	trust := policy.HumanTrust(b.s, b.m.UserOnlyAccount().ID, name, b.m.PlaceTokens(a.Name), mfaMaxAge, opts)
	var machines []string
	var deps []string
	for _, ci := range b.m.CICDUsersIn(a.Name) {
		if c, _ := b.m.CICDUser(ci); slices.Contains(c.Roles, name) {
			machines = append(machines, b.s.UserARN(a.ID, ci))
			deps = append(deps, logicalID("CicdUser", ci))
		}
	}
	// Machines sign with their own user name as source identity, and tag
	// their sessions as configure-aws-credentials does, where the role
	// lets its callers.
	if len(machines) > 0 {
		trust = append(trust, policy.Passing(b.s, policy.MachineTrust(machines), opts, true)...)
	}
	central := map[string][]string{} // account ID -> user ARNs
	for _, ci := range b.centralUsers(a.Name, name) {
		c, _ := b.m.CICDUser(ci)
		home, _ := b.m.Account(c.Account)
		central[home.ID] = append(central[home.ID], b.s.UserARN(home.ID, ci))
	}
	for _, id := range slices.Sorted(maps.Keys(central)) {
		trust = append(trust, policy.Passing(b.s, policy.CentralMachineTrust(b.s, id, central[id]), opts, true)...)
	}
	// Each trust's Sid comes from what it trusts, not its place in the
	// list, so reordering the model changes no template.
	ctx := model.TrustContext{Scheme: b.s, AccountID: a.ID, Options: opts, MFAMaxAge: mfaMaxAge,
		Taken: func(sid string) bool {
			return slices.ContainsFunc(trust, func(s Statement) bool { return s.Sid == sid })
		}}
	for _, t := range b.m.RoleTrusts(name, a.Name) {
		trust = append(trust, t.Statements(b.m, ctx)...)
		if issuer, audience := t.OIDCProvider(); issuer != "" {
			if id := b.oidcProvider(st, a, issuer, audience); id != "" && !slices.Contains(deps, id) {
				deps = append(deps, id)
			}
		}
	}
	role := Role{LogicalID: logicalID("Role", name), Name: b.s.Role(name), Description: r.Description,
		Trust: policy.NewDocument(trust...), MaxSessionSeconds: b.m.RoleMaxSessionSeconds(name, a.Name),
		ManagedPolicies: refs, Inline: perms.inline, DependsOn: deps, Suppressions: roleSupp, Entity: entity}
	inlineSize := 0
	for _, ip := range role.Inline {
		inlineSize += ip.Document.Size()
	}
	if inlineSize > policy.InlineRolePoliciesMaxSize {
		b.problem(append(where, "inlinePolicies"), "the inline policies of %s are %d characters; IAM allows %d for a role's inline policies together. Move statements to policies", role.Name, inlineSize, policy.InlineRolePoliciesMaxSize)
	}
	if p := b.s.RolePath(name); p != "/" {
		role.Path = p
	}
	if n := role.Trust.Size(); n > policy.TrustPolicyMaxSize {
		b.problem(where, "the trust policy of %s in account %s is %d characters in %d statements (people, CI/CD users, trust and trustIn, each with the session tags and source identity the role lets through); IAM allows %d. Trust fewer principals, or let fewer options through",
			role.Name, a.Name, n, len(role.Trust.Statements), policy.TrustPolicyMaxSize)
	}
	if len(refs) > MaxManagedPoliciesPerRole {
		b.problem(where, "%s in account %s needs %d managed policies; IAM allows %d per role. Shorten its statements or use fewer managed policies", role.Name, a.Name, len(refs), MaxManagedPoliciesPerRole)
	}
	if len(r.Description) > MaxDescriptionLen {
		b.problem(append(where, "description"), "description is %d characters; IAM allows %d", len(r.Description), MaxDescriptionLen)
	}
	st.Roles = append(st.Roles, role)
}

func (b *builder) cicdUser(st *Stack, name string) {
	c, _ := b.m.CICDUser(name)
	a, _ := b.m.Account(c.Account)
	stmts := append([]Statement(nil), c.Statements...)
	var roleARNs []string
	for _, r := range c.Roles {
		roleARNs = append(roleARNs, b.s.RoleARN(a.ID, r))
	}
	for _, g := range b.m.CICDAssumeGrants(name) {
		target, _ := b.m.Account(g.Account)
		roleARNs = append(roleARNs, b.s.RoleARN(target.ID, g.Role))
	}
	if len(roleARNs) > 0 {
		stmts = append(stmts, policy.AssumeRoles(roleARNs))
	}
	short := names.CICDGroupShort(name)
	entity := metadata.Entity{Kind: metadata.EntityCICDUser, Name: name, Account: a.Name}
	g := Group{LogicalID: logicalID("CicdGroup", name), Name: b.s.Group(short), Entity: entity,
		ManagedPolicies: b.policies(st, entity, names.CICDPolicyShort(name), "Permissions of CI/CD user "+name+".", stmts, []string{"cicdUsers", name},
			waived(c.Waivers, nagWildcards))}
	for _, mp := range c.ManagedPolicies {
		g.ManagedPolicies = append(g.ManagedPolicies, Ref{Value: b.s.AWSManagedPolicyARN(mp)})
	}
	g.Suppressions = waived(c.Waivers, nagManagedPolicies)
	where := []string{"cicdUsers", name}
	if len(g.Name) > MaxGroupNameLen {
		b.problem(where, "group name %s is longer than IAM's %d characters; shorten the user name", g.Name, MaxGroupNameLen)
	}
	if len(g.ManagedPolicies) > MaxManagedPoliciesPerGroup {
		b.problem(where, "needs %d managed policies; IAM allows %d per group. Shorten its statements", len(g.ManagedPolicies), MaxManagedPoliciesPerGroup)
	}
	st.Groups = append(st.Groups, g)
	st.Users = append(st.Users, User{LogicalID: logicalID("CicdUser", name), Name: name, Path: b.s.PathOf(a.ID, name),
		Groups: []Ref{{LogicalID: g.LogicalID, Value: g.Name}}, Entity: entity})
}

// oidcProvider adds the account's OIDC provider for an issuer to its stack,
// once, with every audience the account's trusts in the issuer name, and
// returns its logical ID; "" when the model says the account has one
// already (IAM holds one provider per issuer).
func (b *builder) oidcProvider(st *Stack, a model.Account, issuer, audience string) string {
	for _, r := range b.m.StandingResources() {
		if r.Account == a.Name && r.Kind == metadata.OIDCProvider && r.Name == issuer {
			return ""
		}
	}
	id, entity := "OIDCProviderGitHub", "GitHubOIDC" // GitHub's, as the first releases named it
	if issuer != names.GitHubOIDCHost {
		id, entity = logicalID("OIDCProvider", issuer), "OIDC "+issuer
	}
	for i, p := range st.OIDCProviders {
		if p.LogicalID != id {
			continue
		}
		if !slices.Contains(p.ClientIDs, audience) {
			st.OIDCProviders[i].ClientIDs = append(p.ClientIDs, audience)
		}
		if n := len(st.OIDCProviders[i].ClientIDs); n > MaxOIDCClientIDs {
			b.problem([]string{"roles"}, "account %s's trusts in %s name %d audiences; an OIDC provider takes %d", a.Name, issuer, n, MaxOIDCClientIDs)
		}
		return id
	}
	st.OIDCProviders = append(st.OIDCProviders, OIDCProvider{LogicalID: id, URL: "https://" + issuer,
		ClientIDs: []string{audience}, Entity: shared(a, entity)})
	return id
}

// trustOptions are what people may pass along when they assume a role.
func (b *builder) trustOptions(role string) policy.TrustOptions {
	r, _ := b.m.Role(role)
	return policy.TrustOptions{SessionTags: r.SessionTags.Allowed(), SessionTagKeys: r.SessionTags.Keys, SourceIdentity: r.SourceIdentity}
}
