package policy

import (
	"strconv"

	"github.com/iamstack/iamstack/names"
)

// Condition keys and operators the canonical policies use.
const (
	keyMFAPresent  = "aws:MultiFactorAuthPresent"
	keyMFAAge      = "aws:MultiFactorAuthAge"
	keySessionName = "sts:RoleSessionName"
	keyPrincipal   = "aws:PrincipalArn"
	keyBoundary    = "iam:PermissionsBoundary"
	keyRegion      = "aws:RequestedRegion"
	selfUserName   = "${aws:username}"
	assumeRole     = "sts:AssumeRole"
)

// MFARequired is the condition every human path carries: an MFA-backed
// session whose MFA is younger than maxAge seconds.
func MFARequired(maxAge int) Conditions {
	return Conditions{
		"Bool":            {keyMFAPresent: {"true"}},
		"NumericLessThan": {keyMFAAge: {strconv.Itoa(maxAge)}},
	}
}

// mfaBootstrapActions are what a user without an MFA session may still do:
// set up an MFA device and get an MFA session (the AWS documentation's
// self-management example).
var mfaBootstrapActions = []string{
	"iam:CreateVirtualMFADevice",
	"iam:EnableMFADevice",
	"iam:GetUser",
	"iam:GetMFADevice",
	"iam:ListMFADevices",
	"iam:ListVirtualMFADevices",
	"iam:ResyncMFADevice",
	"sts:GetSessionToken",
}

// ManageOwnUserOptions tune the self-management policy.
type ManageOwnUserOptions struct {
	// PasswordChangeWithoutMFA lets a user change their password before they
	// have set up MFA, as a first console sign-in with a reset password needs.
	PasswordChangeWithoutMFA bool
}

// ManageOwnUser is the self-management policy of ManageOwnUserG: a user may
// manage their own password, access keys, signing certificates, SSH keys,
// service-specific credentials and MFA devices (with any device name), and do
// nothing else without an MFA session. It grants no tagging and no group
// changes: nothing in it lets a user change what they are granted.
func ManageOwnUser(s names.Scheme, account string, opts ManageOwnUserOptions) Document {
	self := []string{s.SelfUserARN(account)}
	notActions := append([]string(nil), mfaBootstrapActions...)
	if opts.PasswordChangeWithoutMFA {
		notActions = append(notActions, "iam:ChangePassword", "iam:GetAccountPasswordPolicy")
	}
	return NewDocument(
		Statement{Sid: "AllowViewAccountInfo", Effect: Allow,
			Actions:   []string{"iam:GetAccountPasswordPolicy", "iam:ListVirtualMFADevices"},
			Resources: []string{"*"}},
		Statement{Sid: "AllowManageOwnPasswords", Effect: Allow,
			Actions: []string{"iam:ChangePassword", "iam:GetUser"}, Resources: self},
		Statement{Sid: "AllowManageOwnAccessKeys", Effect: Allow,
			Actions: []string{"iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:GetAccessKeyLastUsed",
				"iam:ListAccessKeys", "iam:UpdateAccessKey"},
			Resources: self},
		Statement{Sid: "AllowManageOwnSigningCertificates", Effect: Allow,
			Actions: []string{"iam:DeleteSigningCertificate", "iam:ListSigningCertificates",
				"iam:UpdateSigningCertificate", "iam:UploadSigningCertificate"},
			Resources: self},
		Statement{Sid: "AllowManageOwnSSHPublicKeys", Effect: Allow,
			Actions: []string{"iam:DeleteSSHPublicKey", "iam:GetSSHPublicKey", "iam:ListSSHPublicKeys",
				"iam:UpdateSSHPublicKey", "iam:UploadSSHPublicKey"},
			Resources: self},
		Statement{Sid: "AllowManageOwnServiceSpecificCredentials", Effect: Allow,
			Actions: []string{"iam:CreateServiceSpecificCredential", "iam:DeleteServiceSpecificCredential",
				"iam:ListServiceSpecificCredentials", "iam:ResetServiceSpecificCredential",
				"iam:UpdateServiceSpecificCredential"},
			Resources: self},
		Statement{Sid: "AllowManageOwnVirtualMFADevice", Effect: Allow,
			Actions:   []string{"iam:CreateVirtualMFADevice"},
			Resources: []string{"arn:" + s.Partition + ":iam::" + account + ":mfa/*"}},
		Statement{Sid: "AllowManageOwnUserMFA", Effect: Allow,
			Actions: []string{"iam:DeactivateMFADevice", "iam:EnableMFADevice", "iam:GetMFADevice",
				"iam:ListMFADevices", "iam:ResyncMFADevice"},
			Resources: self},
		Statement{Sid: "DenyAllExceptListedIfNoMFA", Effect: Deny,
			NotActions: notActions, Resources: []string{"*"},
			Conditions: Conditions{"BoolIfExists": {keyMFAPresent: {"false"}}}},
	)
}

