package model

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/iamstack/iamstack/internal/names"
	"github.com/iamstack/iamstack/internal/rules"
)

var (
	accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)
	slugPattern      = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)
	prefixPattern    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]*$`)
	iamNamePattern   = regexp.MustCompile(`^[\w+=,.@-]+$`)
	aliasPattern     = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{1,61}[a-z0-9])$`)
	actionPattern    = regexp.MustCompile(`^(\*|[A-Za-z0-9-]+:[A-Za-z0-9*?]+)$`) // any case, as IAM matches
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
	assume map[string][]Grant  // CI/CD users' grants in other accounts
	cicdIn map[string][]string // CI/CD users by account name, sorted
	envs   map[string][]string
	lines  map[string]int
	given  names.Given           // the names and paths the model sets itself
	trusts map[string]roleTrusts // by role, what RoleTrusts resolves per account
	// The model's settings with their defaults.
	prefix     string
	mfaMaxAge  time.Duration
	userStacks int
	// identityCenter is the instance with its defaults; nil without one.
	identityCenter *IdentityCenter
	signIn         map[string]string // by user: one of SignIns
	lock           *Lock             // an external directory's IDs
}

type validator struct {
	*walker
	m *Model
	// files reads the files beside the model (its lock file); nil when
	// there are none to read.
	files Files
	// unlocked skips the lock file: the command that writes it runs
	// without one.
	unlocked bool
	// res is the model's resolution as validation fills it: queries made
	// meanwhile see what is resolved so far.
	res *resolution
}

func (v *validator) run() {
	v.m.resolved = resolution{accounts: map[string]Account{}, roles: map[string]Role{},
		enabled: map[string]map[string]bool{}, users: map[string]userGrants{}, teams: map[string]teamGrants{},
		tokens: map[string]map[string][]string{}, assume: map[string][]Grant{}, envs: map[string][]string{}, lines: v.lines,
		cicdIn: map[string][]string{}}
	v.res = &v.m.resolved
	v.header()
	// The CI/CD users by account, which queries made during validation
	// read (the user-only account's count of users among them).
	for _, name := range slices.Sorted(maps.Keys(v.m.spec.CICDUsers)) {
		a := v.m.spec.CICDUsers[name].Account
		v.res.cicdIn[a] = append(v.res.cicdIn[a], name)
	}
	v.accounts()
	v.organization()
	v.roles()
	v.trusts()
	v.guardrails()
	v.baseline()
	for _, name := range slices.Sorted(maps.Keys(v.m.spec.Teams)) {
		p := path{"teams", name}
		if !slugPattern.MatchString(name) {
			v.at(p, "team name %q must be lower-case letters, digits and hyphens", name)
		}
		v.grants(p.key("grants"), v.m.spec.Teams[name].Grants)
	}
	v.identityCenter()
	v.signIns()
	v.users()
	v.lock(v.files) // after users: it reads the teams they resolve
	v.cicdUsers()
	v.environments()
	v.standingResources()
	v.givenNames()
	for _, name := range slices.Sorted(maps.Keys(v.m.spec.Roles)) {
		v.waivers(path{"roles", name, "waivers"}, v.m.spec.Roles[name].Waivers)
	}
	for _, name := range slices.Sorted(maps.Keys(v.m.spec.Users)) {
		v.waivers(path{"users", name, "waivers"}, v.m.spec.Users[name].Waivers)
	}
	for _, name := range slices.Sorted(maps.Keys(v.m.spec.CICDUsers)) {
		v.waivers(path{"cicdUsers", name, "waivers"}, v.m.spec.CICDUsers[name].Waivers)
	}
	for i, r := range v.m.spec.AcknowledgedRemovals {
		p := path{"acknowledgedRemovals"}.index(i)
		if !slices.Contains(RemovalKinds, r.Kind) {
			v.at(p.key("kind"), "kind %q is not one of %s%s", r.Kind, quoted(RemovalKinds), suggest(r.Kind, RemovalKinds))
		}
		if r.Name == "" {
			v.at(p.key("name"), "name the IAM %s whose removal is acknowledged", r.Kind)
		} else if why := issuerProblem(r.Name); r.Kind == RemovalOIDCProvider && why != "" {
			v.at(p.key("name"), "an OIDC provider is named by its issuer, such as token.actions.githubusercontent.com; %q names none (%s), so this acknowledges nothing", r.Name, why)
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
	switch m.spec.APIVersion {
	case APIVersion:
	case "":
		v.at(path{}, "apiVersion is missing; start the file with `apiVersion: %s`", APIVersion)
	default:
		v.at(path{"apiVersion"}, "unsupported apiVersion %q; this iamstack reads %q", m.spec.APIVersion, APIVersion)
	}
	// The defaults go into the resolution: the spec stays as written.
	v.res.prefix = m.spec.Prefix
	if v.res.prefix == "" {
		if v.present(path{"prefix"}) {
			v.at(path{"prefix"}, "prefix is empty; it starts every stack, role, group and policy name. Omit the key for the default %q", DefaultPrefix)
		}
		v.res.prefix = DefaultPrefix
	}
	if !prefixPattern.MatchString(v.res.prefix) || len(v.res.prefix) > maxPrefixLen {
		v.at(path{"prefix"}, "prefix %q must start with a letter, hold only letters, digits and hyphens, and be at most %d characters (default %q)", v.res.prefix, maxPrefixLen, DefaultPrefix)
	}
	v.region(path{"region"}, m.spec.Region)
	v.res.mfaMaxAge = m.spec.MFAMaxAge.Duration
	if v.res.mfaMaxAge == 0 {
		v.res.mfaMaxAge = DefaultMFAMaxAge
	}
	if d := v.res.mfaMaxAge; d < minMFAMaxAge || d > maxMFAMaxAge || d%time.Second != 0 {
		v.at(path{"mfaMaxAge"}, "mfaMaxAge %s must be whole seconds between %s and %s (an MFA session lasts at most 36h; aws-vault keeps one for 8h)", d, minMFAMaxAge, maxMFAMaxAge)
	}
	v.res.userStacks = m.spec.UserStacks
	if v.res.userStacks == 0 && !v.present(path{"userStacks"}) {
		v.res.userStacks = 1
	}
	if v.res.userStacks < 1 || v.res.userStacks > maxUserStacks {
		v.at(path{"userStacks"}, "userStacks must be between 1 and %d", maxUserStacks)
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
