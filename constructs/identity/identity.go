// Package identity holds iamstack's CDK constructs: IAM managed policies,
// groups, roles, users and OIDC providers whose CloudFormation logical IDs
// are given, not derived from the construct tree.
//
// Logical IDs decide whether CloudFormation updates a resource or replaces it,
// and replacing a user loses their MFA device, keys and password. So every
// construct here takes its logical ID in its props (the plan derives it from
// model names) and pins it, whatever scope and construct ID it is created
// under. The constructs are deliberately thin: every decision is made in the
// pure-Go plan package.
//
// Each construct is its CloudFormation resource, an aws-cdk-lib L1 (CfnRole,
// CfnUser, ...), with no wrapper. Every call into the jsii runtime is a round
// trip to its node process, which costs more than node spends creating a
// resource; so a Batch creates any number of them in one call, and each New
// function is a Batch of one.
package identity

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/iamstack/iamstack/internal/cfn"
)

// NagSuppression is a cdk-nag finding accepted on a resource, with the
// reason (ID, Reason). It is written as cdk-nag's NagSuppressions writes
// it, without loading cdk-nag, by the renderer every resource goes through.
type NagSuppression = cfn.Suppression

// ManagedPolicyProps configure a customer managed policy.
type ManagedPolicyProps struct {
	LogicalID   string
	Name        string
	Description string
	// Document is the policy document as JSON values (policy.Document.Map).
	Document map[string]any
	// Metadata is written under the resource's Metadata section.
	Metadata        map[string]any
	NagSuppressions []NagSuppression
}

// ManagedPolicy is a customer managed policy.
type ManagedPolicy interface {
	constructs.Construct
	// Arn is the policy's ARN, as a CloudFormation reference.
	Arn() *string
	Resource() awsiam.CfnManagedPolicy
}

type managedPolicy struct{ awsiam.CfnManagedPolicy }

func (p *managedPolicy) Arn() *string                      { return p.Ref() }
func (p *managedPolicy) Resource() awsiam.CfnManagedPolicy { return p.CfnManagedPolicy }

// NewManagedPolicy creates a customer managed policy.
func NewManagedPolicy(scope constructs.Construct, id string, props *ManagedPolicyProps) ManagedPolicy {
	var b Batch
	b.ManagedPolicy(id, props)
	return &managedPolicy{b.created(scope)[0].(awsiam.CfnManagedPolicy)}
}

// GroupProps configure a group.
type GroupProps struct {
	LogicalID string
	Name      string
	// ManagedPolicyArns are ARNs or references to managed policies.
	ManagedPolicyArns []*string
	// Metadata is written under the resource's Metadata section.
	Metadata map[string]any
}

// Group is an IAM group.
type Group interface {
	constructs.Construct
	// GroupName is the group's name, as a CloudFormation reference.
	GroupName() *string
	Resource() awsiam.CfnGroup
}

type group struct{ awsiam.CfnGroup }

// GroupName is the Ref, which CloudFormation resolves to the name; it
// shadows CfnGroup's GroupName, the property as given.
func (g *group) GroupName() *string        { return g.Ref() }
func (g *group) Resource() awsiam.CfnGroup { return g.CfnGroup }

// NewGroup creates a group.
func NewGroup(scope constructs.Construct, id string, props *GroupProps) Group {
	var b Batch
	b.Group(id, props)
	return &group{b.created(scope)[0].(awsiam.CfnGroup)}
}

// RoleProps configure a role.
type RoleProps struct {
	LogicalID string
	Name      string
	// Path is the role's IAM path; empty leaves IAM's default "/".
	Path        string
	Description string
	// Trust is the trust policy as JSON values.
	Trust              map[string]any
	MaxSessionDuration int
	ManagedPolicyArns  []*string
	// DependsOn are references (a resource's Ref, or what a Batch returns)
	// to resources that must exist before the role, such as users its trust
	// policy names.
	DependsOn []*string
	// Metadata is written under the resource's Metadata section.
	Metadata        map[string]any
	NagSuppressions []NagSuppression
}

// Role is an IAM role.
type Role interface {
	constructs.Construct
	Resource() awsiam.CfnRole
}

type role struct{ awsiam.CfnRole }

func (r *role) Resource() awsiam.CfnRole { return r.CfnRole }

// NewRole creates a role.
func NewRole(scope constructs.Construct, id string, props *RoleProps) Role {
	var b Batch
	b.Role(id, props)
	return &role{b.created(scope)[0].(awsiam.CfnRole)}
}

// UserProps configure a user.
type UserProps struct {
	LogicalID string
	Name      string
	Path      string
	// Groups are group names or references to groups.
	Groups []*string
	Tags   map[string]string
	// FirstPassword, when set, gives the user a console password that
	// CloudFormation generates into a Secrets Manager secret and that must
	// be changed at first sign-in. The template holds only a reference.
	FirstPassword *FirstPasswordProps
	// Metadata is written under the Metadata section of the user and of its
	// first password's secret.
	Metadata map[string]any
}

// FirstPasswordProps describe the secret of a user's first console password.
type FirstPasswordProps struct {
	LogicalID   string
	SecretName  string
	Description string
	// PasswordLength and ExcludeCharacters shape the generated password.
	PasswordLength    int
	ExcludeCharacters string
	NagSuppressions   []NagSuppression
}

// User is an IAM user.
type User interface {
	constructs.Construct
	Resource() awsiam.CfnUser
	FirstPasswordSecret() awssecretsmanager.CfnSecret
}

type user struct {
	awsiam.CfnUser
	secret awssecretsmanager.CfnSecret
}

func (u *user) Resource() awsiam.CfnUser { return u.CfnUser }

// FirstPasswordSecret is the secret of the user's first password, or nil.
func (u *user) FirstPasswordSecret() awssecretsmanager.CfnSecret { return u.secret }

// NewUser creates a user. A user removed from the model is deleted, not
// retained: a retained user would keep its groups and grant tags, and so its
// access. Catching an unintended removal is the job of the pre-deploy checks.
func NewUser(scope constructs.Construct, id string, props *UserProps) User {
	var b Batch
	b.User(id, props)
	created := b.created(scope)
	if len(created) == 1 {
		return &user{CfnUser: created[0].(awsiam.CfnUser)}
	}
	return &user{created[1].(awsiam.CfnUser), created[0].(awssecretsmanager.CfnSecret)}
}

// OIDCProviderProps configure an IAM OIDC identity provider.
type OIDCProviderProps struct {
	LogicalID string
	// URL is the issuer: https://token.actions.githubusercontent.com.
	URL string
	// ClientIDs are the audiences tokens carry: sts.amazonaws.com.
	ClientIDs []string
	// Metadata is written under the resource's Metadata section.
	Metadata map[string]any
}

// OIDCProvider is an IAM OIDC identity provider.
type OIDCProvider interface {
	constructs.Construct
	Resource() awsiam.CfnOIDCProvider
}

type oidcProvider struct{ awsiam.CfnOIDCProvider }

func (p *oidcProvider) Resource() awsiam.CfnOIDCProvider { return p.CfnOIDCProvider }

// NewOIDCProvider creates an OIDC identity provider. IAM verifies the
// issuer's certificate itself, so no thumbprint is given.
func NewOIDCProvider(scope constructs.Construct, id string, props *OIDCProviderProps) OIDCProvider {
	var b Batch
	b.OIDCProvider(id, props)
	return &oidcProvider{b.created(scope)[0].(awsiam.CfnOIDCProvider)}
}
