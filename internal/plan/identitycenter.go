package plan

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"time"

	"github.com/iamstack/iamstack/internal/cfn"
	"github.com/iamstack/iamstack/internal/metadata"
	"github.com/iamstack/iamstack/model"
)

// IdentityCenterStack is the stack, in the Identity Center instance's
// account and region, of the permission sets, the assignments and, with
// Identity Center's own directory, its groups, users and memberships.
const IdentityCenterStack = "identity-center"

// PermissionSet is the Identity Center counterpart of one role: in every
// account it is assigned in, the role Identity Center provisions attaches
// the same policies as the IAM role there.
type PermissionSet struct {
	LogicalID, Name, Description string
	SessionSeconds               int
	// ManagedPolicies are AWS managed policy ARNs.
	ManagedPolicies []string
	// CustomerManaged are the role's customer managed policies, which its
	// account's stack creates, by name.
	CustomerManaged []cfn.PolicyReference
	// DependsOn serializes the permission sets: Identity Center updates
	// one permission set's roles at a time in an account.
	DependsOn []string
	Entity    metadata.Entity
}

// Assignment gives a group or a user a permission set in one account.
type Assignment struct {
	LogicalID string
	// PermissionSet is the permission set's logical ID.
	PermissionSet string
	// PrincipalType is "GROUP" or "USER"; Principal the directory group's
	// or user's logical ID, or with an external directory PrincipalID
	// its identity store ID.
	PrincipalType, Principal, PrincipalID string
	AccountID                             string
	// DependsOn chains the assignments into at most assignmentChains
	// parallel ones: Identity Center throttles more.
	DependsOn []string
	// Entity names the team or user and the target account; Role the role.
	Entity metadata.Entity
}

// DirectoryGroup is a team's group in Identity Center's directory.
type DirectoryGroup struct {
	LogicalID, DisplayName, Description string
	Entity                              metadata.Entity
}

// DirectoryUser is a person in Identity Center's directory.
type DirectoryUser struct {
	LogicalID, UserName, DisplayName, GivenName, FamilyName, Email string
	Entity                                                         metadata.Entity
}

// Membership puts a directory user in a directory group, by logical IDs.
type Membership struct {
	LogicalID, Group, User string
	Entity                 metadata.Entity
}

// Identity Center's limits (its quotas page and the resource schemas).
const (
	MaxPermissionSetNameLen        = 32
	MaxPermissionSetDescriptionLen = 700
	MaxPermissionSetsPerInstance   = 2000
	MaxPermissionSetsPerAccount    = 250
	// assignmentChains is how many assignments CloudFormation creates at
	// once: Identity Center fails assignments made in parallel beyond
	// about ten accounts (cloudformation-coverage-roadmap #660).
	assignmentChains = 10
)

// permissionSetDescription is what a permission set's description may hold.
var permissionSetDescription = regexp.MustCompile(`^[\x{0009}\x{000A}\x{000D}\x{0020}-\x{007E}\x{00A1}-\x{00FF}]*$`)

