package plan

import (
	"fmt"
	"hash/fnv"
	"regexp"
	"strings"

	"github.com/iamstack/iamstack/internal/cfn"
	"github.com/iamstack/iamstack/internal/metadata"
	"github.com/iamstack/iamstack/internal/policy"
	"github.com/iamstack/iamstack/model"
)

// Plan is every stack of a model.
type Plan struct {
	Stacks []Stack
}

// Stack is one CloudFormation stack in one account.
type Stack struct {
	// ID is the stack's construct ID and cloud assembly artifact ID: "infra-dev".
	ID string
	// Name is the CloudFormation stack name: "infra".
	Name        string
	Account     string // account name
	AccountID   string
	AccountType string
	// OrgPath is where the model places the account in its organization
	// (metadata.Template.OrgPath); empty without an organization.
	OrgPath string
	// Kind is what the stack is: one of StackKinds.
	Kind string
	// Prefix is the model's name prefix: "infra".
	Prefix      string
	Region      string
	Description string
	// DependsOn lists the IDs of stacks that must deploy first.
	DependsOn []string

	ManagedPolicies []ManagedPolicy
	Groups          []Group
	Roles           []Role
	Users           []User
	// OIDCProviders are the identity providers the stack's roles trust.
	OIDCProviders []OIDCProvider
	// Analyzers are the account's IAM Access Analyzers.
	Analyzers []Analyzer
	// RootAlert, in a baseline stack, mails the root user's activity.
	RootAlert *RootAlert
	// Standing are the resources the model says stand in the account
	// outside iamstack: the templates carry them for the analysis only.
	Standing []metadata.Standing
	// StackSets, in the deploy account's StackSets stack, give the roles
	// to every account of an OU.
	StackSets []StackSet
	// OUID is the OU whose accounts a StackSet template is for.
	OUID string

	// The Identity Center stack's (IdentityCenterStack): the instance, and
	// its permission sets, directory and assignments.
	IdentityCenter  *metadata.IdentityCenter
	PermissionSets  []PermissionSet
	DirectoryGroups []DirectoryGroup
	DirectoryUsers  []DirectoryUser
	Memberships     []Membership
	Assignments     []Assignment
}

// StackSet is one service-managed CloudFormation StackSet: the template
// every account of one OU gets, deployed by AWS to the accounts in the OU
// and to those that join it. One StackSet per OU, as each OU's roles trust
// the OU's own grant token: moving an OU between StackSets would delete
// and recreate its roles.
type StackSet struct {
	LogicalID, Name, Description string
	// OU and OUID name the OU the StackSet targets: its name in the model
	// and its ID.
	OU, OUID string
	// Excluded are the IDs of the OU's listed accounts: they keep their
	// own stacks, and the StackSet leaves them out.
	Excluded []string
	// Template is what each account's stack holds; its AccountID is
	// names.CurrentAccount.
	Template Stack
	// CallAs is SELF from the management account, DELEGATED_ADMIN from a
	// delegated administrator.
	CallAs  string
	Options model.StackSetOptions
}

// ManagedPolicy is a customer managed policy.
type ManagedPolicy struct {
	LogicalID, Name, Description string
	Document                     policy.Document
	Suppressions                 []Suppression
	// Entity is the model entity the resource comes from.
	Entity metadata.Entity
}

// Suppression accepts a cdk-nag finding on one resource, with the reason:
// the renderer's (cfn.Suppression), which writes it into the resource's
// metadata.
type Suppression = cfn.Suppression

// Ref points at a resource by logical ID when it is in the same stack, and
// always carries its literal value (a name or an ARN) for when it is not.
type Ref struct {
	LogicalID string
	Value     string
}

// Group is an IAM group.
type Group struct {
	LogicalID, Name string
	ManagedPolicies []Ref
	// Suppressions accept cdk-nag findings on the group: a CI/CD user's
	// AWS managed policies.
	Suppressions []Suppression
	Entity       metadata.Entity
}

// Role is an IAM role.
type Role struct {
	LogicalID, Name, Description string
	// Path is the role's IAM path when the model gives one; empty for IAM's
	// default "/", which the template leaves out (changing a role's Path
	// replaces the role).
	Path              string
	Trust             policy.Document
	MaxSessionSeconds int
	ManagedPolicies   []Ref
	// Inline are the role's inline policies, as the model keeps them.
	Inline []InlinePolicy
	// DependsOn lists logical IDs of the users and identity providers the
	// trust policy names: IAM rejects a trust policy naming a principal that
	// does not exist yet.
	DependsOn    []string
	Suppressions []Suppression
	Entity       metadata.Entity
}

// InlinePolicy is a policy embedded in a role.
type InlinePolicy struct {
	Name     string
	Document policy.Document
}

// User is an IAM user.
type User struct {
	LogicalID, Name, Path string
	Groups                []Ref
	// ManagedPolicies are attached to the user directly: a person's own
	// policy (users.U.statements).
	ManagedPolicies []Ref
	Tags            []Tag
	// Human is false for CI/CD users.
	Human bool
	// FirstPassword, for console users, is the secret that CloudFormation
	// generates their first password into; they must change it at sign-in.
	FirstPassword *Secret
	Entity        metadata.Entity
}

