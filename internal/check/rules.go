// Package check is the gate every identity change passes before review: it
// runs iamstack's own rules over a synthesized assembly (using the access
// analysis, not string matching), reads cdk-nag's and cfn-lint's verdicts,
// detects deleted or replaced users, groups and roles against a base, and
// compares templates with golden files.
package check

import (
	"fmt"
	"slices"
	"strings"

	"github.com/iamstack/iamstack/internal/analyze/access"
	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/analyze/evaluate"
	"github.com/iamstack/iamstack/internal/metadata"
	"github.com/iamstack/iamstack/internal/plan"
	"github.com/iamstack/iamstack/internal/policy"
	"github.com/iamstack/iamstack/internal/rules"
	"github.com/iamstack/iamstack/model"
)

// Violation is a rule broken by one resource.
type Violation struct {
	Rule string `json:"rule"`
	// Severity is Error (the check fails) or Warning (it is reported).
	Severity string `json:"severity"`
	Resource string `json:"resource"`
	Message  string `json:"message"`
	// Waiver is the model field that can waive it, "" when none can.
	Waiver string `json:"waiver,omitempty"`
	// Waived is the reason the model gives, when it waives the violation.
	Waived string `json:"waived,omitempty"`
}

// The severities of violations.
const (
	Error   = "error"
	Warning = "warning"
)

func (v Violation) String() string {
	s := fmt.Sprintf("%s %s: %s", v.Rule, v.Resource, v.Message)
	if v.Waived != "" {
		return s + " (waived: " + v.Waived + ")"
	}
	if v.Waiver != "" {
		s += fmt.Sprintf(" [to accept it, add under %s: waivers: {%s: <reason>}]", v.Waiver, v.Rule)
	}
	return s
}

// Templates runs iamstack's rules over an analyzed assembly of model m.
func Templates(m *model.Model, inv *assembly.Inventory, rep access.Report) []Violation {
	c := &checker{m: m, inv: inv, principals: map[string]assembly.Principal{}}
	for _, p := range append(append([]assembly.Principal(nil), inv.Users...), inv.Roles...) {
		c.principals[p.ARN] = p
	}
	c.mfaAndSessionName(rep)
	c.policies()
	c.quotas()
	for _, f := range rep.Findings {
		if f.ByDesign == "" {
			c.add(rules.Escalation, f.Principal, c.principals[f.PrincipalARN].Entity,
				fmt.Sprintf("can %s on %s (%s)", f.Action, f.Target, f.Method))
		}
	}
	return c.out
}

type checker struct {
	m          *model.Model
	inv        *assembly.Inventory
	principals map[string]assembly.Principal // by ARN
	out        []Violation
}

// add records a violation of a resource, waived when the model entity the
// resource comes from (its iamstack metadata) says so.
func (c *checker) add(rule, resource string, e metadata.Entity, msg string) {
	v := Violation{Rule: rule, Severity: Error, Resource: resource, Message: msg}
	if rule == rules.LintRedundant {
		v.Severity = Warning
	}
	if w, field := c.waivers(e); field != "" {
		v.Waiver, v.Waived = field, w[rule]
	}
	c.out = append(c.out, v)
}

// waivers finds the waivers of a model entity: a role, a user or a CI/CD
// user. iamstack's shared resources (AssumeRoleG, ManageOwnUserG,
// guardrails, ...) and resources iamstack did not write belong to no entity
// and cannot be waived.
func (c *checker) waivers(e metadata.Entity) (model.Waivers, string) {
	switch e.Kind {
	case metadata.EntityUser:
		if u, ok := c.m.Users[e.Name]; ok {
			return u.Waivers, "users." + e.Name
		}
	case metadata.EntityCICDUser:
		if u, ok := c.m.CICDUsers[e.Name]; ok {
			return u.Waivers, "cicdUsers." + e.Name
		}
	case metadata.EntityRole:
		if r, ok := c.m.Roles[e.Name]; ok {
			return r.Waivers, "roles." + e.Name
		}
		if slices.Contains(c.m.RoleNames(), e.Name) {
			return nil, "roles." + e.Name
		}
	}
	return nil, ""
}

// where names a resource with its account, so that two accounts' resources
// of the same name are told apart.
func (c *checker) where(kind, name, account string) string {
	return kind + " " + name + " in " + c.inv.Account(account).Name
}

func (c *checker) mfaAndSessionName(rep access.Report) {
	for _, e := range rep.Entries {
		if e.UserKind != "human" {
			continue
		}
		u := c.principals[e.UserARN]
		what := e.Capability
		if e.Type == "assume-role" {
			what = e.Role + " in " + e.Account
		}
		if !e.MFA {
			c.add(rules.MFA, c.where("user", u.Name, u.Account), u.Entity, "reaches "+what+" without an MFA session")
		}
		if e.Type != "assume-role" {
			continue
		}
		r := c.principals[e.RoleARN]
		req, ps := access.AssumeRole(u, r, true)
		stale := access.Context(u, true)
		stale["aws:MultiFactorAuthAge"] = []string{"315360000"} // ten years
		if evaluate.EvaluateIn(evaluate.NewContext(stale), req, ps).Decision == evaluate.Allow {
			c.add(rules.MFA, c.where("role", r.Name, r.Account), r.Entity, "admits "+e.User+" with an MFA session of any age; bound aws:MultiFactorAuthAge")
		}
		other := access.Context(u, true)
		other["sts:RoleSessionName"] = []string{"not-" + e.User}
		if evaluate.EvaluateIn(evaluate.NewContext(other), req, ps).Decision == evaluate.Allow {
			c.add(rules.SessionName, c.where("role", r.Name, r.Account), r.Entity, "admits "+e.User+" under another session name; require sts:RoleSessionName = ${aws:username}")
		}
	}
}

