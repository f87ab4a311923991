// Package synth synthesizes a plan into a cloud assembly: the one
// implementation behind `cdk synth` (cmd/synth) and `iamstack synth`.
package synth

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/iamstack/iamstack/plan"
	"github.com/iamstack/iamstack/stacks"
)

// Assembly synthesizes every stack of a plan into outdir ("" lets the CDK
// choose: $CDK_OUTDIR under the cdk CLI, else cdk.out). The caller closes
// the jsii runtime (jsiiexit.Close) when it is done with the CDK.
func Assembly(p *plan.Plan, outdir string) {
	props := &awscdk.AppProps{
		AnalyticsReporting: jsii.Bool(false),
		Context:            &map[string]interface{}{"aws:cdk:enable-path-metadata": false},
	}
	if outdir != "" {
		props.Outdir = jsii.String(outdir)
	}
	app := awscdk.NewApp(props)
	stacks.NewApp(app, p)
	app.Synth(nil)
}
