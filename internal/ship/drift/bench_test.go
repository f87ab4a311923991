package drift_test

import (
	"fmt"
	"testing"

	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/analyze/assembly/assemblytest"
	"github.com/iamstack/iamstack/internal/ship/drift"
	"github.com/iamstack/iamstack/internal/synthetic"
	"github.com/iamstack/iamstack/model"
)

// Comparing every account of an organization with its release, as drift
// does once it has read them: the accounts hold what the release made, so
// the work is the comparison and the two analyses, not the findings.
func BenchmarkCompare(b *testing.B) {
	for _, accounts := range []int{100, 500} {
		b.Run(fmt.Sprintf("1000-users-%d-accounts", accounts), func(b *testing.B) {
			m, err := model.Parse("m.yaml", synthetic.Model(synthetic.Size{Users: 1000, Accounts: accounts}))
			if err != nil {
				b.Fatal(err)
			}
			inv := assemblytest.Inventory(b, m)
			var live []assembly.LiveAccount
			for id := range inv.Accounts {
				live = append(live, deployed(inv, id))
			}
			b.ResetTimer()
			for b.Loop() {
				if rep := drift.Compare(inv, live); rep.Drifted() {
					b.Fatalf("an untouched organization drifted: %v", rep.Findings[:min(3, len(rep.Findings))])
				}
			}
		})
	}
}
