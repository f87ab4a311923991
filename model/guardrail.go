package model

import (
	"slices"
	"strings"

	"github.com/iamstack/iamstack/internal/policy"
)

// Guardrails are deny policies attached to every role where they apply.
type Guardrails struct {
	RegionRestriction *RegionRestriction `yaml:"regionRestriction"`
	RDSDeletePrevent  *RDSDeletePrevent  `yaml:"rdsDeletePrevent"`
	Custom            []CustomGuardrail  `yaml:"custom"`
}

// A Guardrail is one deny policy of the model: where it applies, which roles
// it leaves out, its check and its statements. Every kind is a type of this
// file; Guardrails.all lists a model's in the order roles' policies hold
// them.
type Guardrail interface {
	// Scope is the accounts it covers (names, types or "all"; none is
	// all) and the roles it exempts.
	Scope() (accounts, exemptRoles []string)
	// OwnPolicy is the IAM name of the managed policy of its own it is
	// attached as; "" when it shares the account's guardrails policy.
	OwnPolicy() string
	// Denies are its deny statements in an account.
	Denies(m *Model, accountID string) []policy.Statement

	// check reports its problems, the guardrail at p, but for its scope,
	// which every guardrail's check shares (validator.scope).
	check(v *validator, p path)
}

// placed is a guardrail with where the model writes it; a built-in one has
// no path.
type placed struct {
	at path
	Guardrail
}

// all lists the guardrails in a fixed order: the built-in ones, the region
// restriction, RDS delete prevention, then the custom guardrails by name.
func (g Guardrails) all() []placed {
	p := path{"guardrails"}
	out := []placed{{nil, othersCredentials{}}}
	if rr := g.RegionRestriction; rr != nil {
		out = append(out, placed{p.key("regionRestriction"), rr})
	}
	if rds := g.RDSDeletePrevent; rds != nil {
		out = append(out, placed{p.key("rdsDeletePrevent"), rds})
	}
	order := make([]int, len(g.Custom))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int { return strings.Compare(g.Custom[i].Name, g.Custom[j].Name) })
	for _, i := range order {
		out = append(out, placed{p.key("custom").index(i), g.Custom[i]})
	}
	return out
}

// guardrails checks every guardrail of the model.
func (v *validator) guardrails() {
	for _, g := range v.m.spec.Guardrails.all() {
		if g.at == nil {
			continue // built in
		}
		g.check(v, g.at)
		accounts, exempt := g.Scope()
		v.scope(g.at, accounts, exempt)
	}
	seen := map[string]bool{}
	for i, c := range v.m.spec.Guardrails.Custom {
		if seen[c.Name] {
			v.at(path{"guardrails", "custom"}.index(i).key("name"), "guardrail %q is defined twice", c.Name)
		}
		seen[c.Name] = true
	}
}

// NamedPolicy is a managed policy of the model's by its IAM name: a
// role's named policy, or a guardrail of its own.
type NamedPolicy struct {
	Name       string
	Statements []policy.Statement
}

// guardrails are the guardrails that cover an account, each with its deny
// statements; with exemptions, each leaves out the roles it exempts by
// their ARNs: the guardrail stays one policy, and roles OpsR creates (other
// ARNs) stay under it through OpsR's boundary.
func (m *Model) guardrails(account string, exemptions bool) []NamedPolicy {
	a := m.place(account)
	var out []NamedPolicy
	for _, g := range m.spec.Guardrails.all() {
		accounts, exempt := g.Scope()
		if !m.covers(accounts, account) {
			continue
		}
		var arns []string
		if exemptions {
			for _, r := range slices.Sorted(slices.Values(exempt)) {
				arns = append(arns, m.roleARNs(a.ID, r)...)
			}
		}
		np := NamedPolicy{Name: g.OwnPolicy()}
		for _, s := range g.Denies(m, a.ID) {
			np.Statements = append(np.Statements, policy.ExceptPrincipals(s, arns))
		}
		out = append(out, np)
	}
	return out
}

// othersCredentials is built in: no role but AdminR acts on users or their
// credentials.
type othersCredentials struct{}

func (othersCredentials) Scope() (accounts, exemptRoles []string) { return nil, []string{AdminR} }
func (othersCredentials) OwnPolicy() string                       { return "" }
func (othersCredentials) check(*validator, path)                  {}

