// Package plan decides what every account's CloudFormation stacks hold: which
// roles, groups, users and managed policies, under which names and logical
// IDs, with which policy documents. It is pure Go, so every rule about the
// templates, and every quota, is checked here in milliseconds before the CDK
// runs.
package plan

import (
	"fmt"
	"hash/fnv"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/iamstack/iamstack/internal/metadata"
	"github.com/iamstack/iamstack/internal/names"
	"github.com/iamstack/iamstack/internal/parallel"
	"github.com/iamstack/iamstack/internal/policy"
	"github.com/iamstack/iamstack/internal/rules"
	"github.com/iamstack/iamstack/model"
)

// Plan is every stack of a model.
type Plan struct {
	Stacks []Stack
}

// Stack is one CloudFormation stack in one account.
type Stack struct {
	// ID is the stack's construct ID and cloud assembly artifact ID: "infra-dev".
	ID string
	// Name is the CloudFormation stack name: "infra".
	Name        string
	Account     string // account name
	AccountID   string
	AccountType string
	// OrgPath is where the model places the account in its organization
	// (metadata.Template.OrgPath); empty without an organization.
	OrgPath string
	// Kind is what the stack is: one of StackKinds.
	Kind string
	// Prefix is the model's name prefix: "infra".
	Prefix      string
	Region      string
	Description string
	// DependsOn lists the IDs of stacks that must deploy first.
	DependsOn []string

	ManagedPolicies []ManagedPolicy
	Groups          []Group
	Roles           []Role
	Users           []User
	// OIDCProviders are the identity providers the stack's roles trust.
	OIDCProviders []OIDCProvider
	// Standing are the resources the model says stand in the account
	// outside iamstack: the templates carry them for the analysis only.
	Standing []metadata.Standing
	// StackSets, in the deploy account's StackSets stack, give the roles
	// to every account of an OU.
	StackSets []StackSet
	// OUID is the OU whose accounts a StackSet template is for.
	OUID string
}

// StackSet is one service-managed CloudFormation StackSet: the template
// every account of one OU gets, deployed by AWS to the accounts in the OU
// and to those that join it. One StackSet per OU, as each OU's roles trust
// the OU's own grant token: moving an OU between StackSets would delete
// and recreate its roles.
type StackSet struct {
	LogicalID, Name, Description string
	// OU and OUID name the OU the StackSet targets: its name in the model
	// and its ID.
	OU, OUID string
	// Excluded are the IDs of the OU's listed accounts: they keep their
	// own stacks, and the StackSet leaves them out.
	Excluded []string
	// Template is what each account's stack holds; its AccountID is
	// names.CurrentAccount.
	Template Stack
	// CallAs is SELF from the management account, DELEGATED_ADMIN from a
	// delegated administrator.
	CallAs  string
	Options model.StackSetOptions
}

// ManagedPolicy is a customer managed policy.
type ManagedPolicy struct {
	LogicalID, Name, Description string
	Document                     policy.Document
	Suppressions                 []Suppression
	// Entity is the model entity the resource comes from.
	Entity metadata.Entity
}

// Suppression accepts a cdk-nag finding on one resource, with the reason.
type Suppression struct {
	ID, Reason string
}

// Ref points at a resource by logical ID when it is in the same stack, and
// always carries its literal value (a name or an ARN) for when it is not.
type Ref struct {
	LogicalID string
	Value     string
}

// Group is an IAM group.
type Group struct {
	LogicalID, Name string
	ManagedPolicies []Ref
	Entity          metadata.Entity
}

// Role is an IAM role.
type Role struct {
	LogicalID, Name, Description string
	// Path is the role's IAM path when the model gives one; empty for IAM's
	// default "/", which the template leaves out (changing a role's Path
	// replaces the role).
	Path              string
	Trust             policy.Document
	MaxSessionSeconds int
	ManagedPolicies   []Ref
	// DependsOn lists logical IDs of the users and identity providers the
	// trust policy names: IAM rejects a trust policy naming a principal that
	// does not exist yet.
	DependsOn    []string
	Suppressions []Suppression
	Entity       metadata.Entity
}

