// Package synth synthesizes a plan into a cloud assembly: the one
// implementation behind `cdk synth` (cmd/synth) and `iamstack synth`.
package synth

import (
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"

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

// The settings a synthesis runs with unless the user's environment says
// otherwise. jsii reads the environment for its node process while Go
// packages initialize, before main runs, so a program cannot set them for
// itself: it passes them to a child process (QuietEnv).
var quietDefaults = []string{
	// aws-cdk-lib's bundled template validator costs about 5 s and 400 MiB
	// a run; iamstack checks quotas itself and lints with cfn-lint (docs/architecture.md, "Speed").
	"CDK_VALIDATION=false",
	// Node 20, which iamstack is tested on, works; jsii's end-of-life banner
	// for it would open every run with eleven lines of noise.
	"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20",
}

// QuietEnv returns env with quietDefaults added where env does not set them.
func QuietEnv(env []string) []string {
	out := append([]string(nil), env...)
	for _, kv := range quietDefaults {
		key, _, _ := strings.Cut(kv, "=")
		if !slices.ContainsFunc(env, func(e string) bool { return strings.HasPrefix(e, key+"=") }) {
			out = append(out, kv)
		}
	}
	return out
}

// IsQuiet tells whether env already sets every quiet default (to anything).
func IsQuiet(env []string) bool { return len(QuietEnv(env)) == len(env) }

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
	c.Env = QuietEnv(os.Environ())
	c.Stdout, c.Stderr = s.Stderr, s.Stderr
	return c.Run()
}
