package model

import (
	"cmp"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/iamstack/iamstack/internal/catalog"
	"github.com/iamstack/iamstack/internal/metadata"
	"github.com/iamstack/iamstack/internal/names"
	"github.com/iamstack/iamstack/internal/policy"
	"github.com/iamstack/iamstack/internal/rules"
)

var (
	accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)
	slugPattern      = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)
	prefixPattern    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]*$`)
	iamNamePattern   = regexp.MustCompile(`^[\w+=,.@-]+$`)
	aliasPattern     = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{1,61}[a-z0-9])$`)
	actionPattern    = regexp.MustCompile(`^(\*|[a-z0-9-]+:[A-Za-z0-9*?]+)$`)
)

// Limits from IAM's and iamstack's own rules.
const (
	maxPrefixLen   = 20
	maxRoleNameLen = 64
	maxUserNameLen = 64
	maxUserStacks  = 20
	minMFAMaxAge   = 15 * time.Minute
	maxMFAMaxAge   = 36 * time.Hour // the longest MFA session STS issues
	minMaxSession  = time.Hour
	maxMaxSession  = 12 * time.Hour
)

// DefaultOpsServices are OpsR's services when the model names none, in a
// new slice each time: a model's list is its own to keep.
func DefaultOpsServices() []string {
	return []string{"cloudformation", "cloudwatch", "ec2", "iam", "lambda", "logs", "s3"}
}

// Grant is one role a user may assume in one account.
type Grant struct {
	Account string `json:"account"` // account name
	Role    string `json:"role"`    // role short name
	// Sources say why: "user" for the user's own grant, "team platform" for a team's.
	Sources []string `json:"sources"`
}

// Skip is a grant by account type that does not apply to one account of the
// type because the role is switched off there.
type Skip struct {
	Account string `json:"account"`
	Role    string `json:"role"`
	Source  string `json:"source"`
}

type resolution struct {
	accounts map[string]Account            // by name
	ous      map[string]OrganizationalUnit // by name
	userOnly Account
	roles    map[string]Role // with defaults applied
	enabled  map[string]map[string]bool
	// users and teams hold what each user's effective grants are made of;
	// UserGrants merges them when asked. Merged for every user, they would
	// be users x accounts entries, and only `iamstack validate` lists them.
	users map[string]userGrants
	teams map[string]teamGrants
	// tokens are each user's grants as the grant tags carry them: role ->
	// the tokens of the targets it is granted in (names.GrantToken).
	tokens map[string]map[string][]string
	assume map[string][]Grant // CI/CD users' grants in other accounts
	envs   map[string][]string
	lines  map[string]int
	given  names.Given // the names and paths the model sets itself
}

type validator struct {
	*walker
	m   *Model
	res resolution
}

func (v *validator) run() {
	v.res = resolution{accounts: map[string]Account{}, roles: map[string]Role{},
		enabled: map[string]map[string]bool{}, users: map[string]userGrants{}, teams: map[string]teamGrants{},
		tokens: map[string]map[string][]string{}, assume: map[string][]Grant{}, envs: map[string][]string{}, lines: v.lines}
	v.header()
	v.accounts()
	v.organization()
	v.roles()
	v.trustedRoles()
	v.guardrails()
	for _, name := range slices.Sorted(maps.Keys(v.m.Teams)) {
		p := path{"teams", name}
		if !slugPattern.MatchString(name) {
			v.at(p, "team name %q must be lower-case letters, digits and hyphens", name)
		}
		v.grants(p.key("grants"), v.m.Teams[name].Grants)
	}
	v.users()
	v.cicdUsers()
	v.environments()
	v.standingResources()
	v.givenNames()
	for _, name := range slices.Sorted(maps.Keys(v.m.Roles)) {
		v.waivers(path{"roles", name, "waivers"}, v.m.Roles[name].Waivers)
	}
	for _, name := range slices.Sorted(maps.Keys(v.m.Users)) {
		v.waivers(path{"users", name, "waivers"}, v.m.Users[name].Waivers)
	}
	for _, name := range slices.Sorted(maps.Keys(v.m.CICDUsers)) {
		v.waivers(path{"cicdUsers", name, "waivers"}, v.m.CICDUsers[name].Waivers)
	}
	for i, r := range v.m.AcknowledgedRemovals {
		p := path{"acknowledgedRemovals"}.index(i)
		if !slices.Contains(RemovalKinds, r.Kind) {
			v.at(p.key("kind"), "kind %q is not one of %s%s", r.Kind, quoted(RemovalKinds), suggest(r.Kind, RemovalKinds))
		}
		if r.Name == "" {
			v.at(p.key("name"), "name the IAM %s whose removal is acknowledged", r.Kind)
		}
		if _, ok := v.res.accounts[r.Account]; !ok && r.Account != allTargets {
			v.at(p.key("account"), "name the account the %s is removed from (one of %s), or %q for every account%s",
				r.Kind, quoted(v.accountNames()), allTargets, suggest(r.Account, v.accountNames()))
		}
		if len(strings.TrimSpace(r.Reason)) < minReasonLen {
			v.at(p.key("reason"), "give a reason of at least %d characters: removing a %s loses its credentials", minReasonLen, r.Kind)
		}
	}
}

// minReasonLen is the shortest reason a waiver or acknowledgment may give.
const minReasonLen = rules.MinReason

func (v *validator) waivers(p path, w Waivers) {
	for _, rule := range slices.Sorted(maps.Keys(w)) {
		if !rules.Known(rule) {
			v.at(p.key(rule), "%q is not a rule a waiver can name%s; rules: %s", rule, suggest(rule, rules.IDs()), quoted(rules.IDs()))
		}
		if len(strings.TrimSpace(w[rule])) < minReasonLen {
			v.at(p.key(rule), "a waiver needs a reason of at least %d characters that a reviewer can judge", minReasonLen)
		}
	}
}

func (v *validator) header() {
	m := v.m
	switch m.APIVersion {
	case APIVersion:
	case "":
		v.at(path{}, "apiVersion is missing; start the file with `apiVersion: %s`", APIVersion)
	default:
		v.at(path{"apiVersion"}, "unsupported apiVersion %q; this iamstack reads %q", m.APIVersion, APIVersion)
	}
	if m.Prefix == "" {
		if v.present(path{"prefix"}) {
			v.at(path{"prefix"}, "prefix is empty; it starts every stack, role, group and policy name. Omit the key for the default %q", DefaultPrefix)
		}
		m.Prefix = DefaultPrefix
	}
	if !prefixPattern.MatchString(m.Prefix) || len(m.Prefix) > maxPrefixLen {
		v.at(path{"prefix"}, "prefix %q must start with a letter, hold only letters, digits and hyphens, and be at most %d characters (default %q)", m.Prefix, maxPrefixLen, DefaultPrefix)
	}
	v.region(path{"region"}, m.Region)
	if m.MFAMaxAge.Duration == 0 {
		m.MFAMaxAge.Duration = DefaultMFAMaxAge
	}
	if d := m.MFAMaxAge.Duration; d < minMFAMaxAge || d > maxMFAMaxAge || d%time.Second != 0 {
		v.at(path{"mfaMaxAge"}, "mfaMaxAge %s must be whole seconds between %s and %s (an MFA session lasts at most 36h; aws-vault keeps one for 8h)", d, minMFAMaxAge, maxMFAMaxAge)
	}
	if m.UserStacks == 0 && !v.present(path{"userStacks"}) {
		m.UserStacks = 1
	}
	if m.UserStacks < 1 || m.UserStacks > maxUserStacks {
		v.at(path{"userStacks"}, "userStacks must be between 1 and %d", maxUserStacks)
	}
}

