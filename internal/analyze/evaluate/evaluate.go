// Package evaluate decides IAM requests the way AWS documents its policy
// evaluation logic, for the policies iamstack's templates and their anchors
// use: identity policies, permissions boundaries and role trust policies.
// Explicit denies win; Action/NotAction, Resource/NotResource and Principal
// match with wildcards; conditions support the String, Numeric, Date, Bool,
// Null, Arn and IpAddress operator families with IfExists and the
// ForAnyValue/ForAllValues set qualifiers; NotPrincipal in resource policies; policy variables such as
// ${aws:username} are substituted from the request context.
//
// Not modelled: service control and resource control policies, session
// policies, and resource policies other than role trust.
package evaluate

import (
	"slices"
	"strconv"
	"strings"

	"github.com/iamstack/iamstack/internal/policy"
)

// Decision is the outcome of a request.
type Decision int

// The three outcomes AWS distinguishes.
const (
	ImplicitDeny Decision = iota
	Allow
	ExplicitDeny
)

func (d Decision) String() string {
	return [...]string{"implicit deny", "allow", "explicit deny"}[d]
}

// Policy is a policy document with the name it is reported under.
type Policy struct {
	Name     string
	Document policy.Document
	// compiled says conditions holds the statements' conditions read for
	// evaluation (compileConditions), by statement, nil when none has
	// any: NewPolicy and Narrow make them, for the policies the analysis
	// decides thousands of requests on. Otherwise, or when the document
	// is no longer the one they were read from (of), each decision reads
	// the document's.
	compiled   bool
	conditions [][]condition
	of         []policy.Statement
}

// NewPolicy is a policy whose conditions are read once, for every
// request it decides: a role's trust policy, which decides every caller's
// request to assume the role, or a group's policy, which decides every
// member's.
func NewPolicy(name string, doc policy.Document) *Policy {
	p := &Policy{Name: name, Document: doc}
	return p.compile(func(policy.Statement) bool { return true })
}

// compile is p with its statements that keep says, each with its
// conditions compiled: p itself when it is compiled and keeps them all.
func (p *Policy) compile(keep func(policy.Statement) bool) *Policy {
	n := 0
	for _, s := range p.Document.Statements {
		if keep(s) {
			n++
		}
	}
	if n == len(p.Document.Statements) && p.isCompiled() {
		return p
	}
	out := &Policy{Name: p.Name, Document: p.Document, compiled: true}
	if n < len(p.Document.Statements) {
		out.Document = policy.Document{Statements: make([]policy.Statement, 0, n)}
	}
	kept := 0
	for i, s := range p.Document.Statements {
		if !keep(s) {
			continue
		}
		if n < len(p.Document.Statements) {
			out.Document.Statements = append(out.Document.Statements, s)
		}
		if c := p.conditionsOf(i); c != nil {
			if out.conditions == nil {
				out.conditions = make([][]condition, n)
			}
			out.conditions[kept] = c
		}
		kept++
	}
	out.of = out.Document.Statements
	return out
}

// isCompiled tells whether p's conditions were read from its document as
// it is.
func (p *Policy) isCompiled() bool {
	st := p.Document.Statements
	return p.compiled && len(p.of) == len(st) && (len(st) == 0 || &p.of[0] == &st[0])
}

// conditionsOf are statement i's conditions, compiled.
func (p *Policy) conditionsOf(i int) []condition {
	switch {
	case !p.isCompiled():
		return compileConditions(p.Document.Statements[i].Conditions)
	case p.conditions == nil:
		return nil
	}
	return p.conditions[i]
}

// Request is one API call to authorize.
type Request struct {
	// Principal is the caller's ARN (an IAM user or role), or for
	// AssumeRoleWithWebIdentity the identity provider's ARN.
	Principal        string
	PrincipalAccount string
	Action           string
	Resource         string
	ResourceAccount  string
	// ResourceOrgID and ResourceOrgPaths place the resource's account in
	// its organization, when it is a member of one: o-a1b2c3d4e5 and
	// o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/.
	ResourceOrgID    string
	ResourceOrgPaths []string
	// Context holds the request's condition keys and their values. Keys are
	// matched case-insensitively, as IAM does.
	Context map[string][]string
}

// Policies are the policies that apply to a request.
type Policies struct {
	// Identity are the caller's identity policies, its groups' included.
	Identity []Policy
	// Boundary is the caller's permissions boundary, if any.
	Boundary *Policy
	// Resource is the resource's policy: for sts:AssumeRole, the role's trust policy.
	Resource *Policy
}

