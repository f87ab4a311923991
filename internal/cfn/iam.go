package cfn

import (
	"encoding/base64"
	"maps"
	"slices"
	"strings"
)

// The kinds of resources iamstack writes. Each function here is the one
// place its kind's properties are written, as its aws-cdk-lib L1 class
// renders them: the plan renders its stacks through them, and so do the
// public constructs. A reference to another resource of the template is a
// Ref (Ref), any other value is taken as it is.

// ManagedPolicyProps are a customer managed policy's.
type ManagedPolicyProps struct {
	LogicalID, Name, Description string
	// Document is the policy document as JSON values.
	Document map[string]any
	Metadata []Field
}

// ManagedPolicy is an AWS::IAM::ManagedPolicy.
func ManagedPolicy(p ManagedPolicyProps) Resource {
	return Resource{LogicalID: p.LogicalID, Type: "AWS::IAM::ManagedPolicy", Metadata: p.Metadata,
		Properties: omitEmpty(map[string]any{"Description": p.Description, "ManagedPolicyName": p.Name, "PolicyDocument": p.Document})}
}

// GroupProps are a group's.
type GroupProps struct {
	LogicalID, Name string
	// ManagedPolicyArns are ARNs or Refs to managed policies.
	ManagedPolicyArns []any
	Metadata          []Field
}

// Group is an AWS::IAM::Group.
func Group(p GroupProps) Resource {
	return Resource{LogicalID: p.LogicalID, Type: "AWS::IAM::Group", Metadata: p.Metadata,
		Properties: omitEmpty(map[string]any{"GroupName": p.Name, "ManagedPolicyArns": p.ManagedPolicyArns})}
}

// UserProps are a user's.
type UserProps struct {
	LogicalID, Name, Path string
	// Groups are group names or Refs to groups.
	Groups []any
	// ManagedPolicyArns are ARNs or Refs to policies attached to the user.
	ManagedPolicyArns []any
	Tags              map[string]string
	// FirstPassword, when set, is the secret CloudFormation generates the
	// user's first console password into; the template holds a reference.
	FirstPassword *FirstPasswordProps
	// Metadata is the user's, and its secret's before the secret's own.
	Metadata []Field
}

// FirstPasswordProps are the secret of a user's first console password.
type FirstPasswordProps struct {
	LogicalID, Name, Description string
	// Length and ExcludeCharacters shape the generated password.
	Length            int
	ExcludeCharacters string
	// Metadata follows the user's in the secret's Metadata section.
	Metadata []Field
}

// User is an AWS::IAM::User, after the AWS::SecretsManager::Secret of its
// first password when it has one: the user must be changed at first
// sign-in (PasswordResetRequired).
func User(p UserProps) []Resource {
	var out []Resource
	props := map[string]any{"Groups": p.Groups, "ManagedPolicyArns": p.ManagedPolicyArns, "Path": p.Path, "Tags": tags(p.Tags), "UserName": p.Name}
	if f := p.FirstPassword; f != nil {
		out = append(out, Resource{LogicalID: f.LogicalID, Type: "AWS::SecretsManager::Secret",
			Metadata: append(slices.Clip(p.Metadata), f.Metadata...),
			Properties: omitEmpty(map[string]any{"Description": f.Description, "Name": f.Name,
				"GenerateSecretString": omitEmpty(map[string]any{"ExcludeCharacters": f.ExcludeCharacters, "PasswordLength": f.Length, "RequireEachIncludedType": true})})})
		props["LoginProfile"] = map[string]any{"PasswordResetRequired": true, "Password": map[string]any{
			"Fn::Join": []any{"", []any{"{{resolve:secretsmanager:", Ref(f.LogicalID), ":SecretString:::}}"}}}}
	}
	props = omitEmpty(props)
	props["Path"] = p.Path // written even when empty, as the L1 writes a path given
	return append(out, Resource{LogicalID: p.LogicalID, Type: "AWS::IAM::User", Properties: props, Metadata: p.Metadata})
}

