package evaluate

import "strings"

// What IAM refuses whatever a policy allows: changes to the policies AWS
// manages, to the roles AWS reserves for itself under /aws-reserved/ (the
// roles IAM Identity Center provisions for permission sets among them:
// "only modifiable by AWS"), and to service-linked roles' policies and
// trust. A request for one is implicitly denied.
var (
	awsManagedPolicyWrites = set("iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion",
		"iam:SetDefaultPolicyVersion", "iam:TagPolicy", "iam:UntagPolicy")
	reservedRoleWrites = set("iam:AttachRolePolicy", "iam:CreateRole", "iam:CreateServiceLinkedRole", "iam:DeleteRole",
		"iam:DeleteRolePermissionsBoundary", "iam:DeleteRolePolicy", "iam:DeleteServiceLinkedRole", "iam:DetachRolePolicy",
		"iam:PassRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:TagRole", "iam:UntagRole",
		"iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:UpdateRoleDescription")
)

// serviceLinkedRoleWrites are what IAM refuses on a service-linked role
// (under /aws-service-role/): its policies and trust are the service's
// ("UnmodifiableEntity"); only the service deletes it, through
// DeleteServiceLinkedRole.
var serviceLinkedRoleWrites = set("iam:AttachRolePolicy", "iam:DeleteRole", "iam:DeleteRolePermissionsBoundary",
	"iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy",
	"iam:UpdateAssumeRolePolicy")

func set(actions ...string) map[string]bool {
	m := make(map[string]bool, len(actions))
	for _, a := range actions {
		m[strings.ToLower(a)] = true
	}
	return m
}

// protected tells whether IAM refuses the request whatever the policies
// say. It is asked of every request: it allocates nothing for the many
// that are not IAM calls.
func protected(req Request) bool {
	if len(req.Action) < 4 || !strings.EqualFold(req.Action[:4], "iam:") {
		return false
	}
	// arn:partition:iam::account:resource
	rest, ok := strings.CutPrefix(req.Resource, "arn:")
	if !ok {
		return false
	}
	var parts [4]string
	for i := range parts {
		j := strings.IndexByte(rest, ':')
		if j < 0 {
			return false
		}
		parts[i], rest = rest[:j], rest[j+1:]
	}
	if parts[1] != "iam" {
		return false
	}
	action := strings.ToLower(req.Action)
	return (awsManagedPolicyWrites[action] && parts[3] == "aws" && hasPrefixFold(rest, "policy/")) ||
		(reservedRoleWrites[action] && hasPrefixFold(rest, "role/aws-reserved/")) ||
		(serviceLinkedRoleWrites[action] && hasPrefixFold(rest, "role/aws-service-role/"))
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
