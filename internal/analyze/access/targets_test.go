package access

import (
	"slices"
	"testing"

	"github.com/iamstack/iamstack/internal/analyze/evaluate"
	"github.com/iamstack/iamstack/internal/policy"
)

// Of thousands of users, a self-service policy's holder is probed on itself,
// and on the users whose boundary its requests carry; a policy over a
// pattern is probed on all of them.
func TestTargetCandidates(t *testing.T) {
	const users = "arn:aws:iam::111111111111:user/infra/"
	ts := newTargetSet([]target{{"alice", users + "alice", ""}, {"bob", users + "bob", "arn:aws:iam::111111111111:policy/b"},
		{"carol", users + "carol", ""}, {"dave", users + "dave", ""}})
	allow := func(resources ...string) evaluate.Policies {
		return evaluate.Policies{Identity: []evaluate.Policy{{Name: "p", Document: policy.NewDocument(
			policy.Statement{Effect: policy.Allow, Actions: []string{"iam:CreateAccessKey"}, Resources: resources})}}}
	}
	ctx := evaluate.NewContext(map[string][]string{"aws:username": {"dave"}})
	tests := []struct {
		name string
		ps   evaluate.Policies
		want []int
	}{
		{"self", allow(users + "${aws:username}"), []int{1, 3}},
		{"named twice", allow(users+"carol", users+"alice", users+"carol"), []int{0, 1, 2}},
		{"a user not in the account", allow(users + "erin"), []int{1}},
		{"pattern", allow(users + "*"), []int{0, 1, 2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := slices.Collect(ts.candidates(ctx, tt.ps, "iam:CreateAccessKey")); !slices.Equal(got, tt.want) {
				t.Errorf("candidates = %v, want %v", got, tt.want)
			}
		})
	}
}
