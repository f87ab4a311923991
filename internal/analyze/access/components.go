package access

import (
	"cmp"
	"maps"
	"runtime"
	"slices"
	"sync"

	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/analyze/evaluate"
	"github.com/iamstack/iamstack/internal/parallel"
	"github.com/iamstack/iamstack/internal/progress"
)

// The escalation search of an account reaches into another account's only
// along crossAccount's edges: a role of the account assuming a role that
// trusts it. Accounts joined by such edges, directly or through others,
// are a component; the searches of two components share nothing but the
// inventory, which they only read, and run side by side, one goroutine per
// core. Within a component the principals are searched in the inventory's
// order, as one goroutine would: the searches' caches then fill as they
// always did, and the findings are the same, byte for byte.

// component is the accounts of one component and, in the inventory's
// order, the indexes of its principals in the list searched.
type component struct {
	accounts   []string
	principals []int
}

// components partitions the principals by component of their account.
// Only a role that is no administrator and whose policies may allow
// sts:AssumeRole on a role of another account that trusts its own joins
// the two: the people of the user-only
// account, whom every role trusts, join nothing (crossAccount leaves users
// out), nor do the roles there that may assume only their own account's.
func components(searches map[string]*search, w *world, principals []assembly.Principal) []component {
	parent := map[string]string{}
	var find func(string) string
	find = func(a string) string {
		p, ok := parent[a]
		if !ok || p == a {
			parent[a] = a
			return a
		}
		root := find(p)
		parent[a] = root
		return root
	}
	union := func(a, b string) {
		ra, rb := find(a), find(b)
		if ra != rb {
			parent[max(ra, rb)] = min(ra, rb) // the same roots whatever the maps' order
		}
	}
	for _, id := range w.accounts {
		find(id)
		s := searches[id]
		for _, x := range s.e.roles {
			// A prober of its own, its narrowings not kept: the searches'
			// memos are the goroutines' (searchAll).
			pr := &prober{s: s, p: x, ctx: s.proberContext(x), base: evaluate.Policies{Identity: x.Identity, Boundary: x.Boundary}, own: map[string]evaluate.Policies{}}
			ps := pr.policies("sts:AssumeRole")
			if len(ps.Identity) == 0 {
				continue
			}
			var joins []string
			for _, r := range append(slices.Clone(w.trusting[id]), w.trusting["*"]...) {
				// crossAccount's own test, conditions aside: a role it
				// could follow joins the two accounts.
				if r.Account != id && mayAssume(pr.ctx, ps, *r) {
					joins = append(joins, r.Account)
				}
			}
			// An administrator's edges are never followed (isAdmin comes
			// first in escalations and reaches): the CDK's execution role,
			// AdministratorAccess in every bootstrapped account, joins
			// nothing.
			if len(joins) > 0 && !fullPower(pr) {
				for _, a := range joins {
					union(id, a)
				}
			}
		}
	}
	byRoot := map[string]*component{}
	for _, id := range w.accounts {
		root := find(id)
		if byRoot[root] == nil {
			byRoot[root] = &component{}
		}
		byRoot[root].accounts = append(byRoot[root].accounts, id)
	}
	for i, p := range principals {
		if c := byRoot[find(p.Account)]; c != nil {
			c.principals = append(c.principals, i)
		}
	}
	var out []component
	for _, root := range slices.Sorted(maps.Keys(byRoot)) {
		if c := byRoot[root]; len(c.principals) > 0 {
			out = append(out, *c)
		}
	}
	// The largest first, so that the last to finish is a small one.
	slices.SortStableFunc(out, func(a, b component) int { return cmp.Compare(len(b.principals), len(a.principals)) })
	return out
}

// searched is one principal's escalation result.
type searched struct {
	findings []Finding
	admin    bool
}

// searchAll runs escalations for every principal, component by component in
// parallel, and returns each one's result by its index. A user whose shape
// (see shapes) has a member with no finding and no full power has none
// either: the members differ only in their names, which no policy names,
// and each excludes only itself as a target; a shape is one account's, so
// of one component. keys are the users' shapes, "" for roles and for users
// evaluated alone.
func searchAll(searches map[string]*search, w *world, principals []assembly.Principal, keys []string, report progress.Func) []searched {
	out := make([]searched, len(principals))
	comps := components(searches, w, principals)
	// Each goroutine narrows policies with a memo of its own (narrowings
	// are not shared across goroutines); a component's searches use the
	// memo of the goroutine that runs it.
	memos := make(chan *memo, runtime.GOMAXPROCS(0))
	for range cap(memos) {
		memos <- newMemo()
	}
	var mu sync.Mutex
	done := 0
	parallel.For(len(comps), func(i int) {
		m := <-memos
		defer func() { memos <- m }()
		c := comps[i]
		for _, id := range c.accounts {
			searches[id].memo = m
		}
		clean := map[string]bool{}
		for _, j := range c.principals {
			p, k := principals[j], keys[j]
			if k == "" || !clean[k] {
				fs, admin := escalations(searches[p.Account], p)
				out[j] = searched{fs, admin}
				if k != "" && len(fs) == 0 && !admin {
					clean[k] = true
				}
			}
			if report != nil {
				mu.Lock()
				done++
				report(done, len(principals))
				mu.Unlock()
			}
		}
		// Nothing searches these accounts again: their caches go now, not
		// when the last component is done.
		for _, id := range c.accounts {
			s := searches[id]
			*s = *newSearch(s.inv, s.e)
		}
	})
	return out
}
