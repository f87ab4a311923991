// Package identity holds iamstack's CDK constructs: IAM managed policies,
// groups, roles and users whose CloudFormation logical IDs are given, not
// derived from the construct tree.
//
// Logical IDs decide whether CloudFormation updates a resource or replaces it,
// and replacing a user loses their MFA device, keys and password. So every
// construct here takes its logical ID in its props (the plan derives it from
// model names) and pins it, whatever scope and construct ID it is created
// under. The constructs are deliberately thin: every decision is made in the
// pure-Go plan package.
//
// Each construct is its CloudFormation resource, with no wrapper: every
// call into the jsii runtime costs a round trip to node, and a wrapper and a
// logical ID override were half of a resource's calls. At a stack's root,
// under an id that is its logical ID, a resource gets that logical ID from
// the stack as it is, and needs no override.
package identity

import (
	"maps"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// pin gives res its logical ID. A resource at a stack's root (a stack or a
// nested stack) whose construct id is the logical ID already has it: the
// stack allocates a top-level alphanumeric id unchanged. Anywhere else, or
// under another id, it is overridden.
func pin(scope constructs.Construct, id string, res awscdk.CfnResource, logicalID string) {
	if _, atRoot := scope.(awscdk.Stack); atRoot && id == logicalID && alphanumeric(id) {
		return
	}
	res.OverrideLogicalId(jsii.String(logicalID))
}

// alphanumeric tells whether a stack keeps id as a top-level logical ID
// (CloudFormation allows 255 characters of letters and digits).
func alphanumeric(id string) bool {
	if id == "" || len(id) > 255 {
		return false
	}
	for _, r := range id {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

// ManagedPolicyProps configure a customer managed policy.
type ManagedPolicyProps struct {
	LogicalID   string
	Name        string
	Description string
	// Document is the policy document as JSON values (policy.Document.Map).
	Document map[string]any
	// Metadata is written under the resource's Metadata section.
	Metadata map[string]any
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
	res := awsiam.NewCfnManagedPolicy(scope, jsii.String(id), &awsiam.CfnManagedPolicyProps{
		ManagedPolicyName: jsii.String(props.Name),
		Description:       optional(props.Description),
		PolicyDocument:    props.Document,
	})
	pin(scope, id, res, props.LogicalID)
	addMetadata(res, props.Metadata)
	return &managedPolicy{res}
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
	res := awsiam.NewCfnGroup(scope, jsii.String(id), &awsiam.CfnGroupProps{
		GroupName:         jsii.String(props.Name),
		ManagedPolicyArns: anyList(props.ManagedPolicyArns),
	})
	pin(scope, id, res, props.LogicalID)
	addMetadata(res, props.Metadata)
	return &group{res}
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
	// DependsOn are resources that must exist before the role, such as users
	// its trust policy names.
	DependsOn []awscdk.CfnResource
	// Metadata is written under the resource's Metadata section.
	Metadata map[string]any
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
	res := awsiam.NewCfnRole(scope, jsii.String(id), &awsiam.CfnRoleProps{
		RoleName:                 jsii.String(props.Name),
		Path:                     optional(props.Path),
		Description:              optional(props.Description),
		AssumeRolePolicyDocument: props.Trust,
		MaxSessionDuration:       jsii.Number(float64(props.MaxSessionDuration)),
		ManagedPolicyArns:        anyList(props.ManagedPolicyArns),
	})
	pin(scope, id, res, props.LogicalID)
	addMetadata(res, props.Metadata)
	for _, d := range props.DependsOn {
		res.AddResourceDependency(d, jsii.String("its trust policy names this user, and IAM rejects a principal that does not exist yet"))
	}
	return &role{res}
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
	var tags []*awscdk.CfnTag
	for _, k := range slices.Sorted(maps.Keys(props.Tags)) {
		tags = append(tags, &awscdk.CfnTag{Key: jsii.String(k), Value: jsii.String(props.Tags[k])})
	}
	cfnProps := &awsiam.CfnUserProps{
		UserName: jsii.String(props.Name),
		Path:     jsii.String(props.Path),
		Groups:   anyList(props.Groups),
	}
	if len(tags) > 0 {
		cfnProps.Tags = &tags
	}
	var secret awssecretsmanager.CfnSecret
	if fp := props.FirstPassword; fp != nil {
		secret = awssecretsmanager.NewCfnSecret(scope, jsii.String(fp.LogicalID), &awssecretsmanager.CfnSecretProps{
			Name:        jsii.String(fp.SecretName),
			Description: optional(fp.Description),
			GenerateSecretString: &awssecretsmanager.CfnSecret_GenerateSecretStringProperty{
				PasswordLength:          jsii.Number(float64(fp.PasswordLength)),
				RequireEachIncludedType: jsii.Bool(true),
				ExcludeCharacters:       optional(fp.ExcludeCharacters),
			},
		})
		pin(scope, fp.LogicalID, secret, fp.LogicalID)
		addMetadata(secret, props.Metadata)
		cfnProps.LoginProfile = &awsiam.CfnUser_LoginProfileProperty{
			Password:              awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("{{resolve:secretsmanager:"), secret.Ref(), jsii.String(":SecretString:::}}")}),
			PasswordResetRequired: jsii.Bool(true),
		}
	}
	res := awsiam.NewCfnUser(scope, jsii.String(id), cfnProps)
	pin(scope, id, res, props.LogicalID)
	addMetadata(res, props.Metadata)
	return &user{res, secret}
}

func addMetadata(res awscdk.CfnResource, md map[string]any) {
	for _, k := range slices.Sorted(maps.Keys(md)) {
		res.AddMetadata(jsii.String(k), md[k])
	}
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return jsii.String(s)
}

func anyList(items []*string) *[]interface{} {
	if len(items) == 0 {
		return nil
	}
	out := make([]interface{}, len(items))
	for i, s := range items {
		out[i] = s
	}
	return &out
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
	res := awsiam.NewCfnOIDCProvider(scope, jsii.String(id), &awsiam.CfnOIDCProviderProps{
		Url: jsii.String(props.URL), ClientIdList: jsii.Strings(props.ClientIDs...),
	})
	pin(scope, id, res, props.LogicalID)
	addMetadata(res, props.Metadata)
	return &oidcProvider{res}
}