// User is an IAM user.
type User struct {
	LogicalID, Name, Path string
	Groups                []Ref
	Tags                  []Tag
	// Human is false for CI/CD users.
	Human bool
	// FirstPassword, for console users, is the secret that CloudFormation
	// generates their first password into; they must change it at sign-in.
	FirstPassword *Secret
	Entity        metadata.Entity
}

// OIDCProvider is an account's IAM OIDC identity provider.
type OIDCProvider struct {
	LogicalID, URL string
	ClientIDs      []string
	Entity         metadata.Entity
}

// Secret is a Secrets Manager secret whose value CloudFormation generates:
// the template never holds it.
type Secret struct {
	LogicalID, Name, Description string
	// Length and ExcludeCharacters shape the generated password.
	Length            int
	ExcludeCharacters string
	Suppressions      []Suppression
}

// firstPassword is the secret a console user's first password is generated
// into: long, with every character class, without the quotes and backslash
// that break a copy and paste into a shell.
func (b *builder) firstPassword(user string) *Secret {
	return &Secret{LogicalID: logicalID("FirstPassword", user), Name: b.s.FirstPasswordSecret(user),
		Description: "First console password of " + user + ": read it once, hand it over, the user must change it at first sign-in.",
		Length:      24, ExcludeCharacters: "\"'\\`",
		Suppressions: []Suppression{{nagSecretRotation, "A first password is used once: the user must replace it at first sign-in, so rotating it would change nothing."}}}
}

// Tag is an IAM tag.
type Tag struct{ Key, Value string }

// The kinds of stacks a plan holds: every kind has a deploy test in the
// integration tier, and a test fails for a kind without one.
const (
	// MemberStack is a member account's stack: roles and CI/CD users.
	MemberStack = "member"
	// UserOnlyStack is the user-only account's main stack: its groups,
	// policies and the users of the first shard.
	UserOnlyStack = "user-only"
	// UserShardStack is one of the user-only account's extra user stacks
	// (userStacks > 1).
	UserShardStack = "user-shard"
	// StackSetsStack is the deploy account's stack of StackSets, one per OU.
	StackSetsStack = "stacksets"
)

// StackKinds lists every kind of stack a plan can hold.
var StackKinds = []string{MemberStack, UserOnlyStack, UserShardStack, StackSetsStack}

// MaxStackSetTemplateSize is the largest TemplateBody a StackSet takes.
const MaxStackSetTemplateSize = 51200

// Quotas iamstack plans within (shared/REFERENCE.md, from the IAM and
// CloudFormation quota pages).
const (
	MaxResourcesPerStack       = 500
	MaxManagedPoliciesPerRole  = 10
	MaxManagedPoliciesPerGroup = 10
	MaxGroupsPerUser           = 10
	MaxTagsPerUser             = 50
	MaxTagValueLen             = 256
	MaxGroupNameLen            = 128
	MaxPolicyNameLen           = 128
	MaxDescriptionLen          = 1000
)

// New plans every stack of a valid model. The error, when not nil, is a
// *model.Error listing every quota the output would exceed.
func New(m *model.Model) (*Plan, error) {
	b := &builder{m: m, s: m.Scheme()}
	p := &Plan{}
	p.Stacks = append(p.Stacks, b.userOnlyStacks()...)
	for _, name := range m.AccountNames() {
		if a, _ := m.Account(name); a.Type != model.UserOnly {
			p.Stacks = append(p.Stacks, b.memberStack(a))
		}
	}
	if len(m.OUNames()) > 0 {
		p.Stacks = append(p.Stacks, b.stackSetsStack())
	}
	for i, st := range p.Stacks {
		if a, _ := m.Account(st.Account); st.ID == b.s.StackID(a.Name) {
			p.Stacks[i].Standing = b.standing(a)
		}
	}
	for i, size := range templateSizes(p.Stacks) {
		b.checkStack(p.Stacks[i], size)
	}
	if len(b.problems) > 0 {
		return nil, &model.Error{Problems: b.problems}
	}
	return p, nil
}

// Stack returns the stack with the given ID.
func (p *Plan) Stack(id string) (Stack, bool) {
	for _, s := range p.Stacks {
		if s.ID == id {
			return s, true
		}
	}
	return Stack{}, false
}

