// Package iamstack holds the example identity model that ships with iamstack.
// The packages that do the work are model, policy, plan, names, the CDK layer
// under constructs/ and stacks/, and the commands under cmd/.
package iamstack

import _ "embed"

//go:embed iamstack.yaml
var example []byte

//go:embed iamstack.schema.json
var schemaJSON []byte

//go:embed package.json
var toolsJSON []byte

// Schema returns the model's JSON Schema (`make schema`), which editors
// read through the first line of a model.
func Schema() []byte { return append([]byte(nil), schemaJSON...) }

// Tools returns this repository's package.json, which pins the CDK CLI the
// tests and `make synth` run.
func Tools() []byte { return append([]byte(nil), toolsJSON...) }

// ExampleFile is the name the example model is known by in messages.
const ExampleFile = "iamstack.yaml"

// Example returns the example model's YAML, the default model.
func Example() []byte { return append([]byte(nil), example...) }
