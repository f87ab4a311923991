package model

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iamstack/iamstack/internal/metadata"
	"github.com/iamstack/iamstack/internal/names"
	"github.com/iamstack/iamstack/internal/policy"
)

// Scheme is the model's naming scheme.
func (m *Model) Scheme() names.Scheme {
	return names.Scheme{Partition: names.PartitionOf(m.spec.Region), Prefix: m.resolved.prefix, Given: m.resolved.given}
}

// UserOnlyAccount is the account that holds the human users.
func (m *Model) UserOnlyAccount() Account { return m.resolved.userOnly }

// AccountNames lists the accounts, sorted by name.
func (m *Model) AccountNames() []string { return slices.Sorted(maps.Keys(m.resolved.accounts)) }

// Account returns the account called name.
func (m *Model) Account(name string) (Account, bool) {
	a, ok := m.resolved.accounts[name]
	return a, ok
}

// OUNames lists the organizational units, sorted.
func (m *Model) OUNames() []string { return slices.Sorted(maps.Keys(m.resolved.ous)) }

// OU returns the organizational unit called name.
func (m *Model) OU(name string) (OrganizationalUnit, bool) {
	ou, ok := m.resolved.ous[name]
	return ou, ok
}

// Place returns a listed account, or an OU as the one place its StackSet's
// accounts share: its ID is names.CurrentAccount, which each account's
// stack resolves to its own, and its OU is itself.
func (m *Model) Place(name string) (Account, bool) {
	if a, ok := m.resolved.accounts[name]; ok {
		return a, true
	}
	if ou, ok := m.resolved.ous[name]; ok {
		return Account{Name: ou.Name, ID: names.CurrentAccount, Type: ou.Type, OU: ou.Name}, true
	}
	return Account{}, false
}

// place is Place for names validation has resolved.
func (m *Model) place(name string) Account {
	a, _ := m.Place(name)
	return a
}

// GrantTokens are a user's grants as their grant tags carry them: role ->
// the tokens (names.GrantToken) of the targets it is granted in, sorted.
func (m *Model) GrantTokens(user string) map[string][]string { return m.resolved.tokens[user] }

// PlaceTokens are the tokens of the grants that reach a place: every
// place's "all", a listed account's ID, the type, the OU's ID, and a
// listed account's tags as key=value.
func (m *Model) PlaceTokens(name string) []string {
	a := m.place(name)
	out := []string{names.AllToken}
	if a.ID != names.CurrentAccount {
		out = append(out, a.ID)
	}
	out = append(out, a.Type)
	if ou, ok := m.resolved.ous[a.OU]; ok {
		out = append(out, ou.ID)
	}
	for _, k := range slices.Sorted(maps.Keys(a.Tags)) {
		out = append(out, k+"="+a.Tags[k])
	}
	return out
}

// TokenPlaces are where a role exists that a grant token reaches: the IDs
// of listed accounts and of OUs, sorted. An OU's token reaches its listed
// accounts by their IDs as well as by the OU.
func (m *Model) TokenPlaces(role, token string) (accounts, ous []string) {
	for name, on := range m.resolved.enabled[role] {
		if !on || !slices.Contains(m.PlaceTokens(name), token) {
			continue
		}
		if ou, isOU := m.resolved.ous[name]; isOU {
			ous = append(ous, ou.ID)
		} else {
			accounts = append(accounts, m.resolved.accounts[name].ID)
		}
	}
	slices.Sort(accounts)
	slices.Sort(ous)
	return accounts, ous
}

// OrgPath is where the model places an account or OU in its
// organization, as aws:ResourceOrgPaths gives it; an account in no OU of
// the model is placed under the root. Empty without an organization.
func (m *Model) OrgPath(place string) string {
	o := m.spec.Organization
	if o == nil {
		return ""
	}
	out := o.ID + "/" + o.RootID + "/"
	if ou, ok := m.resolved.ous[m.place(place).OU]; ok {
		out += ou.ID + "/"
	}
	return out
}

// RoleNames lists every role, built-in and custom, sorted.
func (m *Model) RoleNames() []string { return slices.Sorted(maps.Keys(m.resolved.roles)) }

// Role returns a role with its defaults applied.
func (m *Model) Role(name string) (Role, bool) {
	r, ok := m.resolved.roles[name]
	return r, ok
}

// RoleEnabled tells whether a role exists in an account.
func (m *Model) RoleEnabled(role, account string) bool { return m.resolved.enabled[role][account] }

// EnabledRoles lists the roles that exist in an account, sorted.
func (m *Model) EnabledRoles(account string) []string {
	var out []string
	for _, r := range m.RoleNames() {
		if m.RoleEnabled(r, account) {
			out = append(out, r)
		}
	}
	return out
}

// UserNames lists the human users, sorted.
func (m *Model) UserNames() []string { return slices.Sorted(maps.Keys(m.spec.Users)) }

