package access

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/analyze/evaluate"
	"github.com/iamstack/iamstack/internal/policy"
)

// prober decides requests of one principal, acting with a recent MFA
// session: the strongest case.
type prober struct {
	s    *search
	p    assembly.Principal
	ctx  evaluate.Context
	base evaluate.Policies
	set  string // its policies, as narrowings names them
	// withExtra are ctx with extra keys, by contextKey (with), in a
	// serviceView: it asks with the same extra keys for every resource of
	// the control plane, hundreds of them.
	withExtra map[string]evaluate.Context
	// own, when not nil, are the prober's narrowings of its policies, by
	// action, kept with it rather than in a memo: components' probe of the
	// roles runs before any search, and so before any memo is given out.
	own map[string]evaluate.Policies
}

// memo is what the searches of every account share.
type memo struct {
	narrowed *narrowings
	// writes are each service's writes, by service (serviceWrites).
	writes map[string][]string
}

func newMemo() *memo {
	return &memo{narrowed: newNarrowings(), writes: map[string][]string{}}
}

// serviceWrites are a service's actions that change something, sorted.
func (m *memo) serviceWrites(service string) []string {
	w, ok := m.writes[service]
	if !ok {
		w = serviceWrites(service)
		m.writes[service] = w
	}
	return w
}

func (s *search) prober(p assembly.Principal) *prober {
	k := key(p)
	if pr, ok := s.probers[k]; ok {
		return pr
	}
	base := evaluate.Policies{Identity: p.Identity, Boundary: p.Boundary}
	pr := &prober{s: s, p: p, ctx: s.proberContext(p), base: base, set: s.memo.narrowed.set(base)}
	s.probers[k] = pr
	return pr
}

// proberContext is the context of p's requests on the account's resources,
// as decide makes them: what matches patterns without deciding sees their
// account.
func (s *search) proberContext(p assembly.Principal) evaluate.Context {
	raw := Context(p, true)
	raw["iam:PolicyARN"] = []string{s.adminPolicy}
	return evaluate.NewContext(raw).For(evaluate.Request{ResourceAccount: s.e.id})
}

// policies are the principal's policies that can decide an action.
func (pr *prober) policies(action string) evaluate.Policies {
	if pr.own != nil {
		ps, ok := pr.own[action]
		if !ok {
			ps = evaluate.Narrow(pr.base, action)
			pr.own[action] = ps
		}
		return ps
	}
	return pr.s.memo.narrowed.narrow(pr.set, pr.base, action)
}

// narrowings are the policies of every account narrowed to each action
// probed (evaluate.Narrow), shared by the principals that hold the same
// policies: a group's members hold its policies' very statements
// (assembly), so a thousand members of a few groups are narrowed as a few
// policy sets, not a thousand times each; and an AWS managed policy is one
// document wherever it is attached, so ReadOnlyAccess's thousands of
// actions are narrowed once for the organization, not once per account.
type narrowings struct {
	ids      map[policyRef]int
	byAction map[narrowKey]evaluate.Policies
	byPolicy map[policyAction]*evaluate.Policy
}

// policyRef identifies a policy by its name and its statements' backing
// array: two principals' policies with the same ref are the same policy.
// A copy of a policy's statements only gets another ref, which costs a
// narrowing, never a wrong one.
type policyRef struct {
	name  string
	first *policy.Statement
	n     int
}

type narrowKey struct{ set, action string }

type policyAction struct {
	id     int
	action string
}

func newNarrowings() *narrowings {
	return &narrowings{ids: map[policyRef]int{}, byAction: map[narrowKey]evaluate.Policies{}, byPolicy: map[policyAction]*evaluate.Policy{}}
}

// set names a principal's policies: equal for principals that hold the same.
func (n *narrowings) set(ps evaluate.Policies) string {
	b := make([]byte, 0, 4*(len(ps.Identity)+1))
	for i := range ps.Identity {
		b = strconv.AppendInt(b, int64(n.id(&ps.Identity[i])), 36)
		b = append(b, ',')
	}
	b = append(b, '|')
	if ps.Boundary != nil {
		b = strconv.AppendInt(b, int64(n.id(ps.Boundary)), 36)
	}
	return string(b)
}

func (n *narrowings) id(p *evaluate.Policy) int {
	ref := policyRef{name: p.Name, n: len(p.Document.Statements)}
	if ref.n > 0 {
		ref.first = &p.Document.Statements[0]
	}
	id, ok := n.ids[ref]
	if !ok {
		id = len(n.ids)
		n.ids[ref] = id
	}
	return id
}

