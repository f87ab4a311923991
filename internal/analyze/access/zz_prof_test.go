package access

import (
	"os"
	"testing"

	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/analyze/evaluate"
)

func TestZZComp(t *testing.T) {
	dir := os.Getenv("PROF_ASM")
	if dir == "" {
		t.Skip()
	}
	inv, _ := assembly.Read(dir)
	searches := map[string]*search{}
	for id, e := range estates(inv) {
		searches[id] = newSearch(inv, e)
	}
	w := newWorld(searches)
	principals := append(append([]assembly.Principal(nil), inv.Roles...), inv.Users...)
	cs := components(searches, w, principals)
	t.Log(len(cs))
	for _, c := range cs[:min(5, len(cs))] {
		t.Log(len(c.accounts), len(c.principals), c.accounts[:min(3, len(c.accounts))])
	}
	t.Log(len(w.trusting["*"]), len(w.trusting["100000000000"]))
}

func TestZZJoin(t *testing.T) {
	dir := os.Getenv("PROF_ASM")
	if dir == "" {
		t.Skip()
	}
	inv, _ := assembly.Read(dir)
	searches := map[string]*search{}
	for id, e := range estates(inv) {
		searches[id] = newSearch(inv, e)
	}
	w := newWorld(searches)
	n := 0
	for _, id := range w.accounts {
		s := searches[id]
		for _, x := range s.e.roles {
			ps := evaluate.Narrow(evaluate.Policies{Identity: x.Identity, Boundary: x.Boundary}, "sts:AssumeRole")
			if len(ps.Identity) == 0 {
				continue
			}
			ctx := s.proberContext(x)
			for _, r := range w.trusting[id] {
				if r.Account != id && mayAssume(ctx, ps, *r) {
					n++
					if n < 8 {
						t.Log(x.ARN, "->", r.ARN)
					}
				}
			}
		}
	}
	t.Log(n)
}
