package identity

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/iamstack/iamstack/constructs/identity/internal/resources"
	"github.com/iamstack/iamstack/internal/cfn"
)

// A Batch gathers resources to create under one scope in one call into the
// jsii runtime. Its methods return references to what they add, which props
// added after it may use: a group's ManagedPolicyArns, a user's Groups, a
// role's DependsOn.
type Batch struct {
	// Generic writes the resources into the template as their L1 classes
	// (CfnRole, ...) would render them, from one element for the whole
	// batch, rather than creating each as its class. The template is the
	// same, and synthesis spends less than half the time on each
	// resource, but none is a CfnResource: what looks for resources in the
	// construct tree (cdk-nag's rules, Tags.of, aspects, escape hatches)
	// does not see them. Each still has a construct at its path, recording
	// its logical ID in the cloud assembly, by which the CDK CLI names it.
	Generic bool

	specs []spec
}

// spec is one resource as iamstack-resources creates it (js/lib/index.ts).
// Props are L1 props, their fields in the order of their JSON names: the
// order in which the jsii runtime passes a Go struct, which the cloud
// assembly's tree.json records.
type spec struct {
	Class     string `json:"class"`
	ID        string `json:"id"`
	LogicalID string `json:"logicalId"`
	Pin       bool   `json:"pin,omitempty"` // set for the scope created under

	Props     any         `json:"props"`
	Metadata  [][2]any    `json:"metadata,omitempty"`
	DependsOn []dependsOn `json:"dependsOn,omitempty"`
}

type dependsOn struct {
	Ref    string `json:"ref"`
	Reason string `json:"reason"`
}

// ref is the reference, in props, to a resource created before in the same
// batch: iamstack-resources turns it into the resource's Ref.
func ref(logicalID string) *string { return jsii.String("{{iamstack:ref:" + logicalID + "}}") }

// Create creates the batch's resources under scope, in the order they were
// added.
func (b *Batch) Create(scope constructs.Construct) {
	if len(b.specs) > 0 {
		resources.Add(scope, b.json(scope))
	}
}

// created creates the batch's resources, as Create does, and returns them
// as their Go types (awsiam.CfnRole, ...).
func (b *Batch) created(scope constructs.Construct) []awscdk.CfnResource {
	return resources.Create(scope, b.json(scope))
}

func (b *Batch) json(scope constructs.Construct) []byte {
	_, atRoot := scope.(awscdk.Stack)
	body, err := json.Marshal(b.spec(atRoot))
	if err != nil {
		panic(fmt.Sprintf("identity: resources of %s: %v", *scope.Node().Path(), err)) // props are JSON values
	}
	return body
}

// batchSpec is a batch as iamstack-resources creates it.
type batchSpec struct {
	Generic   bool   `json:"generic,omitempty"`
	Resources []spec `json:"resources"`
}

// spec is the batch to create under a scope, at a stack's root or not.
func (b *Batch) spec(atRoot bool) batchSpec {
	// A stack keeps a top-level alphanumeric id as the logical ID; under
	// any other scope, ids are prefixed and hashed, so the logical ID is
	// pinned.
	for i := range b.specs {
		s := &b.specs[i]
		s.Pin = !atRoot || s.ID != s.LogicalID || !alphanumeric(s.ID)
	}
	if b.specs == nil {
		return batchSpec{b.Generic, []spec{}}
	}
	return batchSpec{b.Generic, b.specs}
}

// classes are the aws-cdk-lib L1 classes of the resource types a Batch
// creates.
var classes = map[string]string{
	"AWS::IAM::ManagedPolicy":                  "aws_iam.CfnManagedPolicy",
	"AWS::IAM::Group":                          "aws_iam.CfnGroup",
	"AWS::IAM::Role":                           "aws_iam.CfnRole",
	"AWS::IAM::User":                           "aws_iam.CfnUser",
	"AWS::IAM::OIDCProvider":                   "aws_iam.CfnOIDCProvider",
	"AWS::SecretsManager::Secret":              "aws_secretsmanager.CfnSecret",
	"AWS::CloudFormation::StackSet":            "aws_cloudformation.CfnStackSet",
	"AWS::SSO::PermissionSet":                  "aws_sso.CfnPermissionSet",
	"AWS::SSO::Assignment":                     "aws_sso.CfnAssignment",
	"AWS::IdentityStore::Group":                "aws_identitystore.CfnGroup",
	"AWS::IdentityStore::User":                 "aws_identitystore.CfnUser",
	"AWS::IdentityStore::GroupMembership":      "aws_identitystore.CfnGroupMembership",
	"AWS::CloudFormation::WaitConditionHandle": "aws_cloudformation.CfnWaitConditionHandle",
	"AWS::AccessAnalyzer::Analyzer":            "aws_accessanalyzer.CfnAnalyzer",
	"AWS::SNS::Topic":                          "aws_sns.CfnTopic",
	"AWS::SNS::TopicPolicy":                    "aws_sns.CfnTopicPolicy",
	"AWS::SNS::Subscription":                   "aws_sns.CfnSubscription",
	"AWS::Events::Rule":                        "aws_events.CfnRule",
}

// dependencyReason is why a role depends on another resource: on what its
// trust names.
const dependencyReason = "its trust policy names this principal, and IAM rejects a principal that does not exist yet"

// dependencyReasons are why the resources of other types depend on one
// another.
var dependencyReasons = map[string]string{
	"AWS::SSO::PermissionSet": "Identity Center provisions one permission set at a time in an account",
	"AWS::SSO::Assignment":    "Identity Center fails assignments made in parallel beyond about ten: they run in ten chains",
}

