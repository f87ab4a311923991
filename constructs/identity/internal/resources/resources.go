// Package resources loads iamstack-resources, the jsii library (in js/) that
// creates a list of CloudFormation resources in one call, and calls it.
package resources

import (
	_ "embed"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	awscdkjsii "github.com/aws/aws-cdk-go/awscdk/v2/jsii"
	"github.com/aws/constructs-go/constructs/v10"
	constructsjsii "github.com/aws/constructs-go/constructs/v10/jsii"
	"github.com/aws/jsii-runtime-go/runtime"
)

// The library's name and version, as its package.json gives them.
const (
	name    = "iamstack-resources"
	version = "1.0.0"
)

// tarball is what `make jsii-resources` packs from js/.
//
//go:embed iamstack-resources-1.0.0.tgz
var tarball []byte

const class = name + ".Resources"

func load() {
	awscdkjsii.Initialize()
	constructsjsii.Initialize()
	runtime.Load(name, version, tarball)
}

// Create creates, under scope, the resources spec lists (the JSON
// js/lib/index.ts documents) and returns them in its order, each as the
// Go type of its class.
func Create(scope constructs.Construct, spec []byte) []awscdk.CfnResource {
	load()
	var out *[]awscdk.CfnResource
	runtime.StaticInvoke(class, "create", []any{scope, string(spec)}, &out)
	return *out
}

// Add creates the resources, as Create does, and returns nothing, which
// saves creating a Go proxy for each.
func Add(scope constructs.Construct, spec []byte) {
	load()
	runtime.StaticInvokeVoid(class, "add", []any{scope, string(spec)})
}

// Stacks creates, under scope, the stacks spec lists (the JSON
// js/lib/index.ts documents), each with its resources, and returns them in
// its order. synthesizers are the stacks' that do not use the app's
// default, by id. The spec reaches node in a temporary file: at hundreds of
// stacks it is megabytes, which a string argument would carry through the
// jsii kernel's own JSON, encoded and decoded on both sides.
func Stacks(scope constructs.Construct, spec []byte, synthesizers map[string]awscdk.IStackSynthesizer) ([]awscdk.Stack, error) {
	f, err := os.CreateTemp("", "iamstack-stacks-*.json")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	_, err = f.Write(spec)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	load()
	var out *[]awscdk.Stack
	args := []any{scope, f.Name()}
	if len(synthesizers) > 0 {
		args = append(args, synthesizers)
	}
	runtime.StaticInvoke(class, "stacks", args, &out)
	return *out, nil
}
