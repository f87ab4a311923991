// Package model loads, validates and resolves an iamstack identity model: the
// accounts, roles, teams, users and CI/CD users of an organisation, and who
// may assume which role in which account.
//
// Load decodes strictly (an unknown key is an error), applies defaults,
// validates everything and reports every problem at once, each with its file,
// line, field path and fix. A *Model that Load returns is valid; its methods
// answer questions about it without further checks.
package model

import (
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/iamstack/iamstack/internal/policy"
)

// APIVersion is the model format this package reads.
const APIVersion = "iamstack/v1"

// UserOnly is the account type of the account that holds every human user.
const UserOnly = "user-only"

// The built-in roles.
const (
	AdminR = "AdminR"
	OpsR   = "OpsR"
	ReadR  = "ReadR"
)

// Defaults applied where the model is silent.
const (
	DefaultPrefix      = "infra"
	DefaultMFAMaxAge   = 12 * time.Hour
	DefaultEnvironment = "infra"
	allTargets         = "all"
)

// defaultMaxSession is each built-in role's maximum session: short for the
// emergency role.
var defaultMaxSession = map[string]time.Duration{AdminR: time.Hour, OpsR: 4 * time.Hour, ReadR: 8 * time.Hour}

// Spec is an identity model as written in YAML: what the loader decodes
// and the schema describes. Validation reads it and resolves it into a
// Model; nothing writes into it.
type Spec struct {
	APIVersion string `yaml:"apiVersion"`
	// Prefix starts every stack, role, group and policy name.
	Prefix string `yaml:"prefix"`
	// Region is where the stacks are deployed.
	Region string `yaml:"region"`
	// MFAMaxAge bounds aws:MultiFactorAuthAge on every human path.
	MFAMaxAge Duration `yaml:"mfaMaxAge"`
	// PasswordChangeWithoutMFA lets a user change a first password before MFA is set up.
	PasswordChangeWithoutMFA bool `yaml:"passwordChangeWithoutMFA"`
	// UserStacks is how many stacks the user-only account's users are spread over.
	UserStacks int `yaml:"userStacks"`
	// GroupNames give iamstack's groups (AssumeRoleG, ManageOwnUserG,
	// PowerG) the IAM names a migrating team's groups already have, instead
	// of prefix-AssumeRoleG and so on.
	GroupNames map[string]string `yaml:"groupNames"`

	// Organization is the AWS Organizations organization the accounts
	// belong to; organizationalUnits need it.
	Organization *Organization `yaml:"organization"`
	// OrganizationalUnits are OUs whose accounts get roles without being
	// listed: a CloudFormation StackSet deploys them to every account that
	// is or joins the OU.
	OrganizationalUnits []OrganizationalUnit `yaml:"organizationalUnits"`

	// Accounts are the AWS accounts iamstack deploys to, exactly one of
	// type user-only, which holds the people.
	Accounts []Account `yaml:"accounts"`
	// Roles configure the built-in roles (AdminR, OpsR, ReadR) and define
	// custom ones, by short name.
	Roles map[string]Role `yaml:"roles"`
	// Guardrails are deny policies attached to every role where they apply.
	Guardrails Guardrails `yaml:"guardrails"`
	// Teams grant roles to every user in them, by team name.
	Teams map[string]Team `yaml:"teams"`
	// Users are the people, by IAM user name, all in the user-only account.
	Users map[string]User `yaml:"users"`
	// CICDUsers are machine users with access keys, by IAM user name, each
	// in the account it deploys to.
	CICDUsers map[string]CICDUser `yaml:"cicdUsers"`
	// Environments are promotion targets, by name: the accounts a release
	// is deployed to together (default: infra, every account).
	Environments map[string]Environment `yaml:"environments"`
	// AcknowledgedRemovals lets a change delete or replace users, groups or
	// roles: without them, the check refuses such a change.
	AcknowledgedRemovals []Removal `yaml:"acknowledgedRemovals"`
	// StandingResources describe what else exists in the accounts, for the
	// escalation analysis only.
	StandingResources []StandingResource `yaml:"standingResources"`
	// IdentityCenter is the IAM Identity Center instance people may reach
	// their roles through, beside or instead of IAM users.
	IdentityCenter *IdentityCenter `yaml:"identityCenter"`
	// Baseline are the account settings `iamstack baseline` applies and
	// verifies: password policy, STS token version (and each account's
	// alias).
	Baseline *Baseline `yaml:"baseline"`
}

// Model is a valid identity model, resolved: defaults applied, grants,
// names and trusts worked out once. Its fields are its own: consumers read
// it through its methods (query.go).
type Model struct {
	spec     Spec
	file     string
	resolved resolution
}

