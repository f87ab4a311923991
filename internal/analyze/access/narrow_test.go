package access

import (
	"testing"

	"github.com/iamstack/iamstack/internal/analyze/evaluate"
	"github.com/iamstack/iamstack/internal/policy"
)

// The narrowings of principals are shared only where their policies are the
// same policies: a group's, held by each member, and not an inline policy
// of the same name on another user.
func TestNarrowingsShareOnlyTheSamePolicies(t *testing.T) {
	stmt := func(action string) []policy.Statement {
		return []policy.Statement{{Effect: policy.Allow, Actions: []string{action}, Resources: []string{"*"}}}
	}
	group := evaluate.Policy{Name: "group", Document: policy.Document{Statements: stmt("iam:*")}}
	inlineA := evaluate.Policy{Name: "inline", Document: policy.Document{Statements: stmt("s3:GetObject")}}
	inlineB := evaluate.Policy{Name: "inline", Document: policy.Document{Statements: stmt("iam:CreateUser")}}
	boundary := evaluate.Policy{Name: "boundary", Document: policy.Document{Statements: stmt("iam:*")}}
	alice := evaluate.Policies{Identity: []evaluate.Policy{group}}
	bob := evaluate.Policies{Identity: []evaluate.Policy{group}} // a copy of the group's policy: the same statements
	carol := evaluate.Policies{Identity: []evaluate.Policy{group, inlineA}}
	dave := evaluate.Policies{Identity: []evaluate.Policy{group, inlineB}}
	erin := evaluate.Policies{Identity: []evaluate.Policy{group}, Boundary: &boundary}

	n := newNarrowings()
	sets := map[string]string{}
	for name, ps := range map[string]evaluate.Policies{"alice": alice, "bob": bob, "carol": carol, "dave": dave, "erin": erin} {
		sets[name] = n.set(ps)
	}
	if sets["alice"] != sets["bob"] {
		t.Errorf("members of one group: sets %q and %q, want one", sets["alice"], sets["bob"])
	}
	for _, pair := range [][2]string{{"carol", "dave"}, {"alice", "erin"}, {"alice", "carol"}} {
		if sets[pair[0]] == sets[pair[1]] {
			t.Errorf("%s and %s hold different policies but share the set %q", pair[0], pair[1], sets[pair[0]])
		}
	}
	// What a shared set narrows to is what each principal's own policies do.
	for name, ps := range map[string]evaluate.Policies{"carol": carol, "dave": dave} {
		got := n.narrow(sets[name], ps, "iam:CreateUser")
		want := evaluate.Narrow(ps, "iam:CreateUser")
		if len(got.Identity) != len(want.Identity) {
			t.Errorf("%s: narrowed to %d policies, want %d", name, len(got.Identity), len(want.Identity))
		}
	}
}
