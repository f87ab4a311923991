// Package synth synthesizes a plan into a cloud assembly: the one
// implementation behind `cdk synth` (cmd/synth) and `iamstack synth`.
package synth

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	awscdkjsii "github.com/aws/aws-cdk-go/awscdk/v2/jsii"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/iamstack/iamstack/internal/plan"
	"github.com/iamstack/iamstack/stacks"
)

// Options tune a synthesis.
type Options struct {
	// Nag runs cdk-nag's AwsSolutions rules: findings that no suppression
	// accepts become error annotations in the cloud assembly.
	Nag bool
}

// Start starts the jsii runtime (node, the jsii kernel and aws-cdk-lib) in
// the background and returns a function that waits until it has started.
// Starting is most of a CDK Go app's fixed cost, about 0.4 s on a 2-core
// machine; started first, it passes while the caller reads and plans its
// model on the other core. Call wait before anything else uses the CDK, and
// before jsiiexit.Close.
func Start() (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		awscdkjsii.Initialize()
	}()
	return func() { <-done }
}

// Assembly synthesizes every stack of a plan into outdir ("" lets the CDK
// choose: $CDK_OUTDIR under the cdk CLI, else cdk.out). The caller closes
// the jsii runtime (jsiiexit.Close) when it is done with the CDK.
func Assembly(p *plan.Plan, outdir string, opts Options) {
	props := &awscdk.AppProps{
		AnalyticsReporting: jsii.Bool(false),
		Context: &map[string]interface{}{
			"aws:cdk:enable-path-metadata": false,
			// A construct's creation stack in a Go app holds only jsii and
			// node frames ("...jsii runtime, node internals..."), and
			// capturing it costs more than a third of what creating a
			// resource costs. CDK_DEBUG=true still captures it.
			stacks.NoCreationStacks: true,
		},
	}
	if outdir != "" {
		props.Outdir = jsii.String(outdir)
	}
	app := awscdk.NewApp(props)
	// cdk-nag's rules recognise resources by their L1 classes; without
	// them, generic resources make the same templates in less time.
	stacks.NewApp(app, p, &stacks.AppProps{Generic: !opts.Nag})
	if opts.Nag {
		awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true), Reports: jsii.Bool(true)}), nil)
	}
	app.Synth(nil)
}

// InProcess synthesizes in this process, through its jsii runtime. The
// process must have the quiet settings in its environment (quiet.IsSet):
// jsii reads them as it starts, which is why the CLI runs the commands that
// synthesize again in a child that has them.
type InProcess struct{}

// Synthesize writes the plan's cloud assembly to dir, with cdk-nag's rules
// when nag is set. A failure of the CDK (a panic through jsii) is an error.
func (InProcess) Synthesize(p *plan.Plan, dir string, nag bool) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("synthesize %s: %v", dir, r)
		}
	}()
	Assembly(p, dir, Options{Nag: nag})
	return nil
}
