//go:build cdk || integration

package check

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/iamstack/iamstack/internal/plan"
	"github.com/iamstack/iamstack/internal/synth"
	"github.com/iamstack/iamstack/internal/synthetic"
	"github.com/iamstack/iamstack/model"
)

// cdk-nag read one stack of each shape, and one user of each shape in
// them, finds what it finds reading every stack: with the CI/CD and KMS
// roles' waivers gone, each account's own finding, named by its stack and
// logical ID. Accounts named as organizations name them are shapes of
// names of many lengths (shapes.go).
func TestNagByShapeIsNagOfEveryStack(t *testing.T) {
	for _, size := range []synthetic.Size{{Users: 150, Accounts: 25, UserStacks: 3}, {Users: 100, Accounts: 25, OUs: 4},
		{Users: 100, Accounts: 25, UserStacks: 3, Names: true}} {
		t.Run(fmt.Sprintf("%d OUs, names %v", size.OUs, size.Names), func(t *testing.T) { nagByShape(t, size) })
	}
}

func nagByShape(t *testing.T, size synthetic.Size) {
	yaml := string(synthetic.Model(size))
	for _, waiver := range []string{
		`    waivers: {AwsSolutions-IAM5: "CI/CD manages every app-* stack: the wildcard is the naming convention."}` + "\n",
		`      AwsSolutions-IAM5: "KMS administrators manage every key of production by design."` + "\n",
	} {
		if !strings.Contains(yaml, waiver) {
			t.Fatalf("the synthetic model's waivers changed: %s", waiver)
		}
		yaml = strings.Replace(yaml, waiver, "", 1)
	}
	m, err := model.Parse("m.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.New(m)
	if err != nil {
		t.Fatal(err)
	}
	whole := filepath.Join(t.TempDir(), "whole")
	synth.Assembly(withStackSetTemplates(p), whole, synth.Options{Nag: true})
	want, err := Nag(whole)
	if err != nil {
		t.Fatal(err)
	}
	rendered := filepath.Join(t.TempDir(), "rendered")
	if err := p.WriteTemplates(rendered); err != nil {
		t.Fatal(err)
	}
	n, err := newNagPlan(p, rendered, nil)
	if err != nil {
		t.Fatal(err)
	}
	part := filepath.Join(t.TempDir(), "part")
	synth.Assembly(n.plan, part, synth.Options{Nag: true})
	found, err := Nag(part)
	if err != nil {
		t.Fatal(err)
	}
	if got := n.expand(found); !slices.Equal(got, want) {
		t.Errorf("by shape, %d findings:\n%v\nevery stack, %d:\n%v", len(got), got, len(want), want)
	}
	// An OU's accounts get their roles from a StackSet's template, which
	// cdk-nag reads as a stack of its own.
	inOUs := slices.ContainsFunc(want, func(v Violation) bool { return strings.Contains(v.Resource, "-StackSet") })
	if inOUs != (size.OUs > 0) {
		t.Errorf("findings in StackSets' templates: %v, with %d OUs", inOUs, size.OUs)
	}
	users := func(p *plan.Plan) (n int) {
		for _, s := range p.Stacks {
			n += len(s.Users)
		}
		return n
	}
	if len(n.plan.Stacks) >= len(p.Stacks)/2 || users(n.plan) >= users(p)/2 || len(found) >= len(want)/2 {
		t.Errorf("cdk-nag read %d of %d stacks, %d of %d users, found %d of %d: the test shows no attribution",
			len(n.plan.Stacks), len(p.Stacks), users(n.plan), users(p), len(found), len(want))
	}
}

// The CDK's assembly of an organization is the gate's Go rendering of it,
// so that cfn-lint and the analysis started on the rendering stand: with
// StackSets, whose templates cdk-nag reads as stacks of their own.
func TestGateRenderingIsTheCDKs(t *testing.T) {
	m, err := model.Parse("m.yaml", synthetic.Model(synthetic.Size{Users: 60, Accounts: 13, OUs: 4}))
	if err != nil {
		t.Fatal(err)
	}
	var progress strings.Builder
	clean := func(string, map[string]bool) ([]string, []string, error) { return nil, nil, nil }
	res, err := Run(Options{Model: m, NoBase: true}, Deps{Synth: synth.InProcess{}, Lint: clean, Progress: &progress})
	if err != nil || res.Failed != nil {
		t.Fatalf("%+v %v\n%s", res.Failed, err, progress.String())
	}
	if strings.Contains(progress.String(), "differ from iamstack's rendering") {
		t.Errorf("the CDK's assembly is not the rendering:\n%s", progress.String())
	}
}
