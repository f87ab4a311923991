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

// A Rule is one of iamstack's own rules: the ID a report and a waiver name
// it by (the rules package's list, which the model's waivers are checked
// against), why it holds, how bad a break is, and how it is checked.
type Rule struct {
	ID        string
	Rationale string
	// Severity is Error (the check fails) or Warning (it is reported).
	Severity string
	// Stage is where the rule is checked: InTemplates (an analyzed
	// assembly), InStatements (the statements the model writes) or AtLoad
	// (the model's validation, which refuses a break as it loads).
	Stage string
	check func(c *checker)
}

// The stages a rule is checked at.
const (
	InTemplates  = "templates"
	InStatements = "statements"
	AtLoad       = "load"
)

// Rules are iamstack's rules, in the order the check reports their breaks.
var Rules = []Rule{
	{rules.MFA, "Every human path to a role or to IAM power requires an MFA session, and refuses one older than mfaMaxAge.", Error, InTemplates, (*checker).mfa},
	{rules.SessionName, "A person may assume a role only under their own user name, so CloudTrail names them.", Error, InTemplates, (*checker).sessionName},
	{rules.DirectPolicy, "Users get permissions only through groups, which the model reviews as a whole; a person's own policy (users.U.statements) is waived on them with its reason.", Error, InTemplates, (*checker).directPolicy},
	{rules.InlinePolicy, "Inline policies belong to one identity, outside the policies the model reviews: a role keeps one (inlinePolicies) only with this rule waived and its reason.", Error, InTemplates, (*checker).inlinePolicy},
	{rules.Prefix, "Every role, group, policy and user iamstack writes is one OpsR's guard keeps read-only: its name carries the prefix, or the model gives it (name, path, groupNames).", Error, InTemplates, (*checker).prefix},
	{rules.PrincipalStar, "No policy may name Principal \"*\": a trust policy open to everyone is an open door.", Error, InTemplates, (*checker).principalStar},
	{rules.Quota, "Everything fits IAM's and CloudFormation's quotas, or the deploy fails halfway.", Error, InTemplates, (*checker).quotas},
	{rules.Escalation, "Nobody can raise their own access, except PowerG by design (docs/security.md).", Error, InTemplates, (*checker).escalation},
	{rules.LintPermissionsOnAll, "A Permissions-management action (one that changes who may do what) on every resource: name the resources.", Error, InStatements, (*checker).lintPermissionsOnAll},
	{rules.LintNotActionAllow, "Allow with NotAction grants every action but a few, including those AWS adds tomorrow.", Error, InStatements, (*checker).lintNotActionAllow},
	{rules.LintKeyNeverPresent, "A condition on a service's key that none of the statement's actions sets: the condition never matches.", Error, InStatements, (*checker).lintKeyNeverPresent},
	{rules.LintRedundant, "A statement that another statement of the same policy already grants in full.", Warning, InStatements, (*checker).lintRedundant},
	{rules.OIDCWildcard, "An OIDC trust (GitHub's or another issuer's) whose subject holds a wildcard admits every repository, branch, environment or service account it matches (model/trust_oidc.go).", Error, AtLoad, nil},
	{rules.AdminTrust, "AdminR, full power for emergencies, trusts only people with MFA: a trust: entry hands it to a machine or another account (model/trust.go).", Error, AtLoad, nil},
	{rules.OutsideAccount, "Another account trusted as a whole, without an external ID or MFA, admits any principal there that its own policies let assume roles: a third party's needs an external ID (the confused deputy), people's MFA.", Warning, InTemplates, (*checker).outsideAccount},
}

// Templates runs iamstack's rules over an analyzed assembly of model m.
func Templates(m *model.Model, inv *assembly.Inventory, rep access.Report) []Violation {
	c := &checker{m: m, inv: inv, rep: rep, principals: map[string]assembly.Principal{}, admitted: map[admitKey]bool{}, assuming: map[string]evaluate.Policies{}}
	for _, p := range append(append([]assembly.Principal(nil), inv.Users...), inv.Roles...) {
		c.principals[p.ARN] = p
	}
	return c.run(InTemplates)
}

// run applies the rules of a stage, in order.
func (c *checker) run(stage string) []Violation {
	for _, r := range Rules {
		if r.Stage != stage {
			continue
		}
		from := len(c.out)
		r.check(c)
		for i := from; i < len(c.out); i++ {
			c.out[i].Severity = r.Severity
		}
	}
	return c.out
}

