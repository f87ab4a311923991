package access

import (
	"strconv"

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
}

func (s *search) prober(p assembly.Principal) *prober {
	k := key(p)
	if pr, ok := s.probers[k]; ok {
		return pr
	}
	raw := Context(p, true)
	raw["iam:PolicyARN"] = []string{s.adminPolicy}
	base := evaluate.Policies{Identity: p.Identity, Boundary: p.Boundary}
	// The context of a request on the account's resources, as decide makes
	// them: what matches patterns without deciding sees their account.
	ctx := evaluate.NewContext(raw).For(evaluate.Request{ResourceAccount: s.e.id})
	pr := &prober{s: s, p: p, ctx: ctx, base: base, set: s.narrowed.set(base)}
	s.probers[k] = pr
	return pr
}

// policies are the principal's policies that can decide an action.
func (pr *prober) policies(action string) evaluate.Policies {
	return pr.s.narrowed.narrow(pr.set, pr.base, action)
}

// narrowings are an account's policies narrowed to each action probed
// (evaluate.Narrow), shared by the principals that hold the same policies:
// a group's members hold its policies' very statements (assembly), so a
// thousand members of a few groups are narrowed as a few policy sets, not
// a thousand times each.
type narrowings struct {
	ids      map[policyRef]int
	byAction map[narrowKey]evaluate.Policies
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

func newNarrowings() *narrowings {
	return &narrowings{ids: map[policyRef]int{}, byAction: map[narrowKey]evaluate.Policies{}}
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

// narrow is the policy set ps, named set, narrowed to the action.
func (n *narrowings) narrow(set string, ps evaluate.Policies, action string) evaluate.Policies {
	k := narrowKey{set, action}
	out, ok := n.byAction[k]
	if !ok {
		out = evaluate.Narrow(ps, action)
		n.byAction[k] = out
	}
	return out
}

// decide evaluates one request of the principal in its own account.
func (pr *prober) decide(action, resource string, extra map[string][]string) evaluate.Result {
	c := pr.ctx
	if len(extra) > 0 {
		c = c.With(extra)
	}
	return evaluate.EvaluateIn(c, evaluate.Request{Principal: pr.p.ARN, PrincipalAccount: pr.p.Account, Action: action,
		Resource: resource, ResourceAccount: pr.s.e.id}, pr.policies(action))
}

// allowed tells whether the principal may make a request. Without a
// resource policy nothing but an identity allow can allow it, so most
// requests are settled without a full evaluation.
func (pr *prober) allowed(action, resource string, extra map[string][]string) bool {
	c := pr.ctx
	if len(extra) > 0 {
		c = c.With(extra)
	}
	if !evaluate.MayAllow(c, pr.policies(action), action, resource) {
		return false
	}
	return pr.decide(action, resource, extra).Decision == evaluate.Allow
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
	ctx := pr.ctx
	if len(extra) > 0 {
		ctx = ctx.With(extra)
	}
	return evaluate.EvaluateIn(ctx, req, ps).Decision == evaluate.Allow
}
