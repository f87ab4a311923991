package model

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
)

// IdentityCenter is the IAM Identity Center instance people may reach their
// roles through: permission sets and assignments in its account and region
// give them the same roles, in the same accounts, as their grants give IAM
// users.
type IdentityCenter struct {
	// Account is the account that holds the instance: the organization's
	// management account (a delegated administrator cannot manage
	// permission sets provisioned there).
	Account string `yaml:"account"`
	// Region is the instance's region (default: the model's).
	Region string `yaml:"region"`
	// InstanceARN is the instance: arn:aws:sso:::instance/ssoins-....
	InstanceARN string `yaml:"instanceArn"`
	// IdentityStoreID is the instance's identity store: d-....
	IdentityStoreID string `yaml:"identityStoreId"`
	// StartURL is the access portal's URL, which clients sign in at.
	StartURL string `yaml:"startUrl"`
	// Directory is the identity source: one of Directories.
	Directory string `yaml:"directory"`
	// SignIn is how people reach their roles unless they say otherwise:
	// one of SignIns (default iam).
	SignIn string `yaml:"signIn"`
	// MFA is the instance's MFA setting as configured outside templates:
	// one of IdentityCenterMFAs. Templates cannot prove it: it is shown as
	// declared and verified live.
	MFA string `yaml:"mfa"`
	// PortalSession is the access portal's session duration (15m to 90
	// days, default 8h): a role session can start at its very end.
	PortalSession Duration `yaml:"portalSession"`
	// Stacks is how many stacks the permission sets and their assignments
	// are spread over (default 1), as userStacks spreads users: an
	// external directory's only, whose assignments reference no resource
	// of another stack.
	Stacks int `yaml:"stacks"`
}

// How a person reaches their roles.
const (
	// SignInIAM: an IAM user of the user-only account, through AssumeRoleG.
	SignInIAM = "iam"
	// SignInIdentityCenter: Identity Center's permission sets only.
	SignInIdentityCenter = "identity-center"
	// SignInBoth: both, while a person migrates.
	SignInBoth = "both"
)

// SignIns lists how people may reach their roles.
var SignIns = []string{SignInIAM, SignInIdentityCenter, SignInBoth}

// Identity Center's identity sources.
const (
	// DirectoryIdentityCenter: Identity Center's own directory, whose
	// groups, users and memberships iamstack writes.
	DirectoryIdentityCenter = "identity-center"
	// DirectoryExternal: an external identity provider (SCIM) owns users,
	// groups and memberships; iamstack references them by ID.
	DirectoryExternal = "external"
)

// Directories lists Identity Center's identity sources.
var Directories = []string{DirectoryIdentityCenter, DirectoryExternal}

// IdentityCenterMFAs are the MFA settings a model may declare: each asks for
// MFA at every sign-in to the access portal. Identity Center's "never" is
// not among them, nor its default, context-aware, which lets a device it
// knows sign in without MFA: every human path has MFA.
var IdentityCenterMFAs = []string{"every-sign-in", "identity-provider"}

// Identity Center's limits (its quotas page and the CloudFormation
// resource schemas).
const (
	minPortalSession     = 15 * time.Minute
	maxPortalSession     = 90 * 24 * time.Hour
	defaultPortalSession = 8 * time.Hour
	maxGroupDisplayName  = 1024
)

