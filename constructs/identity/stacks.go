package identity

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/iamstack/iamstack/constructs/identity/internal/resources"
)

// StackProps configure a stack that a StackBatch creates.
type StackProps struct {
	// StackName, Description, Account and Region are the stack's; empty,
	// they are the CDK's defaults (without Account and Region, the stack is
	// environment-agnostic).
	StackName, Description, Account, Region string
	// Synthesizer synthesizes the stack; nil is the app's default.
	Synthesizer awscdk.IStackSynthesizer
	// Metadata is the template's Metadata section.
	Metadata map[string]any
	// DependsOn are stacks added to the same StackBatch before this one
	// that CloudFormation must deploy first.
	DependsOn []StackDependency
	// Resources are the stack's resources, created at its root.
	Resources *Batch
}

// A StackDependency is a stack another depends on, and why.
type StackDependency struct {
	ID     string
	Reason string
}

// A StackBatch gathers stacks, each with its resources, to create under
// one scope in one call into the jsii runtime: a stack and its template
// metadata created from Go cost a round trip each, more than node spends
// creating them.
type StackBatch struct {
	stacks       []stackSpec
	synthesizers map[string]awscdk.IStackSynthesizer
}

// stackSpec is one stack as iamstack-resources creates it (js/lib/index.ts).
type stackSpec struct {
	ID        string         `json:"id"`
	Props     stackData      `json:"props"`
	Metadata  map[string]any `json:"metadata,omitempty"`
	DependsOn []dependency   `json:"dependsOn,omitempty"`
	Resources batchSpec      `json:"resources"`

	batch *Batch
}

// stackData are the StackProps that are data, in aws-cdk-lib's names.
type stackData struct {
	StackName   string       `json:"stackName,omitempty"`
	Description string       `json:"description,omitempty"`
	Env         *environment `json:"env,omitempty"`
}

type environment struct {
	Account string `json:"account,omitempty"`
	Region  string `json:"region,omitempty"`
}

type dependency struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// Add adds a stack under id. Its resources, what props.Resources holds
// when the stack is created, are not to be created on their own.
func (s *StackBatch) Add(id string, props *StackProps) {
	st := stackSpec{ID: id, Metadata: props.Metadata,
		Props: stackData{StackName: props.StackName, Description: props.Description}}
	if props.Account != "" || props.Region != "" {
		st.Props.Env = &environment{props.Account, props.Region}
	}
	for _, d := range props.DependsOn {
		st.DependsOn = append(st.DependsOn, dependency(d))
	}
	st.batch = props.Resources
	if st.batch == nil {
		st.batch = &Batch{}
	}
	if props.Synthesizer != nil {
		if s.synthesizers == nil {
			s.synthesizers = map[string]awscdk.IStackSynthesizer{}
		}
		s.synthesizers[id] = props.Synthesizer
	}
	s.stacks = append(s.stacks, st)
}

// Create creates the stacks under scope and returns them in the order they
// were added.
func (s *StackBatch) Create(scope constructs.Construct) []awscdk.Stack {
	if len(s.stacks) == 0 {
		return nil
	}
	for i := range s.stacks {
		s.stacks[i].Resources = s.stacks[i].batch.spec(true)
	}
	body, err := json.Marshal(struct {
		Stacks []stackSpec `json:"stacks"`
	}{s.stacks})
	if err != nil {
		panic(fmt.Sprintf("identity: stacks under %s: %v", *scope.Node().Path(), err)) // props are JSON values
	}
	stacks, err := resources.Stacks(scope, body, s.synthesizers)
	if err != nil {
		panic(fmt.Sprintf("identity: stacks under %s: %v", *scope.Node().Path(), err))
	}
	return stacks
}
