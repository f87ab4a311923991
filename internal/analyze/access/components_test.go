package access

import (
	"slices"
	"testing"

	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/analyze/assembly/assemblytest"
	"github.com/iamstack/iamstack/model"
)

// Accounts are searched side by side only when no search can reach into
// the other's: a role that may assume a role of another account trusting
// it joins the two (and the accounts those join, in turn); the people of
// the user-only account, whom every role trusts, join nothing, nor does an
// administrator (the CDK's execution role), whose edges are never followed.
func TestComponents(t *testing.T) {
	const yaml = `apiVersion: iamstack/v1
prefix: infra
region: eu-west-1
accounts:
  - {name: identity, id: "100000000000", type: user-only}
  - {name: dev, id: "100000000001", type: dev}
  - {name: staging, id: "100000000002", type: staging}
  - {name: prod, id: "100000000003", type: prod}
  - {name: sandbox, id: "100000000004", type: sandbox}
roles:
  HopR:
    enabledIn: [dev]
    statements:
      - {effect: Allow, actions: ["sts:AssumeRole"], resources: ["arn:aws:iam::100000000003:role/infra-TargetR"]}
  TargetR:
    enabledIn: [prod]
    trust:
      - role: dev/HopR
    statements:
      - {effect: Allow, actions: ["s3:GetObject"], resources: ["arn:aws:s3:::reports/*"]}
  NextR:
    enabledIn: [staging]
    trust:
      - role: prod/TargetR
    statements:
      - {effect: Allow, actions: ["s3:GetObject"], resources: ["arn:aws:s3:::reports/*"]}
users:
  alice: {grants: {AdminR: [all], ReadR: [all]}}
`
	m, err := model.Parse("org.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	inv := assemblytest.Inventory(t, m)
	searches := map[string]*search{}
	for id, e := range estates(inv) {
		searches[id] = newSearch(inv, e)
	}
	w := newWorld(searches)
	principals := append(append([]assembly.Principal(nil), inv.Roles...), inv.Users...)
	var got [][]string
	seen := 0
	for _, c := range components(searches, w, principals) {
		got = append(got, c.accounts)
		seen += len(c.principals)
		if !slices.IsSorted(c.principals) {
			t.Errorf("%v: principals out of the inventory's order", c.accounts)
		}
	}
	slices.SortFunc(got, slices.Compare)
	// dev's HopR may assume prod's TargetR, which trusts it: one component.
	// TargetR may assume nothing (NextR trusts it, but its policies allow
	// no sts:AssumeRole): staging stands alone, as do the others.
	want := [][]string{{"100000000000"}, {"100000000001", "100000000003"}, {"100000000002"}, {"100000000004"}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("components %v, want %v", got, want)
	}
	if seen != len(principals) {
		t.Errorf("%d principals in components, %d searched", seen, len(principals))
	}
}
