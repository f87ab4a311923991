package plan

import (
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strings"

	"github.com/iamstack/iamstack/internal/metadata"
	"github.com/iamstack/iamstack/internal/names"
	"github.com/iamstack/iamstack/internal/policy"
)

// firstPassword is the secret a console user's first password is generated
// into: long, with every character class, without the quotes and backslash
// that break a copy and paste into a shell.
func (b *builder) firstPassword(user, secret string) *Secret {
	return &Secret{LogicalID: logicalID("FirstPassword", user), Name: secret,
		Description: "First console password of " + user + ": read it once, hand it over, the user must change it at first sign-in.",
		Length:      24, ExcludeCharacters: "\"'\\`",
		Suppressions: []Suppression{{ID: nagSecretRotation, Reason: "A first password is used once: the user must replace it at first sign-in, so rotating it would change nothing."}}}
}

func (b *builder) userOnlyStacks() []Stack {
	a := b.m.UserOnlyAccount()
	main := b.newStack(a, b.s.StackID(a.Name), b.s.StackName(), "human users and their groups")
	main.Kind = UserOnlyStack

	mouEntity, powEntity := shared(a, names.ManageOwnUserGroup), shared(a, names.PowerGroup)
	mou := b.policy(&main, mouEntity, names.ManageOwnUserPolicy, "Lets a user manage their own credentials and MFA, and nothing else without MFA.",
		policy.ManageOwnUser(b.s, a.ID, policy.ManageOwnUserOptions{PasswordChangeWithoutMFA: b.m.PasswordChangeWithoutMFA()}),
		[]Suppression{{ID: nagWildcards, Reason: "Self-management: iam:CreateVirtualMFADevice on mfa/* lets people name their MFA device (AWS's own example); everything else is scoped to ${aws:username}."}})
	main.Groups = append(main.Groups, Group{LogicalID: logicalID("Group", names.ManageOwnUserGroup), Name: b.s.Group(names.ManageOwnUserGroup), ManagedPolicies: []Ref{mou}, Entity: mouEntity})
	pow := b.policy(&main, powEntity, names.PowerPolicy, "Full IAM power in the user-only account, with a recent MFA session only.", policy.Power(b.m.MFAMaxAgeSeconds()),
		[]Suppression{{ID: nagWildcards, Reason: "PowerG is the user administrators' group: iam:* in the user-only account, only with a recent MFA session, by design."}})
	main.Groups = append(main.Groups, Group{LogicalID: logicalID("Group", names.PowerGroup), Name: b.s.Group(names.PowerGroup), ManagedPolicies: []Ref{pow}, Entity: powEntity})
	assumeGroups := b.assumeRoleGroups(&main)

	shards := make([]Stack, b.m.UserStacks())
	shards[0] = main
	for i := 1; i < len(shards); i++ {
		shards[i] = b.newStack(a, b.s.UserStackID(a.Name, i), b.s.UserStackName(i), fmt.Sprintf("human users, part %d", i+1))
		shards[i].Kind = UserShardStack
		shards[i].DependsOn = []string{main.ID}
	}
	for _, name := range b.m.IAMUserNames() {
		n := Shard(name, len(shards))
		u := b.humanUser(name, assumeGroups, n == 0, &shards[0])
		if person, _ := b.m.User(name); len(person.Statements) > 0 {
			// A person's own policy lives beside them, in their stack.
			where := []string{"users", name, "statements"}
			u.ManagedPolicies = b.policies(&shards[n], u.Entity, names.UserPolicyShort(name), "Permissions of "+name+" alone.", person.Statements, where,
				waived(person.Waivers, nagWildcards))
			if len(u.ManagedPolicies) > MaxManagedPoliciesPerUser {
				b.problem(where, "needs %d managed policies; IAM allows %d per user. Shorten the statements", len(u.ManagedPolicies), MaxManagedPoliciesPerUser)
			}
		}
		shards[n].Users = append(shards[n].Users, u)
	}
	for _, name := range b.m.CICDUsersIn(a.Name) {
		b.cicdUser(&shards[0], name)
	}
	b.roles(&shards[0], a)
	b.analyzers(&shards[0], a)
	return shards
}