// FirstPasswordSecret names the secret a user's first console password is
// generated into; "" for a user without one: no console, or an adopted user
// who keeps the password they have.
func (m *Model) FirstPasswordSecret(user string) string {
	if u := m.spec.Users[user]; !u.Console || u.KeepPassword {
		return ""
	}
	return m.Scheme().FirstPasswordSecret(user)
}

// UserGrants is a user's effective grants: the union of their own and their
// teams', sorted by account and role.
func (m *Model) UserGrants(user string) []Grant { return m.resolved.merged(user) }

// SkippedGrants lists the accounts where a user's grant by account type does
// not apply because the role is switched off there.
func (m *Model) SkippedGrants(user string) []Skip { return m.resolved.skipped(user) }

// CICDUserNames lists the CI/CD users, sorted.
func (m *Model) CICDUserNames() []string { return slices.Sorted(maps.Keys(m.spec.CICDUsers)) }

// CICDUsersIn lists the CI/CD users of an account, sorted.
func (m *Model) CICDUsersIn(account string) []string { return slices.Clone(m.resolved.cicdIn[account]) }

// EnvironmentNames lists the promotion environments, sorted.
func (m *Model) EnvironmentNames() []string { return slices.Sorted(maps.Keys(m.resolved.envs)) }

// EnvironmentAccounts lists the accounts an environment covers, sorted.
func (m *Model) EnvironmentAccounts(env string) []string { return m.resolved.envs[env] }

// MFAMaxAgeSeconds bounds aws:MultiFactorAuthAge on every human path.
func (m *Model) MFAMaxAgeSeconds() int { return int(m.resolved.mfaMaxAge / time.Second) }

// GuardrailStatements returns the deny statements attached to every role of
// an account as its guardrails policy, in a fixed order: region
// restriction, RDS delete prevention, then the custom guardrails by name;
// but those that are policies of their own (GuardrailPolicies).
func (m *Model) GuardrailStatements(account string) []policy.Statement {
	var out []policy.Statement
	for _, g := range m.guardrails(account, true) {
		if g.Name == "" {
			out = append(out, g.Statements...)
		}
	}
	return out
}

// GuardrailPolicies are the guardrails of an account that are managed
// policies of their own (policyName), in GuardrailStatements' order.
func (m *Model) GuardrailPolicies(account string) []NamedPolicy {
	return slices.DeleteFunc(m.guardrails(account, true), func(g NamedPolicy) bool { return g.Name == "" })
}

// BoundaryGuardrailStatements are every guardrail's statements as OpsR's
// boundary holds them: without the roles they exempt, since the boundary
// applies only to roles OpsR creates, which no exemption names (and a
// boundary is one policy of at most 6,144 characters).
func (m *Model) BoundaryGuardrailStatements(account string) []policy.Statement {
	var out []policy.Statement
	for _, g := range m.guardrails(account, false) {
		out = append(out, g.Statements...)
	}
	return out
}

// RolePolicies are a custom role's named managed policies, by IAM name.
func (m *Model) RolePolicies(role string) []NamedPolicy {
	return named(m.resolved.roles[role].Policies)
}

// RoleInlinePolicies are a custom role's inline policies, by name.
func (m *Model) RoleInlinePolicies(role string) []NamedPolicy {
	return named(m.resolved.roles[role].InlinePolicies)
}

// named lists policies by name, in the order of their names.
func named(byName map[string][]policy.Statement) []NamedPolicy {
	var out []NamedPolicy
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		out = append(out, NamedPolicy{Name: name, Statements: byName[name]})
	}
	return out
}

// covers tells whether targets (names, types or "all"; empty means all)
// include an account.
func (m *Model) covers(targets []string, account string) bool {
	if len(targets) == 0 {
		return true
	}
	a := m.place(account)
	for _, t := range targets {
		if t == allTargets || t == a.Name || t == a.Type || (a.OU != "" && t == a.OU) {
			return true
		}
	}
	return false
}

// AccountPath is the field path of an account, for Problemf.
func (m *Model) AccountPath(name string) []string {
	for i, a := range m.spec.Accounts {
		if a.Name == name {
			return []string{"accounts", "[" + strconv.Itoa(i) + "]"}
		}
	}
	return []string{"accounts"}
}

// OUPath is the field path of an OU, for Problemf.
func (m *Model) OUPath(name string) []string {
	for i, ou := range m.spec.OrganizationalUnits {
		if ou.Name == name {
			return []string{"organizationalUnits", "[" + strconv.Itoa(i) + "]"}
		}
	}
	return []string{"organizationalUnits"}
}

// Problemf reports a problem found after validation, such as a quota the
// model's output would exceed, at the line of the model field it concerns.
// Segments are keys ("users", "alice.smith", "grants").
func (m *Model) Problemf(segments []string, format string, args ...any) Problem {
	p := path(segments)
	return Problem{File: m.file, Line: lineOf(m.resolved.lines, p), Path: p.String(), Msg: fmt.Sprintf(format, args...)}
}