// Account is one AWS account.
type Account struct {
	Name string `yaml:"name"`
	ID   string `yaml:"id"`
	// Type groups accounts: user-only, dev, prod, sandbox, ...
	Type string `yaml:"type"`
	// Alias is the account alias, for sign-in URLs.
	Alias string `yaml:"alias"`
	// OU is the organizational unit (by name in the model) the account sits
	// in: a grant to the OU reaches it, and the OU's StackSet leaves it to
	// its own stack.
	OU string `yaml:"ou"`
	// Tags are the account's tags, as AWS Organizations holds them: a
	// grant, enabledIn or guardrail target written key=value names the
	// listed accounts that carry the tag.
	Tags map[string]string `yaml:"tags"`
}

// Organization is an AWS Organizations organization.
type Organization struct {
	// ID is the organization's ID: o-a1b2c3d4e5.
	ID string `yaml:"id"`
	// RootID is the ID of its root: r-ab12.
	RootID string `yaml:"rootId"`
	// ManagementAccount is the management account's ID. StackSets never
	// deploy to it, even when it sits in a targeted OU.
	ManagementAccount string `yaml:"managementAccount"`
	// DeployAccount names the listed account that owns the StackSets: the
	// management account or a delegated administrator for StackSets.
	DeployAccount string `yaml:"deployAccount"`
	// StackSets are the operation preferences of every StackSet.
	StackSets StackSetOptions `yaml:"stackSets"`
}

// StackSetOptions are how CloudFormation rolls a StackSet out.
type StackSetOptions struct {
	// MaxConcurrentPercentage of the accounts of each region deploy at once (default 25).
	MaxConcurrentPercentage int `yaml:"maxConcurrentPercentage"`
	// FailureTolerancePercentage of the accounts may fail before the
	// operation stops in a region (default 0).
	FailureTolerancePercentage int `yaml:"failureTolerancePercentage"`
	// RegionConcurrency is SEQUENTIAL (default) or PARALLEL.
	RegionConcurrency string `yaml:"regionConcurrency"`
	// RetainStacksOnAccountRemoval keeps an account's roles when it leaves
	// the OU (default: they are deleted).
	RetainStacksOnAccountRemoval bool `yaml:"retainStacksOnAccountRemoval"`
}

// OrganizationalUnit is an OU whose accounts the model gives roles.
type OrganizationalUnit struct {
	// Name is the OU's name in the model: grants, enabledIn and guardrails
	// use it as they use an account's name.
	Name string `yaml:"name"`
	// ID is the OU's ID: ou-ab12-11111111.
	ID string `yaml:"id"`
	// Type is the account type of the OU's accounts: a grant to the type
	// reaches them.
	Type string `yaml:"type"`
}

// Role is a built-in role's settings or a custom role.
type Role struct {
	// Name is the role's IAM name where a migrating team keeps the one it
	// has (default: prefix-<role>); grants and trusts still use the model's
	// name for it.
	Name string `yaml:"name"`
	// Path is the role's IAM path (default /); it cannot be OpsR's path,
	// where OpsR may change roles.
	Path string `yaml:"path"`
	// PolicyName is the IAM name of the customer managed policy holding the
	// role's own statements, where a migrating team keeps the one it has
	// (default: prefix-<role>-Policy); when the statements need more than
	// one policy, the next are PolicyName-2, PolicyName-3, ...
	PolicyName  string   `yaml:"policyName"`
	Description string   `yaml:"description"`
	MaxSession  Duration `yaml:"maxSession"`
	// Services are the services OpsR has full power over.
	Services []string `yaml:"services"`
	// ManagedPolicies are AWS managed policy names a custom role gets.
	ManagedPolicies []string `yaml:"managedPolicies"`
	// Statements are a custom role's own policy statements.
	Statements []policy.Statement `yaml:"statements"`
	// Policies are a custom role's named customer managed policies, by IAM
	// name (Power, Power2), each created in every account the role exists
	// in: a migrating team keeps the policies it has, as it shaped them.
	Policies map[string][]policy.Statement `yaml:"policies"`
	// InlinePolicies are a custom role's inline policies, by name, kept
	// inline as an adopted role has them (IAMSTACK-INLINE-POLICY must be
	// waived on the role: an inline policy is the role's alone, and IAM
	// allows 10,240 characters of them per role).
	InlinePolicies map[string][]policy.Statement `yaml:"inlinePolicies"`
	// StatementsIn adds statements where the role exists in the accounts a
	// key names (an account name, an account type, or all): the role's
	// policy in prod may differ from the one in sandbox without a copy.
	StatementsIn map[string][]policy.Statement `yaml:"statementsIn"`
	// EnabledIn limits the role to these accounts or account types (default: all but user-only).
	EnabledIn []string `yaml:"enabledIn"`
	// DisabledIn switches the role off in these accounts or account types.
	DisabledIn []string `yaml:"disabledIn"`
	// Waivers accept findings of check rules for this role: rule ID -> reason.
	Waivers Waivers `yaml:"waivers"`
	// MFAMaxAge bounds, for this role, how old a person's MFA session may
	// be (default: the model's mfaMaxAge; at most that).
	MFAMaxAge Duration `yaml:"mfaMaxAge"`
	// MFAMaxAgeIn overrides mfaMaxAge in some accounts or account types
	// (at most the role's).
	MFAMaxAgeIn map[string]Duration `yaml:"mfaMaxAgeIn"`
	// MaxSessionIn overrides maxSession in some accounts or account types.
	MaxSessionIn map[string]Duration `yaml:"maxSessionIn"`
	// SessionTags lets callers pass session tags (sts:TagSession), as
	// aws-vault with session_tags and GitHub's configure-aws-credentials do:
	// a list of the tag keys they may pass ([team, project]), or true for
	// any key but iamstack's own. No tag is ever transitive.
	SessionTags SessionTags `yaml:"sessionTags"`
	// Trust admits principals beyond iamstack's people and CI/CD users.
	Trust []Trust `yaml:"trust"`
	// TrustIn admits more principals where the role exists in the accounts
	// a key names (an account name, an account type, or all): a deploy
	// role trusting a tooling account in prod only, or a workflow's
	// environment:dev subject in dev and environment:prod in prod.
	TrustIn map[string][]Trust `yaml:"trustIn"`
	// SourceIdentity lets callers set a source identity (sts:SetSourceIdentity),
	// which must be their user name: CloudTrail then names the person
	// through every role chained from this one.
	SourceIdentity bool `yaml:"sourceIdentity"`
}