// tags are IAM tags, sorted by key.
func tags(byKey map[string]string) []any {
	var out []any
	for _, k := range slices.Sorted(maps.Keys(byKey)) {
		out = append(out, map[string]any{"Key": k, "Value": byKey[k]})
	}
	return out
}

// RoleProps are a role's.
type RoleProps struct {
	LogicalID, Name, Description string
	// Path is the role's IAM path; empty leaves IAM's default "/".
	Path string
	// Trust is the trust policy as JSON values.
	Trust              map[string]any
	MaxSessionDuration int
	// ManagedPolicyArns are ARNs or Refs to managed policies.
	ManagedPolicyArns []any
	// Policies are its inline policies, each a map of PolicyName and
	// PolicyDocument.
	Policies []any
	// DependsOn are the logical IDs of resources that must exist before the
	// role, such as the users its trust names.
	DependsOn []string
	Metadata  []Field
}

// Role is an AWS::IAM::Role.
func Role(p RoleProps) Resource {
	return Resource{LogicalID: p.LogicalID, Type: "AWS::IAM::Role", DependsOn: dependsOn(p.DependsOn), Metadata: p.Metadata,
		Properties: omitEmpty(map[string]any{"AssumeRolePolicyDocument": p.Trust, "Description": p.Description,
			"ManagedPolicyArns": p.ManagedPolicyArns, "MaxSessionDuration": p.MaxSessionDuration, "Path": p.Path, "Policies": p.Policies, "RoleName": p.Name})}
}

// OIDCProviderProps are an IAM OIDC identity provider's.
type OIDCProviderProps struct {
	LogicalID string
	// URL is the issuer: https://token.actions.githubusercontent.com.
	URL string
	// ClientIDs are the audiences tokens carry: sts.amazonaws.com.
	ClientIDs []string
	Metadata  []Field
}

// OIDCProvider is an AWS::IAM::OIDCProvider. IAM verifies the issuer's
// certificate itself, so it has no thumbprint.
func OIDCProvider(p OIDCProviderProps) Resource {
	return Resource{LogicalID: p.LogicalID, Type: "AWS::IAM::OIDCProvider", Metadata: p.Metadata,
		Properties: map[string]any{"ClientIdList": p.ClientIDs, "Url": p.URL}}
}

// AnalyzerProps are an IAM Access Analyzer's.
type AnalyzerProps struct {
	LogicalID, Name string
	// Type is ACCOUNT or ACCOUNT_UNUSED_ACCESS.
	Type string
	// UnusedAccessAge, for ACCOUNT_UNUSED_ACCESS, is in days.
	UnusedAccessAge int
	Metadata        []Field
}

// Analyzer is an AWS::AccessAnalyzer::Analyzer.
func Analyzer(p AnalyzerProps) Resource {
	props := map[string]any{"AnalyzerName": p.Name, "Type": p.Type}
	if p.UnusedAccessAge > 0 {
		props["AnalyzerConfiguration"] = map[string]any{"UnusedAccessConfiguration": map[string]any{"UnusedAccessAge": p.UnusedAccessAge}}
	}
	return Resource{LogicalID: p.LogicalID, Type: "AWS::AccessAnalyzer::Analyzer", Metadata: p.Metadata, Properties: props}
}

// StackSetProps are a service-managed StackSet's.
type StackSetProps struct {
	LogicalID, Name, Description string
	// CallAs is SELF or DELEGATED_ADMIN.
	CallAs string
	// OUID is the OU it deploys to, but the Excluded account IDs, in
	// Region.
	OUID     string
	Excluded []string
	Region   string
	// Template is deployed to every account, its Body the TemplateBody.
	Template                                            Template
	MaxConcurrentPercentage, FailureTolerancePercentage int
	RegionConcurrency                                   string
	RetainStacksOnAccountRemoval                        bool
	Metadata                                            []Field
}

