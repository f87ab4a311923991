package policy

import "fmt"

// Workload is a kind of running resource that acts as a role: whoever may
// change what it runs acts as that role, without iam:PassRole.
type Workload struct {
	// Action changes what the workload runs.
	Action string
	// arn formats the workload's ARN from partition, region, account, name.
	arn string
}

// ARN is the ARN of a workload called name.
func (w Workload) ARN(partition, region, account, name string) string {
	return fmt.Sprintf(w.arn, partition, region, account, name)
}

// Workloads are the kinds of workload the model can declare as standing
// resources (standingResources[].service), by service, with the call that
// steers each (Rhino Security Labs' list, as PMapper and Pacu use it).
var Workloads = map[string]Workload{
	"codebuild": {"codebuild:StartBuild", "arn:%s:codebuild:%s:%s:project/%s"}, // with a buildspec override
	"ec2":       {"ssm:SendCommand", "arn:%s:ec2:%s:%s:instance/%s"},           // a command on the instance
	"ecs":       {"ecs:RunTask", "arn:%s:ecs:%s:%s:task-definition/%s:1"},      // with a command override
	"glue":      {"glue:UpdateDevEndpoint", "arn:%s:glue:%s:%s:devEndpoint/%s"},
	"lambda":    {"lambda:UpdateFunctionCode", "arn:%s:lambda:%s:%s:function:%s"},
	"sagemaker": {"sagemaker:CreatePresignedNotebookInstanceUrl", "arn:%s:sagemaker:%s:%s:notebook-instance/%s"},
}