func (c *checker) policies() {
	// Every identity iamstack writes must be one OpsR's guard keeps
	// read-only: under the prefix, or named in the model.
	s := c.m.Scheme()
	patterns := map[string][]string{} // by account ID
	guarded := func(account, arn string) bool {
		if patterns[account] == nil {
			patterns[account] = s.IdentityARNPatterns(account)
		}
		return slices.ContainsFunc(patterns[account], func(p string) bool { return policy.Glob(p, arn) })
	}
	const unguarded = "is not under OpsR's guard: its name lacks the prefix, and the model does not give it"
	for _, u := range c.inv.Users {
		if u.Entity.Kind != "" && !guarded(u.Account, u.ARN) {
			c.add(rules.Prefix, c.where("user", u.Name, u.Account), u.Entity, unguarded)
		}
		if len(u.Direct) > 0 {
			c.add(rules.DirectPolicy, c.where("user", u.Name, u.Account), u.Entity, "has policies attached directly: "+strings.Join(u.Direct, ", "))
		}
		if len(u.Inline) > 0 {
			c.add(rules.InlinePolicy, c.where("user", u.Name, u.Account), u.Entity, "has inline policies: "+strings.Join(u.Inline, ", "))
		}
	}
	for _, r := range c.inv.Roles {
		if !guarded(r.Account, r.ARN) {
			c.add(rules.Prefix, c.where("role", r.Name, r.Account), r.Entity, unguarded)
		}
		if len(r.Inline) > 0 {
			c.add(rules.InlinePolicy, c.where("role", r.Name, r.Account), r.Entity, "has inline policies: "+strings.Join(r.Inline, ", "))
		}
		if r.Trust != nil && starPrincipal(r.Trust.Document) {
			c.add(rules.PrincipalStar, c.where("role", r.Name, r.Account), r.Entity, "trust policy names Principal \"*\"")
		}
	}
	for _, g := range c.inv.Groups {
		if !guarded(g.Account, g.ARN) {
			c.add(rules.Prefix, c.where("group", g.Name, g.Account), g.Entity, unguarded)
		}
		if len(g.Inline) > 0 {
			c.add(rules.InlinePolicy, c.where("group", g.Name, g.Account), g.Entity, "has inline policies: "+strings.Join(g.Inline, ", "))
		}
	}
	for _, mp := range c.inv.ManagedPolicies {
		if !guarded(mp.Account, mp.ARN) {
			c.add(rules.Prefix, c.where("policy", mp.Name, mp.Account), mp.Entity, unguarded)
		}
		if starPrincipal(mp.Document) {
			c.add(rules.PrincipalStar, c.where("policy", mp.Name, mp.Account), mp.Entity, "names Principal \"*\"")
		}
	}
}

func starPrincipal(d policy.Document) bool {
	for _, s := range d.Statements {
		if slices.Contains(s.Principal["AWS"], "*") {
			return true
		}
	}
	return false
}

func (c *checker) quotas() {
	q := func(resource string, e metadata.Entity, msg string, n, limit int) {
		if n > limit {
			c.add(rules.Quota, resource, e, fmt.Sprintf(msg, n, limit))
		}
	}
	for _, s := range c.inv.Stacks {
		q("stack "+s.ID, metadata.Entity{}, "holds %d resources; CloudFormation allows %d", s.Resources, plan.MaxResourcesPerStack)
		q("stack "+s.ID, metadata.Entity{}, "template is %d bytes; CloudFormation allows %d", s.TemplateBytes, plan.MaxTemplateSize)
	}
	for _, mp := range c.inv.ManagedPolicies {
		q(c.where("policy", mp.Name, mp.Account), mp.Entity, "is %d characters; IAM allows %d", mp.Document.Size(), policy.ManagedPolicyMaxSize)
	}
	for _, r := range c.inv.Roles {
		if r.Trust != nil {
			q(c.where("role", r.Name, r.Account), r.Entity, "trust policy is %d characters; IAM allows %d", r.Trust.Document.Size(), policy.TrustPolicyMaxSize)
		}
		q(c.where("role", r.Name, r.Account), r.Entity, "has %d managed policies; IAM allows %d", r.ManagedPolicies, plan.MaxManagedPoliciesPerRole)
	}
	for _, g := range c.inv.Groups {
		q(c.where("group", g.Name, g.Account), g.Entity, "has %d managed policies; IAM allows %d", g.ManagedPolicies, plan.MaxManagedPoliciesPerGroup)
	}
	for _, u := range c.inv.Users {
		q(c.where("user", u.Name, u.Account), u.Entity, "is in %d groups; IAM allows %d", len(u.Groups), plan.MaxGroupsPerUser)
		q(c.where("user", u.Name, u.Account), u.Entity, "has %d tags; IAM allows %d", len(u.Tags), plan.MaxTagsPerUser)
	}
}

// Failures are the errors no waiver accepts.
func Failures(vs []Violation) []Violation {
	var out []Violation
	for _, v := range vs {
		if v.Waived == "" && v.Severity != Warning {
			out = append(out, v)
		}
	}
	return out
}