func (v *validator) accounts() {
	m := v.m
	if len(m.Accounts) == 0 {
		v.at(path{"accounts"}, "no accounts; list at least the user-only account and one account for roles")
		return
	}
	byID := map[string]string{}
	types := map[string][]string{}
	var userOnly []string
	for i, a := range m.Accounts {
		p := path{"accounts"}.index(i)
		switch {
		case a.Name == "":
			v.at(p, "account has no name")
		case !slugPattern.MatchString(a.Name) || len(a.Name) > 50:
			v.at(p.key("name"), "account name %q must be lower-case letters, digits and hyphens, at most 50 characters", a.Name)
		case a.Name == allTargets:
			v.at(p.key("name"), "%q is reserved: it means every account", allTargets)
		}
		if _, dup := v.res.accounts[a.Name]; dup && a.Name != "" {
			v.at(p.key("name"), "account name %q is used twice; account names must be unique", a.Name)
		}
		if !accountIDPattern.MatchString(a.ID) {
			v.at(p.key("id"), "account ID %q must be exactly 12 digits; quote it (\"012345678901\") so YAML keeps leading zeros", a.ID)
		} else if other, dup := byID[a.ID]; dup {
			v.at(p.key("id"), "account ID %s is already account %q", a.ID, other)
		}
		byID[a.ID] = a.Name
		if !validType(a.Type) {
			v.at(p.key("type"), "account type %q must be lower-case letters, digits and hyphens: %s, dev, prod, ...", a.Type, UserOnly)
		}
		if a.Alias != "" && !aliasPattern.MatchString(a.Alias) {
			v.at(p.key("alias"), "account alias %q must be 3 to 63 lower-case letters, digits and hyphens", a.Alias)
		}
		for _, k := range slices.Sorted(maps.Keys(a.Tags)) {
			if !tagPattern.MatchString(k) || len(k) > 128 || !tagPattern.MatchString(a.Tags[k]) || len(a.Tags[k]) > 256 {
				v.at(p.key("tags").key(k), "account tag %s=%s: keys (at most 128 characters) and values (at most 256) must be letters, digits and _.+-@/; a grant to a tag writes key=value into the grantees' user tags, where \":\" separates grants", k, a.Tags[k])
			}
		}
		if a.Type == UserOnly {
			userOnly = append(userOnly, a.Name)
			v.res.userOnly = a
		}
		types[a.Type] = append(types[a.Type], a.Name)
		v.res.accounts[a.Name] = a
	}
	switch len(userOnly) {
	case 0:
		v.at(path{"accounts"}, "no account has type %q; exactly one account holds the human users", UserOnly)
	case 1:
	default:
		v.at(path{"accounts"}, "%d accounts have type %q (%s); exactly one account holds the human users", len(userOnly), UserOnly, quoted(userOnly))
	}
	for i, a := range m.Accounts {
		if same, ok := types[a.Name]; ok && !(len(same) == 1 && same[0] == a.Name) {
			v.at(path{"accounts"}.index(i).key("name"), "account name %q is also the type of accounts %s, so a grant to %q would be ambiguous; rename the account", a.Name, quoted(same), a.Name)
		}
	}
}