// identityCenterStack plans the Identity Center stack from the member
// stacks already planned: each permission set mirrors its role's policies
// there. There are identityCenter.stacks of them, each holding its share
// of the permission sets with their assignments; none when nobody signs in
// through Identity Center.
func (b *builder) identityCenterStacks(planned []Stack) []Stack {
	ic, ok := b.m.IdentityCenter()
	people := b.m.IdentityCenterUserNames()
	if !ok || len(people) == 0 {
		return nil
	}
	home, _ := b.m.Account(ic.Account)
	st := b.newStack(home, b.s.IdentityCenterStackID(home.Name, 0), b.s.IdentityCenterStackName(0), "IAM Identity Center permission sets and assignments")
	st.Kind, st.Region = IdentityCenterStack, ic.Region
	st.IdentityCenter = &metadata.IdentityCenter{InstanceARN: ic.InstanceARN, IdentityStoreID: ic.IdentityStoreID, Region: ic.Region,
		StartURL: ic.StartURL, Directory: ic.Directory, MFA: ic.MFA, PortalSessionSeconds: int(ic.PortalSession.Seconds())}
	byID := map[string]Stack{}
	for _, s := range planned {
		byID[s.ID] = s
	}

	// Who is assigned what, where: each team with someone in Identity
	// Center, and each such person's own grants.
	type grant struct {
		principal metadata.Entity // team or user; Account unset
		g         model.Grant
	}
	var grants []grant
	teams := map[string][]string{} // team -> its Identity Center members
	for _, u := range people {
		for _, t := range b.m.UserTeams(u) {
			teams[t] = append(teams[t], u)
		}
	}
	teamNames := b.m.IdentityCenterTeams()
	for _, t := range teamNames {
		for _, g := range b.m.TeamGrants(t) {
			grants = append(grants, grant{metadata.Entity{Kind: metadata.EntityTeam, Name: t}, g})
		}
	}
	for _, u := range people {
		for _, g := range b.m.UserOwnGrants(u) {
			grants = append(grants, grant{metadata.Entity{Kind: metadata.EntityUser, Name: u}, g})
		}
	}

	// One permission set per role granted, from its IAM role in every
	// account it is assigned in.
	where := map[string][]string{} // role -> accounts, sorted
	for _, gr := range grants {
		if !slices.Contains(where[gr.g.Role], gr.g.Account) {
			where[gr.g.Role] = append(where[gr.g.Role], gr.g.Account)
		}
	}
	roles := slices.Sorted(maps.Keys(where))
	psID := map[string]string{}
	for _, role := range roles {
		accounts := where[role]
		slices.Sort(accounts)
		ps, ok := b.permissionSet(byID, role, accounts)
		if !ok {
			continue
		}
		psID[role] = ps.LogicalID
		st.PermissionSets = append(st.PermissionSets, ps)
	}
	if n := len(st.PermissionSets); n > MaxPermissionSetsPerAccount {
		b.problem([]string{"identityCenter"}, "Identity Center would hold %d permission sets; it provisions at most %d in one account", n, MaxPermissionSetsPerAccount)
	}

	principal := map[metadata.Entity]string{}   // team or user -> directory logical ID
	principalID := map[metadata.Entity]string{} // team or user -> external directory ID
	if ic.Directory == model.DirectoryExternal {
		md := st.IdentityCenter
		md.Members, md.Groups, md.GroupIDs, md.UserIDs = map[string][]string{}, map[string]string{}, map[string]string{}, map[string]string{}
		for _, t := range teamNames {
			md.Members[t], md.Groups[t], md.GroupIDs[t] = teams[t], b.m.TeamGroup(t), b.m.IdentityCenterGroupID(t)
			principalID[metadata.Entity{Kind: metadata.EntityTeam, Name: t}] = md.GroupIDs[t]
		}
		for _, u := range people {
			md.UserIDs[u] = b.m.IdentityCenterUserID(u)
			principalID[metadata.Entity{Kind: metadata.EntityUser, Name: u}] = md.UserIDs[u]
		}
	}
	if ic.Directory == model.DirectoryIdentityCenter {
		for _, t := range teamNames {
			g := DirectoryGroup{LogicalID: logicalID("DirectoryGroup", t), DisplayName: b.m.TeamGroup(t),
				Description: fmt.Sprintf("Team %s of the iamstack model (%s).", t, b.s.Prefix),
				Entity:      metadata.Entity{Kind: metadata.EntityTeam, Name: t, Account: home.Name}}
			if d := b.m.Team(t).Description; d != "" {
				g.Description = d
			}
			st.DirectoryGroups = append(st.DirectoryGroups, g)
			principal[metadata.Entity{Kind: metadata.EntityTeam, Name: t}] = g.LogicalID
		}
		for _, u := range people {
			spec, _ := b.m.User(u)
			given, family := model.NameParts(u)
			d := DirectoryUser{LogicalID: logicalID("DirectoryUser", u), UserName: b.m.IdentityCenterUserName(u), DisplayName: b.m.IdentityCenterDisplayName(u),
				GivenName: given, FamilyName: family, Email: spec.Email, Entity: metadata.Entity{Kind: metadata.EntityUser, Name: u, Account: home.Name}}
			st.DirectoryUsers = append(st.DirectoryUsers, d)
			principal[metadata.Entity{Kind: metadata.EntityUser, Name: u}] = d.LogicalID
			for _, t := range b.m.UserTeams(u) {
				st.Memberships = append(st.Memberships, Membership{LogicalID: logicalID("Membership", t+"/"+u),
					Group: logicalID("DirectoryGroup", t), User: d.LogicalID, Entity: d.Entity})
			}
		}
	}

	for _, gr := range grants {
		ps, ok := psID[gr.g.Role]
		if !ok {
			continue
		}
		a, _ := b.m.Account(gr.g.Account)
		kind := "GROUP"
		if gr.principal.Kind == metadata.EntityUser {
			kind = "USER"
		}
		e := gr.principal
		e.Account = a.Name
		as := Assignment{LogicalID: logicalID("Assignment", gr.principal.Kind+"/"+gr.principal.Name+"/"+gr.g.Role+"/"+a.Name),
			PermissionSet: ps, PrincipalType: kind, Principal: principal[gr.principal], PrincipalID: principalID[gr.principal], AccountID: a.ID, Entity: e}
		as.Entity.Role = gr.g.Role
		st.Assignments = append(st.Assignments, as)
	}
	return b.splitIdentityCenter(st, ic.Stacks)
}

