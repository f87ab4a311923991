// Package assemblytest builds what tests analyse: a model's templates,
// rendered in Go byte for byte as the CDK writes them (plan.WriteTemplates)
// and read back as an inventory.
package assemblytest

import (
	"testing"

	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/plan"
	"github.com/iamstack/iamstack/model"
)

// Inventory plans m, renders its templates into a temporary directory of
// tb's and reads them back, failing tb on any error.
func Inventory(tb testing.TB, m *model.Model) *assembly.Inventory {
	tb.Helper()
	p, err := plan.New(m)
	if err != nil {
		tb.Fatal(err)
	}
	inv, err := assembly.FromPlan(p, tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	return inv
}

// Templates plans m and renders its templates into a temporary directory
// of tb's, which it returns, failing tb on any error.
func Templates(tb testing.TB, m *model.Model) string {
	tb.Helper()
	p, err := plan.New(m)
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	if err := p.WriteTemplates(dir); err != nil {
		tb.Fatal(err)
	}
	return dir
}
