package identity

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/iamstack/iamstack/constructs/identity/internal/resources"
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

// add appends s, with its metadata: md's keys in order, then the cdk-nag
// suppressions.
func (b *Batch) add(s spec, md map[string]any, nag []NagSuppression) {
	for _, k := range slices.Sorted(maps.Keys(md)) {
		s.Metadata = append(s.Metadata, [2]any{k, md[k]})
	}
	if len(nag) > 0 {
		s.Metadata = append(s.Metadata, [2]any{"cdk_nag", nagMetadata(nag)})
	}
	b.specs = append(b.specs, s)
}

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

// ManagedPolicy adds a customer managed policy and returns a reference to
// its ARN.
func (b *Batch) ManagedPolicy(id string, props *ManagedPolicyProps) *string {
	b.add(spec{Class: "aws_iam.CfnManagedPolicy", ID: id, LogicalID: props.LogicalID, Props: struct {
		Description       string         `json:"description,omitempty"`
		ManagedPolicyName string         `json:"managedPolicyName"`
		PolicyDocument    map[string]any `json:"policyDocument"`
	}{props.Description, props.Name, props.Document}}, props.Metadata, props.NagSuppressions)
	return ref(props.LogicalID)
}

// Group adds a group and returns a reference to its name.
func (b *Batch) Group(id string, props *GroupProps) *string {
	b.add(spec{Class: "aws_iam.CfnGroup", ID: id, LogicalID: props.LogicalID, Props: struct {
		GroupName         string    `json:"groupName"`
		ManagedPolicyArns []*string `json:"managedPolicyArns,omitempty"`
	}{props.Name, props.ManagedPolicyArns}}, props.Metadata, nil)
	return ref(props.LogicalID)
}

// Role adds a role and returns a reference to it.
func (b *Batch) Role(id string, props *RoleProps) *string {
	var deps []dependsOn
	for _, d := range props.DependsOn {
		deps = append(deps, dependsOn{*d, "its trust policy names this user, and IAM rejects a principal that does not exist yet"})
	}
	b.add(spec{Class: "aws_iam.CfnRole", ID: id, LogicalID: props.LogicalID, DependsOn: deps, Props: struct {
		AssumeRolePolicyDocument map[string]any `json:"assumeRolePolicyDocument"`
		Description              string         `json:"description,omitempty"`
		ManagedPolicyArns        []*string      `json:"managedPolicyArns,omitempty"`
		MaxSessionDuration       int            `json:"maxSessionDuration"`
		Path                     string         `json:"path,omitempty"`
		RoleName                 string         `json:"roleName"`
	}{props.Trust, props.Description, props.ManagedPolicyArns, props.MaxSessionDuration, props.Path, props.Name}},
		props.Metadata, props.NagSuppressions)
	return ref(props.LogicalID)
}

type tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// User adds a user, after the secret of its first password if it has one,
// and returns a reference to the user.
func (b *Batch) User(id string, props *UserProps) *string {
	type loginProfile struct {
		Password              string `json:"password"`
		PasswordResetRequired bool   `json:"passwordResetRequired"`
	}
	var login *loginProfile
	if fp := props.FirstPassword; fp != nil {
		type generate struct {
			ExcludeCharacters       string `json:"excludeCharacters,omitempty"`
			PasswordLength          int    `json:"passwordLength"`
			RequireEachIncludedType bool   `json:"requireEachIncludedType"`
		}
		b.add(spec{Class: "aws_secretsmanager.CfnSecret", ID: fp.LogicalID, LogicalID: fp.LogicalID, Props: struct {
			Description          string   `json:"description,omitempty"`
			GenerateSecretString generate `json:"generateSecretString"`
			Name                 string   `json:"name"`
		}{fp.Description, generate{fp.ExcludeCharacters, fp.PasswordLength, true}, fp.SecretName}}, props.Metadata, fp.NagSuppressions)
		login = &loginProfile{"{{resolve:secretsmanager:" + *ref(fp.LogicalID) + ":SecretString:::}}", true}
	}
	var tags []tag
	for _, k := range slices.Sorted(maps.Keys(props.Tags)) {
		tags = append(tags, tag{k, props.Tags[k]})
	}
	b.add(spec{Class: "aws_iam.CfnUser", ID: id, LogicalID: props.LogicalID, Props: struct {
		Groups       []*string     `json:"groups,omitempty"`
		LoginProfile *loginProfile `json:"loginProfile,omitempty"`
		Path         string        `json:"path"`
		Tags         []tag         `json:"tags,omitempty"`
		UserName     string        `json:"userName"`
	}{props.Groups, login, props.Path, tags, props.Name}}, props.Metadata, nil)
	return ref(props.LogicalID)
}

// OIDCProvider adds an OIDC identity provider and returns a reference to it.
func (b *Batch) OIDCProvider(id string, props *OIDCProviderProps) *string {
	b.add(spec{Class: "aws_iam.CfnOIDCProvider", ID: id, LogicalID: props.LogicalID, Props: struct {
		ClientIDList []string `json:"clientIdList"`
		URL          string   `json:"url"`
	}{props.ClientIDs, props.URL}}, props.Metadata, nil)
	return ref(props.LogicalID)
}

// nagRule is a suppression as cdk-nag's NagSuppressionHelper.toCfnFormat
// writes it: reason first, and a reason with characters beyond Latin-1
// base64-encoded.
type nagRule struct {
	Reason  string `json:"reason"`
	ID      string `json:"id"`
	Encoded bool   `json:"is_reason_encoded,omitempty"`
}

// nagMetadata is the "cdk_nag" metadata NagSuppressions.addResourceSuppressions
// writes for a list of suppressions, duplicates dropped.
func nagMetadata(list []NagSuppression) map[string]any {
	var rules []nagRule
	for _, s := range list {
		r := nagRule{Reason: s.Reason, ID: s.ID}
		if strings.IndexFunc(s.Reason, func(c rune) bool { return c > 255 }) >= 0 {
			r = nagRule{base64.StdEncoding.EncodeToString([]byte(s.Reason)), s.ID, true}
		}
		if !slices.Contains(rules, r) {
			rules = append(rules, r)
		}
	}
	return map[string]any{"rules_to_suppress": rules}
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
