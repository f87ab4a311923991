// Package names derives every IAM name, path, ARN and tag key iamstack
// creates. Other accounts' policies refer to these by ARN, so they are a
// public contract: they depend only on the model's prefix and the names the
// model gives, never on file order.
package names

import (
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Scheme is the naming scheme of one model.
type Scheme struct {
	// Partition is the ARN partition: aws, aws-cn or aws-us-gov.
	Partition string
	// Prefix starts every stack, role, group and policy name ("infra").
	Prefix string
	// Given are the names and paths the model sets itself, where a team that
	// migrates keeps the ones it has; the zero value gives every entity
	// iamstack's own.
	Given Given
}

// Given are the IAM names and paths a model gives its entities explicitly.
// Each overrides one name the prefix would otherwise mint, and OpsR's guard
// and the trusts name them one by one, since no pattern of the prefix
// covers them.
type Given struct {
	// Roles are roles' names and paths by the role's name in the model.
	Roles map[string]RoleName
	// Groups are iamstack's groups' IAM names by short name (AssumeRoleG,
	// ManageOwnUserG, PowerG).
	Groups map[string]string
	// Policies are customer managed policies' IAM names by short name
	// (RolePolicyShort): the first of a series; the next are numbered.
	Policies map[string]string
	// UserPaths are users' IAM paths, by account ID and user name.
	UserPaths map[UserKey]string
	// PathsIn lists, by account ID, the distinct paths of the account's
	// users, people and CI/CD users; an account it does not list has its
	// users under UserPath.
	PathsIn map[string][]string
	// PeoplePaths are the distinct paths of the people (of the user-only
	// account); none means UserPath alone.
	PeoplePaths []string
	// Machines are the CI/CD users: a CI/CD user the model gives no path
	// is under CICDUserPath, outside every pattern of people.
	Machines map[UserKey]bool
	// MachinesIn are the CI/CD users' names by account ID, sorted: every
	// role's trust asks for those of one account.
	MachinesIn map[string][]string
}

// RoleName is a role's IAM name and path; an empty field takes iamstack's.
type RoleName struct{ Name, Path string }

// UserKey names a user in an account: user names are unique per account only.
type UserKey struct{ Account, User string }

// PartitionOf returns the ARN partition of a region.
func PartitionOf(region string) string {
	if p, ok := partitionOfRegion[region]; ok {
		return p
	}
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	default:
		return "aws"
	}
}

// Short names of iamstack's own groups and policies, which Group and Policy
// prefix.
const (
	AssumeRoleGroup     = "AssumeRoleG"
	ManageOwnUserGroup  = "ManageOwnUserG"
	PowerGroup          = "PowerG"
	ManageOwnUserPolicy = "ManageOwnUser"
	PowerPolicy         = "Power"
	GuardrailsPolicy    = "Guardrails"
)

// Numbered is the n-th of a series of names: base for n == 1 and base-n
// after, so that the first keeps its name when a later change needs a
// second one (split policies, further AssumeRoleG groups).
func Numbered(base string, n int) string {
	if n == 1 {
		return base
	}
	return base + "-" + strconv.Itoa(n)
}

// RolePolicyShort is the short name of the managed policies that hold a
// role's own statements.
func RolePolicyShort(role string) string { return role + "-Policy" }

// RoleNamedPolicyShort is the short name of a role's managed policy the
// model names (roles.R.policies), whose IAM name is the model's.
func RoleNamedPolicyShort(role, name string) string { return role + "-Named-" + name }

// GuardrailPolicyShort is the short name of a guardrail that is a policy
// of its own, by the IAM name the model gives it.
func GuardrailPolicyShort(name string) string { return "Guardrail-" + name }

// AnalyzerName is the name of an account's IAM Access Analyzer of a kind
// ("external-access", "unused-access").
func (s Scheme) AnalyzerName(kind string) string { return s.Prefix + "-" + kind }

// UserPolicyShort is the short name of the policies attached to a person's
// IAM user (users.U.statements).
func UserPolicyShort(user string) string { return "User-" + user }

// CICDGroupShort is the short name of a CI/CD user's group.
func CICDGroupShort(user string) string { return "CicdG-" + user }

// CICDPolicyShort is the short name of a CI/CD user's policies.
func CICDPolicyShort(user string) string { return "Cicd-" + user }

