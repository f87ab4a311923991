package assembly

import "github.com/iamstack/iamstack/internal/plan"

// FromPlan renders a plan's templates into dir, in Go as the CDK would
// write them, and reads them back: the inventory of the assembly the plan
// synthesizes, without the CDK.
func FromPlan(p *plan.Plan, dir string) (*Inventory, error) {
	if err := p.WriteTemplates(dir); err != nil {
		return nil, err
	}
	return Read(dir)
}
