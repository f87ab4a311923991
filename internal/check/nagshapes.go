package check

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/iamstack/iamstack/internal/plan"
)

// cdk-nag's AwsSolutions rules, like cfn-lint's, read a resource's own
// properties: the gate runs them on one stack of each shape (shapes.go),
// a StackSet's template among them (withStackSetTemplates),
// and in it on one user of each shape of resource (pool.go), and writes
// what they find on a resource for every resource it stands for. Running
// them on every resource of 500 accounts and 5,000 people doubled the
// synthesis; the rest of the assembly is synthesized without them (its
// templates are the same: TestNagLeavesTemplatesAsTheyAre).

// nagPlan is the part of a plan cdk-nag reads, and what each of its
// resources stands for.
type nagPlan struct {
	plan *plan.Plan
	// pool is the resources by shape of the first member of each shape
	// of template, and groupOf the shape of each of those members' file.
	pool    *pool
	groupOf map[string]shape
}

// newNagPlan finds the shapes of the plan's templates, rendered in Go into
// dir (plan.WriteTemplates: byte for byte the CDK's), and of its
// StackSets' templates, which it renders beside dir, and returns the plan
// of one stack of each shape, without the users others stand for.
func newNagPlan(p *plan.Plan, dir string, memo *shapeMemo) (*nagPlan, error) {
	var files []string
	for _, s := range p.Stacks {
		files = append(files, filepath.Join(dir, s.ID+".template.json"))
	}
	// The StackSets' templates beside dir, which is the head's rendering
	// as the CDK writes it (run.go compares the two).
	sets := dir + "-stacksets"
	if err := os.MkdirAll(sets, 0o755); err != nil {
		return nil, err
	}
	p = withStackSetTemplates(p)
	for _, s := range p.Stacks[len(files):] {
		f := filepath.Join(sets, s.ID+".template.json")
		if err := os.WriteFile(f, s.Template().JSON(), 0o644); err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	n := &nagPlan{plan: &plan.Plan{}, groupOf: map[string]shape{}}
	var reps []string
	for _, g := range shapes(dir, files, memo) {
		reps = append(reps, g[0].file)
		n.groupOf[g[0].file] = g
	}
	var err error
	if n.pool, err = newPool(reps); err != nil {
		return nil, err
	}
	byID := map[string]plan.Stack{}
	for _, s := range p.Stacks {
		byID[s.ID] = s
	}
	included := map[string]bool{}
	for _, lf := range n.pool.linted {
		if lf.filler != "" {
			continue // every resource stands elsewhere
		}
		s := byID[stackID(lf.template)]
		s.Users = slices.DeleteFunc(slices.Clone(s.Users), func(u plan.User) bool {
			_, read := lf.self[u.LogicalID]
			return !read && lf.copy != nil
		})
		n.plan.Stacks = append(n.plan.Stacks, s)
		included[s.ID] = true
	}
	// A stack left out is one of the same shape as one kept: what kept
	// stacks depend on is theirs to deploy first, not cdk-nag's to read.
	for i := range n.plan.Stacks {
		s := &n.plan.Stacks[i]
		s.DependsOn = slices.DeleteFunc(slices.Clone(s.DependsOn), func(id string) bool { return !included[id] })
	}
	return n, nil
}

// withStackSetTemplates is the plan with each StackSet's template as a
// stack of its own, <stack>-<StackSet's logical ID>: cdk-nag reads the
// construct tree, where a StackSet carries its template as text, and the
// roles of an OU's accounts would go unread.
func withStackSetTemplates(p *plan.Plan) *plan.Plan {
	out := &plan.Plan{Stacks: slices.Clone(p.Stacks)}
	for _, s := range p.Stacks {
		for _, ss := range s.StackSets {
			t := ss.Template
			t.ID, t.DependsOn = s.ID+"-"+ss.LogicalID, nil
			out.Stacks = append(out.Stacks, t)
		}
	}
	return out
}

// stackID is the stack of a template file.
func stackID(file string) string {
	return strings.TrimSuffix(filepath.Base(file), ".template.json")
}

// expand writes cdk-nag's findings on the stacks it read for every
// resource their resources stand for: in other templates of the stack's
// shape, and of the resource's.
func (n *nagPlan) expand(vs []Violation) []Violation {
	var out []Violation
	seen := map[string]bool{}
	add := func(v Violation) {
		if k := v.Rule + "\x00" + v.Resource; !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	files := map[string]*lintedFile{}
	for i := range n.pool.linted {
		lf := &n.pool.linted[i]
		files[stackID(lf.template)] = lf
	}
	for _, v := range vs {
		stack, rest, _ := strings.Cut(v.Resource, "/")
		id, tail, _ := strings.Cut(rest, "/")
		if tail != "" {
			tail = "/" + tail
		}
		lf, ok := files[stack]
		if !ok {
			add(v)
			continue
		}
		places := []place{{file: lf.template, id: id}}
		if _, read := lf.self[id]; read {
			places = append(places, lf.members[id]...)
		}
		for _, pl := range places {
			g := n.groupOf[pl.file]
			for _, m := range g {
				w := v
				w.Resource = fmt.Sprintf("%s/%s%s", stackID(m.file), memberID(g[0], m, pl.id), tail)
				add(w)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Resource+out[i].Rule < out[j].Resource+out[j].Rule })
	return out
}

// memberID is the logical ID in member m's template of the resource id of
// the shape's first member's.
func memberID(rep, m shapeMember, id string) string {
	if i := slices.Index(rep.logicalIDs, id); i >= 0 && i < len(m.logicalIDs) {
		return m.logicalIDs[i]
	}
	return id
}