// Result is a decision and the statements that made it.
type Result struct {
	Decision Decision
	// AllowedBy and DeniedBy name the deciding statements: "policy/Sid" or
	// "policy/#n" for statements without a Sid.
	AllowedBy, DeniedBy []string
}

// Evaluate decides a request.
func Evaluate(req Request, ps Policies) Result {
	return EvaluateIn(NewContext(req.Context), req, ps)
}

// EvaluateIn decides a request in a context prepared with NewContext, which
// callers deciding many requests of one principal prepare once; the
// request's own Context is ignored.
func EvaluateIn(ctx Context, req Request, ps Policies) Result {
	ctx = ctx.For(req)
	var r Result
	check := func(p *Policy, isResource bool) (allowed []string, principalMatch string) {
		for i, s := range p.Document.Statements {
			m := statementMatches(p, i, req, ctx, isResource)
			if m == "" {
				continue
			}
			ref := statementRef(p.Name, i, s)
			if s.Effect == policy.Deny {
				r.DeniedBy = append(r.DeniedBy, ref)
				continue
			}
			allowed = append(allowed, ref)
			if m == matchDirect || principalMatch == "" {
				principalMatch = m
			}
		}
		return allowed, principalMatch
	}
	var identity []string
	for i := range ps.Identity {
		a, _ := check(&ps.Identity[i], false)
		identity = append(identity, a...)
	}
	boundaryOK := true
	if ps.Boundary != nil {
		a, _ := check(ps.Boundary, false)
		boundaryOK = len(a) > 0
	}
	var resource []string
	var how string
	if ps.Resource != nil {
		resource, how = check(ps.Resource, true)
	}
	if protected(req) {
		// IAM refuses it before any policy has a say.
		return Result{Decision: ImplicitDeny}
	}
	if len(r.DeniedBy) > 0 {
		r.Decision = ExplicitDeny
		return r
	}
	identityOK := len(identity) > 0 && boundaryOK
	sameAccount := req.PrincipalAccount == req.ResourceAccount
	isAssumeRole := strings.EqualFold(req.Action, "sts:AssumeRole")
	switch {
	case ps.Resource == nil && isAssumeRole:
		// A role without a trust policy trusts nobody.
	case ps.Resource == nil:
		if identityOK && sameAccount {
			r.Decision, r.AllowedBy = Allow, identity
		}
	case sameAccount && (how == matchDirect || how == matchStar):
		// A resource policy naming the caller itself, or everyone, grants on
		// its own within the account.
		r.Decision, r.AllowedBy = Allow, resource
	case sameAccount && !isAssumeRole && identityOK:
		r.Decision, r.AllowedBy = Allow, identity
	case len(resource) > 0 && identityOK:
		// Naming the account delegates to the account's identity policies;
		// across accounts both sides must allow.
		r.Decision, r.AllowedBy = Allow, append(identity, resource...)
	}
	return r
}

// EvaluateActions decides the request once for each of actions (the
// request's own Action is ignored), as EvaluateIn decides each, for
// identity policies and a boundary alone (ps.Resource must be nil): each
// statement's resources and conditions are matched once, not once per
// action. A principal's every write of a service on one resource is
// hundreds of actions. With a resource policy, each action is decided by
// EvaluateIn.
func EvaluateActions(ctx Context, req Request, ps Policies, actions []string) []Decision {
	out := make([]Decision, len(actions))
	if ps.Resource != nil {
		for i, a := range actions {
			r := req
			r.Action = a
			out[i] = EvaluateIn(ctx, r, ps).Decision
		}
		return out
	}
	ctx = ctx.For(req)
	// The statements that apply to the request but for its action.
	var allows, denies, boundary []policy.Statement
	applies := func(p *Policy, allow *[]policy.Statement) {
		for i, s := range p.Document.Statements {
			if !appliesTo(p, i, req.Resource, ctx) {
				continue
			}
			if s.Effect == policy.Deny {
				denies = append(denies, s)
			} else {
				*allow = append(*allow, s)
			}
		}
	}
	for i := range ps.Identity {
		applies(&ps.Identity[i], &allows)
	}
	if ps.Boundary != nil {
		applies(ps.Boundary, &boundary)
	}
	matches := func(stmts []policy.Statement, action string) bool {
		return slices.ContainsFunc(stmts, func(s policy.Statement) bool { return actionMatches(s, action) })
	}
	sameAccount := req.PrincipalAccount == req.ResourceAccount
	for i, a := range actions {
		r := req
		r.Action = a
		switch {
		case protected(r):
			out[i] = ImplicitDeny // IAM refuses it before any policy has a say
		case matches(denies, a):
			out[i] = ExplicitDeny
		case strings.EqualFold(a, "sts:AssumeRole"):
			out[i] = ImplicitDeny // a role without a trust policy trusts nobody
		case sameAccount && matches(allows, a) && (ps.Boundary == nil || matches(boundary, a)):
			out[i] = Allow
		default:
			out[i] = ImplicitDeny
		}
	}
	return out
}

