// Package iamstack holds the example identity model that ships with iamstack.
// The packages that do the work are model, policy, plan, names, the CDK layer
// under constructs/ and stacks/, and the commands under cmd/.
package iamstack

import _ "embed"

//go:embed iamstack.yaml
var example []byte

// ExampleFile is the name the example model is known by in messages.
const ExampleFile = "iamstack.yaml"

// Example returns the example model's YAML, the default model.
func Example() []byte { return append([]byte(nil), example...) }
