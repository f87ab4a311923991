// Package synth synthesizes a plan into a cloud assembly: the one
// implementation behind `cdk synth` (cmd/synth) and `iamstack synth`.
package synth

import (
	"io"
	"os"
	"os/exec"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	awscdkjsii "github.com/aws/aws-cdk-go/awscdk/v2/jsii"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/iamstack/iamstack/internal/plan"
	"github.com/iamstack/iamstack/internal/quiet"
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

// Self synthesizes by running this program again as `<program> synth`: in a
// child process, so that the quiet settings reach jsii before it starts and
// two syntheses (a check's head and base) run on two cores at once. The
// program is iamstack's CLI, whose synth command writes an assembly.
type Self struct {
	// Stderr receives the child's output (the CDK's and cdk-nag's
	// messages); nil discards it.
	Stderr io.Writer
}

// Synthesize writes the cloud assembly of the model at path ("" for the
// CLI's default model) to dir, with cdk-nag's rules when nag is set.
func (s Self) Synthesize(dir, path string, nag bool) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	args := []string{"synth", "--out", dir}
	if path != "" {
		args = append(args, "--model", path)
	}
	if nag {
		args = append(args, "--nag")
	}
	c := exec.Command(self, args...)
	c.Env = quiet.Env(os.Environ())
	c.Stdout, c.Stderr = s.Stderr, s.Stderr
	return c.Run()
}