// Shard is the user stack a user lives in: a hash of the name alone, so a
// user stays where they are whatever else changes, as long as userStacks does.
func Shard(user string, stacks int) int {
	h := fnv.New32a()
	h.Write([]byte(user))
	return int(h.Sum32() % uint32(stacks))
}

// assumeGroup is one AssumeRoleG group and the grants its policies carry.
type assumeGroup struct {
	ref    Ref
	grants map[grantKey]bool
}

// grantKey is one role and one grant token; the tokens that are account
// IDs share the key with an empty token, as they share one statement.
type grantKey struct{ role, token string }

func keyOf(role, token string) grantKey {
	if names.IsAccountToken(token) {
		return grantKey{role: role}
	}
	return grantKey{role, token}
}

// assumeRoleGroups packs the statements of every grant some user holds
// (one role and one token) into managed policies, and the policies into
// groups of at most 10. Every group carries the MFA and session-name
// denies. A grant's statements stay in one group.
func (b *builder) assumeRoleGroups(st *Stack) []assumeGroup {
	held := map[grantKey]bool{}
	for _, user := range b.m.IAMUserNames() {
		for role, tokens := range b.m.GrantTokens(user) {
			for _, t := range tokens {
				held[keyOf(role, t)] = true
			}
		}
	}
	keys := slices.SortedFunc(maps.Keys(held), func(x, y grantKey) int {
		return strings.Compare(x.role+"\x00"+x.token, y.role+"\x00"+y.token)
	})
	var orgRoot string
	if o := b.m.Organization(); o != nil {
		orgRoot = o.ID + "/" + o.RootID
	}
	sourceIdentity := false
	units := make([][]Statement, len(keys))
	for i, k := range keys {
		g := policy.RoleGrant{Role: k.role, Token: k.token, OrgRoot: orgRoot, Options: b.trustOptions(k.role)}
		if k.token != "" {
			g.Accounts, g.OUs = b.m.TokenPlaces(k.role, k.token)
		}
		units[i] = policy.AssumeRoleGrant(b.s, g)
		sourceIdentity = sourceIdentity || g.Options.SourceIdentity
	}
	guards := policy.AssumeRoleGuards(b.m.MFAMaxAgeSeconds(), sourceIdentity)
	var groups []assumeGroup
	for len(keys) > 0 || len(groups) == 0 {
		n := len(groups) + 1
		short := names.Numbered(names.AssumeRoleGroup, n)
		stmts := append([]Statement(nil), guards...)
		grants := map[grantKey]bool{}
		// Greedy: take grants while the group's policies stay within quota.
		var take int
		for take = 0; take < len(keys); take++ {
			next := append(append([]Statement(nil), stmts...), units[take]...)
			docs, err := policy.Split(next, policy.ManagedPolicyMaxSize)
			if err != nil || len(docs) > MaxManagedPoliciesPerGroup {
				break
			}
			stmts = next
			grants[keys[take]] = true
		}
		if take == 0 && len(keys) > 0 {
			size := policy.NewDocument(units[0]...).Size()
			// When the account IDs are most of it, they are what does not fit.
			if accounts, _ := b.m.TokenPlaces(keys[0].role, keys[0].token); keys[0].token != "" && len(accounts)*len(`"123456789012",`) > size/2 {
				b.problem([]string{"accounts"}, "role %s is granted to %q, which reaches %d listed accounts: AssumeRoleG names each one, in %d statements of %d characters in all, which a group's %d managed policies of %d characters cannot hold. Place those accounts in organizational units (organizationalUnits, accounts[].ou): a grant names an OU's path once, whatever its size",
					keys[0].role, keys[0].token, len(accounts), len(units[0]), size, MaxManagedPoliciesPerGroup, policy.ManagedPolicyMaxSize)
			} else {
				b.problem([]string{"accounts"}, "the AssumeRoleG statements of role %s are %d characters, more than a group's %d managed policies of %d hold; shorten the prefix or role names",
					keys[0].role, size, MaxManagedPoliciesPerGroup, policy.ManagedPolicyMaxSize)
			}
			return groups
		}
		keys, units = keys[take:], units[take:]
		docs, _ := policy.Split(stmts, policy.ManagedPolicyMaxSize)
		g := Group{LogicalID: logicalID("Group", short), Name: names.Numbered(b.s.Group(names.AssumeRoleGroup), n), Entity: shared(b.m.UserOnlyAccount(), names.AssumeRoleGroup)}
		for i, d := range docs {
			ref := b.policy(st, g.Entity, names.Numbered(short, i+1),
				"Lets members assume the infra roles their grant tags list, with MFA, under their own name.", d,
				[]Suppression{{ID: nagWildcards, Reason: "A role's account is a wildcard in the ARN because the conditions decide it: each statement admits the role only in the accounts its grant token reaches (aws:ResourceAccount, aws:ResourceOrgPaths)."}})
			g.ManagedPolicies = append(g.ManagedPolicies, ref)
		}
		st.Groups = append(st.Groups, g)
		groups = append(groups, assumeGroup{ref: Ref{LogicalID: g.LogicalID, Value: g.Name}, grants: grants})
	}
	return groups
}

