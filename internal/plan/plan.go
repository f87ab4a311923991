// Package plan decides what every account's CloudFormation stacks hold: which
// roles, groups, users and managed policies, under which names and logical
// IDs, with which policy documents. It is pure Go, so every rule about the
// templates, and every quota, is checked here in milliseconds before the CDK
// runs.
package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/iamstack/iamstack/internal/catalog"
	"github.com/iamstack/iamstack/internal/metadata"
	"github.com/iamstack/iamstack/internal/names"
	"github.com/iamstack/iamstack/internal/policy"
	"github.com/iamstack/iamstack/internal/rules"
	"github.com/iamstack/iamstack/model"
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
	p.Stacks = append(p.Stacks, b.identityCenterStacks(p.Stacks)...)
	p.Stacks = append(p.Stacks, b.baselineStacks()...)
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
	return Stack{ID: id, Name: name, Account: a.Name, AccountID: a.ID, AccountType: a.Type, OrgPath: b.m.OrgPath(a.Name), Prefix: b.s.Prefix, Region: b.m.Region(),
		Description: fmt.Sprintf("iamstack %s for account %s (%s): %s", b.s.Prefix, a.Name, a.Type, what)}
}

// shared names one of iamstack's own resources of an account, which no
// model entity owns.
func shared(a model.Account, what string) metadata.Entity {
	return metadata.Entity{Kind: metadata.EntityShared, Name: what, Account: a.Name}
}

// analyzers adds the IAM Access Analyzers the model puts in every account
// to the account's main stack.
func (b *builder) analyzers(st *Stack, a model.Account) {
	aa, ok := b.m.AccessAnalyzer()
	if !ok {
		return
	}
	st.Analyzers = append(st.Analyzers, Analyzer{LogicalID: "AccessAnalyzerExternal", Name: b.s.AnalyzerName("external-access"),
		Type: "ACCOUNT", Entity: shared(a, "AccessAnalyzer")})
	if aa.UnusedAccessAge > 0 {
		st.Analyzers = append(st.Analyzers, Analyzer{LogicalID: "AccessAnalyzerUnused", Name: b.s.AnalyzerName("unused-access"),
			Type: "ACCOUNT_UNUSED_ACCESS", UnusedAccessAge: aa.UnusedAccessAge, Entity: shared(a, "AccessAnalyzer")})
	}
}

// standing is what the model says stands in an account outside iamstack,
// as the metadata of the account's main stack: the analysis reads it, and
// nothing is deployed from it.
func (b *builder) standing(a model.Account) []metadata.Standing {
	var out []metadata.Standing
	for _, r := range b.m.StandingResources() {
		if r.Account != a.Name {
			continue
		}
		s := metadata.Standing{Kind: r.Kind, Name: r.Name, Service: r.Service}
		if r.Path != "/" {
			s.Path = r.Path
		}
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

// Statement is shorthand for policy.Statement.
type Statement = policy.Statement

// stackSetsStack is the deploy account's stack that holds one StackSet
// per OU.
func (b *builder) stackSetsStack() Stack {
	o := b.m.Organization()
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
		b.analyzers(&tpl, a)
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
	b.analyzers(&st, a)
	if st.ResourceCount() == 0 {
		b.problem(b.m.AccountPath(a.Name), "account %s would get an empty stack, which CloudFormation rejects: every role is switched off there and no CI/CD user lives there. Enable a role or remove the account", a.Name)
	}
	return st
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
func waived(w model.Waivers, rules ...string) []Suppression {
	var out []Suppression
	for _, rule := range rules {
		if reason, ok := w[rule]; ok {
			out = append(out, Suppression{ID: rule, Reason: reason})
		}
	}
	return out
}

// policies splits statements into managed policies named base, base-2, ...
// so that the first keeps its name when a later change needs a second one.
func (b *builder) policies(st *Stack, e metadata.Entity, base, description string, stmts []Statement, where []string, supp []Suppression) []Ref {
	if len(stmts) == 0 {
		return nil
	}
	docs, err := policy.Split(spelled(stmts), policy.ManagedPolicyMaxSize)
	if err != nil {
		b.problem(where, "%v; split the statement", err)
		return nil
	}
	refs := make([]Ref, len(docs))
	for i, d := range docs {
		// The logical ID follows iamstack's short name, the IAM name the
		// model's (a given name renames the policy, which replaces it).
		refs[i] = b.namedPolicy(st, e, names.Numbered(base, i+1), names.Numbered(b.s.Policy(base), i+1), description, d, supp)
	}
	return refs
}

// spelled are statements with their actions as the IAM catalog spells
// them (catalog.Spelling): the model accepts any case, as IAM does, and
// the templates say the same thing the same way whoever wrote it.
func spelled(stmts []Statement) []Statement {
	cat := catalog.Get()
	out := make([]Statement, len(stmts))
	for i, s := range stmts {
		for _, list := range []*[]string{&s.Actions, &s.NotActions} {
			if len(*list) == 0 {
				continue
			}
			fixed := make([]string, len(*list))
			for j, a := range *list {
				fixed[j] = cat.Spelling(a)
			}
			*list = fixed
		}
		out[i] = s
	}
	return out
}

func (b *builder) policy(st *Stack, e metadata.Entity, short, description string, doc policy.Document, supp []Suppression) Ref {
	return b.namedPolicy(st, e, short, b.s.Policy(short), description, doc, supp)
}

// namedPolicy adds a customer managed policy to the stack, with the
// cdk-nag findings it accepts.
func (b *builder) namedPolicy(st *Stack, e metadata.Entity, short, name, description string, doc policy.Document, supp []Suppression) Ref {
	mp := ManagedPolicy{LogicalID: logicalID("Policy", short), Name: name, Description: description, Document: doc, Suppressions: supp, Entity: e}
	if len(mp.Name) > MaxPolicyNameLen {
		b.problem(nil, "policy name %s is longer than IAM's %d characters", mp.Name, MaxPolicyNameLen)
	}
	st.ManagedPolicies = append(st.ManagedPolicies, mp)
	return Ref{LogicalID: mp.LogicalID, Value: b.s.ManagedPolicyARN(st.AccountID, name)}
}