// RoleTarget is one role in one account that a grant can name.
type RoleTarget struct {
	Account string // account ID
	Role    string // short name: "AdminR"
}

// AssumeRoleGuards are the denies of AssumeRoleG: no role without an MFA
// session younger than maxAge, and no session named other than the caller's
// user name, so CloudTrail names the person.
func AssumeRoleGuards(maxAge int) []Statement {
	return []Statement{
		{Sid: "DenyAssumeRoleWithoutMFA", Effect: Deny, Actions: []string{assumeRole}, Resources: []string{"*"},
			Conditions: Conditions{"BoolIfExists": {keyMFAPresent: {"false"}}}},
		{Sid: "DenyAssumeRoleWithOldMFA", Effect: Deny, Actions: []string{assumeRole}, Resources: []string{"*"},
			Conditions: Conditions{"NumericGreaterThanEqualsIfExists": {keyMFAAge: {strconv.Itoa(maxAge)}}}},
		{Sid: "DenyAssumeRoleWithForeignSessionName", Effect: Deny, Actions: []string{assumeRole}, Resources: []string{"*"},
			Conditions: Conditions{"StringNotEquals": {keySessionName: {selfUserName}}}},
	}
}

// AssumeRoleGrant lets a user assume one role in one account exactly when
// their grant tag for that account lists the role.
func AssumeRoleGrant(s names.Scheme, t RoleTarget) Statement {
	return Statement{
		Effect:    Allow,
		Actions:   []string{assumeRole},
		Resources: []string{s.RoleARN(t.Account, t.Role)},
		Conditions: Conditions{"StringLike": {
			"aws:PrincipalTag/" + s.GrantTagKey(t.Account): {names.GrantTagPattern(t.Role)},
		}},
	}
}

// Power is the policy of PowerG: full IAM power in the user-only account, only
// with a recent MFA session.
func Power(maxAge int) Document {
	return NewDocument(Statement{Sid: "AllowIAMWithMFA", Effect: Allow,
		Actions: []string{"iam:*"}, Resources: []string{"*"}, Conditions: MFARequired(maxAge)})
}

// HumanTrust is the trust statement of a role for people: principals of the
// user-only account only, only iamstack's users there, only with a recent MFA
// session, only under their own user name as session name, and only users
// whose grant tag for this account lists the role.
func HumanTrust(s names.Scheme, userAccount, roleAccount, role string, maxAge int) Statement {
	c := MFARequired(maxAge)
	c["StringEquals"] = map[string][]string{keySessionName: {selfUserName}}
	c["StringLike"] = map[string][]string{
		"aws:PrincipalTag/" + s.GrantTagKey(roleAccount): {names.GrantTagPattern(role)},
	}
	c["ArnLike"] = map[string][]string{keyPrincipal: {s.UserARNPattern(userAccount)}}
	return Statement{Sid: "HumansWithMFA", Effect: Allow,
		Principal: Principal{"AWS": {s.AccountRootARN(userAccount)}},
		Actions:   []string{assumeRole}, Conditions: c}
}

// MachineTrust is the trust statement of a role for the CI/CD users of its
// own account, named one by one. They sign with access keys: no MFA.
func MachineTrust(userARNs []string) Statement {
	return Statement{Sid: "CICDUsers", Effect: Allow,
		Principal: Principal{"AWS": userARNs}, Actions: []string{assumeRole}}
}

// AssumeRoles lets a CI/CD user assume the named roles.
func AssumeRoles(roleARNs []string) Statement {
	return Statement{Sid: "AssumeGrantedRoles", Effect: Allow, Actions: []string{assumeRole}, Resources: roleARNs}
}

// ServicesFullAccess allows every action of the named services.
func ServicesFullAccess(services []string) Statement {
	actions := make([]string, len(services))
	for i, svc := range services {
		actions[i] = svc + ":*"
	}
	return Statement{Sid: "FullAccessToServices", Effect: Allow, Actions: actions, Resources: []string{"*"}}
}

// OpsBoundaryName is the short name of the permissions boundary that every
// role and user OpsR creates must carry.
const OpsBoundaryName = "OpsR-Boundary"