// Resource adds a resource as it is rendered (package cfn, through which
// the plan renders iamstack's stacks) under id, and returns a reference to
// it. Its properties are carried, not written again: the L1 class gets
// them under its props' names, and a generic batch writes them back as
// they were rendered.
func (b *Batch) Resource(id string, r cfn.Resource) *string {
	class, ok := classes[r.Type]
	if !ok {
		panic("identity: no L1 class for " + r.Type) // a programming error, caught by the tests
	}
	s := spec{Class: class, ID: id, LogicalID: r.LogicalID, Props: l1Props(r.Properties)}
	reason, ok := dependencyReasons[r.Type]
	if !ok {
		reason = dependencyReason
	}
	for _, d := range r.DependsOn {
		s.DependsOn = append(s.DependsOn, dependsOn{*ref(d), reason})
	}
	for _, f := range r.Metadata {
		s.Metadata = append(s.Metadata, [2]any{f.Key, f.Value})
	}
	b.specs = append(b.specs, s)
	return ref(r.LogicalID)
}

// verbatim tells whether a property's value is data CloudFormation takes
// as JSON, kept as it is: a policy document, an EventBridge event pattern
// (whose keys, such as "detail-type", are the events' own).
func verbatim(k string) bool { return strings.HasSuffix(k, "Document") || k == "EventPattern" }

// l1Props are rendered properties as their L1 class's props: each name
// with a lower-case first letter (RoleName is roleName), a Ref as a
// reference the batch resolves, and a policy document (a property whose
// name ends in Document) as it is.
func l1Props(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if id, ok := x["Ref"].(string); ok && len(x) == 1 {
			return *ref(id)
		}
		if att, ok := x["Fn::GetAtt"].([]any); ok && len(x) == 1 && len(att) == 2 {
			return *ref(fmt.Sprintf("%v.%v", att[0], att[1]))
		}
		if join, ok := x["Fn::Join"].([]any); ok && len(x) == 1 && len(join) == 2 && join[0] == "" {
			var b strings.Builder
			for _, part := range join[1].([]any) {
				b.WriteString(l1Props(part).(string))
			}
			return b.String()
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			name := strings.ToLower(k[:1]) + k[1:]
			if verbatim(k) {
				out[name] = e
			} else {
				out[name] = l1Props(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = l1Props(e)
		}
		return out
	}
	return v
}

// ManagedPolicy adds a customer managed policy and returns a reference to
// its ARN.
func (b *Batch) ManagedPolicy(id string, props *ManagedPolicyProps) *string {
	return b.Resource(id, cfn.ManagedPolicy(cfn.ManagedPolicyProps{LogicalID: props.LogicalID, Name: props.Name,
		Description: props.Description, Document: props.Document, Metadata: cfn.Metadata(props.Metadata, props.NagSuppressions)}))
}

// Group adds a group and returns a reference to its name.
func (b *Batch) Group(id string, props *GroupProps) *string {
	return b.Resource(id, cfn.Group(cfn.GroupProps{LogicalID: props.LogicalID, Name: props.Name,
		ManagedPolicyArns: values(props.ManagedPolicyArns), Metadata: cfn.Metadata(props.Metadata, nil)}))
}

// Role adds a role and returns a reference to it.
func (b *Batch) Role(id string, props *RoleProps) *string {
	r := b.Resource(id, cfn.Role(cfn.RoleProps{LogicalID: props.LogicalID, Name: props.Name, Description: props.Description,
		Path: props.Path, Trust: props.Trust, MaxSessionDuration: props.MaxSessionDuration, ManagedPolicyArns: values(props.ManagedPolicyArns),
		Metadata: cfn.Metadata(props.Metadata, props.NagSuppressions)}))
	// Its dependencies are references, which may name a resource outside
	// the batch.
	last := &b.specs[len(b.specs)-1]
	for _, d := range props.DependsOn {
		last.DependsOn = append(last.DependsOn, dependsOn{*d, dependencyReason})
	}
	return r
}

// User adds a user, after the secret of its first password if it has one,
// and returns a reference to the user.
func (b *Batch) User(id string, props *UserProps) *string {
	p := cfn.UserProps{LogicalID: props.LogicalID, Name: props.Name, Path: props.Path, Groups: values(props.Groups),
		Tags: props.Tags, Metadata: cfn.Metadata(props.Metadata, nil)}
	if fp := props.FirstPassword; fp != nil {
		p.FirstPassword = &cfn.FirstPasswordProps{LogicalID: fp.LogicalID, Name: fp.SecretName, Description: fp.Description,
			Length: fp.PasswordLength, ExcludeCharacters: fp.ExcludeCharacters, Metadata: cfn.Metadata(nil, fp.NagSuppressions)}
	}
	var out *string
	for _, r := range cfn.User(p) {
		rid := r.LogicalID // the secret's construct is named by its logical ID
		if r.LogicalID == props.LogicalID {
			rid = id
		}
		out = b.Resource(rid, r)
	}
	return out
}

// OIDCProvider adds an OIDC identity provider and returns a reference to it.
func (b *Batch) OIDCProvider(id string, props *OIDCProviderProps) *string {
	return b.Resource(id, cfn.OIDCProvider(cfn.OIDCProviderProps{LogicalID: props.LogicalID, URL: props.URL, ClientIDs: props.ClientIDs,
		Metadata: cfn.Metadata(props.Metadata, nil)}))
}

// values are references or literal values, as rendered properties hold them.
func values(list []*string) []any {
	var out []any
	for _, v := range list {
		out = append(out, *v)
	}
	return out
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
