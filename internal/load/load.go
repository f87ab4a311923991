// Package load finds the model a command was asked for and plans it: the one
// path from "which model?" to a checked plan that the CDK app and the CLI
// share.
package load

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/iamstack/iamstack"
	"github.com/iamstack/iamstack/internal/plan"
	"github.com/iamstack/iamstack/model"
)

// EnvModel is the environment variable that names the model file.
const EnvModel = "IAMSTACK_MODEL"

// Source says where a model comes from: the first non-empty of an explicit
// path (a flag or CDK context) and the environment; "" means the default
// (see Model).
func Source(explicit string) string {
	if explicit != "" {
		return explicit
	}
	return os.Getenv(EnvModel)
}

// Example is the path that names the example embedded in the program: it
// is used only when asked for by name (--example), never in place of a
// missing model, whose fake account IDs would otherwise pass for a team's.
const Example = "(the built-in example)"

// ErrNoModel is the error of a command that was given no model and finds
// no iamstack.yaml in the working directory.
var ErrNoModel = errors.New("no model: pass --model FILE, set $" + EnvModel + ", or run in a directory with iamstack.yaml (iamstack init writes a starter); --example uses the built-in example")

// Model loads and validates the model at path: with no path,
// iamstack.yaml in the working directory, the file a team edits; with
// Example, the example embedded in the program.
func Model(path string) (*model.Model, error) {
	switch path {
	case Example:
		return model.Parse(iamstack.ExampleFile, iamstack.Example())
	case "":
		if _, err := os.Stat(iamstack.ExampleFile); err != nil {
			return nil, ErrNoModel
		}
		return model.Load(iamstack.ExampleFile)
	}
	return model.Load(path)
}

// Plan loads the model at path (see Model) and plans its stacks.
func Plan(path string) (*model.Model, *plan.Plan, error) {
	m, err := Model(path)
	if err != nil {
		return nil, nil, err
	}
	p, err := plan.New(m)
	if err != nil {
		return nil, nil, fmt.Errorf("%s does not fit AWS quotas: %w", m.File(), err)
	}
	return m, p, nil
}

// ContextValue returns a string value from the CDK context JSON the cdk CLI
// passes to apps, or "" when it is absent or not a string.
func ContextValue(contextJSON, key string) string {
	var ctx map[string]any
	if json.Unmarshal([]byte(contextJSON), &ctx) != nil {
		return ""
	}
	s, _ := ctx[key].(string)
	return s
}