func statementRef(policyName string, i int, s policy.Statement) string {
	if s.Sid != "" {
		return policyName + "/" + s.Sid
	}
	return policyName + "/#" + strconv.Itoa(i+1)
}

// How a resource-policy statement's principal matched the caller.
const (
	matchAny     = "any"     // identity statements: no principal element
	matchAccount = "account" // the caller's account root or ID
	matchDirect  = "direct"  // the caller's own ARN
	matchStar    = "star"    // "*"
)

// statementMatches reports how statement i of p applies to the request, or
// "".
func statementMatches(p *Policy, i int, req Request, ctx Context, isResource bool) string {
	s := p.Document.Statements[i]
	how := matchAny
	if isResource {
		if len(s.NotPrincipal) > 0 {
			how = notPrincipalMatch(s.NotPrincipal, req)
		} else {
			how = principalMatch(s.Principal, req)
		}
		if how == "" {
			return ""
		}
	}
	if !actionMatches(s, req.Action) || !appliesTo(p, i, req.Resource, ctx) {
		return ""
	}
	return how
}

// appliesTo tells whether statement i of p matches a resource and its
// conditions hold in ctx: all of its match but the action and principal.
func appliesTo(p *Policy, i int, resource string, ctx Context) bool {
	s := &p.Document.Statements[i]
	if len(s.Resources) > 0 && !anyMatch(s.Resources, resource, false, ctx) {
		return false
	}
	if len(s.NotResources) > 0 && anyMatch(s.NotResources, resource, false, ctx) {
		return false
	}
	return conditionsHold(p.conditionsOf(i), ctx)
}

func principalMatch(p policy.Principal, req Request) string {
	best := ""
	for typ, vals := range p {
		if typ != "AWS" {
			// A service or an identity provider is named exactly; neither
			// ever equals an IAM caller's ARN.
			if slices.Contains(vals, req.Principal) {
				return matchDirect
			}
			continue
		}
		for _, v := range vals {
			switch {
			case v == "*":
				if best == "" {
					best = matchStar
				}
			case v == req.Principal:
				return matchDirect
			case v == req.PrincipalAccount || isAccountRoot(v, req.PrincipalAccount):
				best = matchAccount
			}
		}
	}
	return best
}

// notPrincipalMatch applies a statement to every caller its NotPrincipal does
// not name. Naming the account alone does not exclude the account's users:
// the caller's own ARN must be listed, as IAM's documentation describes.
func notPrincipalMatch(p policy.Principal, req Request) string {
	for typ, vals := range p {
		if typ == "AWS" && (slices.Contains(vals, req.Principal) || slices.Contains(vals, "*")) {
			return ""
		}
	}
	return matchStar
}

func isAccountRoot(arn, account string) bool {
	parts := strings.Split(arn, ":")
	return len(parts) == 6 && parts[0] == "arn" && parts[2] == "iam" && parts[4] == account && parts[5] == "root"
}

// anyMatch tells whether value matches one of the patterns, after policy
// variables in the patterns are substituted. Actions match case-insensitively.
func anyMatch(patterns []string, value string, fold bool, ctx Context) bool {
	for _, p := range patterns {
		p, ok := ctx.substitute(p)
		if !ok {
			continue
		}
		if fold {
			if globFold(p, value) {
				return true
			}
		} else if arnMatch(p, value) {
			return true
		}
	}
	return false
}

// arnMatch matches an ARN pattern: the partition, service, region and account
// fields each match on their own; the resource may contain colons.
func arnMatch(pattern, value string) bool {
	if pattern == "*" {
		return true
	}
	if !strings.ContainsAny(pattern, "*?") {
		return pattern == value
	}
	if strings.Count(pattern, ":") < 5 || strings.Count(value, ":") < 5 {
		return glob(pattern, value)
	}
	// Field by field without splitting: this runs for every statement and
	// resource the analysis tries.
	for i := 0; i < 5; i++ {
		pi, vi := strings.IndexByte(pattern, ':'), strings.IndexByte(value, ':')
		if !glob(pattern[:pi], value[:vi]) {
			return false
		}
		pattern, value = pattern[pi+1:], value[vi+1:]
	}
	return glob(pattern, value)
}

