// Package rules is the one list of the rule IDs `iamstack check` reports and
// a model may waive: iamstack's own (check.Rules holds each one's rationale,
// severity and check), and the cdk-nag rules whose findings a model accepts
// for one of its roles or CI/CD users. The model's validation refuses a
// waiver of any other ID.
package rules

import "slices"

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
	// OIDCWildcard is an OIDC trust whose subject holds a wildcard: any
	// repository, branch, environment or service account it matches may
	// assume the role.
	OIDCWildcard = "IAMSTACK-OIDC-WILDCARD"
	// OutsideAccount is another account trusted as a whole, without an
	// external ID or MFA: any principal there that its own policies let
	// call sts:AssumeRole may assume the role.
	OutsideAccount = "IAMSTACK-OUTSIDE-ACCOUNT"
	// AdminTrust is AdminR trusting a principal beyond people with MFA.
	AdminTrust   = "IAMSTACK-ADMIN-TRUST"
	NagManaged   = "AwsSolutions-IAM4" // AWS managed policies
	NagWildcards = "AwsSolutions-IAM5" // wildcards in actions or resources
	// NagSecretRotation (secrets without rotation) is accepted by iamstack
	// itself for first passwords, which are used once; no model waives it.
	NagSecretRotation = "AwsSolutions-SMG4"
	minReasonChars    = 10
)

// Iamstack are iamstack's own rules, in the order the check reports them.
var Iamstack = []string{MFA, SessionName, DirectPolicy, InlinePolicy, Prefix, PrincipalStar, Quota, Escalation,
	LintPermissionsOnAll, LintNotActionAllow, LintKeyNeverPresent, LintRedundant, OIDCWildcard, AdminTrust, OutsideAccount}

// Nag are the cdk-nag rules a model may waive for one of its roles or CI/CD
// users, which the plan turns into a suppression on its resources: an AWS
// managed policy where AWS's maintained policy is the point, a wildcard
// that is a naming convention rather than a blanket grant.
var Nag = []string{NagManaged, NagWildcards}

// IDs are every rule ID a waiver may name, sorted.
func IDs() []string {
	return slices.Sorted(slices.Values(append(slices.Clone(Iamstack), Nag...)))
}

// Known tells whether id is a rule a waiver may name.
func Known(id string) bool { return slices.Contains(IDs(), id) }

// MinReason is the shortest reason a waiver or acknowledgement may give
// (cdk-nag's own minimum).
const MinReason = minReasonChars