type builder struct {
	m        *model.Model
	s        names.Scheme
	problems []model.Problem
	// central lists, by account and role, the CI/CD users of other
	// accounts that may assume the role there, in name order: asked of
	// every role, it would otherwise be every CI/CD user's grants scanned.
	central map[[2]string][]string
}

// centralUsers returns the CI/CD users of other accounts that may assume
// role in account.
func (b *builder) centralUsers(account, role string) []string {
	if b.central == nil {
		b.central = map[[2]string][]string{}
		for _, ci := range b.m.CICDUserNames() {
			for _, g := range b.m.CICDAssumeGrants(ci) {
				k := [2]string{g.Account, g.Role}
				if users := b.central[k]; len(users) == 0 || users[len(users)-1] != ci {
					b.central[k] = append(users, ci)
				}
			}
		}
	}
	return b.central[[2]string{account, role}]
}

// problem records a problem once, however many accounts run into it.
func (b *builder) problem(segments []string, format string, args ...any) {
	p := b.m.Problemf(segments, format, args...)
	if !slices.Contains(b.problems, p) {
		b.problems = append(b.problems, p)
	}
}

func (b *builder) newStack(a model.Account, id, name, what string) Stack {
	return Stack{ID: id, Name: name, Account: a.Name, AccountID: a.ID, AccountType: a.Type, OrgPath: b.m.OrgPath(a.Name), Prefix: b.s.Prefix, Region: b.m.Region,
		Description: fmt.Sprintf("iamstack %s for account %s (%s): %s", b.s.Prefix, a.Name, a.Type, what)}
}

// shared names one of iamstack's own resources of an account, which no
// model entity owns.
func shared(a model.Account, what string) metadata.Entity {
	return metadata.Entity{Kind: metadata.EntityShared, Name: what, Account: a.Name}
}

func (b *builder) userOnlyStacks() []Stack {
	a := b.m.UserOnlyAccount()
	main := b.newStack(a, b.s.StackID(a.Name), b.s.StackName(), "human users and their groups")
	main.Kind = UserOnlyStack

	mouEntity, powEntity := shared(a, names.ManageOwnUserGroup), shared(a, names.PowerGroup)
	mou := b.policy(&main, mouEntity, names.ManageOwnUserPolicy, "Lets a user manage their own credentials and MFA, and nothing else without MFA.",
		policy.ManageOwnUser(b.s, a.ID, policy.ManageOwnUserOptions{PasswordChangeWithoutMFA: b.m.PasswordChangeWithoutMFA}))
	main.Groups = append(main.Groups, Group{LogicalID: logicalID("Group", names.ManageOwnUserGroup), Name: b.s.Group(names.ManageOwnUserGroup), ManagedPolicies: []Ref{mou}, Entity: mouEntity})
	b.suppress(&main, mou, []Suppression{{nagWildcards, "Self-management: iam:CreateVirtualMFADevice on mfa/* lets people name their MFA device (AWS's own example); everything else is scoped to ${aws:username}."}})
	pow := b.policy(&main, powEntity, names.PowerPolicy, "Full IAM power in the user-only account, with a recent MFA session only.", policy.Power(b.m.MFAMaxAgeSeconds()))
	b.suppress(&main, pow, []Suppression{{nagWildcards, "PowerG is the user administrators' group: iam:* in the user-only account, only with a recent MFA session, by design."}})
	main.Groups = append(main.Groups, Group{LogicalID: logicalID("Group", names.PowerGroup), Name: b.s.Group(names.PowerGroup), ManagedPolicies: []Ref{pow}, Entity: powEntity})
	assumeGroups := b.assumeRoleGroups(&main)

	shards := make([]Stack, b.m.UserStacks)
	shards[0] = main
	for i := 1; i < len(shards); i++ {
		shards[i] = b.newStack(a, b.s.UserStackID(a.Name, i), b.s.UserStackName(i), fmt.Sprintf("human users, part %d", i+1))
		shards[i].Kind = UserShardStack
		shards[i].DependsOn = []string{main.ID}
	}
	for _, name := range b.m.UserNames() {
		n := Shard(name, len(shards))
		u := b.humanUser(name, assumeGroups, n == 0, &shards[0])
		shards[n].Users = append(shards[n].Users, u)
	}
	for _, name := range b.m.CICDUsersIn(a.Name) {
		b.cicdUser(&shards[0], name)
	}
	b.roles(&shards[0], a)
	return shards
}