func (othersCredentials) Denies(m *Model, accountID string) []policy.Statement {
	return []policy.Statement{policy.OthersCredentials(m.Scheme(), accountID)}
}

// RegionRestriction denies regional actions outside Regions.
type RegionRestriction struct {
	Regions  []string `yaml:"regions"`
	Accounts []string `yaml:"accounts"`
	// Exempt adds actions to the global services it never denies (those of
	// AWS's example region SCP), such as a service served from one region.
	Exempt []string `yaml:"exempt"`
	// ExemptRoles are roles of the model it does not apply to.
	ExemptRoles []string `yaml:"exemptRoles"`
	// PolicyName makes it a managed policy of its own, by that IAM name,
	// instead of a part of the account's guardrails policy.
	PolicyName string `yaml:"policyName"`
}

func (rr *RegionRestriction) Scope() (accounts, exemptRoles []string) {
	return rr.Accounts, rr.ExemptRoles
}
func (rr *RegionRestriction) OwnPolicy() string { return rr.PolicyName }

func (rr *RegionRestriction) check(v *validator, p path) {
	if len(rr.Regions) == 0 {
		v.at(p.key("regions"), "list the regions to allow, such as [%s, us-east-1]", v.m.spec.Region)
	}
	for i, r := range rr.Regions {
		v.region(p.key("regions").index(i), r)
	}
	for i, a := range rr.Exempt {
		ep := p.key("exempt").index(i)
		if !actionPattern.MatchString(a) || a == "*" {
			v.at(ep, "%q is not an action; write service:Action or service:*, such as bedrock:InvokeModel", a)
			continue
		}
		v.action(ep, a)
	}
}

func (rr *RegionRestriction) Denies(*Model, string) []policy.Statement {
	return []policy.Statement{policy.RegionRestriction(slices.Sorted(slices.Values(rr.Regions)), rr.Exempt)}
}

// RDSDeletePrevent denies deleting databases and their backups.
type RDSDeletePrevent struct {
	// Accounts are the accounts or account types it applies to (default all).
	Accounts []string `yaml:"accounts"`
	// Resources limits it to these database ARNs (default every database).
	Resources []string `yaml:"resources"`
	// ExemptRoles are roles of the model it does not apply to.
	ExemptRoles []string `yaml:"exemptRoles"`
	// PolicyName makes it a managed policy of its own, by that IAM name.
	PolicyName string `yaml:"policyName"`
}

func (rds *RDSDeletePrevent) Scope() (accounts, exemptRoles []string) {
	return rds.Accounts, rds.ExemptRoles
}
func (rds *RDSDeletePrevent) OwnPolicy() string { return rds.PolicyName }

func (rds *RDSDeletePrevent) check(v *validator, p path) {
	for i, r := range rds.Resources {
		if parts := strings.SplitN(r, ":", 6); len(parts) != 6 || parts[0] != "arn" || parts[2] != "rds" {
			v.at(p.key("resources").index(i), "%q is not an RDS ARN such as arn:aws:rds:eu-west-1:123456789012:db:prod-*", r)
		}
	}
}

func (rds *RDSDeletePrevent) Denies(*Model, string) []policy.Statement {
	return []policy.Statement{policy.RDSDeletePrevent(rds.Resources)}
}

// CustomGuardrail is a deny policy of the model's own.
type CustomGuardrail struct {
	Name       string             `yaml:"name"`
	Accounts   []string           `yaml:"accounts"`
	Statements []policy.Statement `yaml:"statements"`
	// ExemptRoles are roles of the model it does not apply to.
	ExemptRoles []string `yaml:"exemptRoles"`
	// PolicyName makes it a managed policy of its own, by that IAM name.
	PolicyName string `yaml:"policyName"`
}

func (c CustomGuardrail) Scope() (accounts, exemptRoles []string) { return c.Accounts, c.ExemptRoles }
func (c CustomGuardrail) OwnPolicy() string                       { return c.PolicyName }

func (c CustomGuardrail) check(v *validator, p path) {
	if !iamNamePattern.MatchString(c.Name) {
		v.at(p.key("name"), "guardrail name %q must use letters, digits and +=,.@_-", c.Name)
	}
	if len(c.Statements) == 0 {
		v.at(p, "guardrail %q has no statements", c.Name)
	}
	v.statements(p.key("statements"), c.Statements, true)
}

func (c CustomGuardrail) Denies(*Model, string) []policy.Statement { return c.Statements }