type checker struct {
	m          *model.Model
	inv        *assembly.Inventory
	rep        access.Report
	principals map[string]assembly.Principal // by ARN
	out        []Violation
	admitted   map[admitKey]bool // admits' decisions
	// assuming are a shape's policies narrowed to sts:AssumeRole (admits).
	assuming map[string]evaluate.Policies
}

// add records a violation of a resource, waived when the model entity the
// resource comes from (its iamstack metadata) says so.
func (c *checker) add(rule, resource string, e metadata.Entity, msg string) {
	v := Violation{Rule: rule, Resource: resource, Message: msg} // run sets the rule's severity
	if w, field := c.m.Waivers(e); field != "" {
		v.Waiver, v.Waived = field, w[rule]
	}
	c.out = append(c.out, v)
}

// where names a resource with its account, so that two accounts' resources
// of the same name are told apart.
func (c *checker) where(kind, name, account string) string {
	return kind + " " + name + " in " + c.inv.Account(account).Name
}

// humanEntries calls f for every human's entry of the access matrix, with
// the user it is about, where f may find something. People of one shape
// (access.Report.Shape) have the same entries but for their names, and a
// rule decides them alike (admits): f reads the entries of a shape's first
// member, and those of the others only when it found something there. At
// 5,000 people that is a few dozen people's entries, not two million: the
// others' are not even computed (access.Report.ByUser).
func (c *checker) humanEntries(f func(e access.Entry, u assembly.Principal)) {
	clean := map[string]bool{} // by shape: f found nothing in its first member's
	var (
		u           assembly.Principal
		shape       string
		first, skip bool
		found       int // len(c.out) when the user began
	)
	end := func() {
		if first {
			clean[shape] = len(c.out) == found
		}
	}
	for name, entries := range c.rep.ByUser() {
		// A person whose entries are their shape's, found clean: nothing
		// to read.
		if p, k, ok := c.rep.Member(name); ok && p.Entity.Kind == metadata.EntityUser && clean[k] {
			continue
		}
		for e := range entries {
			if e.UserKind != "human" {
				continue
			}
			if e.UserARN != u.ARN {
				end()
				u = c.principals[e.UserARN]
				shape = c.rep.Shape(u)
				decided, seen := clean[shape]
				first, skip, found = shape != "" && !seen, decided, len(c.out)
			}
			if !skip {
				f(e, u)
			}
		}
	}
	end()
}

func (c *checker) mfa() {
	c.humanEntries(func(e access.Entry, u assembly.Principal) {
		what := e.Capability
		if e.Type == "assume-role" {
			what = e.Role + " in " + e.Account
		}
		if !e.MFA {
			c.add(rules.MFA, c.where("user", u.Name, u.Account), u.Entity, "reaches "+what+" without an MFA session")
		}
		if e.Type != "assume-role" {
			return
		}
		r := c.principals[e.RoleARN]
		stale := func(ctx map[string][]string) { ctx["aws:MultiFactorAuthAge"] = []string{"315360000"} } // ten years
		if c.admits(rules.MFA, u, r, stale) {
			c.add(rules.MFA, c.where("role", r.Name, r.Account), r.Entity, "admits "+e.User+" with an MFA session of any age; bound aws:MultiFactorAuthAge")
		}
	})
}

func (c *checker) sessionName() {
	c.humanEntries(func(e access.Entry, u assembly.Principal) {
		if e.Type != "assume-role" {
			return
		}
		r := c.principals[e.RoleARN]
		another := func(ctx map[string][]string) { ctx["sts:RoleSessionName"] = []string{"not-" + e.User} }
		if c.admits(rules.SessionName, u, r, another) {
			c.add(rules.SessionName, c.where("role", r.Name, r.Account), r.Entity, "admits "+e.User+" under another session name; require sts:RoleSessionName = ${aws:username}")
		}
	})
}

// admitKey is a rule's question whether a role admits the users of a shape.
type admitKey struct{ rule, shape, role string }