// RoleMFAMaxAgeSeconds is how old, in seconds, a caller's MFA session may
// be to assume a role in an account: its mfaMaxAgeIn entry for the
// account's name, else its OU, else its type, else the role's own bound,
// else the model's.
func (m *Model) RoleMFAMaxAgeSeconds(role, account string) int {
	r := m.resolved.roles[role]
	if d, ok := inPlace(r.MFAMaxAgeIn, m.place(account)); ok {
		return d.Seconds()
	}
	if r.MFAMaxAge.Duration > 0 {
		return r.MFAMaxAge.Seconds()
	}
	return m.MFAMaxAgeSeconds()
}

// RoleMaxSessionSeconds is a role's maximum session in an account: its
// maxSessionIn entry for the account's name, else for its type, else its
// maxSession.
func (m *Model) RoleMaxSessionSeconds(role, account string) int {
	r := m.resolved.roles[role]
	if d, ok := inPlace(r.MaxSessionIn, m.place(account)); ok {
		return d.Seconds()
	}
	return r.MaxSession.Seconds()
}

// inPlace is the value a per-account setting (maxSessionIn, mfaMaxAgeIn,
// passwordPolicyIn) gives a place: its name's, else its OU's, else its
// type's.
func inPlace[V any](byKey map[string]V, a Account) (V, bool) {
	for _, k := range []string{a.Name, a.OU, a.Type} {
		if v, ok := byKey[k]; ok && k != "" {
			return v, true
		}
	}
	var zero V
	return zero, false
}

// RoleStatements are a custom role's own statements in an account: its
// statements, then its statementsIn for all, the account's type and the
// account's name, in that order, so the policy is the same every time (an
// account named as its type takes that key once).
func (m *Model) RoleStatements(role, account string) []policy.Statement {
	r := m.resolved.roles[role]
	a := m.place(account)
	out := slices.Clone(r.Statements)
	for _, k := range slices.Compact(slices.DeleteFunc([]string{allTargets, a.Type, a.OU, a.Name}, func(k string) bool { return k == "" })) {
		out = append(out, r.StatementsIn[k]...)
	}
	return out
}

// CICDAssumeGrants lists the roles of other accounts a CI/CD user may
// assume, sorted by account and role.
func (m *Model) CICDAssumeGrants(user string) []Grant {
	out := slices.Clone(m.resolved.assume[user])
	slices.SortFunc(out, func(a, b Grant) int { return strings.Compare(a.Account+"/"+a.Role, b.Account+"/"+b.Role) })
	return out
}

// Region is where the stacks are deployed.
func (m *Model) Region() string { return m.spec.Region }

// Prefix starts every stack, role, group and policy name.
func (m *Model) Prefix() string { return m.resolved.prefix }

// UserStacks is how many stacks the user-only account's users are spread
// over.
func (m *Model) UserStacks() int { return m.resolved.userStacks }

// Organization is the AWS Organizations organization the accounts belong
// to; nil without one.
func (m *Model) Organization() *Organization { return m.spec.Organization }

// StandingResources are what the model says exists in its accounts
// outside iamstack, for the escalation analysis.
func (m *Model) StandingResources() []StandingResource { return m.spec.StandingResources }

// User is a person of the model, by IAM user name.
func (m *Model) User(name string) (User, bool) {
	u, ok := m.spec.Users[name]
	return u, ok
}

// CICDUser is a CI/CD user of the model, by IAM user name.
func (m *Model) CICDUser(name string) (CICDUser, bool) {
	c, ok := m.spec.CICDUsers[name]
	return c, ok
}

// PasswordChangeWithoutMFA says a user may change a first password before
// setting up MFA.
func (m *Model) PasswordChangeWithoutMFA() bool { return m.spec.PasswordChangeWithoutMFA }

// AcknowledgedRemovals are the deletions and replacements the model
// acknowledges.
func (m *Model) AcknowledgedRemovals() []Removal { return m.spec.AcknowledgedRemovals }

// Waivers are the waivers of a model entity (a role, a user or a CI/CD
// user) and the field that holds them; field is "" for what no waiver can
// accept: iamstack's shared resources (AssumeRoleG, ManageOwnUserG, the
// guardrails, ...) and resources iamstack did not write.
func (m *Model) Waivers(e metadata.Entity) (w Waivers, field string) {
	switch e.Kind {
	case metadata.EntityUser:
		if u, ok := m.spec.Users[e.Name]; ok {
			return u.Waivers, "users." + e.Name
		}
	case metadata.EntityCICDUser:
		if c, ok := m.spec.CICDUsers[e.Name]; ok {
			return c.Waivers, "cicdUsers." + e.Name
		}
	case metadata.EntityRole:
		if r, ok := m.Role(e.Name); ok {
			return r.Waivers, "roles." + e.Name
		}
	}
	return nil, ""
}