// OpsGuard are the denies that keep a holder of IAM power (OpsR, and anything
// OpsR creates) from raising their own access:
//   - iamstack's roles, groups, users, policies and stacks are read-only to them;
//   - a role or user they create, or whose policies they change, must carry
//     the OpsR boundary, and no boundary can be removed;
//   - the CDK bootstrap roles (administrators in disguise) cannot be assumed
//     or passed.
func OpsGuard(s names.Scheme, account string) []Statement {
	boundary := s.PolicyARN(account, OpsBoundaryName)
	return []Statement{
		{Sid: "IamstackIdentitiesAreReadOnly", Effect: Deny,
			NotActions: []string{"iam:Get*", "iam:List*", "iam:Generate*", "iam:Simulate*"},
			Resources: []string{s.RoleARNPattern(account), s.GroupARNPattern(account),
				s.PolicyARNPattern(account), s.UserARNPattern(account)}},
		{Sid: "IamstackStacksAreReadOnly", Effect: Deny,
			Actions: []string{"cloudformation:CancelUpdateStack", "cloudformation:ContinueUpdateRollback",
				"cloudformation:CreateChangeSet", "cloudformation:CreateStack", "cloudformation:DeleteStack",
				"cloudformation:ExecuteChangeSet", "cloudformation:RollbackStack", "cloudformation:SetStackPolicy",
				"cloudformation:UpdateStack", "cloudformation:UpdateTerminationProtection"},
			Resources: s.StackARNPatterns(account)},
		{Sid: "NewAndChangedPrincipalsCarryTheBoundary", Effect: Deny,
			Actions: []string{"iam:AttachRolePolicy", "iam:AttachUserPolicy", "iam:CreateRole", "iam:CreateUser",
				"iam:DeleteRolePolicy", "iam:DeleteUserPolicy", "iam:DetachRolePolicy", "iam:DetachUserPolicy",
				"iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:PutUserPermissionsBoundary",
				"iam:PutUserPolicy"},
			Resources:  []string{"*"},
			Conditions: Conditions{"StringNotEquals": {keyBoundary: {boundary}}}},
		{Sid: "BoundariesStay", Effect: Deny,
			Actions:   []string{"iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"},
			Resources: []string{"*"}},
		{Sid: "NoCDKBootstrapRoles", Effect: Deny,
			Actions:   []string{"iam:PassRole", assumeRole},
			Resources: []string{"arn:" + s.Partition + ":iam::" + account + ":role/cdk-*"}},
	}
}

// OpsBoundary is the permissions boundary of everything OpsR creates: at most
// OpsR's services, under the same guard, so nothing OpsR makes can do more
// than OpsR or escape the guard.
func OpsBoundary(s names.Scheme, account string, services []string) Document {
	return NewDocument(append([]Statement{ServicesFullAccess(services)}, OpsGuard(s, account)...)...)
}

// globalServices are exempt from region restriction: they have no region, or
// are served from us-east-1 whatever the caller's region (AWS's example
// "Deny access to AWS based on the requested AWS Region").
var globalServices = []string{
	"a4b:*", "acm:*", "aws-marketplace-management:*", "aws-marketplace:*", "aws-portal:*",
	"budgets:*", "ce:*", "chime:*", "cloudfront:*", "config:*", "cur:*", "directconnect:*",
	"ec2:DescribeRegions", "ec2:DescribeTransitGateways", "ec2:DescribeVpnGateways", "fms:*",
	"globalaccelerator:*", "health:*", "iam:*", "importexport:*", "kms:*", "mobileanalytics:*",
	"networkmanager:*", "organizations:*", "pricing:*", "route53:*", "route53domains:*",
	"route53-recovery-cluster:*", "route53-recovery-control-config:*",
	"route53-recovery-readiness:*", "s3:GetAccountPublic*", "s3:ListAllMyBuckets",
	"s3:ListMultiRegionAccessPoints", "s3:PutAccountPublic*", "shield:*", "sts:*", "support:*",
	"trustedadvisor:*", "waf-regional:*", "waf:*", "wafv2:*", "wellarchitected:*",
}

// RegionRestriction denies every regional action outside the allowed regions
// (login.gov's region_restriction).
func RegionRestriction(regions []string) Statement {
	return Statement{Sid: "DenyOutsideAllowedRegions", Effect: Deny,
		NotActions: globalServices, Resources: []string{"*"},
		Conditions: Conditions{"StringNotEquals": {keyRegion: regions}}}
}

// RDSDeletePrevent denies deleting databases and their final safety nets
// (login.gov's rds_delete_prevent).
func RDSDeletePrevent() Statement {
	return Statement{Sid: "DenyRDSDelete", Effect: Deny,
		Actions: []string{"rds:DeleteDBCluster", "rds:DeleteDBClusterSnapshot", "rds:DeleteDBInstance",
			"rds:DeleteDBSnapshot", "rds:DeleteGlobalCluster"},
		Resources: []string{"*"}}
}
