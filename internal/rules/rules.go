// Package rules is the one list of the rules `iamstack check` applies and a
// model may waive: iamstack's own, and the cdk-nag rules whose findings a
// model accepts for one of its roles or CI/CD users. The model's validation
// refuses a waiver of any other ID, and the check reports by these IDs.
package rules

import "slices"

// Rule is one rule of the check.
type Rule struct {
	ID        string
	Rationale string
}

// iamstack's own rules, in the order the check reports them.
const (
	MFA           = "IAMSTACK-MFA"
	SessionName   = "IAMSTACK-SESSION-NAME"
	DirectPolicy  = "IAMSTACK-DIRECT-POLICY"
	InlinePolicy  = "IAMSTACK-INLINE-POLICY"
	Prefix        = "IAMSTACK-PREFIX"
	PrincipalStar = "IAMSTACK-PRINCIPAL-STAR"
	Quota         = "IAMSTACK-QUOTA"
	Escalation    = "IAMSTACK-ESCALATION"
	// The policy lint, over the statements a model writes.
	LintPermissionsOnAll = "IAMSTACK-LINT-PERMISSIONS-ON-ALL"
	LintNotActionAllow   = "IAMSTACK-LINT-NOTACTION-ALLOW"
	LintKeyNeverPresent  = "IAMSTACK-LINT-KEY-NEVER-PRESENT"
	LintRedundant        = "IAMSTACK-LINT-REDUNDANT"
	// OIDCWildcard is a GitHub trust whose subject holds a wildcard: any
	// repository, branch or environment it matches may assume the role.
	OIDCWildcard = "IAMSTACK-OIDC-WILDCARD"
	// AdminTrust is AdminR trusting a principal beyond people with MFA.
	AdminTrust   = "IAMSTACK-ADMIN-TRUST"
	NagManaged   = "AwsSolutions-IAM4" // AWS managed policies
	NagWildcards = "AwsSolutions-IAM5" // wildcards in actions or resources
	// NagSecretRotation (secrets without rotation) is accepted by iamstack
	// itself for first passwords, which are used once; no model waives it.
	NagSecretRotation = "AwsSolutions-SMG4"
	minReasonChars    = 10
)

// Iamstack are iamstack's own rules.
var Iamstack = []Rule{
	{MFA, "Every human path to a role or to IAM power requires an MFA session, and refuses one older than mfaMaxAge."},
	{SessionName, "A person may assume a role only under their own user name, so CloudTrail names them."},
	{DirectPolicy, "Users get permissions only through groups, which the model reviews as a whole."},
	{InlinePolicy, "Inline policies are for last-resort emergencies: the model declares none."},
	{Prefix, "Every role, group, policy and user iamstack writes is one OpsR's guard keeps read-only: its name carries the prefix, or the model gives it (name, path, groupNames)."},
	{PrincipalStar, "No policy may name Principal \"*\": a trust policy open to everyone is an open door."},
	{Quota, "Everything fits IAM's and CloudFormation's quotas, or the deploy fails halfway."},
	{Escalation, "Nobody can raise their own access, except PowerG by design (docs/security.md)."},
	{LintPermissionsOnAll, "A Permissions-management action (one that changes who may do what) on every resource: name the resources."},
	{LintNotActionAllow, "Allow with NotAction grants every action but a few, including those AWS adds tomorrow."},
	{LintKeyNeverPresent, "A condition on a service's key that none of the statement's actions sets: the condition never matches."},
	{LintRedundant, "A statement that another statement of the same policy already grants in full."},
	{OIDCWildcard, "A GitHub trust whose subject holds a wildcard admits every repository, branch or environment it matches."},
	{AdminTrust, "AdminR, full power for emergencies, trusts only people with MFA: a trust: entry hands it to a machine or another account."},
}

// Nag are the cdk-nag rules a model may waive for one of its roles or CI/CD
// users: the plan turns such a waiver into a suppression on its resources.
var Nag = []Rule{
	{NagManaged, "An AWS managed policy is used: accept it when AWS's maintained policy is the point."},
	{NagWildcards, "A wildcard in an action or resource: accept it when it is a naming convention, not a blanket grant."},
}

// IDs are every rule ID a waiver may name, sorted.
func IDs() []string {
	var out []string
	for _, r := range append(append([]Rule(nil), Iamstack...), Nag...) {
		out = append(out, r.ID)
	}
	slices.Sort(out)
	return out
}

// Known tells whether id is a rule a waiver may name.
func Known(id string) bool { return slices.Contains(IDs(), id) }

// MinReason is the shortest reason a waiver or acknowledgement may give
// (cdk-nag's own minimum).
const MinReason = minReasonChars