// standing is what the model says stands in an account outside iamstack,
// as the metadata of the account's main stack: the analysis reads it, and
// nothing is deployed from it.
func (b *builder) standing(a model.Account) []metadata.Standing {
	var out []metadata.Standing
	for _, r := range b.m.StandingResources {
		if r.Account != a.Name {
			continue
		}
		s := metadata.Standing{Kind: r.Kind, Name: r.Name, Service: r.Service}
		for _, mp := range r.ManagedPolicies {
			s.ManagedPolicyArns = append(s.ManagedPolicyArns, b.s.AWSManagedPolicyARN(mp))
		}
		if len(r.Statements) > 0 {
			d := policy.NewDocument(r.Statements...)
			s.Policy = &d
		}
		if len(r.TrustedBy) > 0 {
			principal := policy.Principal{}
			for _, t := range r.TrustedBy {
				switch {
				case t == model.TrustOwnAccount:
					principal["AWS"] = append(principal["AWS"], b.s.AccountRootARN(a.ID))
				case strings.HasSuffix(t, ".amazonaws.com"):
					principal["Service"] = append(principal["Service"], t)
				default:
					principal["AWS"] = append(principal["AWS"], b.s.AccountRootARN(t))
				}
			}
			d := policy.NewDocument(Statement{Effect: policy.Allow, Principal: principal, Actions: []string{"sts:AssumeRole"}})
			s.Trust = &d
		}
		if r.RunsAs != "" {
			s.RunsAs = b.s.NamedRoleARN(a.ID, r.RunsAs)
		}
		out = append(out, s)
	}
	return out
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
	for _, user := range b.m.UserNames() {
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
	if o := b.m.Organization; o != nil {
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
			b.problem([]string{"accounts"}, "the AssumeRoleG statements of role %s do not fit a group's %d managed policies; shorten the prefix or role names", keys[0].role, MaxManagedPoliciesPerGroup)
			return groups
		}
		keys, units = keys[take:], units[take:]
		docs, _ := policy.Split(stmts, policy.ManagedPolicyMaxSize)
		g := Group{LogicalID: logicalID("Group", short), Name: names.Numbered(b.s.Group(names.AssumeRoleGroup), n), Entity: shared(b.m.UserOnlyAccount(), names.AssumeRoleGroup)}
		for i, d := range docs {
			ref := b.policy(st, g.Entity, names.Numbered(short, i+1),
				"Lets members assume the infra roles their grant tags list, with MFA, under their own name.", d)
			b.suppress(st, ref, []Suppression{{nagWildcards, "A role's account is a wildcard in the ARN because the conditions decide it: each statement admits the role only in the accounts its grant token reaches (aws:ResourceAccount, aws:ResourceOrgPaths)."}})
			g.ManagedPolicies = append(g.ManagedPolicies, ref)
		}
		st.Groups = append(st.Groups, g)
		groups = append(groups, assumeGroup{ref: Ref{LogicalID: g.LogicalID, Value: g.Name}, grants: grants})
	}
	return groups
}

