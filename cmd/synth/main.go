// Command synth is iamstack's CDK app: `cdk synth` (through cdk.json) and
// `make synth` run it to turn an identity model into one CloudFormation stack
// per account.
//
// The model is, in order of precedence: the -model flag, the CDK context value
// "model" (cdk synth -c model=path/to/model.yaml), the IAMSTACK_MODEL
// environment variable, or iamstack.yaml in the working directory; without
// any, it fails.
//
// The model is loaded, validated and planned in pure Go before the CDK starts:
// a bad model is reported, with every problem at once, and nothing is written.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/iamstack/iamstack/internal/jsiiexit"
	"github.com/iamstack/iamstack/internal/load"
	"github.com/iamstack/iamstack/internal/synth"
)

func main() {
	// The jsii runtime starts while the model is read and planned. A bad
	// model is reported at once; the runtime is still shut down (it leaves
	// temporary files otherwise) before the exit.
	wait := synth.Start()
	err := run(os.Args[1:], wait)
	if err != nil {
		fmt.Fprintln(os.Stderr, "iamstack synth:", err)
	}
	wait()
	// Not deferred: Close leaves stderr silenced, and a panic's message
	// must stay visible.
	jsiiexit.Close()
	if err != nil {
		os.Exit(1)
	}
}

func run(args []string, started func()) error {
	fs := flag.NewFlagSet("synth", flag.ContinueOnError)
	modelPath := fs.String("model", "", "identity model file (default: CDK context \"model\", then $"+load.EnvModel+", then ./iamstack.yaml)")
	outdir := fs.String("out", "", "cloud assembly directory (default: $CDK_OUTDIR, set by the cdk CLI, or cdk.out)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	path := *modelPath
	if path == "" {
		path = contextModel()
	}
	_, p, err := load.Plan(load.Source(path))
	if err != nil {
		return err
	}

	// aws-cdk-lib's bundled template validator (about 5 s and 400 MiB per
	// run) is off unless CDK_VALIDATION says otherwise: the app command in
	// cdk.json defaults it to false, and the Makefile exports it. It cannot be
	// set from here: jsii snapshots the environment for its node process
	// during package initialization, before main runs.
	started()
	synth.Assembly(p, *outdir, synth.Options{})
	return nil
}

// contextModel reads the "model" context value the cdk CLI passes in
// CDK_CONTEXT_JSON, without starting the CDK: a bad model must be reported
// before anything is synthesized.
func contextModel() string {
	return load.ContextValue(os.Getenv("CDK_CONTEXT_JSON"), "model")
}
