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

	"github.com/iamstack/iamstack/access"
	"github.com/iamstack/iamstack/assembly"
	"github.com/iamstack/iamstack/evaluate"
	"github.com/iamstack/iamstack/model"
	"github.com/iamstack/iamstack/plan"
	"github.com/iamstack/iamstack/policy"
)

// Rule is one of iamstack's checks.
type Rule struct {
	ID        string
	Rationale string
}

// Rules are iamstack's own rules, in the order they are reported.
var Rules = []Rule{
	{"IAMSTACK-MFA", "Every human path to a role or to IAM power requires an MFA session, and refuses one older than mfaMaxAge."},
	{"IAMSTACK-SESSION-NAME", "A person may assume a role only under their own user name, so CloudTrail names them."},
	{"IAMSTACK-DIRECT-POLICY", "Users get permissions only through groups, which the model reviews as a whole."},
	{"IAMSTACK-INLINE-POLICY", "Inline policies are for last-resort emergencies: the model declares none."},
	{"IAMSTACK-PREFIX", "Every role, group and policy name carries the prefix: OpsR's guard and other accounts' policies rely on it."},
	{"IAMSTACK-PRINCIPAL-STAR", "No policy may name Principal \"*\": a trust policy open to everyone is an open door."},
	{"IAMSTACK-QUOTA", "Everything fits IAM's and CloudFormation's quotas, or the deploy fails halfway."},
	{"IAMSTACK-ESCALATION", "Nobody can raise their own access, except PowerG by design (README)."},
}

// Violation is a rule broken by one resource.
type Violation struct {
	Rule     string `json:"rule"`
	Resource string `json:"resource"`
	Message  string `json:"message"`
	// Waiver is the model field that can waive it, "" when none can.
	Waiver string `json:"waiver,omitempty"`
	// Waived is the reason the model gives, when it waives the violation.
	Waived string `json:"waived,omitempty"`
}

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
	c := &checker{m: m, inv: inv}
	c.mfaAndSessionName(rep)
	c.policies()
	c.quotas()
	for _, f := range rep.Findings {
		if f.ByDesign == "" {
			c.add("IAMSTACK-ESCALATION", f.Principal, principalKind(inv, f.PrincipalARN), principalName(inv, f.PrincipalARN),
				fmt.Sprintf("can %s on %s (%s)", f.Action, f.Target, f.Method))
		}
	}
	return c.out
}

type checker struct {
	m   *model.Model
	inv *assembly.Inventory
	out []Violation
}

// add records a violation of a resource, waived when the model entity it
// belongs to says so. kind and name identify the IAM resource.
func (c *checker) add(rule, resource, kind, name, msg string) {
	v := Violation{Rule: rule, Resource: resource, Message: msg}
	if w, field := c.waivers(kind, name); field != "" {
		v.Waiver, v.Waived = field, w[rule]
	}
	c.out = append(c.out, v)
}

// waivers finds the model entity an IAM resource comes from: a role, a
// user or a CI/CD user, or their policies and groups. iamstack's shared
// resources (AssumeRoleG, ManageOwnUserG, guardrails, ...) belong to no
// entity and cannot be waived.
func (c *checker) waivers(kind, name string) (model.Waivers, string) {
	prefix := c.m.Prefix + "-"
	switch kind {
	case "user":
		if u, ok := c.m.Users[name]; ok {
			return u.Waivers, "users." + name
		}
		if u, ok := c.m.CICDUsers[name]; ok {
			return u.Waivers, "cicdUsers." + name
		}
	case "role":
		if r, ok := c.m.Roles[strings.TrimPrefix(name, prefix)]; ok {
			return r.Waivers, "roles." + strings.TrimPrefix(name, prefix)
		}
		if role := strings.TrimPrefix(name, prefix); slices.Contains(c.m.RoleNames(), role) {
			return nil, "roles." + role
		}
	case "policy":
		short := strings.TrimPrefix(name, prefix)
		if ci, ok := strings.CutPrefix(short, "Cicd-"); ok {
			return c.waivers("user", trimNumber(ci))
		}
		if role, ok := strings.CutSuffix(trimNumber(short), "-Policy"); ok {
			return c.waivers("role", prefix+role)
		}
	case "group":
		if ci, ok := strings.CutPrefix(strings.TrimPrefix(name, prefix), "CicdG-"); ok {
			return c.waivers("user", ci)
		}
	}
	return nil, ""
}

// trimNumber strips the -2, -3 ... of split policies.
func trimNumber(s string) string {
	if i := strings.LastIndex(s, "-"); i > 0 && strings.Trim(s[i+1:], "0123456789") == "" && i+1 < len(s) {
		return s[:i]
	}
	return s
}