var (
	instanceARNPattern   = regexp.MustCompile(`^arn:(aws|aws-us-gov|aws-cn):sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}$`)
	identityStorePattern = regexp.MustCompile(`^d-[0-9a-f]{10}$`)
	startURLPattern      = regexp.MustCompile(`^https://[A-Za-z0-9.-]+(/[^\s]*)?$`)
	emailPattern         = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

// identityCenter validates the instance and resolves its defaults.
func (v *validator) identityCenter() {
	ic := v.m.spec.IdentityCenter
	if ic == nil {
		return
	}
	p := path{"identityCenter"}
	r := *ic
	if a, ok := v.res.accounts[r.Account]; !ok {
		v.at(p.key("account"), "name the account that holds the Identity Center instance (the management account), one of %s%s", quoted(v.accountNames()), suggest(r.Account, v.accountNames()))
	} else if a.Type == UserOnly {
		v.at(p.key("account"), "the Identity Center instance lives in the organization's management account, not the user-only account %q", a.Name)
	}
	if r.Region == "" {
		r.Region = v.m.spec.Region
	} else {
		v.region(p.key("region"), r.Region)
	}
	if !instanceARNPattern.MatchString(r.InstanceARN) {
		v.at(p.key("instanceArn"), "instanceArn %q is not an Identity Center instance ARN (arn:aws:sso:::instance/ssoins-<16 characters>; `aws sso-admin list-instances` gives it)", r.InstanceARN)
	}
	if !identityStorePattern.MatchString(r.IdentityStoreID) {
		v.at(p.key("identityStoreId"), "identityStoreId %q is not an identity store ID (d-<10 hex digits>; `aws sso-admin list-instances` gives it)", r.IdentityStoreID)
	}
	if !startURLPattern.MatchString(r.StartURL) {
		v.at(p.key("startUrl"), "startUrl %q is not the access portal's https URL (https://d-1234567890.awsapps.com/start)", r.StartURL)
	}
	if !slices.Contains(Directories, r.Directory) {
		v.at(p.key("directory"), "directory %q is not one of %s: who owns the users and groups%s", r.Directory, quoted(Directories), suggest(r.Directory, Directories))
	}
	if r.SignIn == "" {
		r.SignIn = SignInIAM
	} else if !slices.Contains(SignIns, r.SignIn) {
		v.at(p.key("signIn"), "signIn %q is not one of %s%s", r.SignIn, quoted(SignIns), suggest(r.SignIn, SignIns))
	}
	switch {
	case !slices.Contains(IdentityCenterMFAs, r.MFA):
		v.at(p.key("mfa"), "declare the instance's MFA setting, one of %s: every human path has MFA at every sign-in (set Identity Center's MFA to \"Every time they sign in\"; context-aware lets a known device in without it), and templates cannot show it%s", quoted(IdentityCenterMFAs), suggest(r.MFA, IdentityCenterMFAs))
	case r.Directory == DirectoryExternal && r.MFA != "identity-provider":
		v.at(p.key("mfa"), "with an external identity provider, the provider asks for MFA (Identity Center's MFA settings do not apply): declare mfa: identity-provider")
	case r.Directory == DirectoryIdentityCenter && r.MFA == "identity-provider":
		v.at(p.key("mfa"), "Identity Center's own directory has no external provider to ask for MFA: declare every-sign-in")
	}
	if r.PortalSession.Duration == 0 {
		r.PortalSession.Duration = defaultPortalSession
	}
	if d := r.PortalSession.Duration; d < minPortalSession || d > maxPortalSession {
		v.at(p.key("portalSession"), "portalSession %s must be between %s and 90 days", d, minPortalSession)
	} else if d > v.res.mfaMaxAge {
		// A role session starts from the portal at any time in its
		// session: MFA is then as old as the portal session at most, as
		// a role's trust lets an IAM user's MFA be mfaMaxAge old.
		v.at(p.key("portalSession"), "portalSession %s is longer than mfaMaxAge %s: a person could start a role session that long after MFA; shorten the access portal's session to %s or less (the default is 8h)", d, v.res.mfaMaxAge, v.res.mfaMaxAge)
	}
	if r.Stacks == 0 && !v.present(p.key("stacks")) {
		r.Stacks = 1
	}
	switch {
	case r.Stacks < 1 || r.Stacks > maxIdentityCenterStacks:
		v.at(p.key("stacks"), "stacks must be between 1 and %d", maxIdentityCenterStacks)
	case r.Stacks > 1 && r.Directory == DirectoryIdentityCenter:
		v.at(p.key("stacks"), "Identity Center's own directory lives in one stack, whose groups and users every assignment references: spreading them over stacks would tie the stacks with exports that block removing anyone. Keep stacks: 1 (an external directory spreads)")
	}
	v.res.identityCenter = &r
}

// maxIdentityCenterStacks bounds identityCenter.stacks.
const maxIdentityCenterStacks = 20

// signIns resolves how every person reaches their roles, and checks what
// only IAM users can have.
func (v *validator) signIns() {
	v.res.signIn = map[string]string{}
	def := SignInIAM
	if v.res.identityCenter != nil {
		def = v.res.identityCenter.SignIn
	}
	for _, name := range slices.Sorted(maps.Keys(v.m.spec.Users)) {
		u := v.m.spec.Users[name]
		p := path{"users", name}
		s := u.SignIn
		if s == "" {
			s = def
		} else if !slices.Contains(SignIns, s) {
			v.at(p.key("signIn"), "signIn %q is not one of %s%s", s, quoted(SignIns), suggest(s, SignIns))
			continue
		}
		v.res.signIn[name] = s
		if s == SignInIAM {
			for _, f := range []struct {
				key, value string
			}{{"email", u.Email}, {"displayName", u.DisplayName}, {"identityCenterUserName", u.IdentityCenterUserName}} {
				if f.value != "" {
					v.at(p.key(f.key), "%s is for Identity Center; %s signs in as an IAM user (signIn: %s)", f.key, name, SignInIAM)
				}
			}
			continue
		}
		ic := v.res.identityCenter
		if ic == nil {
			v.at(p.key("signIn"), "signIn %s needs the model's identityCenter section: the instance people sign in through", s)
			continue
		}
		if s == SignInIdentityCenter {
			for _, f := range []struct {
				key string
				set bool
				why string
			}{
				{"power", u.Power, "PowerG is IAM administration of the user-only account's users; grant a role instead"},
				{"console", u.Console, "Identity Center people reach the console through the access portal"},
				{"keepPassword", u.KeepPassword, "Identity Center people have no IAM password"},
				{"statements", len(u.Statements) > 0, "a permission set is a role's; grant a role that holds these statements"},
			} {
				if f.set {
					v.at(p.key(f.key), "%s applies to IAM users, and %s signs in through Identity Center only: %s", f.key, name, f.why)
				}
			}
		}
		if ic.Directory == DirectoryIdentityCenter && !emailPattern.MatchString(u.Email) {
			v.at(p.key("email"), "give %s an email address: Identity Center's directory sends the first sign-in there", name)
		}
		if ic.Directory == DirectoryExternal {
			for key, set := range map[string]bool{"email": u.Email != "", "displayName": u.DisplayName != ""} {
				if set {
					v.at(p.key(key), "the external identity provider owns %s's %s; remove it here (identityCenterUserName names them there)", name, key)
				}
			}
		}
		if n := len(u.IdentityCenterUserName); n > 128 || (u.IdentityCenterUserName != "" && strings.TrimSpace(u.IdentityCenterUserName) != u.IdentityCenterUserName) {
			v.at(p.key("identityCenterUserName"), "identityCenterUserName must be at most 128 characters, without leading or trailing spaces")
		}
		if len(u.DisplayName) > maxGroupDisplayName {
			v.at(p.key("displayName"), "displayName is longer than %d characters", maxGroupDisplayName)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(v.m.spec.Teams)) {
		t := v.m.spec.Teams[name]
		if t.Group == "" {
			continue
		}
		p := path{"teams", name, "group"}
		if v.res.identityCenter == nil {
			v.at(p, "group names the team's Identity Center group; the model has no identityCenter section")
		} else if len(t.Group) > maxGroupDisplayName || strings.TrimSpace(t.Group) != t.Group {
			v.at(p, "group %q must be at most %d characters, without leading or trailing spaces", t.Group, maxGroupDisplayName)
		}
	}
}

// IdentityCenter is the model's Identity Center instance, with its
// defaults; false when the model has none.
func (m *Model) IdentityCenter() (IdentityCenter, bool) {
	if m.resolved.identityCenter == nil {
		return IdentityCenter{}, false
	}
	return *m.resolved.identityCenter, true
}

// IdentityCenterAccount is the name of the account that holds the Identity
// Center instance; "" without one.
func (m *Model) IdentityCenterAccount() string {
	if ic := m.resolved.identityCenter; ic != nil {
		return ic.Account
	}
	return ""
}

// roleARNs are the ARNs a role of the model has in an account: its IAM
// role's, and with Identity Center the pattern of the role its permission
// set is there. An exemption or a trust that names the role names both, so
// that a person reaching it through Identity Center is the same to them.
func (m *Model) roleARNs(accountID, role string) []string {
	out := []string{m.Scheme().RoleARN(accountID, role)}
	if ic := m.resolved.identityCenter; ic != nil {
		out = append(out, m.Scheme().PermissionSetRoleARNPattern(accountID, ic.Region, role))
	}
	return out
}

// Team is a team of the model, by name.
func (m *Model) Team(name string) Team { return m.spec.Teams[name] }

// SignIn is how a person reaches their roles: one of SignIns.
func (m *Model) SignIn(user string) string { return m.resolved.signIn[user] }

// IAMUserNames lists the people who are IAM users (signIn iam or both), sorted.
func (m *Model) IAMUserNames() []string {
	return m.usersWhere(func(s string) bool { return s != SignInIdentityCenter })
}

// IdentityCenterUserNames lists the people who sign in through Identity
// Center (signIn identity-center or both), sorted.
func (m *Model) IdentityCenterUserNames() []string {
	return m.usersWhere(func(s string) bool { return s != SignInIAM })
}

func (m *Model) usersWhere(keep func(signIn string) bool) []string {
	var out []string
	for _, u := range m.UserNames() {
		if keep(m.resolved.signIn[u]) {
			out = append(out, u)
		}
	}
	return out
}

// IdentityCenterTeams are the teams with someone who signs in through
// Identity Center, sorted: the groups Identity Center holds.
func (m *Model) IdentityCenterTeams() []string {
	seen := map[string]bool{}
	for _, u := range m.IdentityCenterUserNames() {
		for _, t := range m.UserTeams(u) {
			seen[t] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// TeamNames lists the teams, sorted.
func (m *Model) TeamNames() []string { return slices.Sorted(maps.Keys(m.spec.Teams)) }

// TeamGroup is a team's Identity Center group display name.
func (m *Model) TeamGroup(team string) string {
	if g := m.spec.Teams[team].Group; g != "" {
		return g
	}
	return m.resolved.prefix + "-" + team
}

// TeamGrants are a team's grants, resolved to accounts, sorted by account
// and role.
func (m *Model) TeamGrants(team string) []Grant { return sortedGrants(m.resolved.teams[team].grants) }

// UserTeams are the teams a person is in, in the model's order.
func (m *Model) UserTeams(user string) []string { return m.resolved.users[user].teams }

// UserOwnGrants are a person's own grants, not their teams', sorted by
// account and role.
func (m *Model) UserOwnGrants(user string) []Grant { return sortedGrants(m.resolved.users[user].own) }

func sortedGrants(gs []Grant) []Grant {
	out := slices.Clone(gs)
	slices.SortFunc(out, func(x, y Grant) int {
		if c := strings.Compare(x.Account, y.Account); c != 0 {
			return c
		}
		return strings.Compare(x.Role, y.Role)
	})
	return out
}

// IdentityCenterDisplayName is a person's display name in Identity Center:
// as the model gives it, or made of the user name's parts (alice.martin is
// "Alice Martin").
func (m *Model) IdentityCenterDisplayName(user string) string {
	if d := m.spec.Users[user].DisplayName; d != "" {
		return d
	}
	given, family := NameParts(user)
	return strings.TrimSpace(given + " " + family)
}

// NameParts splits a user name into a given and a family name, for the
// identity store's required Name: "alice.martin" is Alice, Martin; a name
// of one part is its own given and family name.
func NameParts(user string) (given, family string) {
	parts := strings.FieldsFunc(strings.SplitN(user, "@", 2)[0], func(r rune) bool { return r == '.' || r == '_' || r == '-' })
	for i, p := range parts {
		parts[i] = strings.ToUpper(p[:1]) + p[1:]
	}
	switch len(parts) {
	case 0:
		return user, user
	case 1:
		return parts[0], parts[0]
	}
	return parts[0], strings.Join(parts[1:], " ")
}
