// Package synth synthesizes a plan into a cloud assembly: the one
// implementation behind `cdk synth` (cmd/synth) and `iamstack synth`.
package synth

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/iamstack/iamstack/internal/build/plan"
	"github.com/iamstack/iamstack/stacks"
)

// Options tune a synthesis.
type Options struct {
	// Nag runs cdk-nag's AwsSolutions rules: findings that no suppression
	// accepts become error annotations in the cloud assembly.
	Nag bool
}

// Assembly synthesizes every stack of a plan into outdir ("" lets the CDK
// choose: $CDK_OUTDIR under the cdk CLI, else cdk.out). The caller closes
// the jsii runtime (jsiiexit.Close) when it is done with the CDK.
func Assembly(p *plan.Plan, outdir string, opts Options) {
	props := &awscdk.AppProps{
		AnalyticsReporting: jsii.Bool(false),
		Context:            &map[string]interface{}{"aws:cdk:enable-path-metadata": false},
	}
	if outdir != "" {
		props.Outdir = jsii.String(outdir)
	}
	app := awscdk.NewApp(props)
	stacks.NewApp(app, p)
	if opts.Nag {
		awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true), Reports: jsii.Bool(true)}), nil)
	}
	app.Synth(nil)
}
