package names

import (
	"maps"
	"slices"
)

// regions are the AWS regions by partition, from botocore 1.43.11's
// data/endpoints.json (the AWS CLI's own list). A region AWS opens later is
// added here; until then the model refuses it rather than guess.
var regions = map[string][]string{
	"aws": {"af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
		"ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
		"ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1",
		"eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
		"il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2",
		"us-west-1", "us-west-2"},
	"aws-cn":     {"cn-north-1", "cn-northwest-1"},
	"aws-us-gov": {"us-gov-east-1", "us-gov-west-1"},
	"aws-eusc":   {"eusc-de-east-1"},
}

// partitionOfRegion maps every known region to its partition.
var partitionOfRegion = func() map[string]string {
	m := map[string]string{}
	for p, rs := range regions {
		for _, r := range rs {
			m[r] = p
		}
	}
	return m
}()

// Regions lists every AWS region iamstack knows, sorted.
func Regions() []string { return slices.Sorted(maps.Keys(partitionOfRegion)) }

// KnownRegion tells whether region is an AWS region.
func KnownRegion(region string) bool {
	_, ok := partitionOfRegion[region]
	return ok
}

// globalEventsRegion is, by partition, where AWS sends the events of its
// global services (IAM, console sign-in): EventBridge rules on them live
// there.
var globalEventsRegion = map[string]string{"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}

// GlobalEventsRegion is where a partition's global-service events arrive.
func GlobalEventsRegion(partition string) string { return globalEventsRegion[partition] }
