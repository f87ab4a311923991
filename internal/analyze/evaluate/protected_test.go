package evaluate_test

import (
	"testing"

	"github.com/iamstack/iamstack/internal/analyze/evaluate"
	"github.com/iamstack/iamstack/internal/policy"
)

// IAM refuses changes to AWS managed policies, to the roles AWS reserves
// (Identity Center's permission-set roles) and to service-linked roles'
// policies and trust, even to an administrator; it allows reading them,
// changing the account's own, and a service-linked role's description.
func TestAWSProtectedResources(t *testing.T) {
	admin := evaluate.Policies{Identity: []evaluate.Policy{{Name: "admin", Document: policy.NewDocument(policy.Statement{
		Effect: policy.Allow, Actions: []string{"*"}, Resources: []string{"*"}})}}}
	const sso = "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_infra-OpsR_0123456789abcdef"
	const slr = "arn:aws:iam::111111111111:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing"
	for _, c := range []struct {
		action, resource string
		allow            bool
	}{
		{"iam:AttachRolePolicy", sso, false},
		{"iam:UpdateAssumeRolePolicy", sso, false},
		{"iam:PassRole", sso, false},
		{"iam:PutRolePolicy", sso, false},
		{"iam:GetRole", sso, true},
		{"iam:AttachRolePolicy", "arn:aws:iam::111111111111:role/infra-OpsR", true},
		{"iam:CreatePolicyVersion", "arn:aws:iam::aws:policy/ReadOnlyAccess", false},
		{"iam:GetPolicyVersion", "arn:aws:iam::aws:policy/ReadOnlyAccess", true},
		{"iam:CreatePolicyVersion", "arn:aws:iam::111111111111:policy/infra-OpsR-Policy", true},
		{"iam:AttachRolePolicy", slr, false},
		{"iam:UpdateAssumeRolePolicy", slr, false},
		{"iam:PutRolePolicy", slr, false},
		{"iam:DeleteServiceLinkedRole", slr, true},
		{"iam:UpdateRoleDescription", slr, true},
	} {
		req := evaluate.Request{Principal: "arn:aws:iam::111111111111:role/infra-AdminR", PrincipalAccount: "111111111111",
			Action: c.action, Resource: c.resource, ResourceAccount: "111111111111"}
		if got := evaluate.Evaluate(req, admin).Decision == evaluate.Allow; got != c.allow {
			t.Errorf("%s on %s: allowed=%v, want %v", c.action, c.resource, got, c.allow)
		}
	}
}