// StackID is the cloud assembly artifact ID of an account's main stack:
// "infra-dev".
func (s Scheme) StackID(account string) string { return s.Prefix + "-" + account }

// BaselineStackID is the artifact ID of an account's baseline stack: what
// lives in the region AWS sends global events to.
func (s Scheme) BaselineStackID(account string) string { return s.StackID(account) + "-baseline" }

// BaselineStackName names the baseline stack in each account.
func (s Scheme) BaselineStackName() string { return s.Prefix + "-baseline" }

// RootSignInAlertName names the root sign-in alert's rule and topic.
func (s Scheme) RootSignInAlertName() string { return s.Prefix + "-root-sign-in" }

// UserStackID is the artifact ID of the n-th additional stack of human
// users (n >= 1).
func (s Scheme) UserStackID(account string, n int) string {
	return s.StackID(account) + "-users-" + strconv.Itoa(n)
}

// IdentityCenterStackID is the artifact ID of the Identity Center stack in
// the instance's account: "infra-management-identity-center".
// The n-th of several (n >= 1) is "...-identity-center-<n>".
func (s Scheme) IdentityCenterStackID(account string, n int) string {
	if n == 0 {
		return s.StackID(account) + "-identity-center"
	}
	return s.StackID(account) + "-identity-center-" + strconv.Itoa(n)
}

// IdentityCenterStackName is the n-th Identity Center stack's
// CloudFormation name.
func (s Scheme) IdentityCenterStackName(n int) string {
	if n == 0 {
		return s.Prefix + "-identity-center"
	}
	return s.Prefix + "-identity-center-" + strconv.Itoa(n)
}

// StackName is the CloudFormation stack name in every account.
func (s Scheme) StackName() string { return s.Prefix }

// UserStackName names the n-th additional stack of human users (n >= 1).
func (s Scheme) UserStackName(n int) string { return s.Prefix + "-users-" + strconv.Itoa(n) }

// Role is the IAM name of a role: "infra-AdminR", or the name the model
// gives it.
func (s Scheme) Role(short string) string {
	if n := s.Given.Roles[short].Name; n != "" {
		return n
	}
	return s.Prefix + "-" + short
}

// RolePath is the IAM path of a role: "/", or the path the model gives it.
func (s Scheme) RolePath(short string) string {
	if p := s.Given.Roles[short].Path; p != "" {
		return p
	}
	return "/"
}

// Group is the IAM name of a group: "infra-AssumeRoleG", or the name the
// model gives one of iamstack's groups.
func (s Scheme) Group(short string) string {
	if n := s.Given.Groups[short]; n != "" {
		return n
	}
	return s.Prefix + "-" + short
}

// Policy is the IAM name of a customer managed policy, or of the first of a
// series (Numbered names the next).
func (s Scheme) Policy(short string) string {
	if n := s.Given.Policies[short]; n != "" {
		return n
	}
	return s.Prefix + "-" + short
}

// UserPath is the IAM path of the users iamstack manages unless the model
// gives one. The path marks them as iamstack's without renaming anybody:
// user names stay the people's own.
func (s Scheme) UserPath() string { return "/" + s.Prefix + "/" }

// CICDUserPath is the IAM path of the CI/CD users iamstack manages unless
// the model gives one: beside the people's path, not under it, so that no
// pattern the human trusts admit people by covers a machine.
func (s Scheme) CICDUserPath() string { return "/" + s.Prefix + "-cicd/" }

// PathOf is the IAM path of a user of an account (by ID).
func (s Scheme) PathOf(account, user string) string {
	k := UserKey{account, user}
	if p := s.Given.UserPaths[k]; p != "" {
		return p
	}
	if s.Given.Machines[k] {
		return s.CICDUserPath()
	}
	return s.UserPath()
}

// userPaths are the paths of an account's users.
func (s Scheme) userPaths(account string) []string {
	if ps := s.Given.PathsIn[account]; len(ps) > 0 {
		return ps
	}
	return []string{s.UserPath()}
}

// RoleARN is the ARN of a role in an account.
func (s Scheme) RoleARN(account, short string) string {
	return s.iam(account, "role"+s.RolePath(short)+s.Role(short))
}