// Statement is shorthand for policy.Statement.
type Statement = policy.Statement

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
	if mu := b.m.Users[name]; mu.Console && !mu.KeepPassword {
		u.FirstPassword = b.firstPassword(name)
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
	if b.m.Users[name].Power {
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

// stackSetsStack is the deploy account's stack that holds one StackSet
// per OU.
func (b *builder) stackSetsStack() Stack {
	o := b.m.Organization
	deploy, _ := b.m.Account(o.DeployAccount)
	st := b.newStack(deploy, b.s.StackID(deploy.Name)+"-stacksets", b.s.StackName()+"-stacksets", "the StackSets that give every account of an OU its roles")
	st.Kind = StackSetsStack
	callAs := "DELEGATED_ADMIN"
	if deploy.ID == o.ManagementAccount {
		callAs = "SELF"
	}
	for _, name := range b.m.OUNames() {
		ou, _ := b.m.OU(name)
		a, _ := b.m.Place(name)
		tpl := b.newStack(a, b.s.StackID(name), b.s.StackName(), "roles of every account in OU "+name)
		tpl.OUID = ou.ID
		b.roles(&tpl, a)
		if tpl.ResourceCount() == 0 {
			b.problem(b.m.OUPath(name), "OU %s would get an empty template, which CloudFormation rejects: every role is switched off there. Enable a role or remove the OU", name)
		}
		if n := tpl.TemplateSize(); n > MaxStackSetTemplateSize {
			b.problem(b.m.OUPath(name), "the template of OU %s would be %d bytes; a StackSet takes %d. Switch roles off there or shorten their statements", name, n, MaxStackSetTemplateSize)
		}
		var excluded []string
		for _, acct := range b.m.AccountNames() {
			if la, _ := b.m.Account(acct); la.OU == name {
				excluded = append(excluded, la.ID)
			}
		}
		st.StackSets = append(st.StackSets, StackSet{LogicalID: logicalID("StackSet", name), Name: b.s.StackSetName(name),
			Description: fmt.Sprintf("iamstack %s: the roles of every account in OU %s (%s)", b.s.Prefix, name, ou.ID),
			OU:          name, OUID: ou.ID, Excluded: excluded, Template: tpl, CallAs: callAs, Options: o.StackSets})
	}
	return st
}

func (b *builder) memberStack(a model.Account) Stack {
	st := b.newStack(a, b.s.StackID(a.Name), b.s.StackName(), "roles and CI/CD users")
	st.Kind = MemberStack
	for _, name := range b.m.CICDUsersIn(a.Name) {
		b.cicdUser(&st, name)
	}
	b.roles(&st, a)
	if st.ResourceCount() == 0 {
		b.problem(b.m.AccountPath(a.Name), "account %s would get an empty stack, which CloudFormation rejects: every role is switched off there and no CI/CD user lives there. Enable a role or remove the account", a.Name)
	}
	return st
}

// roles adds the roles enabled in an account, with the account's
// guardrails, to its main stack: a member account's, or the user-only
// account's when the model puts roles there (hub accounts hold roles too).
func (b *builder) roles(st *Stack, a model.Account) {
	roles := b.m.EnabledRoles(a.Name)
	if len(roles) == 0 {
		return
	}
	guard := b.policies(st, shared(a, names.GuardrailsPolicy), names.GuardrailsPolicy, "Denies attached to every role of this account.",
		b.m.GuardrailStatements(a.Name), []string{"guardrails"})
	for _, role := range roles {
		b.role(st, a, role, guard)
	}
}

func (b *builder) role(st *Stack, a model.Account, name string, guardrails []Ref) {
	r, _ := b.m.Role(name)
	where := []string{"roles", name}
	entity := metadata.Entity{Kind: metadata.EntityRole, Name: name, Account: a.Name}
	var refs []Ref
	var own []Statement
	roleSupp, policySupp := waived(r.Waivers, nagManagedPolicies), waived(r.Waivers, nagWildcards)
	switch name {
	case model.AdminR:
		refs = append(refs, Ref{Value: b.s.AWSManagedPolicyARN("AdministratorAccess")})
		roleSupp = []Suppression{{nagManagedPolicies, "AdminR is the emergency role: AdministratorAccess is its purpose, and its sessions are short (maxSession)."}}
	case model.ReadR:
		refs = append(refs, Ref{Value: b.s.AWSManagedPolicyARN("ReadOnlyAccess")})
		roleSupp = []Suppression{{nagManagedPolicies, readOnlyReason}}
	case model.OpsR:
		refs = append(refs, Ref{Value: b.s.AWSManagedPolicyARN("ReadOnlyAccess")})
		roleSupp = []Suppression{{nagManagedPolicies, readOnlyReason}}
		own = append(policy.OpsPermissions(b.s, a.ID, r.Services), policy.OpsGuard(b.s, a.ID)...)
		policySupp = []Suppression{{nagWildcards, opsServicesReason}}
		boundary := policy.OpsBoundary(b.s, a.ID, r.Services, b.m.BoundaryGuardrailStatements(a.Name))
		if n := boundary.Size(); n > policy.ManagedPolicyMaxSize {
			b.problem(append(where, "services"), "the boundary of OpsR in account %s (its permissions, guard and the account's guardrails) is %d characters; a boundary is one managed policy, which IAM allows %d. Name fewer services or shorten the custom guardrails of that account",
				a.Name, n, policy.ManagedPolicyMaxSize)
		}
		bnd := b.policy(st, entity, policy.OpsBoundaryName, "Permissions boundary every role OpsR creates must carry: OpsR's permissions, its guard and the account's guardrails.", boundary)
		b.suppress(st, bnd, []Suppression{{nagWildcards, opsServicesReason}})
	default:
		for _, mp := range r.ManagedPolicies {
			refs = append(refs, Ref{Value: b.s.AWSManagedPolicyARN(mp)})
		}
		own = b.m.RoleStatements(name, a.Name)
	}
	ownRefs := b.policies(st, entity, names.RolePolicyShort(name), "Permissions of "+b.s.Role(name)+".", own, append(where, "statements"))
	for _, ref := range ownRefs {
		b.suppress(st, ref, policySupp)
	}
	refs = append(refs, ownRefs...)
	refs = append(refs, guardrails...)

	trust := policy.HumanTrust(b.s, b.m.UserOnlyAccount().ID, name, b.m.PlaceTokens(a.Name), b.m.RoleMFAMaxAgeSeconds(name), b.trustOptions(name))
	var machines []string
	var deps []string
	for _, ci := range b.m.CICDUsersIn(a.Name) {
		if slices.Contains(b.m.CICDUsers[ci].Roles, name) {
			machines = append(machines, b.s.UserARN(a.ID, ci))
			deps = append(deps, logicalID("CicdUser", ci))
		}
	}
	if len(machines) > 0 {
		trust = append(trust, policy.MachineTrust(machines))
	}
	central := map[string][]string{} // account ID -> user ARNs
	for _, ci := range b.centralUsers(a.Name, name) {
		home, _ := b.m.Account(b.m.CICDUsers[ci].Account)
		central[home.ID] = append(central[home.ID], b.s.UserARN(home.ID, ci))
	}
	for _, id := range slices.Sorted(maps.Keys(central)) {
		trust = append(trust, policy.CentralMachineTrust(b.s, id, central[id]))
	}
	// Each trust's Sid comes from what it trusts, not its place in the
	// list, so reordering the model changes no template.
	var subjects, services []string
	for _, t := range r.Trust {
		var st Statement
		switch {
		case t.Account != "":
			st = policy.AccountTrust(b.s, t.Account, t.ExternalID)
			st.Sid = "Account" + t.Account
		case t.Role != "":
			account, roleName, _ := strings.Cut(t.Role, "/")
			other, _ := b.m.Account(account)
			caller, _ := b.m.Role(roleName)
			sts := policy.RoleTrust(b.s, other.ID, b.s.RoleARN(other.ID, roleName), r.SourceIdentity || caller.SourceIdentity)
			sid := "Role" + other.ID + sidSafe(roleName)
			// Ops-R and Ops.R keep the same letters: number the later.
			for n := 2; slices.ContainsFunc(trust, func(s Statement) bool { return s.Sid == sid }); n++ {
				sid = fmt.Sprintf("Role%s%s%d", other.ID, sidSafe(roleName), n)
			}
			sts[0].Sid = sid
			for i := 1; i < len(sts); i++ {
				sts[i].Sid = sid + "SourceIdentity"
			}
			trust = append(trust, sts...)
			continue
		case t.GitHub != "":
			subjects = append(subjects, t.GitHub)
			continue
		default:
			services = append(services, t.Service)
			continue
		}
		trust = append(trust, st)
	}
	if len(subjects) > 0 {
		trust = append(trust, policy.GitHubTrust(b.s, a.ID, subjects))
		if id := b.githubProvider(st, a); id != "" {
			deps = append(deps, id)
		}
	}
	if len(services) > 0 {
		trust = append(trust, policy.ServiceTrust(a.ID, services))
	}
	role := Role{LogicalID: logicalID("Role", name), Name: b.s.Role(name), Description: r.Description,
		Trust: policy.NewDocument(trust...), MaxSessionSeconds: b.m.RoleMaxSessionSeconds(name, a.Name),
		ManagedPolicies: refs, DependsOn: deps, Suppressions: roleSupp, Entity: entity}
	if p := b.s.RolePath(name); p != "/" {
		role.Path = p
	}
	if n := role.Trust.Size(); n > policy.TrustPolicyMaxSize {
		b.problem(where, "the trust policy of %s in account %s is %d characters; IAM allows %d. Fewer CI/CD users may assume it", role.Name, a.Name, n, policy.TrustPolicyMaxSize)
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
	c := b.m.CICDUsers[name]
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
		ManagedPolicies: b.policies(st, entity, names.CICDPolicyShort(name), "Permissions of CI/CD user "+name+".", stmts, []string{"cicdUsers", name})}
	for _, ref := range g.ManagedPolicies {
		b.suppress(st, ref, waived(c.Waivers, nagWildcards))
	}
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

// sidSafe keeps the letters and digits of s: all a statement ID may hold.
func sidSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return r
		}
		return -1
	}, s)
}