func (b *builder) humanUser(name string, assume []assumeGroup, sameStack bool, main *Stack) User {
	groupRef := func(short string) Ref {
		for _, g := range main.Groups {
			if g.Name == b.s.Group(short) {
				return b.refFrom(g.LogicalID, g.Name, sameStack)
			}
		}
		panic("plan: missing group " + short)
	}
	u := User{LogicalID: logicalID("User", name), Name: name, Path: b.s.PathOf(b.m.UserOnlyAccount().ID, name), Human: true,
		Entity: metadata.Entity{Kind: metadata.EntityUser, Name: name, Account: b.m.UserOnlyAccount().Name}}
	if secret := b.m.FirstPasswordSecret(name); secret != "" {
		u.FirstPassword = b.firstPassword(name, secret)
	}
	u.Groups = append(u.Groups, groupRef(names.ManageOwnUserGroup))
	tokens := b.m.GrantTokens(name)
	holds := func(ag assumeGroup) bool {
		for role, ts := range tokens {
			if slices.ContainsFunc(ts, func(t string) bool { return ag.grants[keyOf(role, t)] }) {
				return true
			}
		}
		return false
	}
	for _, ag := range assume {
		if holds(ag) {
			u.Groups = append(u.Groups, b.refFrom(ag.ref.LogicalID, ag.ref.Value, sameStack))
		}
	}
	if person, _ := b.m.User(name); person.Power {
		u.Groups = append(u.Groups, groupRef(names.PowerGroup))
	}
	where := []string{"users", name}
	for _, role := range slices.Sorted(maps.Keys(tokens)) {
		t := Tag{Key: b.s.GrantTagKey(role), Value: names.GrantTagValue(tokens[role])}
		u.Tags = append(u.Tags, t)
		if len(t.Value) > MaxTagValueLen {
			b.problem(where, "the grants of %s name %d targets, a %d-character grant tag; IAM allows %d. Grant the role by account type, OU or all rather than account by account",
				role, len(tokens[role]), len(t.Value), MaxTagValueLen)
		}
	}
	if len(u.Groups) > MaxGroupsPerUser {
		b.problem(where, "user would be in %d groups; IAM allows %d per user", len(u.Groups), MaxGroupsPerUser)
	}
	if len(u.Tags) > MaxTagsPerUser {
		b.problem(where, "user is granted %d roles, and each takes a tag; IAM allows %d tags per user. Grant fewer roles", len(u.Tags), MaxTagsPerUser)
	}
	return u
}

func (b *builder) refFrom(logical, value string, sameStack bool) Ref {
	if sameStack {
		return Ref{LogicalID: logical, Value: value}
	}
	return Ref{Value: value}
}
