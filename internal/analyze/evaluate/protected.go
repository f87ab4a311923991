package evaluate

import "strings"

// What IAM refuses whatever a policy allows: changes to the policies AWS
// manages, and to the roles AWS reserves for itself under /aws-reserved/
// (the roles IAM Identity Center provisions for permission sets among
// them: "only modifiable by AWS"). A request for one is implicitly denied.
var (
	awsManagedPolicyWrites = set("iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion",
		"iam:SetDefaultPolicyVersion", "iam:TagPolicy", "iam:UntagPolicy")
	reservedRoleWrites = set("iam:AttachRolePolicy", "iam:CreateRole", "iam:CreateServiceLinkedRole", "iam:DeleteRole",
		"iam:DeleteRolePermissionsBoundary", "iam:DeleteRolePolicy", "iam:DeleteServiceLinkedRole", "iam:DetachRolePolicy",
		"iam:PassRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:TagRole", "iam:UntagRole",
		"iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:UpdateRoleDescription")
)

func set(actions ...string) map[string]bool {
	m := make(map[string]bool, len(actions))
	for _, a := range actions {
		m[strings.ToLower(a)] = true
	}
	return m
}

// protected tells whether IAM refuses the request whatever the policies say.
func protected(req Request) bool {
	action := strings.ToLower(req.Action)
	parts := strings.SplitN(req.Resource, ":", 6)
	if len(parts) != 6 || parts[2] != "iam" {
		return false
	}
	account, resource := parts[4], strings.ToLower(parts[5])
	return (awsManagedPolicyWrites[action] && account == "aws" && strings.HasPrefix(resource, "policy/")) ||
		(reservedRoleWrites[action] && strings.HasPrefix(resource, "role/aws-reserved/"))
}