// admits tells whether user u may assume role r with an MFA session whose
// context change alters, which rule asks. It is decided once per shape of
// users (access.Report.Shape) and role: a rule asks it of every person's
// every role, millions of times at 5,000 people and 500 accounts.
func (c *checker) admits(rule string, u, r assembly.Principal, change func(ctx map[string][]string)) bool {
	k := admitKey{rule, c.rep.Shape(u), r.ARN}
	if k.shape != "" {
		if v, ok := c.admitted[k]; ok {
			return v
		}
	}
	req, ps := access.AssumeRole(u, r, true) // req.Context is u's own, with MFA
	change(req.Context)
	// The user's policies narrowed once per shape, whose members hold the
	// same: narrowing reads every condition of the grants.
	narrowed, ok := c.assuming[k.shape]
	if !ok {
		narrowed = evaluate.Narrow(evaluate.Policies{Identity: ps.Identity, Boundary: ps.Boundary}, req.Action)
		if k.shape != "" {
			c.assuming[k.shape] = narrowed
		}
	}
	narrowed.Resource = evaluate.NarrowPolicy(ps.Resource, req.Action)
	v := evaluate.EvaluateIn(evaluate.NewContext(req.Context), req, narrowed).Decision == evaluate.Allow
	if k.shape != "" {
		c.admitted[k] = v
	}
	return v
}

// prefix: every identity iamstack writes must be one OpsR's guard keeps
// read-only: under the prefix, or named in the model.
func (c *checker) prefix() {
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
	}
	for _, r := range c.inv.Roles {
		// A permission set's role is AWS's, under its reserved path: only
		// Identity Center changes it, which is more than the guard says.
		if r.PermissionSet == "" && !guarded(r.Account, r.ARN) {
			c.add(rules.Prefix, c.where("role", r.Name, r.Account), r.Entity, unguarded)
		}
	}
	for _, g := range c.inv.Groups {
		if !guarded(g.Account, g.ARN) {
			c.add(rules.Prefix, c.where("group", g.Name, g.Account), g.Entity, unguarded)
		}
	}
	for _, mp := range c.inv.ManagedPolicies {
		if !guarded(mp.Account, mp.ARN) {
			c.add(rules.Prefix, c.where("policy", mp.Name, mp.Account), mp.Entity, unguarded)
		}
	}
}

func (c *checker) directPolicy() {
	for _, u := range c.inv.Users {
		if len(u.Direct) > 0 {
			c.add(rules.DirectPolicy, c.where("user", u.Name, u.Account), u.Entity, "has policies attached directly: "+strings.Join(u.Direct, ", "))
		}
	}
}

func (c *checker) inlinePolicy() {
	inline := func(kind string, p assembly.Principal) {
		if len(p.Inline) > 0 {
			c.add(rules.InlinePolicy, c.where(kind, p.Name, p.Account), p.Entity, "has inline policies: "+strings.Join(p.Inline, ", "))
		}
	}
	for _, u := range c.inv.Users {
		inline("user", u)
	}
	for _, r := range c.inv.Roles {
		inline("role", r)
	}
	for _, g := range c.inv.Groups {
		if len(g.Inline) > 0 {
			c.add(rules.InlinePolicy, c.where("group", g.Name, g.Account), g.Entity, "has inline policies: "+strings.Join(g.Inline, ", "))
		}
	}
}

func (c *checker) principalStar() {
	for _, r := range c.inv.Roles {
		if r.Trust != nil && starPrincipal(r.Trust.Document) {
			c.add(rules.PrincipalStar, c.where("role", r.Name, r.Account), r.Entity, "trust policy names Principal \"*\"")
		}
	}
	for _, mp := range c.inv.ManagedPolicies {
		if starPrincipal(mp.Document) {
			c.add(rules.PrincipalStar, c.where("policy", mp.Name, mp.Account), mp.Entity, "names Principal \"*\"")
		}
	}
}

func (c *checker) escalation() {
	for _, f := range c.rep.Findings {
		if f.ByDesign == "" {
			c.add(rules.Escalation, f.Principal, c.principals[f.PrincipalARN].Entity,
				fmt.Sprintf("can %s on %s (%s)", f.Action, f.Target, f.Method))
		}
	}
}

// outsideAccount warns of an account outside the assembly trusted with
// nothing that narrows who there may assume the role.
func (c *checker) outsideAccount() {
	for _, x := range c.rep.External {
		if x.Type != "AWS" || !strings.HasSuffix(x.Principal, ":root") {
			continue
		}
		narrowed := slices.ContainsFunc(x.Conditions, func(cond string) bool {
			return strings.Contains(cond, " sts:ExternalId=") || strings.Contains(cond, " aws:MultiFactorAuthPresent=") || strings.Contains(cond, " aws:PrincipalArn=")
		})
		if !narrowed {
			r := c.principals[x.RoleARN]
			c.add(rules.OutsideAccount, c.where("role", r.Name, r.Account), r.Entity,
				"trusts account "+strings.Split(x.Principal, ":")[4]+" as a whole: give its entry the externalId the third party uses, or mfa: true for its people, or trust its role by ARN")
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
