package access

import (
	"strings"
	"testing"

	"github.com/iamstack/iamstack/internal/analyze/assembly/assemblytest"
	"github.com/iamstack/iamstack/internal/synthetic"
	"github.com/iamstack/iamstack/model"
)

// changedTeams is a synthetic model and the same with the developers'
// ReadR in prod taken away and one person renamed: most people keep their
// shape's entries, the developers' change.
func changedTeams(t *testing.T) (base, head string) {
	t.Helper()
	base = string(synthetic.Model(synthetic.Size{Users: 60, Accounts: 6, Seed: 1}))
	const grant = "ReadR: [dev, staging, prod]}}\n  sre:"
	if !strings.Contains(base, grant) || !strings.Contains(base, "  user.0003:\n") {
		t.Fatal("the synthetic model changed: the test's edits do not apply")
	}
	head = strings.Replace(base, grant, "ReadR: [dev, staging]}}\n  sre:", 1)
	return base, strings.Replace(head, "  user.0003:\n", "  user.0003x:\n", 1)
}

// ChangedTeams is changedTeams for the package's external tests.
var ChangedTeams = changedTeams

func analyzed(t *testing.T, yaml string) Report {
	t.Helper()
	m, err := model.Parse("m.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return Analyze(assemblytest.Inventory(t, m))
}

// Diff passes over only people whose entries it would find alike: of the
// people on both sides, sameAccess holds for some, never for one whose
// entries differ read whole (a developer, who loses ReadR in prod), nor
// for a person on one side only.
func TestSameAccessIsAnEmptyDiff(t *testing.T) {
	baseYAML, headYAML := changedTeams(t)
	base, head := analyzed(t, baseYAML), analyzed(t, headYAML)
	same := sameAccess(base, head)
	passed, changed := 0, 0
	for _, u := range head.matrix.users {
		if _, ok := base.matrix.iam[u]; !ok {
			continue
		}
		changes := diffOf(base.EntriesOf(u), head.EntriesOf(u))
		if len(changes) > 0 {
			changed++
		}
		if same(u) {
			passed++
			if len(changes) > 0 {
				t.Errorf("%s passed over, but its entries differ: %q", u, changes)
			}
		}
	}
	if passed == 0 || changed == 0 {
		t.Errorf("%d people passed over, %d changed: the test needs both", passed, changed)
	}
	for _, u := range []string{"user.0003", "user.0003x"} {
		if same(u) {
			t.Errorf("%s, on one side only, passed over", u)
		}
	}
}

// diffOf is what Diff says of one user's entries, read whole.
func diffOf(before, after []Entry) []string {
	out, revoked := diffUser(nil, func(yield func(Entry) bool) {
		for _, e := range before {
			if !yield(e) {
				return
			}
		}
	}, func(yield func(Entry) bool) {
		for _, e := range after {
			if !yield(e) {
				return
			}
		}
	})
	var texts []string
	for _, c := range append(out, revoked...) {
		texts = append(texts, c.Text)
	}
	return texts
}