// githubProvider adds the account's OIDC provider for GitHub Actions to its
// stack, once, and returns its logical ID; "" when the model says the
// account has one already (IAM holds one provider per issuer).
func (b *builder) githubProvider(st *Stack, a model.Account) string {
	const id = "OIDCProviderGitHub"
	for _, r := range b.m.StandingResources {
		if r.Account == a.Name && r.Kind == metadata.OIDCProvider && r.Name == names.GitHubOIDCHost {
			return ""
		}
	}
	for _, p := range st.OIDCProviders {
		if p.LogicalID == id {
			return id
		}
	}
	st.OIDCProviders = append(st.OIDCProviders, OIDCProvider{LogicalID: id, URL: "https://" + names.GitHubOIDCHost,
		ClientIDs: []string{"sts.amazonaws.com"}, Entity: shared(a, "GitHubOIDC")})
	return id
}

// trustOptions are what people may pass along when they assume a role.
func (b *builder) trustOptions(role string) policy.TrustOptions {
	r, _ := b.m.Role(role)
	return policy.TrustOptions{SessionTags: r.SessionTags.Allowed(), SessionTagKeys: r.SessionTags.Keys, SourceIdentity: r.SourceIdentity}
}

// cdk-nag rules iamstack's templates meet by design.
const (
	nagManagedPolicies = rules.NagManaged
	nagWildcards       = rules.NagWildcards
	nagSecretRotation  = rules.NagSecretRotation
	readOnlyReason     = "Read-only by design: AWS's ReadOnlyAccess follows new services without edits to this model."
	opsServicesReason  = "OpsR has full power over its named services (service:*) by design; its guard and the boundary keep it from raising its own access."
)