// resolve turns account names, OU names, account types and "all" into the
// names of the places they cover: listed accounts and OUs.
func (v *validator) resolve(p path, targets []string) []string {
	seen := map[string]bool{}
	for i, t := range targets {
		names, found := v.accountsNamedBy(t)
		for _, name := range names {
			seen[name] = true
		}
		if !found {
			v.unknownTarget(p.index(i), t)
		}
	}
	out := make([]string, 0, len(seen))
	for name := range seen {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// accountsNamedBy are the places a target names (an account, an OU, a
// type or all): listed accounts, and OUs, whose accounts are not listed.
// An OU names its listed accounts too. found tells whether the target is
// a target at all: "all" of no accounts is none, and no mistake.
func (v *validator) accountsNamedBy(t string) (names []string, found bool) {
	found = t == allTargets
	key, value, isTag := tagTarget(t)
	for _, a := range v.m.Accounts {
		if t == allTargets || a.Name == t || a.Type == t || (a.OU != "" && a.OU == t) || (isTag && a.Tags[key] == value) {
			names, found = append(names, a.Name), true
		}
	}
	for _, ou := range v.m.OrganizationalUnits {
		if _, ok := v.res.ous[ou.Name]; ok && (t == allTargets || ou.Name == t || ou.Type == t) {
			names, found = append(names, ou.Name), true
		}
	}
	return names, found
}

// tagTarget splits a target naming an account tag, key=value. Account
// names, types and OU names have no "=", so the forms cannot be confused.
func tagTarget(t string) (key, value string, ok bool) {
	key, value, ok = strings.Cut(t, "=")
	return key, value, ok && key != "" && value != ""
}

// tagPattern is what an account tag's key and value may hold: it becomes a
// grant token inside a user tag's value, where ":" separates tokens.
var tagPattern = regexp.MustCompile(`^[A-Za-z0-9_.+@/-]+$`)

// unknownTarget reports a target that names nothing.
func (v *validator) unknownTarget(p path, t string) {
	if _, _, isTag := tagTarget(t); isTag {
		v.at(p, "no listed account is tagged %s; tags: %s (accounts[].tags; a tag reaches listed accounts only, as StackSets deploy by OU)", t, quoted(v.tagTargets()))
		return
	}
	v.at(p, "no account, OU, account type or account tag (key=value) is called %q%s; accounts: %s; types: %s%s", t, suggest(t, v.targetNames()), quoted(v.accountNames()), quoted(v.typeNames()), v.ouList())
}

// tagTargets are the key=value targets the listed accounts' tags offer.
func (v *validator) tagTargets() []string {
	seen := map[string]bool{}
	for _, a := range v.m.Accounts {
		for k, val := range a.Tags {
			seen[k+"="+val] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// ouList is the model's OUs for a message, or nothing when it has none.
func (v *validator) ouList() string {
	if len(v.res.ous) == 0 {
		return ""
	}
	return "; OUs: " + quoted(slices.Sorted(maps.Keys(v.res.ous)))
}

func (v *validator) accountNames() []string {
	var out []string
	for _, a := range v.m.Accounts {
		out = append(out, a.Name)
	}
	sort.Strings(out)
	return out
}

func (v *validator) typeNames() []string {
	seen := map[string]bool{}
	var out []string
	add := func(t string) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	for _, a := range v.m.Accounts {
		add(a.Type)
	}
	for _, ou := range v.m.OrganizationalUnits {
		add(ou.Type)
	}
	sort.Strings(out)
	return out
}

func (v *validator) targetNames() []string {
	return append(append(append(append(v.accountNames(), v.typeNames()...), slices.Sorted(maps.Keys(v.res.ous))...), v.tagTargets()...), allTargets)
}

func (v *validator) roles() {
	m := v.m
	all := map[string]Role{AdminR: {}, OpsR: {}, ReadR: {}}
	for name, r := range m.Roles {
		all[name] = r
	}
	for _, name := range slices.Sorted(maps.Keys(all)) {
		r := all[name]
		p := path{"roles", name}
		if !iamNamePattern.MatchString(name) || strings.Contains(name, ",") {
			v.at(p, "role name %q must use letters, digits and +=.@_- (it is part of its grant tag's key, where IAM allows no comma)", name)
		} else if r.Name == "" && len(m.Prefix)+1+len(name) > maxRoleNameLen {
			v.at(p, "role name %q must fit %d characters with the prefix %q; shorten it, or give the role its IAM name (name)", name, maxRoleNameLen, m.Prefix+"-")
		}
		if isBuiltin(name) {
			if len(r.Statements) > 0 || len(r.ManagedPolicies) > 0 || len(r.StatementsIn) > 0 {
				v.at(p, "%s is built in; its permissions are fixed. Define a custom role for other permissions", name)
			}
			if len(r.Services) > 0 && name != OpsR {
				v.at(p.key("services"), "services only apply to %s", OpsR)
			}
			if r.MaxSession.Duration == 0 {
				r.MaxSession.Duration = defaultMaxSession[name]
			}
			if name == OpsR && len(r.Services) == 0 {
				r.Services = DefaultOpsServices()
			}
		} else {
			if len(r.Services) > 0 {
				v.at(p.key("services"), "services only apply to %s; give a custom role statements or managedPolicies", OpsR)
			}
			if len(r.Statements) == 0 && len(r.ManagedPolicies) == 0 && len(r.StatementsIn) == 0 {
				v.at(p, "custom role %q grants nothing; give it statements or managedPolicies", name)
			}
			if r.MaxSession.Duration == 0 {
				r.MaxSession.Duration = time.Hour
			}
		}
		if d := r.MaxSession.Duration; d < minMaxSession || d > maxMaxSession || d%time.Second != 0 {
			v.at(p.key("maxSession"), "maxSession %s must be whole seconds between 1h and 12h (IAM's MaxSessionDuration)", d)
		}
		for _, target := range slices.Sorted(maps.Keys(r.MaxSessionIn)) {
			d := r.MaxSessionIn[target].Duration
			if d < minMaxSession || d > maxMaxSession || d%time.Second != 0 {
				v.at(p.key("maxSessionIn").key(target), "maxSession %s must be whole seconds between 1h and 12h (IAM's MaxSessionDuration)", d)
			}
			if _, found := v.accountsNamedBy(target); !found || target == allTargets {
				v.unknownTarget(p.key("maxSessionIn").key(target), target)
			}
		}
		if d := r.MFAMaxAge.Duration; d != 0 && (d < minMFAMaxAge || d > m.MFAMaxAge.Duration || d%time.Second != 0) {
			v.at(p.key("mfaMaxAge"), "mfaMaxAge %s must be whole seconds between %s and the model's mfaMaxAge %s: people are admitted by both their group and the role's trust, and the group bounds the age by the model's", d, minMFAMaxAge, m.MFAMaxAge.Duration)
		}
		v.sessionTagKeys(p.key("sessionTags"), r.SessionTags.Keys)
		for i, svc := range r.Services {
			if _, ok := catalog.Get().Services[svc]; !ok {
				v.at(p.key("services").index(i), "%q is not an IAM service prefix%s", svc, suggest(svc, catalog.Get().ServiceNames()))
			} else if slices.Contains(policy.IdentityCenterServices, svc) {
				v.at(p.key("services").index(i), "%q is IAM Identity Center's, which decides who reaches every account of the organization: no containment holds it. Grant it through AdminR or a custom role with its own statements", svc)
			}
		}
		v.managedPolicies(p.key("managedPolicies"), r.ManagedPolicies)
		v.statements(p.key("statements"), r.Statements, false)
		v.trusts(p.key("trust"), name, r)
		v.res.roles[name] = r
		v.res.enabled[name] = v.enabledIn(p, r)
		for _, target := range slices.Sorted(maps.Keys(r.MaxSessionIn)) {
			if names, found := v.accountsNamedBy(target); found && target != allTargets && !v.enabledInAny(name, names) {
				v.at(p.key("maxSessionIn").key(target), "role %s exists in no account %q names: this maximum session would apply nowhere", name, target)
			}
		}
		v.statementsIn(p.key("statementsIn"), name, r)
		if len(v.res.enabled[name]) == 0 && !isBuiltin(name) {
			v.at(p, "custom role %q is enabled in no account; fix enabledIn/disabledIn or remove the role", name)
		}
	}
	v.caseInsensitive(path{"roles"}, "role", slices.Sorted(maps.Keys(m.Roles)), "role names become IAM role names")
}

// Limits on the names and paths a model gives.
const (
	maxGroupNameLen  = 128
	maxPolicyNameLen = 128
	maxPathLen       = 512
	// maxNumberedSuffix is what numbering adds to a group or policy name
	// (AssumeRoleG-20).
	maxNumberedSuffix = 3
)

var iamPathPattern = regexp.MustCompile(`^/([\x21-\x7E]+/)?$`)

// reservedRolePaths are the paths IAM keeps for roles AWS creates.
var reservedRolePaths = []string{"/aws-service-role/", "/aws-reserved/"}

// givenNames checks the IAM names and paths the model sets itself, where a
// migrating team keeps its own, and records them for the naming scheme.
// OpsR's guard and the trusts then list each one.
func (v *validator) givenNames() {
	m := v.m
	g := names.Given{Roles: map[string]names.RoleName{}, Groups: map[string]string{}, Policies: map[string]string{},
		UserPaths: map[names.UserKey]string{}, PathsIn: map[string][]string{}, Machines: map[names.UserKey]bool{}}
	s := names.Scheme{Prefix: m.Prefix, Given: g} // sees g as it fills
	iamNames := map[string]string{}               // lower-case IAM role name -> model name
	for _, name := range slices.Sorted(maps.Keys(v.res.roles)) {
		r := v.res.roles[name]
		p := path{"roles", name}
		if r.Name != "" || v.present(p.key("name")) {
			if !iamNamePattern.MatchString(r.Name) || len(r.Name) > maxRoleNameLen {
				v.at(p.key("name"), "role name %q is not a valid IAM role name: 1 to %d of letters, digits and +=,.@_-", r.Name, maxRoleNameLen)
			}
		}
		if r.Path != "" || v.present(p.key("path")) {
			v.iamPath(p.key("path"), r.Path)
			if strings.HasPrefix(r.Path, s.OpsPath()) {
				v.at(p.key("path"), "path %q is under %s, where OpsR may change and assume roles; choose another path", r.Path, s.OpsPath())
			}
			for _, reserved := range reservedRolePaths {
				if strings.HasPrefix(r.Path, reserved) {
					v.at(p.key("path"), "path %q is under %s, which IAM keeps for roles AWS creates", r.Path, reserved)
				}
			}
		}
		if r.Name != "" || r.Path != "" {
			g.Roles[name] = names.RoleName{Name: r.Name, Path: r.Path}
		}
		iamName := s.Role(name)
		if other, dup := iamNames[strings.ToLower(iamName)]; dup {
			// Point at the name the model gives, not at a default.
			at := p
			if r.Name == "" {
				at = path{"roles", other}
			}
			v.at(at.key("name"), "roles %s and %s would both be the IAM role %q; IAM role names are unique in an account regardless of case. Give one another name", other, name, iamName)
		}
		iamNames[strings.ToLower(iamName)] = name
	}
	policyNames := map[string]string{} // lower-case IAM policy name -> role
	for _, name := range slices.Sorted(maps.Keys(v.res.roles)) {
		r := v.res.roles[name]
		p := path{"roles", name, "policyName"}
		if r.PolicyName == "" && !v.present(p) {
			continue
		}
		switch {
		case !iamNamePattern.MatchString(r.PolicyName) || len(r.PolicyName)+maxNumberedSuffix > maxPolicyNameLen:
			v.at(p, "policy name %q is not a valid IAM policy name: 1 to %d of letters, digits and +=,.@_- (room kept for a number, %s-2)", r.PolicyName, maxPolicyNameLen-maxNumberedSuffix, r.PolicyName)
		case name != OpsR && len(r.Statements) == 0 && len(r.StatementsIn) == 0:
			v.at(p, "role %s has no statements of its own, so no policy of its own to name; remove policyName (AWS managed policies keep their names)", name)
		case strings.HasPrefix(strings.ToLower(r.PolicyName), strings.ToLower(m.Prefix)+"-"):
			v.at(p, "policy name %q starts with the prefix %q, where iamstack names its own policies; leave policyName out to get %s, or choose a name outside the prefix", r.PolicyName, m.Prefix+"-", s.Policy(names.RolePolicyShort(name)))
		}
		if other, dup := policyNames[strings.ToLower(r.PolicyName)]; dup {
			v.at(p, "roles %s and %s would both have the IAM policy %q; IAM policy names are unique in an account regardless of case", other, name, r.PolicyName)
		}
		policyNames[strings.ToLower(r.PolicyName)] = name
		g.Policies[names.RolePolicyShort(name)] = r.PolicyName
	}
	builtin := []string{names.AssumeRoleGroup, names.ManageOwnUserGroup, names.PowerGroup}
	groupNames := map[string]string{}
	for _, short := range slices.Sorted(maps.Keys(m.GroupNames)) {
		p := path{"groupNames", short}
		name := m.GroupNames[short]
		if !slices.Contains(builtin, short) {
			v.at(p, "%q is not one of iamstack's groups: %s%s", short, quoted(builtin), suggest(short, builtin))
			continue
		}
		if !iamNamePattern.MatchString(name) || len(name)+maxNumberedSuffix > maxGroupNameLen {
			v.at(p, "group name %q is not a valid IAM group name: 1 to %d of letters, digits and +=,.@_- (room kept for a number, %s-2)", name, maxGroupNameLen-maxNumberedSuffix, name)
		}
		if other, dup := groupNames[strings.ToLower(name)]; dup {
			v.at(p, "%s and %s would both be the IAM group %q; IAM group names are unique regardless of case", other, short, name)
		}
		groupNames[strings.ToLower(name)] = short
		g.Groups[short] = name
	}
	paths := map[string]map[string]bool{} // account ID -> user paths
	people := map[string]bool{}
	user := func(p path, account Account, name, userPath string) string {
		k := names.UserKey{Account: account.ID, User: name}
		if userPath != "" || v.present(p.key("path")) {
			v.iamPath(p.key("path"), userPath)
			g.UserPaths[k] = userPath
		}
		userPath = s.PathOf(account.ID, name)
		if paths[account.ID] == nil {
			paths[account.ID] = map[string]bool{}
		}
		paths[account.ID][userPath] = true
		return userPath
	}
	for _, name := range slices.Sorted(maps.Keys(m.Users)) {
		people[user(path{"users", name}, v.res.userOnly, name, m.Users[name].Path)] = true
	}
	for _, name := range slices.Sorted(maps.Keys(m.CICDUsers)) {
		if a, ok := v.res.accounts[m.CICDUsers[name].Account]; ok {
			g.Machines[names.UserKey{Account: a.ID, User: name}] = true
			user(path{"cicdUsers", name}, a, name, m.CICDUsers[name].Path)
		}
	}
	for id, ps := range paths {
		g.PathsIn[id] = slices.Sorted(maps.Keys(ps))
	}
	g.PeoplePaths = slices.Sorted(maps.Keys(people))
	v.res.given = g
}

// STS's limits on session tags (the Tag type of its API reference).
const (
	maxSessionTagKeyLen = 128
	maxSessionTags      = 50
)

var sessionTagKeyPattern = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$`)

// sessionTagKeys checks the session tag keys a role admits: keys STS
// accepts, none of AWS's or iamstack's own (a session tag outranks a
// principal tag of the same key), each once regardless of case (STS
// treats keys so).
func (v *validator) sessionTagKeys(p path, keys []string) {
	if len(keys) > maxSessionTags {
		v.at(p, "%d session tag keys, but STS takes at most %d tags per session", len(keys), maxSessionTags)
	}
	seen := map[string]int{}
	for i, k := range keys {
		switch lower := strings.ToLower(k); {
		case k == "" || len(k) > maxSessionTagKeyLen || !sessionTagKeyPattern.MatchString(k):
			v.at(p.index(i), "%q is not a session tag key: 1 to %d letters, digits, spaces and _.:/=+-@", k, maxSessionTagKeyLen)
		case strings.HasPrefix(lower, "aws:"):
			v.at(p.index(i), "%q starts with aws:, which AWS keeps for its own tags", k)
		case strings.HasPrefix(lower, strings.ToLower(v.m.Prefix)+"-"):
			v.at(p.index(i), "%q starts with the prefix %q, where iamstack keeps its grant tags: a session tag of that key would stand in for one; choose another key", k, v.m.Prefix+"-")
		}
		if j, dup := seen[strings.ToLower(k)]; dup {
			v.at(p.index(i), "%q is listed twice (as %q at [%d]); STS compares tag keys regardless of case", k, keys[j], j)
		}
		seen[strings.ToLower(k)] = i
	}
}

// iamPath checks an IAM path: "/" or "/a/b/", of printable ASCII.
func (v *validator) iamPath(p path, s string) {
	if !iamPathPattern.MatchString(s) || len(s) > maxPathLen {
		v.at(p, "path %q is not a valid IAM path: \"/\", or up to %d printable characters that start and end with \"/\" (/legacy/)", s, maxPathLen)
	}
}

// caseInsensitive reports names that differ only in case: IAM names are
// unique regardless of case, so the second would fail to deploy.
func (v *validator) caseInsensitive(p path, kind string, names []string, why string) {
	seen := map[string]string{}
	for _, n := range names {
		k := strings.ToLower(n)
		if other, dup := seen[k]; dup {
			v.at(p.key(n), "%s %q and %q differ only in case; %s, and IAM names are unique regardless of case", kind, other, n, why)
			continue
		}
		seen[k] = n
	}
}

// enabledIn resolves where a role exists: every account but the user-only
// one by default and for "all"; the user-only account only when enabledIn
// names it (by its name or its type), as hub accounts hold roles too.
func (v *validator) enabledIn(p path, r Role) map[string]bool {
	on := map[string]bool{}
	targets := r.EnabledIn
	if len(targets) == 0 {
		targets = []string{allTargets}
	}
	for _, name := range v.resolve(p.key("enabledIn"), targets) {
		on[name] = true
	}
	if !slices.ContainsFunc(r.EnabledIn, func(t string) bool { return t == UserOnly || t == v.res.userOnly.Name }) {
		delete(on, v.res.userOnly.Name)
	}
	for _, name := range v.resolve(p.key("disabledIn"), r.DisabledIn) {
		delete(on, name)
	}
	return on
}

func (v *validator) statements(p path, stmts []policy.Statement, denyOnly bool) {
	for i, s := range stmts {
		sp := p.index(i)
		switch s.Effect {
		case policy.Allow:
			if denyOnly {
				v.at(sp.key("effect"), "a guardrail only denies; use effect: Deny")
			}
		case policy.Deny:
		default:
			v.at(sp.key("effect"), "effect %q must be Allow or Deny", s.Effect)
		}
		if (len(s.Actions) == 0) == (len(s.NotActions) == 0) {
			v.at(sp, "a statement needs exactly one of actions and notActions")
		}
		for j, a := range append(append([]string(nil), s.Actions...), s.NotActions...) {
			field := "actions"
			if j >= len(s.Actions) {
				field, j = "notActions", j-len(s.Actions)
			}
			if !actionPattern.MatchString(a) {
				v.at(sp.key(field).index(j), "%q is not an action; write service:Action, such as s3:GetObject or ec2:Describe*", a)
				continue
			}
			v.action(sp.key(field).index(j), a)
		}
		if len(s.NotActions) == 0 {
			v.resourcesFitActions(sp, s)
		}
		if (len(s.Resources) == 0) == (len(s.NotResources) == 0) {
			v.at(sp, "a statement needs exactly one of resources and notResources; use [\"*\"] for every resource")
		}
		for op, kv := range s.Conditions {
			if _, err := policy.ParseOperator(op); err != nil {
				base := strings.TrimSuffix(op[strings.Index(op, ":")+1:], "IfExists")
				v.at(sp.key("conditions").key(op), "%v%s; IAM's operators: %s, each optionally with IfExists and a ForAnyValue: or ForAllValues: qualifier",
					err, suggest(base, policy.ConditionOperators()), strings.Join(policy.ConditionOperators(), ", "))
			}
			for k, vals := range kv {
				if len(vals) == 0 {
					v.at(sp.key("conditions").key(op).key(k), "condition key %q has no values", k)
				}
				v.conditionKey(sp.key("conditions").key(op).key(k), op, k)
			}
		}
	}
}

func (v *validator) guardrails() {
	g := v.m.Guardrails
	p := path{"guardrails"}
	if rr := g.RegionRestriction; rr != nil {
		if len(rr.Regions) == 0 {
			v.at(p.key("regionRestriction").key("regions"), "list the regions to allow, such as [%s, us-east-1]", v.m.Region)
		}
		for i, r := range rr.Regions {
			v.region(p.key("regionRestriction").key("regions").index(i), r)
		}
		v.scope(p.key("regionRestriction"), rr.Accounts, rr.ExemptRoles)
		for i, a := range rr.Exempt {
			ep := p.key("regionRestriction").key("exempt").index(i)
			if !actionPattern.MatchString(a) || a == "*" {
				v.at(ep, "%q is not an action; write service:Action or service:*, such as bedrock:InvokeModel", a)
				continue
			}
			v.action(ep, a)
		}
	}
	if rds := g.RDSDeletePrevent; rds != nil {
		v.scope(p.key("rdsDeletePrevent"), rds.Accounts, rds.ExemptRoles)
		for i, r := range rds.Resources {
			if parts := strings.SplitN(r, ":", 6); len(parts) != 6 || parts[0] != "arn" || parts[2] != "rds" {
				v.at(p.key("rdsDeletePrevent").key("resources").index(i), "%q is not an RDS ARN such as arn:aws:rds:eu-west-1:123456789012:db:prod-*", r)
			}
		}
	}
	seen := map[string]bool{}
	for i, c := range g.Custom {
		cp := p.key("custom").index(i)
		if !iamNamePattern.MatchString(c.Name) {
			v.at(cp.key("name"), "guardrail name %q must use letters, digits and +=,.@_-", c.Name)
		}
		if seen[c.Name] {
			v.at(cp.key("name"), "guardrail %q is defined twice", c.Name)
		}
		seen[c.Name] = true
		if len(c.Statements) == 0 {
			v.at(cp, "guardrail %q has no statements", c.Name)
		}
		v.statements(cp.key("statements"), c.Statements, true)
		v.scope(cp, c.Accounts, c.ExemptRoles)
	}
}

// scope checks where the guardrail at p applies (accounts; none is all)
// and the roles it exempts: roles of the model, each once, each existing in
// an account it covers, since an exemption anywhere else would do nothing.
func (v *validator) scope(p path, accounts, exempt []string) {
	covered := v.resolve(p.key("accounts"), accounts)
	if len(accounts) == 0 {
		covered = v.accountNames()
	}
	seen := map[string]bool{}
	for i, r := range exempt {
		ep := p.key("exemptRoles").index(i)
		enabled, ok := v.res.enabled[r]
		switch {
		case !ok:
			names := slices.Sorted(maps.Keys(v.res.enabled))
			v.at(ep, "no role is called %q%s; roles: %s", r, suggest(r, names), quoted(names))
		case seen[r]:
			v.at(ep, "role %s is exempted twice", r)
		case !slices.ContainsFunc(covered, func(a string) bool { return enabled[a] }):
			v.at(ep, "role %s exists in none of the accounts this guardrail covers: the exemption would apply nowhere", r)
		}
		seen[r] = true
	}
}

// enabledInAny tells whether a role exists in any of the accounts names.
func (v *validator) enabledInAny(role string, names []string) bool {
	return slices.ContainsFunc(names, func(a string) bool { return v.res.enabled[role][a] })
}

// grants checks a role-to-targets map and returns the grants it resolves to.
func (v *validator) grants(p path, g Grants) (out []Grant, skips []Skip) {
	for _, role := range slices.Sorted(maps.Keys(g)) {
		rp := p.key(role)
		enabled, ok := v.res.enabled[role]
		if !ok {
			v.at(rp, "no role is called %q%s; roles: %s", role, suggest(role, slices.Sorted(maps.Keys(v.res.enabled))), quoted(slices.Sorted(maps.Keys(v.res.enabled))))
			continue
		}
		if len(g[role]) == 0 {
			v.at(rp, "grant of %s names no account; list account names or types, or %q", role, allTargets)
			continue
		}
		for i, t := range g[role] {
			a, named := v.res.accounts[t]
			switch {
			case named && a.Type == UserOnly && !enabled[t]:
				v.at(rp.index(i), "role %s is not created in the user-only account %q unless its enabledIn names it (roles.%s.enabledIn: [%s, ...])", role, t, role, t)
			case named && !enabled[t]:
				v.at(rp.index(i), "role %s is switched off in account %q (roles.%s enabledIn/disabledIn), so this grant would do nothing; remove it or enable the role there", role, t, role)
			}
		}
		accounts := v.resolve(rp, g[role])
		var on, off []string
		for _, a := range accounts {
			if enabled[a] {
				on = append(on, a)
			} else if v.res.accounts[a].Type != UserOnly {
				off = append(off, a)
			}
		}
		if len(on) == 0 && len(accounts) > 0 {
			v.at(rp, "role %s exists in none of the accounts granted (%s); grant it where it is enabled or enable it under roles.%s", role, quoted(accounts), role)
			continue
		}
		for _, a := range on {
			out = append(out, Grant{Account: a, Role: role})
		}
		for _, a := range off {
			skips = append(skips, Skip{Account: a, Role: role})
		}
	}
	return out, skips
}

// maxUsersPerAccount is IAM's quota on users in one account.
const maxUsersPerAccount = 5000

func (v *validator) users() {
	v.caseInsensitive(path{"users"}, "user", slices.Sorted(maps.Keys(v.m.Users)), "people are IAM users of the user-only account")
	if n := len(v.m.Users) + len(v.m.CICDUsersIn(v.res.userOnly.Name)); n > maxUsersPerAccount {
		v.at(path{"users"}, "%d users (people and CI/CD users) in the user-only account %q; IAM allows %d users per account", n, v.res.userOnly.Name, maxUsersPerAccount)
	}
	// A team's grants are resolved once, not once per member: with
	// thousands of users in a few teams, resolving targets dominates.
	teamTokens := map[string]map[string]map[string]bool{}
	team := func(name string) map[string]map[string]bool {
		tokens, ok := teamTokens[name]
		if !ok {
			t := v.m.Teams[name]
			var r teamGrants
			r.grants, r.skips = v.silently(func() ([]Grant, []Skip) { return v.grants(path{"teams", name, "grants"}, t.Grants) })
			v.res.teams[name] = r
			tokens = map[string]map[string]bool{}
			v.grantTokens(t.Grants, tokens)
			teamTokens[name] = tokens
		}
		return tokens
	}
	for _, name := range slices.Sorted(maps.Keys(v.m.Users)) {
		u := v.m.Users[name]
		p := path{"users", name}
		v.userName(p, "user", name)
		if u.KeepPassword && !u.Console {
			v.at(p.key("keepPassword"), "keepPassword keeps a console user's password; %s is not a console user (console: true)", name)
		}
		var ug userGrants
		ug.own, ug.skips = v.grants(p.key("grants"), u.Grants)
		tokens := map[string]map[string]bool{}
		v.grantTokens(u.Grants, tokens)
		for i, name := range u.Teams {
			if _, ok := v.m.Teams[name]; !ok {
				v.at(p.key("teams").index(i), "no team is called %q%s; teams: %s", name, suggest(name, slices.Sorted(maps.Keys(v.m.Teams))), quoted(slices.Sorted(maps.Keys(v.m.Teams))))
				continue
			}
			ug.teams = append(ug.teams, name)
			for role, set := range team(name) {
				if tokens[role] == nil {
					tokens[role] = map[string]bool{}
				}
				maps.Copy(tokens[role], set)
			}
		}
		v.res.users[name] = ug
		v.res.tokens[name] = map[string][]string{}
		for role, set := range tokens {
			v.res.tokens[name][role] = slices.Sorted(maps.Keys(set))
		}
	}
}

// userGrants are the parts of a user's effective grants: their own, and
// the teams they are in (in the model's order), whose grants are resolved
// once in teamGrants.
type userGrants struct {
	own   []Grant
	skips []Skip
	teams []string
}

type teamGrants struct {
	grants []Grant
	skips  []Skip
}

// merged is the union of a user's own grants and their teams', each with
// where it comes from, sorted by account and role.
func (r *resolution) merged(user string) []Grant {
	u, ok := r.users[user]
	if !ok {
		return nil
	}
	merged := map[[2]string]*Grant{}
	add := func(gs []Grant, source string) {
		for _, g := range gs {
			k := [2]string{g.Account, g.Role}
			if merged[k] == nil {
				merged[k] = &Grant{Account: g.Account, Role: g.Role}
			}
			merged[k].Sources = append(merged[k].Sources, source)
		}
	}
	add(u.own, "user")
	for _, t := range u.teams {
		add(r.teams[t].grants, "team "+t)
	}
	grants := make([]Grant, 0, len(merged))
	for _, g := range merged {
		grants = append(grants, *g)
	}
	slices.SortFunc(grants, func(a, b Grant) int { return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Role, b.Role)) })
	return grants
}

// skipped are a user's skipped grants, their own first, then their teams'
// in order, each with where it comes from.
func (r *resolution) skipped(user string) []Skip {
	u := r.users[user]
	var out []Skip
	add := func(ss []Skip, source string) {
		for _, s := range ss {
			s.Source = source
			out = append(out, s)
		}
	}
	add(u.skips, "user")
	for _, t := range u.teams {
		add(r.teams[t].skips, "team "+t)
	}
	return out
}

// grantTokens adds the tokens of a role-to-targets map to a user's: the
// token of every target that reaches a place where the role exists. A
// target that reaches none grants nothing, and its token would only take
// room in the tag.
func (v *validator) grantTokens(g Grants, into map[string]map[string]bool) {
	for role, targets := range g {
		for _, t := range targets {
			places, _ := v.accountsNamedBy(t)
			if !v.enabledInAny(role, places) {
				continue
			}
			if into[role] == nil {
				into[role] = map[string]bool{}
			}
			into[role][v.token(t)] = true
		}
	}
}

// token is what a grant tag says for a target: "all", an account's ID,
// an OU's ID, or an account type, which the validator keeps from looking
// like the other two.
func (v *validator) token(target string) string {
	if target == allTargets {
		return names.AllToken
	}
	if a, ok := v.res.accounts[target]; ok {
		return a.ID
	}
	if ou, ok := v.res.ous[target]; ok {
		return ou.ID
	}
	return target
}

// userName checks a name against IAM's rules for user names.
func (v *validator) userName(p path, kind, name string) {
	if !iamNamePattern.MatchString(name) || len(name) > maxUserNameLen {
		v.at(p, "%s name %q is not a valid IAM user name: 1 to %d of letters, digits and +=,.@_-", kind, name, maxUserNameLen)
	}
}

// silently runs f without recording problems: a team's grants are checked
// once, where the team is defined, not again for every member.
func (v *validator) silently(f func() ([]Grant, []Skip)) ([]Grant, []Skip) {
	n := len(v.problems)
	g, s := f()
	v.problems = v.problems[:n]
	return g, s
}

func (v *validator) cicdUsers() {
	for _, name := range slices.Sorted(maps.Keys(v.m.CICDUsers)) {
		c := v.m.CICDUsers[name]
		p := path{"cicdUsers", name}
		v.userName(p, "CI/CD user", name)
		acct, ok := v.res.accounts[c.Account]
		if !ok {
			v.at(p.key("account"), "no account is called %q%s; a CI/CD user lives in one account: %s", c.Account, suggest(c.Account, v.accountNames()), quoted(v.accountNames()))
			continue
		}
		if acct.Type == UserOnly {
			for human := range v.m.Users {
				if strings.EqualFold(human, name) {
					v.at(p, "%q is also the human user %q of account %q; IAM user names are unique per account, regardless of case", name, human, acct.Name)
				}
			}
		}
		for other, oc := range v.m.CICDUsers {
			if other < name && oc.Account == c.Account && strings.EqualFold(other, name) {
				v.at(p, "CI/CD users %q and %q of account %q differ only in case; IAM user names are unique regardless of case", other, name, c.Account)
			}
		}
		if len(c.Roles) == 0 && len(c.Statements) == 0 && len(c.Assume) == 0 {
			v.at(p, "CI/CD user %q can do nothing; give it roles of account %q, roles of other accounts (assume) or statements", name, c.Account)
		}
		for role, targets := range c.Assume {
			for i, t := range targets {
				if v.isOU(t) {
					v.at(p.key("assume").key(role).index(i), "CI/CD users assume roles in listed accounts, whose role ARNs their policy names; OU %q lists none: name the accounts it deploys to", t)
				}
			}
		}
		// AdminR's trust of a CI/CD user is a trust beyond people with MFA,
		// whether the user lives in the role's account or assumes it from
		// another: the same waiver as a trust: entry on AdminR.
		if _, waived := v.m.Roles[AdminR].Waivers[rules.AdminTrust]; !waived {
			what := "CI/CD user " + strconv.Quote(name)
			if _, ok := c.Assume[AdminR]; ok {
				v.at(p.key("assume").key(AdminR), adminTrustProblem, what, rules.AdminTrust)
			}
			if i := slices.Index(c.Roles, AdminR); i >= 0 {
				v.at(p.key("roles").index(i), adminTrustProblem, what, rules.AdminTrust)
			}
		}
		grants, _ := v.grants(p.key("assume"), c.Assume)
		// A type or "all" reaches the listed accounts only, as the message
		// above says for an OU.
		grants = slices.DeleteFunc(grants, func(g Grant) bool { return v.isOU(g.Account) })
		for _, g := range grants {
			if g.Account == c.Account {
				v.at(p.key("assume").key(g.Role), "role %s of account %q is the CI/CD user's own account's: list it under roles", g.Role, c.Account)
				continue
			}
			v.res.assume[name] = append(v.res.assume[name], g)
		}
		for i, role := range c.Roles {
			enabled, ok := v.res.enabled[role]
			switch {
			case !ok:
				v.at(p.key("roles").index(i), "no role is called %q%s", role, suggest(role, slices.Sorted(maps.Keys(v.res.enabled))))
			case !enabled[c.Account]:
				v.at(p.key("roles").index(i), "role %s is not enabled in account %q, where this CI/CD user lives", role, c.Account)
			}
		}
		v.statements(p.key("statements"), c.Statements, false)
	}
}

func (v *validator) isOU(name string) bool {
	_, ok := v.res.ous[name]
	return ok
}

func (v *validator) environments() {
	if len(v.m.Environments) == 0 {
		v.res.envs[DefaultEnvironment] = v.accountNames()
		return
	}
	for _, name := range slices.Sorted(maps.Keys(v.m.Environments)) {
		p := path{"environments", name}
		if !slugPattern.MatchString(name) {
			v.at(p, "environment name %q must be lower-case letters, digits and hyphens (it names the branch env/%s)", name, name)
		}
		if len(v.m.Environments[name].Accounts) == 0 {
			v.at(p.key("accounts"), "environment %q covers no account; list account names or types, or %q", name, allTargets)
		}
		// An environment promotes stacks, which live in listed accounts: OUs
		// come with the deploy account's StackSets.
		v.res.envs[name] = slices.DeleteFunc(v.resolve(p.key("accounts"), v.m.Environments[name].Accounts), v.isOU)
	}
}

func (v *validator) standingResources() {
	seen := map[string]bool{}
	for i, r := range v.m.StandingResources {
		p := path{"standingResources"}.index(i)
		if _, ok := v.res.accounts[r.Account]; !ok {
			v.at(p.key("account"), "no account is called %q%s; accounts: %s", r.Account, suggest(r.Account, v.accountNames()), quoted(v.accountNames()))
		}
		if !slices.Contains(metadata.Kinds, r.Kind) {
			v.at(p.key("kind"), "kind %q is not one of %s%s", r.Kind, quoted(metadata.Kinds), suggest(r.Kind, metadata.Kinds))
			continue
		}
		if !iamNamePattern.MatchString(r.Name) {
			v.at(p.key("name"), "name %q must be the resource's name: letters, digits and +=,.@_-", r.Name)
		}
		id := r.Account + "/" + r.Kind + "/" + strings.ToLower(r.Name)
		if seen[id] {
			v.at(p.key("name"), "%s %q of account %q is described twice", r.Kind, r.Name, r.Account)
		}
		seen[id] = true
		if r.Kind == metadata.OIDCProvider && r.Name != names.GitHubOIDCHost {
			v.at(p.key("name"), "iamstack trusts one OIDC provider, GitHub Actions': name it %q", names.GitHubOIDCHost)
		}
		principal := r.Kind == metadata.Role || r.Kind == metadata.User
		runs := r.Kind == metadata.Stack || r.Kind == metadata.Workload
		only := func(field string, set, allowed bool, kinds string) {
			if set && !allowed {
				v.at(p.key(field), "%s applies to %s only; a %s has none", field, kinds, r.Kind)
			}
		}
		only("managedPolicies", len(r.ManagedPolicies) > 0, principal, "roles and users")
		only("statements", len(r.Statements) > 0, principal, "roles and users")
		only("trustedBy", len(r.TrustedBy) > 0, r.Kind == metadata.Role, "roles")
		only("runsAs", r.RunsAs != "", runs, "stacks and workloads")
		only("service", r.Service != "", r.Kind == metadata.Workload, "workloads")
		if principal && len(r.ManagedPolicies) == 0 && len(r.Statements) == 0 {
			v.at(p, "%s %q has no permissions to analyse; list its managedPolicies or statements", r.Kind, r.Name)
		}
		v.managedPolicies(p.key("managedPolicies"), r.ManagedPolicies)
		v.statements(p.key("statements"), r.Statements, false)
		for j, t := range r.TrustedBy {
			if t != TrustOwnAccount && !accountIDPattern.MatchString(t) && !strings.HasSuffix(t, ".amazonaws.com") {
				v.at(p.key("trustedBy").index(j), "%q is not %q, a 12-digit account ID or a service such as lambda.amazonaws.com", t, TrustOwnAccount)
			}
		}
		if runs && !iamNamePattern.MatchString(r.RunsAs) {
			v.at(p.key("runsAs"), "name the role this %s runs under (its IAM role name)", r.Kind)
		}
		if r.Kind == metadata.Workload {
			if _, ok := policy.Workloads[r.Service]; !ok {
				services := slices.Sorted(maps.Keys(policy.Workloads))
				v.at(p.key("service"), "service %q is not one of %s%s", r.Service, quoted(services), suggest(r.Service, services))
			}
		}
	}
}

// present tells whether the model file sets the field at p, even to an
// empty value.
func (v *validator) present(p path) bool {
	_, ok := v.lines[p.String()]
	return ok
}

// region checks a region against the list of AWS regions (names.Regions).
func (v *validator) region(p path, r string) {
	if !names.KnownRegion(r) {
		v.at(p, "region %q is not an AWS region%s", r, suggest(r, names.Regions()))
	}
}

// action checks an action against the IAM catalog: its service exists, and
// it names an action of that service (a pattern, at least one). In IAM a
// misspelled action grants nothing, silently.
func (v *validator) action(p path, a string) {
	if a == "*" {
		return
	}
	cat := catalog.Get()
	svc, name, _ := strings.Cut(a, ":")
	if _, ok := cat.Services[svc]; !ok {
		v.at(p, "%q: no IAM service has the prefix %q%s", a, svc, suggest(svc, cat.ServiceNames()))
		return
	}
	if strings.ContainsAny(name, "*?") {
		if len(cat.MatchActions(svc, name)) == 0 {
			v.at(p, "%q matches no action of %s", a, svc)
		}
		return
	}
	if len(cat.MatchActions(svc, name)) == 0 {
		actions := cat.Actions(svc)
		for i := range actions {
			actions[i] = svc + ":" + actions[i]
		}
		v.at(p, "%q is not an action of %s%s", a, svc, suggest(a, actions))
	}
}

// keyTypes are the condition key types each operator family compares; an
// operator outside its family on a key of another type never matches.
var keyTypes = map[string][]string{
	"Numeric": {"Numeric"}, "Date": {"Date"}, "Bool": {"Bool", "ArrayOfBool"}, "IpAddress": {"IPAddress"}, "NotIpAddress": {"IPAddress"},
}

// conditionKey checks a condition key against the IAM catalog and its type
// against the operator. In IAM a misspelled key silently never matches.
func (v *validator) conditionKey(p path, op, key string) {
	cat := catalog.Get()
	typ, ok := cat.ConditionKey(key)
	if !ok {
		v.at(p, "condition key %q does not exist%s", key, suggest(key, cat.ConditionKeys(key)))
		return
	}
	parsed, err := policy.ParseOperator(op)
	if err != nil || parsed.Name == "Null" {
		return
	}
	for family, types := range keyTypes {
		if (parsed.Positive == family || strings.HasPrefix(parsed.Positive, family)) && !slices.Contains(types, typ) {
			v.at(p, "%s compares %s values, but %s is a %s key: the condition can never match", op, strings.ToLower(family), key, typ)
		}
	}
}

// resourcesFitActions refuses a statement that can never match: its
// resources are ARNs of services none of its actions act on.
func (v *validator) resourcesFitActions(p path, s policy.Statement) {
	cat := catalog.Get()
	arnServices := map[string]bool{}
	for _, a := range s.Actions {
		svc, _, _ := strings.Cut(a, ":")
		if a == "*" || strings.ContainsAny(svc, "*?") {
			return
		}
		for _, format := range cat.Services[svc].Resources {
			if parts := strings.SplitN(format, ":", 4); len(parts) == 4 {
				arnServices[parts[2]] = true
			}
		}
	}
	if len(arnServices) == 0 {
		return
	}
	for i, r := range s.Resources {
		parts := strings.SplitN(r, ":", 6)
		if len(parts) < 6 || parts[0] != "arn" || strings.ContainsAny(parts[2], "*?$") {
			continue
		}
		if !arnServices[parts[2]] {
			v.at(p.key("resources").index(i), "%q is an ARN of service %q, on which none of the statement's actions (%s) act: the statement can never match it", r, parts[2], strings.Join(s.Actions, ", "))
			continue
		}
		// A service whose every ARN leaves the region (or the account)
		// empty, as IAM's and S3 buckets' do, matches no ARN that sets it.
		for _, part := range []struct {
			index int
			what  string
		}{{3, "region"}, {4, "account"}} {
			if value := parts[part.index]; value != "" && !strings.ContainsAny(value, "*?$") && !v.arnField(parts[2], part.index) {
				v.at(p.key("resources").index(i), "%q names %s %q, but ARNs of %s have none: the statement can never match it", r, part.what, value, parts[2])
			}
		}
		if acct := parts[4]; acct != "" && !strings.ContainsAny(acct, "*?$") && !accountIDPattern.MatchString(acct) && acct != "aws" {
			v.at(p.key("resources").index(i), "%q: account %q is not a 12-digit account ID", r, acct)
		}
	}
}

// arnField tells whether some ARN format of the service sets the field
// (3: region, 4: account).
func (v *validator) arnField(service string, index int) bool {
	cat := catalog.Get()
	for _, s := range cat.Services {
		for _, format := range s.Resources {
			parts := strings.SplitN(format, ":", 6)
			if len(parts) == 6 && parts[2] == service && parts[index] != "" {
				return true
			}
		}
	}
	return false
}

// managedPolicies checks AWS managed policy names against the catalog.
func (v *validator) managedPolicies(p path, names []string) {
	cat := catalog.Get()
	for i, mp := range names {
		if !cat.ManagedPolicy(mp) {
			v.at(p.index(i), "%q is not an AWS managed policy%s (names as in the ARN after policy/, such as ReadOnlyAccess or job-function/Billing)", mp, suggest(mp, cat.ManagedPolicyNames))
		}
	}
}

// externalIDPattern is sts:ExternalId's character set; its 2..1224 length
// is checked apart because RE2 caps repeat counts at 1000.
var externalIDPattern = regexp.MustCompile(`^[\w+=,.@:/-]+$`)

// adminTrustProblem is the problem of AdminR trusting anything but people
// with MFA, and its fix: the format takes what it trusts and the waiver.
const adminTrustProblem = "AdminR is full power for emergencies, for people with MFA: give %s a role of its own, or waive %s on AdminR with a reason"

// trusts checks the principals a role admits beyond iamstack's users.
// Roles it names are checked once every role is resolved (trustedRoles).
func (v *validator) trusts(p path, role string, r Role) {
	if _, waived := r.Waivers[rules.AdminTrust]; role == AdminR && len(r.Trust) > 0 && !waived {
		v.at(p, adminTrustProblem, "what this trust admits", rules.AdminTrust)
	}
	seen := map[Trust]bool{}
	for i, t := range r.Trust {
		tp := p.index(i)
		key := t
		key.ExternalID = "" // one trust per account, whatever its external ID
		if seen[key] {
			v.at(tp, "the same principal is trusted twice; merge the entries")
			continue
		}
		seen[key] = true
		set := 0
		for _, f := range []string{t.Account, t.Role, t.GitHub, t.Service} {
			if f != "" {
				set++
			}
		}
		if set != 1 {
			v.at(tp, "a trust names exactly one of account, role, github and service")
			continue
		}
		switch {
		case t.Account != "":
			if !accountIDPattern.MatchString(t.Account) {
				v.at(tp.key("account"), "account %q must be a 12-digit account ID; quote it", t.Account)
			}
			if id := t.ExternalID; id != "" && (len(id) < 2 || len(id) > 1224 || !externalIDPattern.MatchString(id)) {
				v.at(tp.key("externalId"), "externalId must be 2 to 1224 of letters, digits and +=,.@:/-")
			}
		case t.GitHub != "":
			if !strings.HasPrefix(t.GitHub, "repo:") || strings.Count(t.GitHub, ":") < 2 {
				v.at(tp.key("github"), "%q is not a GitHub OIDC subject such as repo:org/repo:ref:refs/heads/main or repo:org/repo:environment:prod", t.GitHub)
			} else if strings.ContainsAny(t.GitHub, "*?") {
				if _, waived := r.Waivers[rules.OIDCWildcard]; !waived {
					v.at(tp.key("github"), "subject %q holds a wildcard: every repository, branch or environment it matches could assume %s. Name the subject exactly, or waive %s on the role with a reason", t.GitHub, role, rules.OIDCWildcard)
				}
			}
		case t.Service != "":
			if !strings.HasSuffix(t.Service, ".amazonaws.com") {
				v.at(tp.key("service"), "%q is not an AWS service principal such as lambda.amazonaws.com", t.Service)
			}
		}
		if t.ExternalID != "" && t.Account == "" {
			v.at(tp.key("externalId"), "externalId goes with account")
		}
	}
}

// statementsIn checks a role's per-account statements: each key names
// accounts where the role exists, and each statement is valid.
func (v *validator) statementsIn(p path, role string, r Role) {
	for _, target := range slices.Sorted(maps.Keys(r.StatementsIn)) {
		tp := p.key(target)
		names, found := v.accountsNamedBy(target)
		if !found {
			v.unknownTarget(tp, target)
		} else if !v.enabledInAny(role, names) {
			v.at(tp, "role %s exists in no account %q names: these statements would be dropped", role, target)
		}
		if len(r.StatementsIn[target]) == 0 {
			v.at(tp, "no statements for %q; remove the key or list statements", target)
		}
		v.statements(tp, r.StatementsIn[target], false)
	}
}

// trustedRoles checks, once every role is resolved, that the roles trusts
// name exist where they say: "account/Role".
func (v *validator) trustedRoles() {
	for _, name := range slices.Sorted(maps.Keys(v.res.roles)) {
		for i, t := range v.res.roles[name].Trust {
			if t.Role == "" {
				continue
			}
			p := path{"roles", name, "trust"}.index(i).key("role")
			account, role, ok := strings.Cut(t.Role, "/")
			if _, known := v.res.accounts[account]; !ok || !known {
				v.at(p, "%q must be account/Role with an account of the model%s", t.Role, suggest(account, v.accountNames()))
				continue
			}
			if enabled, known := v.res.enabled[role]; !known || !enabled[account] {
				v.at(p, "no role %s exists in account %q to trust", role, account)
			}
		}
	}
}
