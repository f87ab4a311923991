// Command emptyapp is the smallest CDK Go app: an app with one empty stack.
// Its synthesis time is the floor every Go CDK app pays (Go start, jsii
// runtime start, aws-cdk-lib load, synthesis), which iamstack's own numbers
// are read against.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/iamstack/iamstack/internal/jsiiexit"
)

func main() {
	defer jsiiexit.Close()
	app := awscdk.NewApp(nil)
	awscdk.NewStack(app, jsii.String("empty"), nil)
	app.Synth(nil)
}