// StackSet is an AWS::CloudFormation::StackSet of the SERVICE_MANAGED
// permission model, deploying to the accounts that join the OU too.
func StackSet(p StackSetProps) Resource {
	targets := map[string]any{"OrganizationalUnitIds": []string{p.OUID}}
	if len(p.Excluded) > 0 {
		targets["AccountFilterType"], targets["Accounts"] = "DIFFERENCE", p.Excluded
	}
	return Resource{LogicalID: p.LogicalID, Type: "AWS::CloudFormation::StackSet", Metadata: p.Metadata,
		Properties: map[string]any{
			"AutoDeployment": map[string]any{"Enabled": true, "RetainStacksOnAccountRemoval": p.RetainStacksOnAccountRemoval},
			"CallAs":         p.CallAs,
			"Capabilities":   []string{"CAPABILITY_NAMED_IAM"},
			"Description":    p.Description,
			"OperationPreferences": map[string]any{"FailureTolerancePercentage": p.FailureTolerancePercentage,
				"MaxConcurrentPercentage": p.MaxConcurrentPercentage, "RegionConcurrencyType": p.RegionConcurrency},
			"PermissionModel":     "SERVICE_MANAGED",
			"StackInstancesGroup": []any{map[string]any{"DeploymentTargets": targets, "Regions": []string{p.Region}}},
			"StackSetName":        p.Name,
			"TemplateBody":        string(p.Template.Body()),
		}}
}

// Suppression is a cdk-nag finding a resource accepts, and why.
type Suppression struct{ ID, Reason string }

// Metadata is a resource's Metadata section: md's keys in order, then the
// cdk-nag findings it accepts, as cdk-nag's NagSuppressions writes them.
func Metadata(md map[string]any, nag []Suppression) []Field {
	var out []Field
	for _, k := range slices.Sorted(maps.Keys(md)) {
		out = append(out, Field{k, md[k]})
	}
	if len(nag) > 0 {
		out = append(out, Field{"cdk_nag", NagMetadata(nag)})
	}
	return out
}

// NagMetadata is the "cdk_nag" metadata NagSuppressions.addResourceSuppressions
// writes for a list of suppressions, duplicates dropped: reason first, and a
// reason with characters beyond Latin-1 base64-encoded
// (NagSuppressionHelper.toCfnFormat).
func NagMetadata(list []Suppression) map[string]any {
	var rules []any
	var seen []Suppression
	for _, s := range list {
		if slices.Contains(seen, s) {
			continue
		}
		seen = append(seen, s)
		rule := Object{{"reason", s.Reason}, {"id", s.ID}}
		if strings.IndexFunc(s.Reason, func(c rune) bool { return c > 255 }) >= 0 {
			rule = Object{{"reason", base64.StdEncoding.EncodeToString([]byte(s.Reason))}, {"id", s.ID}, {"is_reason_encoded", true}}
		}
		rules = append(rules, rule)
	}
	return map[string]any{"rules_to_suppress": rules}
}

// dependsOn orders a resource's dependencies as the CDK does: by the path
// of their constructs, compared as JavaScript's localeCompare compares
// them. The constructs are siblings named by their logical IDs.
func dependsOn(ids []string) []string {
	out := slices.Clone(ids)
	slices.SortStableFunc(out, localeCompare)
	return slices.Compact(out)
}

// localeCompare compares letters and digits as ICU's root collation does:
// letters alike whatever their case, digits before letters; then, at the
// first letter whose case differs, lower case first.
func localeCompare(a, b string) int {
	if c := strings.Compare(strings.ToLower(a), strings.ToLower(b)); c != 0 {
		return c
	}
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			if a[i] > b[i] { // in ASCII, upper case sorts first
				return -1
			}
			return 1
		}
	}
	return 0
}

// omitEmpty drops the properties an L1 leaves out when unset: empty
// strings and lists, and nil.
func omitEmpty(props map[string]any) map[string]any {
	for k, v := range props {
		switch x := v.(type) {
		case nil:
			delete(props, k)
		case string:
			if x == "" {
				delete(props, k)
			}
		case []any:
			if len(x) == 0 {
				delete(props, k)
			}
		}
	}
	return props
}