// NamedRoleARN is the ARN of a role iamstack does not name, such as a
// standing resource of the model.
func (s Scheme) NamedRoleARN(account, name string) string { return s.iam(account, "role/"+name) }

// RoleARNPattern matches every role of the prefix in an account.
func (s Scheme) RoleARNPattern(account string) string { return s.iam(account, "role/"+s.Prefix+"-*") }

// GroupARNPattern matches every group of the prefix in an account.
func (s Scheme) GroupARNPattern(account string) string { return s.iam(account, "group/"+s.Prefix+"-*") }

// PolicyARN is the ARN of a customer managed policy in an account.
func (s Scheme) PolicyARN(account, short string) string {
	return s.ManagedPolicyARN(account, s.Policy(short))
}

// ManagedPolicyARN is the ARN of a customer managed policy by IAM name.
func (s Scheme) ManagedPolicyARN(account, name string) string {
	return s.iam(account, "policy/"+name)
}

// PolicyARNPattern matches every customer managed policy of the prefix.
func (s Scheme) PolicyARNPattern(account string) string {
	return s.iam(account, "policy/"+s.Prefix+"-*")
}

// UserARN is the ARN of an iamstack user in an account.
func (s Scheme) UserARN(account, user string) string {
	return s.iam(account, "user"+s.PathOf(account, user)+user)
}

// UserARNPatterns match every iamstack user of an account: one pattern per
// path its users have.
func (s Scheme) UserARNPatterns(account string) []string {
	var out []string
	for _, p := range s.userPaths(account) {
		out = append(out, s.iam(account, "user"+p+"*"))
	}
	return out
}

// peoplePaths are the paths of the people.
func (s Scheme) peoplePaths() []string {
	if len(s.Given.PeoplePaths) > 0 {
		return s.Given.PeoplePaths
	}
	return []string{s.UserPath()}
}

// PeopleARNPatterns match every person in the user-only account (by ID):
// one pattern per path people have. The human trusts admit these.
func (s Scheme) PeopleARNPatterns(account string) []string {
	var out []string
	for _, p := range s.peoplePaths() {
		out = append(out, s.iam(account, "user"+p+"*"))
	}
	return out
}