func glob(pattern, s string) bool     { return policy.Glob(pattern, s) }
func globFold(pattern, s string) bool { return policy.GlobFold(pattern, s) }

// Narrow keeps only the statements whose Action or NotAction can match the
// action: the rest can never take part in a decision about it. Evaluating
// many resources for one action on narrowed policies is much cheaper, and
// their conditions are read once (NewPolicy). A document all of whose
// statements are kept is shared, not copied: the analysis narrows every
// principal's policies for dozens of actions, and policies are never
// changed once read.
func Narrow(ps Policies, action string) Policies {
	n := Policies{Boundary: NarrowPolicy(ps.Boundary, action), Resource: NarrowPolicy(ps.Resource, action)}
	for i := range ps.Identity {
		if p := NarrowPolicy(&ps.Identity[i], action); len(p.Document.Statements) > 0 {
			n.Identity = append(n.Identity, *p)
		}
	}
	return n
}

// NarrowPolicy is p with only the statements that can match the action,
// their conditions read once: p itself when all can and they are, nil
// when p is. Narrow is NarrowPolicy of each policy, keeping the identity
// policies left with a statement.
func NarrowPolicy(p *Policy, action string) *Policy {
	if p == nil {
		return nil
	}
	return p.compile(func(s policy.Statement) bool { return actionMatches(s, action) })
}

// MayAllow tells whether an identity Allow statement matches the action and
// resource, conditions aside. Without a resource policy nothing is allowed
// otherwise, so callers skip the full evaluation when it says no.
func MayAllow(ctx Context, ps Policies, action, resource string) bool {
	for _, p := range ps.Identity {
		for _, s := range p.Document.Statements {
			if s.Effect != policy.Allow || !actionMatches(s, action) {
				continue
			}
			if len(s.Resources) > 0 && !anyMatch(s.Resources, resource, false, ctx) {
				continue
			}
			if len(s.NotResources) > 0 && anyMatch(s.NotResources, resource, false, ctx) {
				continue
			}
			return true
		}
	}
	return false
}

// LiteralResources are the resources that the identity Allow statements
// of ps name for the action, ctx's variables substituted, when every such
// statement names its resources one by one: MayAllow holds for no other
// resource. ok is false when a statement matches resources by a wildcard,
// by NotResource or for want of Resource: a caller then asks MayAllow
// resource by resource. A caller deciding an action on thousands of users
// asks about the few a policy names, as ${aws:username} does.
func LiteralResources(ctx Context, ps Policies, action string) (resources []string, ok bool) {
	for _, p := range ps.Identity {
		for _, s := range p.Document.Statements {
			if s.Effect != policy.Allow || !actionMatches(s, action) {
				continue
			}
			if len(s.Resources) == 0 || len(s.NotResources) > 0 {
				return nil, false
			}
			for _, r := range s.Resources {
				r, ok := ctx.substitute(r)
				if !ok {
					continue // matches nothing, as in anyMatch
				}
				if strings.ContainsAny(r, "*?") {
					return nil, false
				}
				resources = append(resources, r)
			}
		}
	}
	return resources, true
}

// ResourceClass is what the policies can tell of a resource: which of their
// statements' Resource and NotResource patterns match it. Two resources of
// one class get the same decision for requests that differ in nothing else,
// so a caller deciding one action on many resources decides once per class.
// Conditions do not see the resource's name, so they do not split classes.
func ResourceClass(ctx Context, ps Policies, resource string) string {
	var b []byte
	bits := func(patterns []string) {
		for _, p := range patterns {
			if p, ok := ctx.substitute(p); ok && arnMatch(p, resource) {
				b = append(b, '1')
			} else {
				b = append(b, '0')
			}
		}
	}
	doc := func(p *Policy) {
		if p == nil {
			return
		}
		for _, s := range p.Document.Statements {
			bits(s.Resources)
			b = append(b, '|')
			bits(s.NotResources)
			b = append(b, '/')
		}
	}
	for i := range ps.Identity {
		doc(&ps.Identity[i])
	}
	doc(ps.Boundary)
	doc(ps.Resource)
	return string(b)
}

func actionMatches(s policy.Statement, action string) bool {
	var ctx Context
	if len(s.Actions) > 0 {
		return anyMatch(s.Actions, action, true, ctx)
	}
	return !anyMatch(s.NotActions, action, true, ctx)
}
