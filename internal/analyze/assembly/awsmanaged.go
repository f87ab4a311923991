package assembly

import (
	"strings"

	"github.com/iamstack/iamstack/internal/build/policy"
)

// readVerbs and readServices approximate ReadOnlyAccess, whose real document
// lists thousands of actions: reading, on the services the escalation checks
// ask about. It grants no write, no sts:AssumeRole and no iam:PassRole, which
// is what the analysis needs to be right about.
var (
	readVerbs    = []string{"Get*", "List*", "Describe*", "BatchGet*"}
	readServices = []string{"cloudformation", "cloudwatch", "codestar", "datapipeline", "dynamodb", "ec2", "glue",
		"iam", "kms", "lambda", "logs", "rds", "s3", "sagemaker", "sqs", "sts"}
)

// awsManaged returns the document the analysis uses for an AWS managed policy.
func awsManaged(arn string) (policy.Document, bool) {
	_, name, ok := strings.Cut(arn, ":iam::aws:policy/")
	if !ok {
		return policy.Document{}, false
	}
	allow := func(actions ...string) policy.Document {
		return policy.NewDocument(policy.Statement{Effect: policy.Allow, Actions: actions, Resources: []string{"*"}})
	}
	switch name {
	case "AdministratorAccess":
		return allow("*"), true
	case "ReadOnlyAccess", "job-function/ViewOnlyAccess":
		var actions []string
		for _, svc := range readServices {
			for _, verb := range readVerbs {
				actions = append(actions, svc+":"+verb)
			}
		}
		return allow(actions...), true
	case "job-function/Billing":
		return allow("aws-portal:*", "billing:*", "budgets:*", "ce:*", "cur:*", "payments:*", "pricing:*", "tax:*"), true
	}
	return policy.Document{}, false
}