// narrow is the policy set ps, named set, narrowed to the action, as
// evaluate.Narrow makes it, from each policy's narrowing.
func (n *narrowings) narrow(set string, ps evaluate.Policies, action string) evaluate.Policies {
	k := narrowKey{set, action}
	out, ok := n.byAction[k]
	if ok {
		return out
	}
	out = evaluate.Policies{Boundary: n.policy(ps.Boundary, action), Resource: evaluate.NarrowPolicy(ps.Resource, action)}
	for i := range ps.Identity {
		if p := n.policy(&ps.Identity[i], action); len(p.Document.Statements) > 0 {
			out.Identity = append(out.Identity, *p)
		}
	}
	n.byAction[k] = out
	return out
}

// policy is one policy narrowed to the action.
func (n *narrowings) policy(p *evaluate.Policy, action string) *evaluate.Policy {
	if p == nil {
		return nil
	}
	k := policyAction{n.id(p), action}
	out, ok := n.byPolicy[k]
	if !ok {
		out = evaluate.NarrowPolicy(p, action)
		n.byPolicy[k] = out
	}
	return out
}

// decide evaluates one request of the principal in its own account.
func (pr *prober) decide(action, resource string, extra map[string][]string) evaluate.Result {
	return pr.decideIn(pr.with(extra), action, resource)
}

// with is the principal's context with extra keys added or replaced; made
// once per keys in a serviceView (withExtra).
func (pr *prober) with(extra map[string][]string) evaluate.Context {
	if len(extra) == 0 {
		return pr.ctx
	}
	if pr.withExtra == nil {
		return pr.ctx.With(extra)
	}
	return pr.withKeys(newExtraKeys(extra))
}

// withKeys is with, for keys spelled already.
func (pr *prober) withKeys(extra extraKeys) evaluate.Context {
	if len(extra.keys) == 0 {
		return pr.ctx
	}
	if pr.withExtra == nil {
		return pr.ctx.With(extra.keys)
	}
	c, ok := pr.withExtra[extra.key]
	if !ok {
		c = pr.ctx.With(extra.keys)
		pr.withExtra[extra.key] = c
	}
	return c
}

// contextKey spells a request's extra context keys.
func contextKey(extra map[string][]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		b.WriteString(k)
		for _, v := range extra[k] {
			b.WriteString("\x01" + v)
		}
		b.WriteString("\x02")
	}
	return b.String()
}

// decideIn evaluates a request in ctx, the principal's context (with).
func (pr *prober) decideIn(ctx evaluate.Context, action, resource string) evaluate.Result {
	return evaluate.EvaluateIn(ctx, evaluate.Request{Principal: pr.p.ARN, PrincipalAccount: pr.p.Account, Action: action,
		Resource: resource, ResourceAccount: pr.s.e.id}, pr.policies(action))
}

// allowed tells whether the principal may make a request.
func (pr *prober) allowed(action, resource string, extra map[string][]string) bool {
	return pr.allowedIn(pr.with(extra), action, resource)
}

// allowedIn tells whether the principal may make a request in ctx. Without
// a resource policy nothing but an identity allow can allow it, so most
// requests are settled without a full evaluation.
func (pr *prober) allowedIn(ctx evaluate.Context, action, resource string) bool {
	if !evaluate.MayAllow(ctx, pr.policies(action), action, resource) {
		return false
	}
	return pr.decideIn(ctx, action, resource).Decision == evaluate.Allow
}

// denied tells whether a request is explicitly denied: how a guardrail
// that binds the principal shows.
func (pr *prober) denied(action, resource string, extra map[string][]string) bool {
	return pr.decide(action, resource, extra).Decision == evaluate.ExplicitDeny
}

// assumes tells whether the principal may assume role r: its own policies
// and r's trust must both allow it. extra, when given, adds to or replaces
// keys of the request's context (a session name the caller chooses).
func (pr *prober) assumes(r assembly.Principal, extra map[string][]string) bool {
	ps := pr.policies("sts:AssumeRole")
	ps.Resource = r.Trust
	req := r.ResourceRequest("sts:AssumeRole")
	req.Principal, req.PrincipalAccount = pr.p.ARN, pr.p.Account
	return evaluate.EvaluateIn(pr.with(extra), req, ps).Decision == evaluate.Allow
}
