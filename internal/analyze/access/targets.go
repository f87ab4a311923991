package access

import (
	"iter"
	"slices"

	"github.com/iamstack/iamstack/internal/analyze/evaluate"
)

type target struct{ name, arn, boundary string }

// targetSet is what the methods of one kind of target act on in an
// account: its targets in order, indexed by ARN.
type targetSet struct {
	list    []target
	byARN   map[string][]int
	bounded []int // the targets with a boundary
}

// candidates are, in order, the indexes of the targets whose requests the
// policies may allow (evaluate.MayAllow in ctx): every target, unless the
// policies name the resources they allow one by one
// (evaluate.LiteralResources), as a self-service policy names its user;
// then those named, and those with a boundary, which their requests carry
// in their context.
func (ts *targetSet) candidates(ctx evaluate.Context, ps evaluate.Policies, action string) iter.Seq[int] {
	named, literal := evaluate.LiteralResources(ctx, ps, action)
	if !literal {
		return func(yield func(int) bool) {
			for i := range ts.list {
				if !yield(i) {
					return
				}
			}
		}
	}
	out := slices.Clone(ts.bounded)
	for _, arn := range named {
		out = append(out, ts.byARN[arn]...)
	}
	slices.Sort(out)
	return slices.Values(slices.Compact(out))
}

// allowedOn is the indexes of the targets the principal may make the
// request on, in order; nil when it may on none. Targets its policies cannot tell
// apart (evaluate.ResourceClass) and with the same boundary get one
// evaluation: a principal over every user of an account is decided once,
// not once per user.
//
// The answer is shared by the principals of the account that hold the same
// policies and give the keys those read the same values
// (evaluate.Context.Projection): without a resource policy a principal's
// ARN decides nothing, and a hundred IAM administrators of the user-only
// account are probed on its thousands of people once. Callers do not
// change it.
func (pr *prober) allowedOn(action string, ts *targetSet) []int {
	ps := pr.policies(action)
	if len(ps.Identity) == 0 {
		return nil // no identity statement can allow the action
	}
	k := maskKey{pr.set, action, pr.ctx.Projection(ps), ts}
	if out, ok := pr.s.masks[k]; ok {
		return out
	}
	out := pr.mask(action, ps, ts)
	pr.s.masks[k] = out
	return out
}

// maskKey is what allowedOn's answer depends on.
type maskKey struct {
	set, action, projection string
	targets                 *targetSet
}

// mask decides the action on each target (allowedOn).
func (pr *prober) mask(action string, ps evaluate.Policies, ts *targetSet) []int {
	var out []int
	decided := map[string]bool{}
	bounded := map[string]evaluate.Context{} // the context with each boundary, made once
	for i := range ts.candidates(pr.ctx, ps, action) {
		t := ts.list[i]
		ctx := pr.ctx
		if t.boundary != "" {
			c, ok := bounded[t.boundary]
			if !ok {
				c = ctx.With(map[string][]string{"iam:PermissionsBoundary": {t.boundary}})
				bounded[t.boundary] = c
			}
			ctx = c
		}
		if !evaluate.MayAllow(ctx, ps, action, t.arn) {
			continue // the cheap no of most principals on most targets
		}
		k := t.boundary + "\x00" + evaluate.ResourceClass(ctx, ps, t.arn)
		ok, seen := decided[k]
		if !seen {
			ok = pr.decideIn(ctx, action, t.arn).Decision == evaluate.Allow
			decided[k] = ok
		}
		if ok {
			out = append(out, i)
		}
	}
	return out
}

// maxNamedUsers is how many users a finding's targets name one by one
// before a principal reaching all of them gets one finding instead.
const maxNamedUsers = 10

// named names the targets of findings. A principal that reaches every user
// of an account of more than maxNamedUsers (or every other user) gets one
// finding saying so, not one per user: with thousands of people, per-user
// findings of every IAM administrator grew with users squared, and the one
// finding does not change when a user joins. Other targets are named one
// by one. all counts the targets there are.
func (s *search) named(kind string, all int, reached []target) []string {
	if every, ok := s.every(kind, all, len(reached)); ok {
		return []string{every}
	}
	out := make([]string, len(reached))
	for i, t := range reached {
		out[i] = t.name
	}
	return out
}

// every is the one target named for n reached of all, when named gives one.
func (s *search) every(kind string, all, n int) (string, bool) {
	if n <= maxNamedUsers || n != all {
		return "", false
	}
	switch kind {
	case "user":
		return "every user in " + s.inv.Account(s.e.id).Name, true
	case "other-user":
		return "every other user in " + s.inv.Account(s.e.id).Name, true
	}
	return "", false
}

// targetSet is the account's targets of a kind; those of "other-user" are
// every user, the caller leaving itself out.
func (s *search) targetSet(kind string) *targetSet {
	if kind == "other-user" {
		kind = "user"
	}
	ts, ok := s.targets[kind]
	if !ok {
		ts = newTargetSet(s.targetsOf(kind))
		s.targets[kind] = ts
	}
	return ts
}

func newTargetSet(list []target) *targetSet {
	ts := &targetSet{list: list, byARN: map[string][]int{}}
	for i, t := range list {
		ts.byARN[t.arn] = append(ts.byARN[t.arn], i)
		if t.boundary != "" {
			ts.bounded = append(ts.bounded, i)
		}
	}
	return ts
}

func (s *search) targetsOf(kind string) []target {
	var out []target
	switch kind {
	case "policy":
		for _, mp := range s.inv.ManagedPolicies {
			if mp.Account == s.e.id {
				out = append(out, target{mp.Name, mp.ARN, ""})
			}
		}
	case "user":
		for _, u := range s.e.users {
			out = append(out, target{u.Name, u.ARN, u.BoundaryARN})
		}
	case "group":
		for _, g := range s.e.groups {
			out = append(out, target{g.Name, g.ARN, ""})
		}
	case "role":
		for _, r := range s.e.roles {
			out = append(out, target{r.Name, r.ARN, r.BoundaryARN})
		}
	}
	return out
}