// splitIdentityCenter spreads the Identity Center stack over n stacks: a
// permission set and its assignments go to the stack a hash of its role's
// name picks (Shard), so that each stays where it is whatever else
// changes, as long as n does; the directory stays in the first. In each,
// permission sets are provisioned one at a time and assignments made in
// ten chains, and the stack deploys after the accounts' stacks whose
// policies its permission sets attach.
func (b *builder) splitIdentityCenter(all Stack, n int) []Stack {
	out := make([]Stack, n)
	for i := range out {
		st := all
		st.PermissionSets, st.Assignments, st.DependsOn = nil, nil, nil
		if i > 0 {
			home, _ := b.m.Account(all.Account)
			st.ID, st.Name = b.s.IdentityCenterStackID(home.Name, i), b.s.IdentityCenterStackName(i)
			st.Description = fmt.Sprintf("%s, part %d", all.Description, i+1)
			st.DirectoryGroups, st.DirectoryUsers, st.Memberships = nil, nil, nil
		}
		out[i] = st
	}
	shard := map[string]int{} // permission set logical ID -> stack
	for _, ps := range all.PermissionSets {
		i := Shard(ps.Entity.Name, n)
		shard[ps.LogicalID] = i
		if k := len(out[i].PermissionSets); k > 0 {
			ps.DependsOn = []string{out[i].PermissionSets[k-1].LogicalID}
		}
		out[i].PermissionSets = append(out[i].PermissionSets, ps)
	}
	for _, as := range all.Assignments {
		st := &out[shard[as.PermissionSet]]
		if k := len(st.Assignments); k >= assignmentChains {
			as.DependsOn = []string{st.Assignments[k-assignmentChains].LogicalID}
		}
		st.Assignments = append(st.Assignments, as)
	}
	// Identity Center refuses to provision a permission set whose customer
	// managed policy an account lacks.
	for i := range out {
		for _, name := range b.m.AccountNames() {
			if slices.ContainsFunc(out[i].Assignments, func(a Assignment) bool { return a.Entity.Account == name }) {
				out[i].DependsOn = append(out[i].DependsOn, b.s.StackID(name))
			}
		}
	}
	return out
}

// permissionSet is a role's permission set: the role's policies in every
// account it is assigned in, which must be the same by name there, and its
// session. It reports a problem and returns false when the role cannot be
// one.
func (b *builder) permissionSet(stacks map[string]Stack, role string, accounts []string) (PermissionSet, bool) {
	r, _ := b.m.Role(role)
	where := []string{"roles", role}
	ps := PermissionSet{LogicalID: logicalID("PermissionSet", role), Name: b.s.Role(role), Description: r.Description,
		Entity: metadata.Entity{Kind: metadata.EntityRole, Name: role, Account: b.m.IdentityCenterAccount()}}
	if len(ps.Name) > MaxPermissionSetNameLen {
		b.problem(where, "people sign in to %s through Identity Center, whose permission set names are at most %d characters; %s is %d. Shorten the prefix or give the role a shorter name (roles.%s.name)",
			role, MaxPermissionSetNameLen, ps.Name, len(ps.Name), role)
	}
	ic, _ := b.m.IdentityCenter()
	for _, account := range accounts {
		// The same permission set serves every account: the youngest MFA
		// any of them asks for bounds the portal session.
		if age := time.Duration(b.m.RoleMFAMaxAgeSeconds(role, account)) * time.Second; age < ic.PortalSession.Duration {
			b.problem(append(where, "mfaMaxAge"), "people reach %s through Identity Center up to identityCenter.portalSession (%s) after MFA, and %s wants MFA within %s in account %s: shorten the portal session to %s or less",
				role, ic.PortalSession.Duration, role, age, account, age)
			break
		}
	}
	if len(r.Description) > MaxPermissionSetDescriptionLen || !permissionSetDescription.MatchString(r.Description) {
		b.problem(append(where, "description"), "a permission set's description is at most %d characters of Latin-1 text; shorten %s's", MaxPermissionSetDescriptionLen, role)
	}
	var first string
	for i, account := range accounts {
		a, _ := b.m.Account(account)
		var managed []string
		var own []cfn.PolicyReference
		st := stacks[b.s.StackID(a.Name)]
		idx := slices.IndexFunc(st.Roles, func(x Role) bool { return x.Entity.Kind == metadata.EntityRole && x.Entity.Name == role })
		if idx < 0 {
			b.problem(where, "role %s has no IAM role in account %s for its permission set to mirror", role, account)
			return ps, false
		}
		for _, ref := range st.Roles[idx].ManagedPolicies {
			if ref.LogicalID == "" {
				managed = append(managed, ref.Value)
				continue
			}
			p := slices.IndexFunc(st.ManagedPolicies, func(m ManagedPolicy) bool { return m.LogicalID == ref.LogicalID })
			own = append(own, cfn.PolicyReference{Name: st.ManagedPolicies[p].Name})
		}
		seconds := b.m.RoleMaxSessionSeconds(role, account)
		shape := fmt.Sprint(managed, own, seconds)
		if i == 0 {
			first, ps.ManagedPolicies, ps.CustomerManaged, ps.SessionSeconds = shape, managed, own, seconds
			continue
		}
		if shape != first {
			b.problem(where, "people sign in to %s through Identity Center in %s and %s, where the role differs (its policies or maximum session); a permission set is one for every account. Give the role the same session everywhere (maxSessionIn) and statements that fit the same policies",
				role, accounts[0], account)
			return ps, false
		}
	}
	return ps, true
}
