package cfn

import (
	"fmt"
	"strings"
)

// The IAM Identity Center kinds: permission sets and assignments in the
// instance's account and region, and the identity store's groups, users
// and memberships when Identity Center's own directory holds the people.

// GetAtt is a reference to an attribute of another resource of the template.
func GetAtt(logicalID, attribute string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{logicalID, attribute}}
}

// ISODuration writes seconds as ISO 8601, as a permission set's
// SessionDuration takes it and Identity Center returns it: PT4H, PT1H30M.
func ISODuration(seconds int) string {
	var b strings.Builder
	b.WriteString("PT")
	if h := seconds / 3600; h > 0 {
		fmt.Fprintf(&b, "%dH", h)
	}
	if m := seconds % 3600 / 60; m > 0 {
		fmt.Fprintf(&b, "%dM", m)
	}
	if s := seconds % 60; s > 0 {
		fmt.Fprintf(&b, "%dS", s)
	}
	return b.String()
}

// PolicyReference is a customer managed policy a permission set attaches
// by name: it must exist, under that path, in every account the permission
// set is assigned in.
type PolicyReference struct{ Name, Path string }

// PermissionSetProps are a permission set's.
type PermissionSetProps struct {
	LogicalID, Name, Description, InstanceARN string
	// SessionDuration is ISO 8601: PT4H.
	SessionDuration string
	// ManagedPolicies are AWS managed policy ARNs.
	ManagedPolicies []string
	// CustomerManaged are customer managed policies, by name and path.
	CustomerManaged []PolicyReference
	DependsOn       []string
	Metadata        []Field
}

// PermissionSet is an AWS::SSO::PermissionSet.
func PermissionSet(p PermissionSetProps) Resource {
	var refs []any
	for _, r := range p.CustomerManaged {
		refs = append(refs, omitEmpty(map[string]any{"Name": r.Name, "Path": r.Path}))
	}
	return Resource{LogicalID: p.LogicalID, Type: "AWS::SSO::PermissionSet", DependsOn: dependsOn(p.DependsOn), Metadata: p.Metadata,
		Properties: omitEmpty(map[string]any{"CustomerManagedPolicyReferences": refs, "Description": p.Description,
			"InstanceArn": p.InstanceARN, "ManagedPolicies": anys(p.ManagedPolicies), "Name": p.Name, "SessionDuration": p.SessionDuration})}
}

// AssignmentProps are an account assignment's.
type AssignmentProps struct {
	LogicalID, InstanceARN string
	// PermissionSet and Principal are GetAtts or literal IDs.
	PermissionSet, Principal any
	// PrincipalType is USER or GROUP.
	PrincipalType string
	// Account is the target account's ID: Identity Center has no other
	// kind of target.
	Account   string
	DependsOn []string
	Metadata  []Field
}

// Assignment is an AWS::SSO::Assignment.
func Assignment(p AssignmentProps) Resource {
	return Resource{LogicalID: p.LogicalID, Type: "AWS::SSO::Assignment", DependsOn: dependsOn(p.DependsOn), Metadata: p.Metadata,
		Properties: map[string]any{"InstanceArn": p.InstanceARN, "PermissionSetArn": p.PermissionSet, "PrincipalId": p.Principal,
			"PrincipalType": p.PrincipalType, "TargetId": p.Account, "TargetType": "AWS_ACCOUNT"}}
}

// DirectoryGroupProps are an identity store group's.
type DirectoryGroupProps struct {
	LogicalID, IdentityStoreID, DisplayName, Description string
	Metadata                                             []Field
}

// DirectoryGroup is an AWS::IdentityStore::Group.
func DirectoryGroup(p DirectoryGroupProps) Resource {
	return Resource{LogicalID: p.LogicalID, Type: "AWS::IdentityStore::Group", Metadata: p.Metadata,
		Properties: omitEmpty(map[string]any{"Description": p.Description, "DisplayName": p.DisplayName, "IdentityStoreId": p.IdentityStoreID})}
}

// DirectoryUserProps are an identity store user's.
type DirectoryUserProps struct {
	LogicalID, IdentityStoreID, UserName, DisplayName string
	GivenName, FamilyName, Email                      string
	Metadata                                          []Field
}

// DirectoryUser is an AWS::IdentityStore::User.
func DirectoryUser(p DirectoryUserProps) Resource {
	return Resource{LogicalID: p.LogicalID, Type: "AWS::IdentityStore::User", Metadata: p.Metadata,
		Properties: map[string]any{"DisplayName": p.DisplayName,
			"Emails":          []any{map[string]any{"Primary": true, "Type": "work", "Value": p.Email}},
			"IdentityStoreId": p.IdentityStoreID,
			"Name":            map[string]any{"FamilyName": p.FamilyName, "GivenName": p.GivenName},
			"UserName":        p.UserName}}
}

// MembershipProps are a group membership's.
type MembershipProps struct {
	LogicalID, IdentityStoreID string
	// Group and User are GetAtts of the group's and the user's IDs.
	Group, User any
	Metadata    []Field
}

// Membership is an AWS::IdentityStore::GroupMembership.
func Membership(p MembershipProps) Resource {
	return Resource{LogicalID: p.LogicalID, Type: "AWS::IdentityStore::GroupMembership", Metadata: p.Metadata,
		Properties: map[string]any{"GroupId": p.Group, "IdentityStoreId": p.IdentityStoreID, "MemberId": map[string]any{"UserId": p.User}}}
}

// Placeholder is an AWS::CloudFormation::WaitConditionHandle, a resource
// that does nothing: CloudFormation refuses a template without resources,
// and a stack that must stay (one of several Identity Center stacks whose
// share is empty for now) keeps it, so that deploying it removes what it
// held before.
func Placeholder(logicalID string, metadata []Field) Resource {
	return Resource{LogicalID: logicalID, Type: "AWS::CloudFormation::WaitConditionHandle", Metadata: metadata}
}