// Waivers map a check rule ID (IAMSTACK-ESCALATION, AwsSolutions-IAM5, ...)
// to the reason the finding is accepted for one resource of the model.
type Waivers map[string]string

// Removal acknowledges that a change deletes or replaces a user, group or
// role, losing what CloudFormation cannot carry over (MFA devices, keys,
// passwords, trust).
type Removal struct {
	Kind string `yaml:"kind"` // one of RemovalKinds
	// Name is the IAM name; an OIDC provider's is its issuer's host.
	Name string `yaml:"name"`
	// Account is the account's name, or "all": an acknowledgement matches
	// nothing in another account.
	Account string `yaml:"account"`
	Reason  string `yaml:"reason"`
}

// RemovalOIDCProvider is the removal kind of an OIDC identity provider.
const RemovalOIDCProvider = "oidc-provider"

// RemovalKinds are what an acknowledgedRemovals entry may name.
var RemovalKinds = []string{"group", RemovalOIDCProvider, "role", "user"}

// Acknowledges tells whether the acknowledgement covers the removal of an
// IAM resource of a kind and name from an account (by name).
func (r Removal) Acknowledges(kind, name, account string) bool {
	return r.Kind == kind && r.Name == name && (r.Account == allTargets || r.Account == account)
}

// Grants maps a role to the accounts or account types it is granted in:
// {AdminR: [dev], ReadR: [prod]}.
type Grants map[string][]string

// Team grants roles to its members (login.gov's group_role_map).
type Team struct {
	Description string `yaml:"description"`
	Grants      Grants `yaml:"grants"`
	// Group is the team's Identity Center group's display name (default
	// prefix-team).
	Group string `yaml:"group"`
}

// User is a person, created in the user-only account.
type User struct {
	// Path is the user's IAM path where a migrating team keeps the one it
	// has (default /prefix/).
	Path  string   `yaml:"path"`
	Teams []string `yaml:"teams"`
	// Grants are the user's own grants, added to their teams'.
	Grants Grants `yaml:"grants"`
	// Power puts the user in PowerG: full IAM in the user-only account.
	Power bool `yaml:"power"`
	// Console marks a user who signs in to the AWS console.
	Console bool `yaml:"console"`
	// KeepPassword, for a console user iamstack adopts, keeps the password
	// they have: iamstack generates no first password for them and leaves
	// their login profile alone.
	KeepPassword bool `yaml:"keepPassword"`
	// Waivers accept findings of check rules for this user.
	Waivers Waivers `yaml:"waivers"`
	// Statements are the person's own policy, attached to their IAM user
	// (IAMSTACK-DIRECT-POLICY must be waived on the user): a self-service
	// variant for one person. Like every permission of a person's, it
	// holds only with an MFA session (ManageOwnUserG denies the rest).
	Statements []policy.Statement `yaml:"statements"`
	// SignIn is how the person reaches their roles: one of SignIns
	// (default identityCenter.signIn, or iam).
	SignIn string `yaml:"signIn"`
	// Email is where Identity Center sends the first sign-in of a person
	// in its own directory.
	Email string `yaml:"email"`
	// DisplayName is the person's name in Identity Center (default from
	// the user name: alice.martin is "Alice Martin").
	DisplayName string `yaml:"displayName"`
	// IdentityCenterUserName is the person's user name in Identity Center
	// when it is not their name here (an identity provider's is often
	// their email address).
	IdentityCenterUserName string `yaml:"identityCenterUserName"`
}

