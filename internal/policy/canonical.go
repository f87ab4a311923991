package policy

import (
	"maps"
	"slices"
	"strconv"

	"github.com/iamstack/iamstack/internal/names"
)

// Condition keys and operators the canonical policies use.
const (
	keyMFAPresent       = "aws:MultiFactorAuthPresent"
	keyMFAAge           = "aws:MultiFactorAuthAge"
	keySessionName      = "sts:RoleSessionName"
	keyPrincipal        = "aws:PrincipalArn"
	keyBoundary         = "iam:PermissionsBoundary"
	keyRegion           = "aws:RequestedRegion"
	keyStackRole        = "cloudformation:RoleArn"
	selfUserName        = "${aws:username}"
	assumeRole          = "sts:AssumeRole"
	tagSession          = "sts:TagSession"
	setSourceIdentity   = "sts:SetSourceIdentity"
	keySourceIdentity   = "sts:SourceIdentity"
	keyResourceAccount  = "aws:ResourceAccount"
	keyResourceOrgPaths = "aws:ResourceOrgPaths"
	keyUserID           = "aws:userid"
	// keyCallerSourceIdentity is the source identity the caller's session
	// carries; sts:SourceIdentity is the one the request sets.
	keyCallerSourceIdentity = "aws:SourceIdentity"
	keySourceAccount        = "aws:SourceAccount"
	keyServiceName          = "sts:AWSServiceName"
	keyTagKeys              = "aws:TagKeys"
	keyTransitiveTagKeys    = "sts:TransitiveTagKeys"
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
	self := s.SelfUserARNs(account)
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

// TrustOptions are what people may pass along when they assume a role.
type TrustOptions struct {
	// SessionTags allows sts:TagSession: aws-vault's session_tags and
	// GitHub's configure-aws-credentials pass tags.
	SessionTags bool
	// SessionTagKeys, when SessionTags is set, are the only keys a session
	// tag may have; without them, any key but the prefix's.
	SessionTagKeys []string
	// SourceIdentity allows sts:SetSourceIdentity, only with the caller's
	// user name as source identity: CloudTrail then names the person
	// through every role chained from this one.
	SourceIdentity bool
}

// actions are the STS actions a grant and a trust with these options allow.
func (o TrustOptions) actions() []string {
	out := []string{assumeRole}
	if o.SessionTags {
		out = append(out, tagSession)
	}
	return out
}

// RoleGrant is what holders of one grant token may assume: one role,
// wherever the token reaches it.
type RoleGrant struct {
	Role string // short name: "AdminR"
	// Token is the grant token (names.AllToken, an OU ID or an account
	// type); empty for the tokens that name accounts, which one statement
	// covers whatever their number.
	Token string
	// Accounts and OUs are the IDs of the listed accounts and of the OUs
	// where the role exists that the token reaches.
	Accounts, OUs []string
	// OrgRoot is the organization's path to its root, "o-a1b2c3d4e5/r-ab12",
	// which OU paths start with.
	OrgRoot string
	Options TrustOptions
}

// placesPerStatement bounds the account IDs or OU paths one AssumeRoleG
// statement lists, so that it fits a managed policy with room to spare.
const placesPerStatement = 200

// AssumeRoleGrant lets a user assume a role exactly where their grant tag
// for the role lists a token that reaches the role's account: by the
// account's ID (aws:ResourceAccount as a policy variable), or by a token
// and the accounts and OUs it reaches (aws:ResourceOrgPaths, the path of
// the role's account in the organization). Long lists take several
// statements.
func AssumeRoleGrant(s names.Scheme, g RoleGrant) []Statement {
	actions := g.Options.actions()
	if g.Options.SourceIdentity {
		actions = append(actions, setSourceIdentity)
	}
	tag := "aws:PrincipalTag/" + s.GrantTagKey(g.Role)
	stmt := func(token string, c Conditions) Statement {
		c["StringLike"] = map[string][]string{tag: {names.GrantTagPattern(token)}}
		return Statement{Effect: Allow, Actions: actions, Resources: []string{s.RoleARN("*", g.Role)}, Conditions: c}
	}
	if g.Token == "" {
		return []Statement{stmt("${"+keyResourceAccount+"}", Conditions{})}
	}
	var out []Statement
	for chunk := range slices.Chunk(g.Accounts, placesPerStatement) {
		out = append(out, stmt(g.Token, Conditions{"StringEquals": {keyResourceAccount: chunk}}))
	}
	var paths []string
	for _, ou := range g.OUs {
		paths = append(paths, g.OrgRoot+"/"+ou+"/*", g.OrgRoot+"/*/"+ou+"/*")
	}
	for chunk := range slices.Chunk(paths, placesPerStatement) {
		out = append(out, stmt(g.Token, Conditions{"ForAnyValue:StringLike": {keyResourceOrgPaths: chunk}}))
	}
	return out
}

// AssumeRoleGuards are the denies of AssumeRoleG: no role without an MFA
// session younger than maxAge, and no session named other than the caller's
// user name, so CloudTrail names the person; with sourceIdentity (some role
// accepts one), no source identity other than the caller's user name.
func AssumeRoleGuards(maxAge int, sourceIdentity bool) []Statement {
	out := []Statement{
		{Sid: "DenyAssumeRoleWithoutMFA", Effect: Deny, Actions: []string{assumeRole}, Resources: []string{"*"},
			Conditions: Conditions{"BoolIfExists": {keyMFAPresent: {"false"}}}},
		{Sid: "DenyAssumeRoleWithOldMFA", Effect: Deny, Actions: []string{assumeRole}, Resources: []string{"*"},
			Conditions: Conditions{"NumericGreaterThanEqualsIfExists": {keyMFAAge: {strconv.Itoa(maxAge)}}}},
		{Sid: "DenyAssumeRoleWithForeignSessionName", Effect: Deny, Actions: []string{assumeRole}, Resources: []string{"*"},
			Conditions: Conditions{"StringNotEquals": {keySessionName: {selfUserName}}}},
	}
	if sourceIdentity {
		out = append(out, Statement{Sid: "DenyForeignSourceIdentity", Effect: Deny, Actions: []string{setSourceIdentity}, Resources: []string{"*"},
			Conditions: Conditions{"StringNotEquals": {keySourceIdentity: {selfUserName}}}})
	}
	return out
}

// Power is the policy of PowerG: full IAM power in the user-only account, only
// with a recent MFA session.
func Power(maxAge int) Document {
	return NewDocument(Statement{Sid: "AllowIAMWithMFA", Effect: Allow,
		Actions: []string{"iam:*"}, Resources: []string{"*"}, Conditions: MFARequired(maxAge)})
}

// HumanTrust are the trust statements of a role for people: principals of
// the user-only account only, only iamstack's people there (never a CI/CD
// user, whatever its tags), only with an MFA
// session younger than maxAge, only under their own user name as session
// name, and only users whose grant tag for the role lists one of tokens,
// the grant tokens that reach this account.
// With opts, they may pass session tags, and set their user name, and
// nothing else, as source identity.
func HumanTrust(s names.Scheme, userAccount, role string, tokens []string, maxAge int, opts TrustOptions) []Statement {
	var patterns []string
	for _, t := range tokens {
		patterns = append(patterns, names.GrantTagPattern(t))
	}
	conditions := func() Conditions {
		c := MFARequired(maxAge)
		c["StringEquals"] = map[string][]string{keySessionName: {selfUserName}}
		c["StringLike"] = map[string][]string{"aws:PrincipalTag/" + s.GrantTagKey(role): patterns}
		c["ArnLike"] = map[string][]string{keyPrincipal: s.PeopleARNPatterns(userAccount)}
		if machines := s.MachinesAmongPeople(userAccount); len(machines) > 0 {
			c["ArnNotEquals"] = map[string][]string{keyPrincipal: machines}
		}
		return c
	}
	out := []Statement{{Sid: "HumansWithMFA", Effect: Allow,
		Principal: Principal{"AWS": {s.AccountRootARN(userAccount)}},
		Actions:   []string{assumeRole}, Conditions: conditions()}}
	// sts:RoleSessionName is a key of AssumeRole, which the service
	// authorization reference does not give TagSession or SetSourceIdentity:
	// their statements hold the rest of the conditions.
	if opts.SessionTags {
		c := conditions()
		// STS authorizes the tags within the AssumeRole call, which the
		// statement above must allow: the grant tag is checked there, and
		// this statement's room goes to the tags' keys.
		delete(c, "StringEquals")
		delete(c, "StringLike")
		// Only the keys the model names, or when it names none, none of
		// iamstack's keys: a session tag outranks a principal tag of the
		// same key, the grant tags included. None is transitive: a tag set
		// here does not follow the session into chained roles.
		maps.Copy(c, sessionTagConditions(s, opts))
		out = append(out, Statement{Sid: "HumansTagTheirSessions", Effect: Allow,
			Principal: Principal{"AWS": {s.AccountRootARN(userAccount)}},
			Actions:   []string{tagSession}, Conditions: c})
	}
	if opts.SourceIdentity {
		c := conditions()
		c["StringEquals"] = map[string][]string{keySourceIdentity: {selfUserName}}
		out = append(out, Statement{Sid: "HumansNameThemselves", Effect: Allow,
			Principal: Principal{"AWS": {s.AccountRootARN(userAccount)}},
			Actions:   []string{setSourceIdentity}, Conditions: c})
	}
	return out
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
// role OpsR creates must carry.
const OpsBoundaryName = "OpsR-Boundary"

// deployPipelineServices are the services that hold what every `cdk deploy`
// of the account trusts (names.Scheme.CDKDeployARNPatterns) and iamstack's
// own stacks: OpsR's power over them stops short of those resources.
var deployPipelineServices = []string{"cloudformation", "ecr", "s3", "ssm"}

// IdentityCenterServices are the service prefixes of IAM Identity Center and
// its identity store. Whoever writes there decides who signs in to which
// account with which permission set, across the organization: the model
// refuses them among OpsR's services.
var IdentityCenterServices = []string{"identity-sync", "identitystore", "identitystore-auth", "sso", "sso-directory", "sso-oauth"}

// OpsPermissions are OpsR's allows: full power over its services, confined
// where full power would reach the account's control plane. Containment
// starts here, on the allow side: what these statements leave out is denied
// by default, so an action AWS adds tomorrow is out of reach until this code
// says otherwise.
//   - iam: only roles, managed policies and instance profiles under OpsPath
//     (names.Scheme.OpsPath), plus service-linked roles, whose policies AWS
//     defines. Everything else in IAM (iamstack's identities, the CDK
//     bootstrap roles, Organizations' access roles, unmanaged users, groups,
//     identity providers, account settings) stays read-only (ReadOnlyAccess).
//   - cloudformation, ecr, s3, ssm: everything but the CDK deploy pipeline's
//     resources and iamstack's stacks.
//   - organizations: nothing beyond reading; membership and policies are the
//     management account's.
func OpsPermissions(s names.Scheme, account string, services []string) []Statement {
	var full, pipeline []string
	var out []Statement
	for _, svc := range services {
		switch {
		case svc == "iam":
			out = append(out,
				Statement{Sid: "IAMUnderOpsPath", Effect: Allow, Actions: []string{"iam:*"}, Resources: s.OpsARNPatterns(account)},
				Statement{Sid: "ServiceLinkedRoles", Effect: Allow, Actions: []string{"iam:CreateServiceLinkedRole"},
					Resources: []string{s.ServiceLinkedRoleARNPattern(account)}})
		case svc == "organizations":
		case slices.Contains(deployPipelineServices, svc):
			pipeline = append(pipeline, svc+":*")
		default:
			full = append(full, svc)
		}
	}
	if len(pipeline) > 0 {
		out = append([]Statement{{Sid: "AllButTheDeployPipeline", Effect: Allow, Actions: pipeline,
			NotResources: controlPlane(s, account)}}, out...)
	}
	if len(full) > 0 {
		out = append([]Statement{ServicesFullAccess(full)}, out...)
	}
	return out
}

// controlPlane are the resources that decide what the account runs: the CDK
// deploy pipeline and iamstack's own stacks.
func controlPlane(s names.Scheme, account string) []string {
	return append(s.CDKDeployARNPatterns(account), s.StackARNPatterns(account)...)
}

// pipelineReads are the read actions on the deploy pipeline's resources that
// OpsR keeps.
var pipelineReads = []string{"cloudformation:Describe*", "cloudformation:Detect*", "cloudformation:Get*",
	"cloudformation:List*", "ecr:BatchCheckLayerAvailability", "ecr:BatchGet*", "ecr:Describe*", "ecr:Get*",
	"ecr:List*", "s3:Get*", "s3:List*", "ssm:Describe*", "ssm:Get*", "ssm:List*"}

// stackRoleActions are the CloudFormation calls that run under a service
// role: the one they name (cloudformation:RoleArn), else the stack's own.
// AWS's CloudFormation documentation (using-iam-servicerole): whoever may
// operate on a stack uses its service role, with or without iam:PassRole.
var stackRoleActions = []string{"cloudformation:ContinueUpdateRollback", "cloudformation:CreateChangeSet",
	"cloudformation:CreateStack", "cloudformation:CreateStackSet", "cloudformation:DeleteStack",
	"cloudformation:RollbackStack", "cloudformation:UpdateStack", "cloudformation:UpdateStackSet"}

// OpsGuard are the denies that keep a holder of IAM power (OpsR, and anything
// OpsR creates) from raising its own access, whatever else the account holds.
// They back up the confinement of OpsPermissions where an allow from
// elsewhere (ReadOnlyAccess, a policy attached out of band) could reach:
//   - iamstack's roles, groups and policies are read-only (users are, to
//     every role but AdminR, by the guardrail OthersCredentials);
//   - no role but those under OpsPath can be passed to a service or assumed,
//     so the CDK bootstrap roles, Organizations' and Control Tower's access
//     roles and any unmanaged role are out of reach;
//   - a role or user created, or whose policies change, carries the OpsR
//     boundary, and no boundary is removed;
//   - the deploy pipeline and iamstack's stacks are read-only, and every
//     stack operation runs under a role from OpsPath, never under a stack's
//     own (possibly administrator) service role;
//   - no stack set instances (they run under the stack set's roles), and the
//     account stays in its organization, under its SCPs.
func OpsGuard(s names.Scheme, account string) []Statement {
	var out []Statement
	for _, g := range opsGuard(s, account) {
		out = append(out, g.Statement)
	}
	return out
}

// guardStatement is one deny of OpsR's guard. A backstop only repeats what
// OpsPermissions already leaves out, against an allow from elsewhere
// (ReadOnlyAccess, a policy attached out of band); the others narrow what
// OpsPermissions allows.
type guardStatement struct {
	Statement
	backstop bool
}

func opsGuard(s names.Scheme, account string) []guardStatement {
	boundary := s.PolicyARN(account, OpsBoundaryName)
	opsRoles := s.OpsRoleARNPattern(account)
	return []guardStatement{
		// Users, iamstack's and any other, are read-only to every role
		// but AdminR through the account's guardrails (OthersCredentials),
		// which OpsR carries and its boundary holds.
		{Statement: Statement{Sid: "IamstackIdentitiesAreReadOnly", Effect: Deny,
			NotActions: []string{"iam:Get*", "iam:List*", "iam:Generate*", "iam:Simulate*"},
			Resources:  s.RoleGroupPolicyARNPatterns(account)}, backstop: true},
		{Statement: Statement{Sid: "OnlyOpsRolesArePassed", Effect: Deny,
			Actions: []string{"iam:PassRole"}, NotResources: []string{opsRoles}}, backstop: true},
		{Statement: Statement{Sid: "NewAndChangedPrincipalsCarryTheBoundary", Effect: Deny,
			Actions: []string{"iam:AttachRolePolicy", "iam:AttachUserPolicy", "iam:CreateRole", "iam:CreateUser",
				"iam:DeleteRolePolicy", "iam:DeleteUserPolicy", "iam:DetachRolePolicy", "iam:DetachUserPolicy",
				"iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:PutUserPermissionsBoundary",
				"iam:PutUserPolicy"},
			Resources:  []string{"*"},
			Conditions: Conditions{"StringNotEquals": {keyBoundary: {boundary}}}}},
		{Statement: Statement{Sid: "BoundariesStay", Effect: Deny,
			Actions:   []string{"iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"},
			Resources: []string{"*"}}},
		{Statement: Statement{Sid: "DeployPipelineIsReadOnly", Effect: Deny, NotActions: pipelineReads, Resources: controlPlane(s, account)}, backstop: true},
		{Statement: Statement{Sid: "StacksRunUnderOpsRoles", Effect: Deny, Actions: stackRoleActions, Resources: []string{"*"},
			Conditions: Conditions{"ArnNotLike": {keyStackRole: {opsRoles}}}}},
		{Statement: Statement{Sid: "NoStackSetInstances", Effect: Deny,
			Actions: []string{"cloudformation:CreateStackInstances", "cloudformation:DeleteStackInstances",
				"cloudformation:ImportStacksToStackSet", "cloudformation:UpdateStackInstances"},
			Resources: []string{"*"}}},
		{Statement: Statement{Sid: "MembershipStays", Effect: Deny,
			Actions:   []string{"organizations:AcceptHandshake", "organizations:LeaveOrganization"},
			Resources: []string{"*"}}, backstop: true},
		// Every STS call but a session of its own roles is denied: AssumeRoot
		// (a root session in any member account, from the management
		// account), federation and web identity tokens, roles of other
		// accounts, and whatever STS adds. A bearer token for a service
		// (sts:GetServiceBearerToken, as CodeArtifact needs) carries
		// sts:AWSServiceName, which no other call does, and stays.
		{Statement: Statement{Sid: "OnlyOpsRoleSessions", Effect: Deny, Actions: []string{"sts:*"}, NotResources: []string{opsRoles},
			Conditions: Conditions{"Null": {keyServiceName: {"true"}}}}},
		{Statement: Statement{Sid: "CloudFormationAccountSettingsStay", Effect: Deny, Actions: slices.Clone(cloudFormationAccountSettings),
			Resources: []string{"*"}}},
		// The roles Identity Center provisions trust its SAML provider in
		// the account: whoever rewrites the provider's metadata signs in
		// as any of them, AdminR's permission set included. OpsPermissions
		// grants no SAML provider; this says so where it matters most.
		{Statement: Statement{Sid: "IdentityCenterProviderStays", Effect: Deny,
			Actions:   []string{"iam:CreateSAMLProvider", "iam:DeleteSAMLProvider", "iam:TagSAMLProvider", "iam:UntagSAMLProvider", "iam:UpdateSAMLProvider"},
			Resources: []string{s.IdentityCenterSAMLProviderPattern(account)}}, backstop: true},
	}
}

// cloudFormationAccountSettings are the CloudFormation calls that act on the
// account rather than on a stack OpsR owns: StackSets' access to the
// organization (deactivating it stops every StackSet, iamstack's included),
// the extension registry (a hook activated or configured there can fail or
// inspect every deploy, iamstack's included), and stack refactoring, which
// moves resources between stacks without a service role and whose request
// IAM does not tie to the stacks it moves. The patterns take in whatever
// call AWS adds to these families; they also deny three reads
// (DescribeOrganizationsAccess, DescribeType, DescribeStackRefactor), which
// the boundary's size does not leave room to spell out.
var cloudFormationAccountSettings = []string{
	"cloudformation:*OrganizationsAccess", "cloudformation:*StackRefactor", "cloudformation:*Type",
	"cloudformation:RegisterPublisher", "cloudformation:SetType*",
}

// credentialReads are what every role may still do to users, MFA devices
// and first passwords: read their metadata, never a credential.
var credentialReads = []string{"iam:Generate*", "iam:Get*", "iam:List*", "iam:Simulate*",
	"secretsmanager:DescribeSecret", "secretsmanager:ListSecretVersionIds"}

// OthersCredentials is the guardrail of every role but AdminR: users and
// their credentials are a resource class of their own. A role cannot
// create, change or delete a user, its password, access keys, MFA devices,
// SSH keys, signing certificates or service credentials, its tags or its
// groups' hold on it, nor read or change a first-password secret: any of
// these signs in as the person, or changes what the person is granted. It
// denies every call but reads on those resources, so a credential call AWS
// adds tomorrow is denied too. People manage their own credentials as users
// (ManageOwnUserG); PowerG and AdminR are the administrators of users.
func OthersCredentials(s names.Scheme, account string) Statement {
	return Statement{Sid: "UsersAndTheirCredentialsAreNotRoles", Effect: Deny, NotActions: slices.Clone(credentialReads),
		Resources: s.CredentialARNPatterns(account)}
}

// OpsBoundary is the permissions boundary of everything OpsR creates: at most
// OpsR's own permissions, under the same guard and the account's guardrails,
// so nothing OpsR makes can do more than OpsR or escape a guardrail.
//
// A boundary admits nothing its own allows do not, so the guard's backstops,
// which only repeat what OpsPermissions leaves out, would be dead weight in
// it (and a boundary is one managed policy of at most 6,144 characters):
// it holds the guard's denies that narrow OpsPermissions.
func OpsBoundary(s names.Scheme, account string, services []string, guardrails []Statement) Document {
	stmts := OpsPermissions(s, account, services)
	for _, g := range opsGuard(s, account) {
		if !g.backstop {
			stmts = append(stmts, g.Statement)
		}
	}
	return NewDocument(append(stmts, guardrails...)...)
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
// (login.gov's region_restriction), but the global services and the
// actions exempt adds.
func RegionRestriction(regions, exempt []string) Statement {
	// The defaults keep their order, so that a model without exemptions
	// writes the policy it always did.
	notActions := slices.Clone(globalServices)
	for _, a := range slices.Sorted(slices.Values(exempt)) {
		if !slices.Contains(notActions, a) {
			notActions = append(notActions, a)
		}
	}
	return Statement{Sid: "DenyOutsideAllowedRegions", Effect: Deny,
		NotActions: notActions, Resources: []string{"*"},
		Conditions: Conditions{"StringNotEquals": {keyRegion: regions}}}
}

// ExceptPrincipals returns st, a deny, made not to apply to the principals
// arns (ArnNotLike on aws:PrincipalArn, added to st's own); st itself is
// not changed.
func ExceptPrincipals(st Statement, arns []string) Statement {
	if len(arns) == 0 {
		return st
	}
	c := Conditions{}
	for op, keys := range st.Conditions {
		c[op] = map[string][]string{}
		for k, v := range keys {
			c[op][k] = slices.Clone(v)
		}
	}
	if c["ArnNotLike"] == nil {
		c["ArnNotLike"] = map[string][]string{}
	}
	c["ArnNotLike"][keyPrincipal] = append(c["ArnNotLike"][keyPrincipal], arns...)
	st.Conditions = c
	return st
}

// RDSProtectedActions are the calls that delete a database's data or its
// safety nets, or can switch those off: deletion protection and backup
// retention are settings of ModifyDB* calls, and IAM has no condition key for
// them, so the modify calls are denied whole.
var RDSProtectedActions = []string{
	"rds:DeleteBlueGreenDeployment", "rds:DeleteDBCluster", "rds:DeleteDBClusterAutomatedBackup",
	"rds:DeleteDBClusterSnapshot", "rds:DeleteDBInstance", "rds:DeleteDBInstanceAutomatedBackup",
	"rds:DeleteDBShardGroup", "rds:DeleteDBSnapshot", "rds:DeleteGlobalCluster", "rds:DeleteTenantDatabase",
	"rds:ModifyDBCluster", "rds:ModifyDBInstance", "rds:ModifyDBShardGroup", "rds:ModifyGlobalCluster",
}

// RDSDeletePrevent denies deleting databases, their snapshots and automated
// backups, and modifying the settings that protect them (login.gov's
// rds_delete_prevent, widened to every such call); resources, when given,
// limits it to those databases.
func RDSDeletePrevent(resources []string) Statement {
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	return Statement{Sid: "DenyRDSDelete", Effect: Deny, Actions: slices.Clone(RDSProtectedActions), Resources: slices.Clone(resources)}
}