// MachinesAmongPeople are the ARNs of the CI/CD users of an account that a
// pattern of PeopleARNPatterns covers, sorted: a migrated model may keep
// machines under the people's path, and the human trusts then exclude
// each one by name.
func (s Scheme) MachinesAmongPeople(account string) []string {
	var out []string
	for _, user := range s.Given.MachinesIn[account] {
		path := s.PathOf(account, user)
		for _, p := range s.peoplePaths() {
			if strings.HasPrefix(path, p) {
				out = append(out, s.UserARN(account, user))
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// SelfUserARNs name the calling person, for self-management policies: one
// ARN per path people have. User names are unique in an account whatever
// the path, so each matches the caller alone.
func (s Scheme) SelfUserARNs(account string) []string {
	var out []string
	for _, p := range s.peoplePaths() {
		out = append(out, s.iam(account, "user"+p+"${aws:username}"))
	}
	return out
}

// IdentityARNPatterns match every role, group, managed policy and user
// iamstack writes in an account: the prefix's patterns, the roles, groups
// and policies the model names itself, and the paths of the account's
// users.
func (s Scheme) IdentityARNPatterns(account string) []string {
	return append(s.RoleGroupPolicyARNPatterns(account), s.UserARNPatterns(account)...)
}

// RoleGroupPolicyARNPatterns are IdentityARNPatterns but the users': OpsR's
// guard keeps these read-only, and the credentials guardrail every user.
func (s Scheme) RoleGroupPolicyARNPatterns(account string) []string {
	prefixed := func(path, name string) bool { return path == "/" && strings.HasPrefix(name, s.Prefix+"-") }
	out := []string{s.RoleARNPattern(account)}
	for _, short := range slices.Sorted(maps.Keys(s.Given.Roles)) {
		if !prefixed(s.RolePath(short), s.Role(short)) {
			out = append(out, s.RoleARN(account, short))
		}
	}
	// A group or policy the model names may be numbered (AssumeRoleG-2, a
	// role's policy -2): the name and its successors.
	numbered := func(kind string, given map[string]string, name func(string) string) {
		for _, short := range slices.Sorted(maps.Keys(given)) {
			if n := name(short); !prefixed("/", n) {
				out = append(out, s.iam(account, kind+"/"+n), s.iam(account, kind+"/"+n+"-*"))
			}
		}
	}
	out = append(out, s.GroupARNPattern(account))
	numbered("group", s.Given.Groups, s.Group)
	out = append(out, s.PolicyARNPattern(account))
	numbered("policy", s.Given.Policies, s.Policy)
	return out
}

// AccountRootARN names an account as a principal.
func (s Scheme) AccountRootARN(account string) string { return s.iam(account, "root") }

// AWSManagedPolicyARN is the ARN of an AWS managed policy.
func (s Scheme) AWSManagedPolicyARN(name string) string {
	return "arn:" + s.Partition + ":iam::aws:policy/" + name
}

// StackARNPatterns match every CloudFormation stack iamstack creates in an
// account, under the names the CDK and StackSets give them: the prefix's
// stacks ("infra", "infra-users-1", "infra-stacksets"), and the stack a
// StackSet of the prefix creates in each account of its OU, which
// StackSets name "StackSet-<stack set name>-<UUID>" ("StackSet-infra-<ou>-").
func (s Scheme) StackARNPatterns(account string) []string {
	base := "arn:" + s.Partition + ":cloudformation:*:" + account + ":stack/"
	return []string{base + s.Prefix + "/*", base + s.Prefix + "-*/*", base + StackSetInstancePrefix + s.Prefix + "-*/*"}
}

// StackSetInstancePrefix starts the name of every stack a StackSet creates.
const StackSetInstancePrefix = "StackSet-"

// StackSetName names the StackSet that gives an OU's accounts their roles.
func (s Scheme) StackSetName(ou string) string { return s.Prefix + "-" + ou }

// CredentialARNPatterns match what signs in as a person or holds a
// person's secret in an account: every user (their passwords, keys,
// certificates and service credentials are actions on the user), every
// virtual MFA device, and the first-password secrets.
func (s Scheme) CredentialARNPatterns(account string) []string {
	return []string{s.iam(account, "user/*"), s.iam(account, "mfa/*"),
		"arn:" + s.Partition + ":secretsmanager:*:" + account + ":secret:" + s.FirstPasswordSecret("*")}
}

// OpsPath is the IAM path of the roles, managed policies and instance
// profiles that OpsR may create and change: its IAM power ends there. It is
// under the prefix but matches none of the prefix's own name patterns
// (role/infra-*), which stay read-only to OpsR.
func (s Scheme) OpsPath() string { return "/" + s.Prefix + "/ops/" }

// OpsARNPatterns match what OpsR may create and change in an account: roles,
// managed policies and instance profiles under OpsPath.
func (s Scheme) OpsARNPatterns(account string) []string {
	return []string{s.OpsRoleARNPattern(account), s.iam(account, "policy"+s.OpsPath()+"*"),
		s.iam(account, "instance-profile"+s.OpsPath()+"*")}
}

// OpsRoleARNPattern matches the roles under OpsPath in an account.
func (s Scheme) OpsRoleARNPattern(account string) string {
	return s.iam(account, "role"+s.OpsPath()+"*")
}

// ServiceLinkedRoleARNPattern matches an account's service-linked roles,
// which AWS services create with policies AWS defines.
func (s Scheme) ServiceLinkedRoleARNPattern(account string) string {
	return s.iam(account, "role/aws-service-role/*")
}

// CDKDeployARNPatterns match what `cdk bootstrap` creates in an account and
// every later `cdk deploy` trusts: the staging bucket and its objects (the
// templates CloudFormation reads), the container asset repository, the
// bootstrap version parameter and the CDKToolkit stack. Any qualifier.
func (s Scheme) CDKDeployARNPatterns(account string) []string {
	return []string{
		"arn:" + s.Partition + ":s3:::cdk-*-assets-" + account + "-*",
		"arn:" + s.Partition + ":s3:::cdk-*-assets-" + account + "-*/*",
		"arn:" + s.Partition + ":ecr:*:" + account + ":repository/cdk-*-container-assets-" + account + "-*",
		"arn:" + s.Partition + ":ssm:*:" + account + ":parameter/cdk-bootstrap/*",
		"arn:" + s.Partition + ":cloudformation:*:" + account + ":stack/CDKToolkit/*",
	}
}

// GitHubOIDCHost is the issuer of GitHub Actions' OIDC tokens.
const GitHubOIDCHost = "token.actions.githubusercontent.com"

// GitHubOIDCProviderARN is the ARN of an account's OIDC provider for GitHub
// Actions.
func (s Scheme) GitHubOIDCProviderARN(account string) string {
	return s.OIDCProviderARN(account, GitHubOIDCHost)
}

// OIDCProviderARN is the ARN of an account's OIDC provider for an issuer,
// written as IAM names the provider: its URL without the scheme.
func (s Scheme) OIDCProviderARN(account, issuer string) string {
	return s.iam(account, "oidc-provider/"+issuer)
}

// FirstPasswordSecret names the Secrets Manager secret holding a console
// user's first password.
func (s Scheme) FirstPasswordSecret(user string) string {
	return s.Prefix + "/first-password/" + user
}

// SignInURL is the console sign-in URL of an account: by alias when it
// has one, by ID otherwise.
func SignInURL(accountID, alias string) string {
	if alias != "" {
		return "https://" + alias + ".signin.aws.amazon.com/console"
	}
	return "https://" + accountID + ".signin.aws.amazon.com/console"
}

// CurrentAccount stands for the account ID in a template that StackSets
// deploy to many accounts: the CDK layer writes strings holding it as
// Fn::Sub, so each account's stack reads its own ID.
const CurrentAccount = "${AWS::AccountId}"

// AllToken is the grant token of a grant in every account.
const AllToken = "all"

var accountToken = regexp.MustCompile(`^[0-9]{12}$`)

// IsAccountToken tells whether a grant token names one account by its ID
// (the other tokens are AllToken, an OU ID and an account type, which the
// model keeps from looking like an ID).
func IsAccountToken(token string) bool { return accountToken.MatchString(token) }

// GrantTagKey is the user tag that lists where a user may assume a role:
// one tag per role, whatever the number of accounts. Both sides of a grant
// read it: the AssumeRoleG policies in the user-only account and the trust
// policy of the role.
func (s Scheme) GrantTagKey(role string) string { return s.Prefix + "-grants-" + role }

// GrantTagValue is the value of a grant tag: the grant tokens (AllToken, an
// account ID, an OU ID or an account type), sorted, each between colons
// (":123456789012:dev:"), so that "*:dev:*" matches exactly one token.
func GrantTagValue(tokens []string) string {
	sorted := append([]string(nil), tokens...)
	sort.Strings(sorted)
	return ":" + strings.Join(sorted, ":") + ":"
}

// GrantTagPattern is the StringLike pattern that admits one token; with
// a policy variable as token, the value the request context gives it.
func GrantTagPattern(token string) string { return "*:" + token + ":*" }

// SSORolePath is the IAM path of the roles IAM Identity Center provisions
// for the permission sets of an instance in a region; an instance in
// us-east-1 leaves the region out.
func SSORolePath(region string) string {
	if region == "us-east-1" {
		return "/aws-reserved/sso.amazonaws.com/"
	}
	return "/aws-reserved/sso.amazonaws.com/" + region + "/"
}

// PermissionSetRoleARNPattern matches the role Identity Center provisions
// in an account for the permission set of a role of the model (an instance
// in region): AWSReservedSSO_, the permission set's name, and exactly 16
// characters, so that no other permission set's role matches.
func (s Scheme) PermissionSetRoleARNPattern(account, region, short string) string {
	return s.iam(account, "role"+SSORolePath(region)+"AWSReservedSSO_"+s.Role(short)+"_"+strings.Repeat("?", 16))
}

// IdentityCenterSAMLProviderPattern matches the SAML provider Identity
// Center creates in an account, which every role it provisions there
// trusts: AWSSSO_<16 hex digits>_DO_NOT_DELETE.
func (s Scheme) IdentityCenterSAMLProviderPattern(account string) string {
	return s.iam(account, "saml-provider/AWSSSO_*")
}

func (s Scheme) iam(account, resource string) string {
	return "arn:" + s.Partition + ":iam::" + account + ":" + resource
}