func (c *checker) mfaAndSessionName(rep access.Report) {
	users, roles := map[string]assembly.Principal{}, map[string]assembly.Principal{}
	for _, u := range c.inv.Users {
		users[u.Account+"/"+u.Name] = u
	}
	for _, r := range c.inv.Roles {
		roles[r.ARN] = r
	}
	for _, e := range rep.Entries {
		if e.UserKind != "human" {
			continue
		}
		what := e.Capability
		if e.Type == "assume-role" {
			what = e.Role + " in " + e.Account
		}
		if !e.MFA {
			c.add("IAMSTACK-MFA", "user "+e.User, "user", e.User, "reaches "+what+" without an MFA session")
		}
		if e.Type != "assume-role" {
			continue
		}
		u := users[userAccount(c.inv, e)+"/"+e.User]
		r := roles[e.RoleARN]
		req, ps := access.AssumeRole(u, r, true)
		stale := access.Context(u, true)
		stale["aws:MultiFactorAuthAge"] = []string{"315360000"} // ten years
		if evaluate.EvaluateIn(evaluate.NewContext(stale), req, ps).Decision == evaluate.Allow {
			c.add("IAMSTACK-MFA", "role "+r.Name+" in "+e.Account, "role", r.Name, "admits "+e.User+" with an MFA session of any age; bound aws:MultiFactorAuthAge")
		}
		other := access.Context(u, true)
		other["sts:RoleSessionName"] = []string{"not-" + e.User}
		if evaluate.EvaluateIn(evaluate.NewContext(other), req, ps).Decision == evaluate.Allow {
			c.add("IAMSTACK-SESSION-NAME", "role "+r.Name+" in "+e.Account, "role", r.Name, "admits "+e.User+" under another session name; require sts:RoleSessionName = ${aws:username}")
		}
	}
}

func userAccount(inv *assembly.Inventory, e access.Entry) string {
	for _, u := range inv.Users {
		if u.Name == e.User {
			return u.Account
		}
	}
	return ""
}

func (c *checker) policies() {
	prefix := c.m.Prefix + "-"
	for _, u := range c.inv.Users {
		if len(u.Direct) > 0 {
			c.add("IAMSTACK-DIRECT-POLICY", "user "+u.Name, "user", u.Name, "has policies attached directly: "+strings.Join(u.Direct, ", "))
		}
		if len(u.Inline) > 0 {
			c.add("IAMSTACK-INLINE-POLICY", "user "+u.Name, "user", u.Name, "has inline policies: "+strings.Join(u.Inline, ", "))
		}
	}
	for _, r := range c.inv.Roles {
		if !strings.HasPrefix(r.Name, prefix) {
			c.add("IAMSTACK-PREFIX", "role "+r.Name, "role", r.Name, "name lacks the prefix "+prefix)
		}
		if len(r.Inline) > 0 {
			c.add("IAMSTACK-INLINE-POLICY", "role "+r.Name, "role", r.Name, "has inline policies: "+strings.Join(r.Inline, ", "))
		}
		if r.Trust != nil && starPrincipal(r.Trust.Document) {
			c.add("IAMSTACK-PRINCIPAL-STAR", "role "+r.Name, "role", r.Name, "trust policy names Principal \"*\"")
		}
	}
	for _, g := range c.inv.Groups {
		if !strings.HasPrefix(g.Name, prefix) {
			c.add("IAMSTACK-PREFIX", "group "+g.Name, "group", g.Name, "name lacks the prefix "+prefix)
		}
		if len(g.Inline) > 0 {
			c.add("IAMSTACK-INLINE-POLICY", "group "+g.Name, "group", g.Name, "has inline policies: "+strings.Join(g.Inline, ", "))
		}
	}
	for _, mp := range c.inv.ManagedPolicies {
		if !strings.HasPrefix(mp.Name, prefix) {
			c.add("IAMSTACK-PREFIX", "policy "+mp.Name, "policy", mp.Name, "name lacks the prefix "+prefix)
		}
		if starPrincipal(mp.Document) {
			c.add("IAMSTACK-PRINCIPAL-STAR", "policy "+mp.Name, "policy", mp.Name, "names Principal \"*\"")
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
	q := func(resource, kind, name, msg string, n, limit int) {
		if n > limit {
			c.add("IAMSTACK-QUOTA", resource, kind, name, fmt.Sprintf(msg, n, limit))
		}
	}
	for _, s := range c.inv.Stacks {
		q("stack "+s.ID, "", "", "holds %d resources; CloudFormation allows %d", s.Resources, plan.MaxResourcesPerStack)
		q("stack "+s.ID, "", "", "template is %d bytes; CloudFormation allows %d", s.TemplateBytes, plan.MaxTemplateSize)
	}
	for _, mp := range c.inv.ManagedPolicies {
		q("policy "+mp.Name, "policy", mp.Name, "is %d characters; IAM allows %d", mp.Document.Size(), policy.ManagedPolicyMaxSize)
	}
	for _, r := range c.inv.Roles {
		if r.Trust != nil {
			q("role "+r.Name, "role", r.Name, "trust policy is %d characters; IAM allows %d", r.Trust.Document.Size(), policy.TrustPolicyMaxSize)
		}
		q("role "+r.Name, "role", r.Name, "has %d managed policies; IAM allows %d", r.ManagedPolicies, plan.MaxManagedPoliciesPerRole)
	}
	for _, g := range c.inv.Groups {
		q("group "+g.Name, "group", g.Name, "has %d managed policies; IAM allows %d", g.ManagedPolicies, plan.MaxManagedPoliciesPerGroup)
	}
	for _, u := range c.inv.Users {
		q("user "+u.Name, "user", u.Name, "is in %d groups; IAM allows %d", len(u.Groups), plan.MaxGroupsPerUser)
		q("user "+u.Name, "user", u.Name, "has %d tags; IAM allows %d", len(u.Tags), plan.MaxTagsPerUser)
	}
}

func principalKind(inv *assembly.Inventory, arn string) string {
	for _, u := range inv.Users {
		if u.ARN == arn {
			return "user"
		}
	}
	return "role"
}

func principalName(inv *assembly.Inventory, arn string) string {
	return arn[strings.LastIndex(arn, "/")+1:]
}

// Failures are the violations no waiver accepts.
func Failures(vs []Violation) []Violation {
	var out []Violation
	for _, v := range vs {
		if v.Waived == "" {
			out = append(out, v)
		}
	}
	return out
}