// waived turns a model waiver of a cdk-nag rule into a suppression.
func waived(w model.Waivers, rule string) []Suppression {
	if reason, ok := w[rule]; ok {
		return []Suppression{{rule, reason}}
	}
	return nil
}

// suppress attaches cdk-nag suppressions to a managed policy of the stack.
func (b *builder) suppress(st *Stack, ref Ref, s []Suppression) {
	for i := range st.ManagedPolicies {
		if st.ManagedPolicies[i].LogicalID == ref.LogicalID {
			st.ManagedPolicies[i].Suppressions = append(st.ManagedPolicies[i].Suppressions, s...)
		}
	}
}

// policies splits statements into managed policies named base, base-2, ...
// so that the first keeps its name when a later change needs a second one.
func (b *builder) policies(st *Stack, e metadata.Entity, base, description string, stmts []Statement, where []string) []Ref {
	if len(stmts) == 0 {
		return nil
	}
	docs, err := policy.Split(stmts, policy.ManagedPolicyMaxSize)
	if err != nil {
		b.problem(where, "%v; split the statement", err)
		return nil
	}
	refs := make([]Ref, len(docs))
	for i, d := range docs {
		// The logical ID follows iamstack's short name, the IAM name the
		// model's (a given name renames the policy, which replaces it).
		refs[i] = b.namedPolicy(st, e, names.Numbered(base, i+1), names.Numbered(b.s.Policy(base), i+1), description, d)
	}
	return refs
}

func (b *builder) policy(st *Stack, e metadata.Entity, short, description string, doc policy.Document) Ref {
	return b.namedPolicy(st, e, short, b.s.Policy(short), description, doc)
}

