// Package stacks composes iamstack's per-account CloudFormation stacks from a
// plan. Every decision (names, logical IDs, policy documents, quotas) was made
// by the plan; this package only turns it into CDK constructs.
package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/iamstack/iamstack/constructs/identity"
	"github.com/iamstack/iamstack/internal/names"
	"github.com/iamstack/iamstack/internal/parallel"
	"github.com/iamstack/iamstack/internal/plan"
)

// NoCreationStacks is the context key that, set to true, keeps the CDK from
// recording each construct's creation stack in the cloud assembly: in a Go
// app it holds only jsii and node frames, and costs a stack trace per
// resource.
const NoCreationStacks = "aws:cdk:disable-creation-stack-traces"

// AccountStackProps configure one account's stack.
type AccountStackProps struct {
	Plan plan.Stack
	// Synthesizer overrides the default stack synthesizer (bootstrap roles).
	Synthesizer awscdk.IStackSynthesizer
	// Generic writes the resources as data, not as their L1 classes
	// (identity.Batch): the same template, in less time, for a synthesis
	// that neither cdk-nag nor an aspect looks at.
	Generic bool
}

// NewAccountStack creates the stack a plan describes, bound to its account
// and region so that `cdk deploy` refuses other accounts' credentials.
func NewAccountStack(scope constructs.Construct, id string, props *AccountStackProps) awscdk.Stack {
	var sb identity.StackBatch
	sb.Add(id, accountStack(props))
	return sb.Create(scope)[0]
}

// accountStack is the stack a plan describes, as a StackBatch creates it:
// one call into the jsii runtime for the stack, its template metadata and
// every resource, each as the plan renders it (plan.Stack.Template), the
// StackSets' bodies included.
func accountStack(props *AccountStackProps) *identity.StackProps {
	p := props.Plan
	t := p.Template()
	b := &identity.Batch{Generic: props.Generic}
	for _, r := range t.Resources {
		b.Resource(r.LogicalID, r)
	}
	account := p.AccountID
	if account == names.CurrentAccount {
		// A StackSet's template, made a stack of its own for cdk-nag to
		// read (check): it is for every account of an OU, so none.
		account = ""
	}
	return &identity.StackProps{StackName: p.Name, Description: t.Description, Account: account, Region: p.Region,
		Synthesizer: props.Synthesizer, Metadata: t.Metadata, Resources: b}
}

// accountStacks returns accountStack of every stack, worked out on every
// core: pure Go, at hundreds of accounts it would otherwise keep node
// waiting.
func accountStacks(stacks []plan.Stack, generic bool) []*identity.StackProps {
	out := make([]*identity.StackProps, len(stacks))
	parallel.For(len(stacks), func(i int) { out[i] = accountStack(&AccountStackProps{Plan: stacks[i], Generic: generic}) })
	return out
}

// AppProps configure the stacks NewApp adds.
type AppProps struct {
	// Generic is every stack's AccountStackProps.Generic.
	Generic bool
}

// NewApp adds every stack of a plan to an app, with the dependencies between
// them, and returns the stacks by ID.
func NewApp(app awscdk.App, p *plan.Plan, props *AppProps) map[string]awscdk.Stack {
	// One call for every stack: at hundreds of accounts, a call per stack
	// costs more than the stacks.
	var sb identity.StackBatch
	for i, sp := range accountStacks(p.Stacks, props.Generic) {
		s := p.Stacks[i]
		reason := "its users join the groups of "
		if s.Kind == plan.IdentityCenterStack {
			reason = "its permission sets attach the customer managed policies of "
		}
		for _, d := range s.DependsOn {
			sp.DependsOn = append(sp.DependsOn, identity.StackDependency{ID: d, Reason: reason + d})
		}
		sb.Add(s.ID, sp)
	}
	created := sb.Create(app)
	out := map[string]awscdk.Stack{}
	for i, s := range p.Stacks {
		out[s.ID] = created[i]
	}
	return out
}
