// Package metadata is what iamstack's templates say about themselves under
// Metadata.iamstack: whose stack it is, and what else stands in its account.
// The stacks package writes it and the assembly package reads it back, so
// the analysis that works from templates alone knows what the model meant
// without parsing names.
package metadata

import (
	"encoding/json"
	"fmt"

	"github.com/iamstack/iamstack/internal/policy"
)

// Key is the key under the template's Metadata section.
const Key = "iamstack"

// Template is a stack's iamstack metadata.
type Template struct {
	Prefix      string `json:"prefix"`
	Account     string `json:"account"`
	AccountType string `json:"accountType"`
	// OrgPath is where the model places the account in its organization,
	// as aws:ResourceOrgPaths gives it: "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/".
	OrgPath string `json:"orgPath,omitempty"`
	// OU is the ID of the OU a StackSet's template is for: the template
	// stands for every account of the OU that is not listed.
	OU       string     `json:"ou,omitempty"`
	Standing []Standing `json:"standing,omitempty"`
	// IdentityCenter, in the Identity Center stack, is what the model
	// declares of the instance that templates cannot show.
	IdentityCenter *IdentityCenter `json:"identityCenter,omitempty"`
}

// IdentityCenter is the instance an Identity Center stack configures, and
// what the model declares of it: its MFA setting and its access portal's
// session, which no template holds.
type IdentityCenter struct {
	InstanceARN     string `json:"instanceArn"`
	IdentityStoreID string `json:"identityStoreId"`
	Region          string `json:"region"`
	StartURL        string `json:"startUrl"`
	Directory       string `json:"directory"`
	MFA             string `json:"mfa"`
	// PortalSessionSeconds is the access portal's session duration.
	PortalSessionSeconds int `json:"portalSessionSeconds"`
	// Members, with an external directory, are the people of each team as
	// the model declares them (the provider owns the memberships), by
	// team; Groups the teams' group display names.
	Members map[string][]string `json:"members,omitempty"`
	Groups  map[string]string   `json:"groups,omitempty"`
	// GroupIDs and UserIDs are the identity store IDs of the external
	// directory's groups (by team) and people (by name), from the lock
	// file: what a live check compares memberships with.
	GroupIDs map[string]string `json:"groupIds,omitempty"`
	UserIDs  map[string]string `json:"userIds,omitempty"`
}

// Map is the metadata as the CDK takes it.
func (t Template) Map() map[string]any {
	b, err := json.Marshal(t)
	if err != nil {
		panic(fmt.Sprintf("metadata: %v", err)) // plain data: cannot fail
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		panic(fmt.Sprintf("metadata: %v", err))
	}
	return m
}

// Standing is a resource that exists in an account outside iamstack's
// templates: a role or user someone made by hand, a stack deployed under a
// service role, a workload running as a role. The model declares them
// (standingResources) so that the escalation analysis sees the whole
// account; nothing deploys them.
type Standing struct {
	Kind string `json:"kind"` // Role, User, Stack or Workload
	Name string `json:"name"`
	// Path is a role's or user's IAM path when it is not "/": a
	// service-linked role's /aws-service-role/<service>/.
	Path string `json:"path,omitempty"`
	// ManagedPolicyArns and Policy are a role's or user's permissions.
	ManagedPolicyArns []string         `json:"managedPolicyArns,omitempty"`
	Policy            *policy.Document `json:"policy,omitempty"`
	// Trust is a role's trust policy.
	Trust *policy.Document `json:"trust,omitempty"`
	// RunsAs is the ARN of the role a stack or workload runs under.
	RunsAs string `json:"runsAs,omitempty"`
	// Service is a workload's service (a key of policy.Workloads).
	Service string `json:"service,omitempty"`
}

// The kinds of standing resources: one list for the model's validation, the
// plan and the analysis.
const (
	Role     = "role"
	User     = "user"
	Stack    = "stack"
	Workload = "workload"
	// OIDCProvider is an IAM OIDC identity provider, named by its issuer's
	// host: iamstack then trusts it rather than create one, which IAM
	// refuses while one for the same issuer exists.
	OIDCProvider = "oidc-provider"
)

// Kinds lists the kinds of standing resources.
var Kinds = []string{OIDCProvider, Role, Stack, User, Workload}

// UnmarshalJSON reads a standing resource, whose policies are IAM JSON
// documents.
func (s *Standing) UnmarshalJSON(b []byte) error {
	var raw struct {
		Kind, Name, RunsAs, Service string
		ManagedPolicyArns           []string
		Policy, Trust               json.RawMessage
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*s = Standing{Kind: raw.Kind, Name: raw.Name, RunsAs: raw.RunsAs, Service: raw.Service, ManagedPolicyArns: raw.ManagedPolicyArns}
	for _, d := range []struct {
		raw json.RawMessage
		dst **policy.Document
	}{{raw.Policy, &s.Policy}, {raw.Trust, &s.Trust}} {
		if len(d.raw) == 0 || string(d.raw) == "null" {
			continue
		}
		doc, err := policy.Parse(d.raw)
		if err != nil {
			return fmt.Errorf("standing %s %s: %w", raw.Kind, raw.Name, err)
		}
		*d.dst = &doc
	}
	return nil
}

// Entity names the model entity a resource comes from. Every resource
// iamstack writes carries one in its Metadata, so that the analysis, the
// check's waivers and its probes find a resource's owner without parsing
// its name back.
type Entity struct {
	// Kind is EntityRole, EntityUser, EntityCICDUser or EntityShared.
	Kind string `json:"kind"`
	// Name is the model's name: a role's short name, a user's or CI/CD
	// user's name, or for shared resources what they are (AssumeRoleG,
	// ManageOwnUserG, PowerG, Guardrails).
	Name string `json:"name"`
	// Account is the account's name in the model.
	Account string `json:"account"`
	// Role, on an Identity Center assignment, is the role it assigns.
	Role string `json:"role,omitempty"`
}

// The kinds of model entities resources come from.
const (
	EntityRole     = "role"
	EntityUser     = "user"
	EntityCICDUser = "cicdUser"
	// EntityShared are iamstack's own resources, which no model entity owns
	// and no waiver accepts a finding of.
	EntityShared = "shared"
	// EntityStackSet is the StackSet of an OU (by name).
	EntityStackSet = "stackset"
	// EntityTeam is a team: its Identity Center group, and the
	// assignments it holds (Account is then the assignment's target).
	EntityTeam = "team"
)

// Map is the entity as the CDK takes it.
func (e Entity) Map() map[string]any {
	m := map[string]any{"kind": e.Kind, "name": e.Name, "account": e.Account}
	if e.Role != "" {
		m["role"] = e.Role
	}
	return m
}

// String names the entity for messages: "role OpsR in dev".
func (e Entity) String() string {
	switch e.Kind {
	case "":
		return "no model entity"
	case EntityShared:
		return "iamstack's " + e.Name + " in " + e.Account
	case EntityCICDUser:
		return "CI/CD user " + e.Name + " in " + e.Account
	}
	return e.Kind + " " + e.Name + " in " + e.Account
}