func (b *builder) namedPolicy(st *Stack, e metadata.Entity, short, name, description string, doc policy.Document) Ref {
	mp := ManagedPolicy{LogicalID: logicalID("Policy", short), Name: name, Description: description, Document: doc, Entity: e}
	if len(mp.Name) > MaxPolicyNameLen {
		b.problem(nil, "policy name %s is longer than IAM's %d characters", mp.Name, MaxPolicyNameLen)
	}
	st.ManagedPolicies = append(st.ManagedPolicies, mp)
	return Ref{LogicalID: mp.LogicalID, Value: b.s.ManagedPolicyARN(st.AccountID, name)}
}

func (b *builder) checkStack(st Stack, size int) {
	seen := map[string]bool{}
	for _, id := range st.logicalIDs() {
		if seen[id] {
			b.problem(nil, "two resources of stack %s would have logical ID %s; rename one of the model names it comes from", st.ID, id)
		}
		seen[id] = true
	}
	n := st.ResourceCount()
	if n <= MaxResourcesPerStack && size <= MaxTemplateSize {
		return
	}
	var over []string
	need := b.m.UserStacks
	if n > MaxResourcesPerStack {
		over = append(over, fmt.Sprintf("%d resources (CloudFormation allows %d)", n, MaxResourcesPerStack))
		need = max(need, b.m.UserStacks*n/MaxResourcesPerStack+1)
	}
	if size > MaxTemplateSize {
		over = append(over, fmt.Sprintf("a %d-byte template (CloudFormation allows %d)", size, MaxTemplateSize))
		need = max(need, b.m.UserStacks*size/MaxTemplateSize+1)
	}
	what := strings.Join(over, " and ")
	if a := b.m.UserOnlyAccount(); st.Account == a.Name {
		b.problem([]string{"userStacks"}, "stack %s in account %s would hold %s; set userStacks to %d or more (changing userStacks moves users between stacks, which replaces them: see the README)",
			st.Name, st.Account, what, need)
		return
	}
	b.problem([]string{"cicdUsers"}, "stack %s in account %s would hold %s; move CI/CD users or roles to another account", st.Name, st.Account, what)
}

// templateSizes returns each stack's TemplateSize, computed on every core:
// at hundreds of accounts it is most of planning's time.
func templateSizes(stacks []Stack) []int {
	sizes := make([]int, len(stacks))
	parallel.For(len(stacks), func(i int) { sizes[i] = stacks[i].TemplateSize() })
	return sizes
}

func (s Stack) logicalIDs() []string {
	var ids []string
	for _, p := range s.ManagedPolicies {
		ids = append(ids, p.LogicalID)
	}
	for _, g := range s.Groups {
		ids = append(ids, g.LogicalID)
	}
	for _, r := range s.Roles {
		ids = append(ids, r.LogicalID)
	}
	for _, u := range s.Users {
		ids = append(ids, u.LogicalID)
		if u.FirstPassword != nil {
			ids = append(ids, u.FirstPassword.LogicalID)
		}
	}
	for _, p := range s.OIDCProviders {
		ids = append(ids, p.LogicalID)
	}
	for _, ss := range s.StackSets {
		ids = append(ids, ss.LogicalID)
	}
	return ids
}

// ResourceCount is the number of CloudFormation resources the stack holds.
func (s Stack) ResourceCount() int {
	n := len(s.ManagedPolicies) + len(s.Groups) + len(s.Roles) + len(s.Users) + len(s.OIDCProviders) + len(s.StackSets)
	for _, u := range s.Users {
		if u.FirstPassword != nil {
			n++
		}
	}
	return n
}

var nonAlnum = regexp.MustCompile(`[^A-Za-z0-9]+`)

// logicalID derives a CloudFormation logical ID from a kind and a model name
// alone, so that it survives reordering the file or renaming a team. Names
// that are not purely alphanumeric get a hash of the exact name, so that
// "alice.smith" and "alicesmith" never collide.
func logicalID(kind, name string) string {
	var b strings.Builder
	b.WriteString(kind)
	for _, part := range nonAlnum.Split(name, -1) {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	if nonAlnum.MatchString(name) {
		h := fnv.New32a()
		h.Write([]byte(name))
		fmt.Fprintf(&b, "%08X", h.Sum32())
	}
	return b.String()
}