// CICDUser is a machine user with access keys, created in the account it deploys to.
type CICDUser struct {
	Account string `yaml:"account"`
	// Path is the user's IAM path (default /prefix/).
	Path string `yaml:"path"`
	// Roles are roles of its own account it may assume.
	Roles []string `yaml:"roles"`
	// Assume grants it roles in other accounts, by account, type or all, as
	// a person's grants do: a central machine user. The roles' trust names
	// it exactly, without MFA (it signs with access keys).
	Assume Grants `yaml:"assume"`
	// Statements are its own least-privilege policy; statements: [] with
	// nothing else keeps a user without permissions (one whose access key
	// another service checks).
	Statements []policy.Statement `yaml:"statements"`
	// ManagedPolicies are AWS managed policy names its group gets.
	ManagedPolicies []string `yaml:"managedPolicies"`
	// Waivers accept findings of check rules for this CI/CD user.
	Waivers Waivers `yaml:"waivers"`
}

// StandingResource is a resource that exists in an account outside
// iamstack: a role or user made by hand, a stack deployed under a service
// role, a workload that runs as a role. iamstack creates, changes and
// deletes nothing from it; the escalation analysis includes it, so that a
// route through it is found.
type StandingResource struct {
	Account string `yaml:"account"`
	// Kind is role, user, stack, workload or oidc-provider (metadata.Kinds).
	Kind string `yaml:"kind"`
	// Name is the IAM name of a role or user, the stack name, the
	// workload's name (function, instance ID, project, ...), or an OIDC
	// provider's issuer host (token.actions.githubusercontent.com).
	Name string `yaml:"name"`
	// Path is a role's or user's IAM path (default /): a service-linked
	// role's is /aws-service-role/<service principal>/.
	Path string `yaml:"path"`
	// ManagedPolicies and Statements are a role's or user's permissions.
	ManagedPolicies []string           `yaml:"managedPolicies"`
	Statements      []policy.Statement `yaml:"statements"`
	// TrustedBy are the principals a role trusts: "account" (any principal
	// of its own account that is allowed to), account IDs, or services
	// (lambda.amazonaws.com).
	TrustedBy []string `yaml:"trustedBy"`
	// RunsAs is the name of the role a stack or workload runs under.
	RunsAs string `yaml:"runsAs"`
	// Service is a workload's service: codebuild, ec2, ecs, glue, lambda or sagemaker.
	Service string `yaml:"service"`
}

// TrustOwnAccount in trustedBy names the role's own account.
const TrustOwnAccount = "account"

// Environment is a promotion target: a set of accounts deployed together.
type Environment struct {
	Accounts []string `yaml:"accounts"`
}

// File is the path the model was loaded from.
func (m *Model) File() string { return m.file }

// SessionTags are the session tags callers may pass when they assume a
// role: none (the zero value), the keys Keys lists, or with Any, any key
// but iamstack's own. YAML writes it as true/false or as a list of keys.
type SessionTags struct {
	Any  bool
	Keys []string
}

// Allowed tells whether callers may pass any session tag at all.
func (t SessionTags) Allowed() bool { return t.Any || len(t.Keys) > 0 }

// UnmarshalYAML reads true, false or a list of tag keys.
func (t *SessionTags) UnmarshalYAML(n *yaml.Node) error {
	switch {
	case n.Kind == yaml.ScalarNode && n.Tag == "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return err
		}
		*t = SessionTags{Any: b}
		return nil
	case n.Kind == yaml.SequenceNode:
		keys := make([]string, 0, len(n.Content))
		for _, item := range n.Content {
			if item.Kind != yaml.ScalarNode || item.Tag == "!!null" {
				return fmt.Errorf("expected tag keys, found %s; write the keys callers may pass: [team, project]", describe(item))
			}
			keys = append(keys, item.Value)
		}
		*t = SessionTags{Keys: keys}
		return nil
	default:
		return fmt.Errorf("expected the tag keys callers may pass ([team, project]) or true, found %s", describe(n))
	}
}

// Duration is a time.Duration written as "1h", "90m" or "12h".
type Duration struct{ time.Duration }

// UnmarshalText reads a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration; write it as 1h, 90m or 12h", string(b))
	}
	d.Duration = v
	return nil
}

// Seconds is the duration in whole seconds.
func (d Duration) Seconds() int { return int(d.Duration / time.Second) }

func isBuiltin(role string) bool { return role == AdminR || role == OpsR || role == ReadR }

func quoted(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