// RootAlert is an EventBridge rule on the root user's sign-ins and calls,
// and the SNS topic it publishes to, with its subscribers.
type RootAlert struct {
	Name   string
	Emails []string
	Entity metadata.Entity
}

// Analyzer is an IAM Access Analyzer of the account.
type Analyzer struct {
	LogicalID, Name, Type string
	UnusedAccessAge       int
	Entity                metadata.Entity
}

// OIDCProvider is an account's IAM OIDC identity provider.
type OIDCProvider struct {
	LogicalID, URL string
	ClientIDs      []string
	Entity         metadata.Entity
}

// Secret is a Secrets Manager secret whose value CloudFormation generates:
// the template never holds it.
type Secret struct {
	LogicalID, Name, Description string
	// Length and ExcludeCharacters shape the generated password.
	Length            int
	ExcludeCharacters string
	Suppressions      []Suppression
}

// Tag is an IAM tag.
type Tag struct{ Key, Value string }

// The kinds of stacks a plan holds: every kind has a deploy test in the
// integration tier, and a test fails for a kind without one.
const (
	// MemberStack is a member account's stack: roles and CI/CD users.
	MemberStack = "member"
	// UserOnlyStack is the user-only account's main stack: its groups,
	// policies and the users of the first shard.
	UserOnlyStack = "user-only"
	// UserShardStack is one of the user-only account's extra user stacks
	// (userStacks > 1).
	UserShardStack = "user-shard"
	// StackSetsStack is the deploy account's stack of StackSets, one per OU.
	StackSetsStack = "stacksets"
	// BaselineStack is an account's stack in the region of global events:
	// the root sign-in alert.
	BaselineStack = "baseline"
)

// StackKinds lists every kind of stack a plan can hold.
var StackKinds = []string{MemberStack, UserOnlyStack, UserShardStack, StackSetsStack, IdentityCenterStack, BaselineStack}

// Stack returns the stack with the given ID.
func (p *Plan) Stack(id string) (Stack, bool) {
	for _, s := range p.Stacks {
		if s.ID == id {
			return s, true
		}
	}
	return Stack{}, false
}

func (s Stack) logicalIDs() []string {
	var ids []string
	for _, p := range s.ManagedPolicies {
		ids = append(ids, p.LogicalID)
	}
	for _, g := range s.Groups {
		ids = append(ids, g.LogicalID)
	}
	for _, r := range s.Roles {
		ids = append(ids, r.LogicalID)
	}
	for _, u := range s.Users {
		ids = append(ids, u.LogicalID)
		if u.FirstPassword != nil {
			ids = append(ids, u.FirstPassword.LogicalID)
		}
	}
	for _, p := range s.OIDCProviders {
		ids = append(ids, p.LogicalID)
	}
	for _, a := range s.Analyzers {
		ids = append(ids, a.LogicalID)
	}
	if s.RootAlert != nil {
		ids = append(ids, rootAlertIDs(len(s.RootAlert.Emails))...)
	}
	for _, ss := range s.StackSets {
		ids = append(ids, ss.LogicalID)
	}
	for _, p := range s.PermissionSets {
		ids = append(ids, p.LogicalID)
	}
	for _, g := range s.DirectoryGroups {
		ids = append(ids, g.LogicalID)
	}
	for _, u := range s.DirectoryUsers {
		ids = append(ids, u.LogicalID)
	}
	for _, m := range s.Memberships {
		ids = append(ids, m.LogicalID)
	}
	for _, a := range s.Assignments {
		ids = append(ids, a.LogicalID)
	}
	if s.IdentityCenter != nil && len(ids) == 0 {
		ids = append(ids, identityCenterPlaceholder)
	}
	return ids
}

// identityCenterPlaceholder is the logical ID of the resource an Identity
// Center stack with no permission set holds (cfn.Placeholder).
const identityCenterPlaceholder = "Empty"

// ResourceCount is the number of CloudFormation resources the stack holds.
func (s Stack) ResourceCount() int {
	n := 0
	if s.RootAlert != nil {
		n += len(rootAlertIDs(len(s.RootAlert.Emails)))
	}
	n += len(s.ManagedPolicies) + len(s.Groups) + len(s.Roles) + len(s.Users) + len(s.OIDCProviders) + len(s.Analyzers) + len(s.StackSets) +
		len(s.PermissionSets) + len(s.DirectoryGroups) + len(s.DirectoryUsers) + len(s.Memberships) + len(s.Assignments)
	for _, u := range s.Users {
		if u.FirstPassword != nil {
			n++
		}
	}
	return n
}

var nonAlnum = regexp.MustCompile(`[^A-Za-z0-9]+`)

// logicalID derives a CloudFormation logical ID from a kind and a model name
// alone, so that it survives reordering the file or renaming a team. Names
// that are not purely alphanumeric get a hash of the exact name, so that
// "alice.smith" and "alicesmith" never collide.
func logicalID(kind, name string) string {
	var b strings.Builder
	b.WriteString(kind)
	for _, part := range nonAlnum.Split(name, -1) {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	if nonAlnum.MatchString(name) {
		h := fnv.New32a()
		h.Write([]byte(name))
		fmt.Fprintf(&b, "%08X", h.Sum32())
	}
	return b.String()
}
