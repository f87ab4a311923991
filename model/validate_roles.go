package model

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/iamstack/iamstack/internal/catalog"
	"github.com/iamstack/iamstack/internal/names"
	"github.com/iamstack/iamstack/internal/policy"
	"github.com/iamstack/iamstack/internal/rules"
)

func (v *validator) roles() {
	m := v.m
	all := map[string]Role{AdminR: {}, OpsR: {}, ReadR: {}}
	for name, r := range m.spec.Roles {
		all[name] = r
	}
	for _, name := range slices.Sorted(maps.Keys(all)) {
		r := all[name]
		p := path{"roles", name}
		if !iamNamePattern.MatchString(name) || strings.Contains(name, ",") {
			v.at(p, "role name %q must use letters, digits and +=.@_- (it is part of its grant tag's key, where IAM allows no comma)", name)
		} else if r.Name == "" && len(v.res.prefix)+1+len(name) > maxRoleNameLen {
			v.at(p, "role name %q must fit %d characters with the prefix %q; shorten it, or give the role its IAM name (name)", name, maxRoleNameLen, v.res.prefix+"-")
		}
		if i := strings.IndexFunc(r.Description, func(c rune) bool { return !descriptionRune(c) }); i >= 0 {
			v.at(p.key("description"), "description holds %q, which IAM refuses in a role's description: it takes tab, newline and Latin-1 characters (ASCII and ¡ to ÿ)", []rune(r.Description[i:])[0])
		}
		if isBuiltin(name) {
			if len(r.Statements) > 0 || len(r.ManagedPolicies) > 0 || len(r.StatementsIn) > 0 || len(r.Policies) > 0 || len(r.InlinePolicies) > 0 {
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
			if len(r.Statements) == 0 && len(r.ManagedPolicies) == 0 && len(r.StatementsIn) == 0 && len(r.Policies) == 0 && len(r.InlinePolicies) == 0 {
				v.at(p, "custom role %q grants nothing; give it statements, policies or managedPolicies", name)
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
			v.perAccountKey(p.key("maxSessionIn").key(target), target)
		}
		if d := r.MFAMaxAge.Duration; d != 0 && (d < minMFAMaxAge || d > v.res.mfaMaxAge || d%time.Second != 0) {
			v.at(p.key("mfaMaxAge"), "mfaMaxAge %s must be whole seconds between %s and the model's mfaMaxAge %s: people are admitted by both their group and the role's trust, and the group bounds the age by the model's", d, minMFAMaxAge, v.res.mfaMaxAge)
		}
		roleMFA := r.MFAMaxAge.Duration
		if roleMFA == 0 {
			roleMFA = v.res.mfaMaxAge
		}
		for _, target := range slices.Sorted(maps.Keys(r.MFAMaxAgeIn)) {
			d := r.MFAMaxAgeIn[target].Duration
			if d < minMFAMaxAge || d > roleMFA || d%time.Second != 0 {
				v.at(p.key("mfaMaxAgeIn").key(target), "mfaMaxAge %s must be whole seconds between %s and the role's mfaMaxAge %s (a person's group bounds the age by the model's, and the role's holds in every account)", d, minMFAMaxAge, roleMFA)
			}
			v.perAccountKey(p.key("mfaMaxAgeIn").key(target), target)
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
		for _, pn := range slices.Sorted(maps.Keys(r.Policies)) {
			if len(r.Policies[pn]) == 0 {
				v.at(p.key("policies").key(pn), "policy %s has no statements; list them or remove it", pn)
			}
			v.statements(p.key("policies").key(pn), r.Policies[pn], false)
		}
		v.inlinePolicies(p.key("inlinePolicies"), r)
		v.res.roles[name] = r
		v.res.enabled[name] = v.enabledIn(p, r)
		for _, in := range []struct {
			key     string
			targets []string
			what    string
		}{{"maxSessionIn", slices.Sorted(maps.Keys(r.MaxSessionIn)), "maximum session"}, {"mfaMaxAgeIn", slices.Sorted(maps.Keys(r.MFAMaxAgeIn)), "MFA age"}} {
			for _, target := range in.targets {
				if names, found := v.accountsNamedBy(target); found && target != allTargets && !v.enabledInAny(name, names) {
					v.at(p.key(in.key).key(target), "role %s exists in no account %q names: this %s would apply nowhere", name, target, in.what)
				}
			}
		}
		v.statementsIn(p.key("statementsIn"), name, r)
		if len(v.res.enabled[name]) == 0 && !isBuiltin(name) {
			v.at(p, "custom role %q is enabled in no account; fix enabledIn/disabledIn or remove the role", name)
		}
	}
	v.caseInsensitive(path{"roles"}, "role", slices.Sorted(maps.Keys(m.spec.Roles)), "role names become IAM role names")
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
		UserPaths: map[names.UserKey]string{}, PathsIn: map[string][]string{}, Machines: map[names.UserKey]bool{},
		MachinesIn: map[string][]string{}}
	s := names.Scheme{Prefix: v.res.prefix, Given: g} // sees g as it fills
	iamNames := map[string]string{}                   // lower-case IAM role name -> model name
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
	policyNames := map[string]string{} // lower-case IAM policy name -> where the model gives it
	// given checks a policy name the model gives at p and records it under
	// iamstack's short name for the policy.
	given := func(p path, name, short, defaultName string) {
		switch {
		case !iamNamePattern.MatchString(name) || len(name)+maxNumberedSuffix > maxPolicyNameLen:
			v.at(p, "policy name %q is not a valid IAM policy name: 1 to %d of letters, digits and +=,.@_- (room kept for a number, %s-2)", name, maxPolicyNameLen-maxNumberedSuffix, name)
		case strings.HasPrefix(strings.ToLower(name), strings.ToLower(v.res.prefix)+"-"):
			v.at(p, "policy name %q starts with the prefix %q, where iamstack names its own policies; %s, or choose a name outside the prefix", name, v.res.prefix+"-", defaultName)
		}
		if other, dup := policyNames[strings.ToLower(name)]; dup {
			v.at(p, "%s gives the IAM policy name %q too; IAM policy names are unique in an account regardless of case", other, name)
		}
		policyNames[strings.ToLower(name)] = p.String()
		g.Policies[short] = name
	}
	for _, name := range slices.Sorted(maps.Keys(v.res.roles)) {
		r := v.res.roles[name]
		p := path{"roles", name, "policyName"}
		if r.PolicyName != "" || v.present(p) {
			if name != OpsR && len(r.Statements) == 0 && len(r.StatementsIn) == 0 {
				v.at(p, "role %s has no statements of its own, so no policy of its own to name; remove policyName (AWS managed policies keep their names)", name)
			}
			given(p, r.PolicyName, names.RolePolicyShort(name), "leave policyName out to get "+s.Policy(names.RolePolicyShort(name)))
		}
		for _, pn := range slices.Sorted(maps.Keys(r.Policies)) {
			given(path{"roles", name, "policies", pn}, pn, names.RoleNamedPolicyShort(name, pn), "put its statements under statements to get "+s.Policy(names.RolePolicyShort(name)))
		}
	}
	for _, gr := range v.m.spec.Guardrails.all() {
		if n := gr.OwnPolicy(); n != "" || (gr.at != nil && v.present(gr.at.key("policyName"))) {
			given(gr.at.key("policyName"), n, names.GuardrailPolicyShort(n), "leave policyName out to put it in "+s.Policy(names.GuardrailsPolicy))
		}
	}
	builtin := []string{names.AssumeRoleGroup, names.ManageOwnUserGroup, names.PowerGroup}
	groupNames := map[string]string{}
	for _, short := range slices.Sorted(maps.Keys(m.spec.GroupNames)) {
		p := path{"groupNames", short}
		name := m.spec.GroupNames[short]
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
		// A CI/CD user of the user-only account has a group of its own
		// there: one name for two groups fails the deploy.
		for _, ci := range slices.Sorted(maps.Keys(m.spec.CICDUsers)) {
			if m.spec.CICDUsers[ci].Account != v.res.userOnly.Name {
				continue
			}
			own := s.Group(names.CICDGroupShort(ci))
			numbered := short == names.AssumeRoleGroup && len(own) > len(name)+1 && strings.EqualFold(own[:len(name)+1], name+"-") && isDigits(own[len(name)+1:])
			if strings.EqualFold(own, name) || numbered {
				v.at(p, "group name %q is CI/CD user %s's group %q in account %q: give %s another name", name, ci, own, v.res.userOnly.Name, short)
			}
		}
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
	for _, name := range slices.Sorted(maps.Keys(m.spec.Users)) {
		people[user(path{"users", name}, v.res.userOnly, name, m.spec.Users[name].Path)] = true
	}
	for _, name := range slices.Sorted(maps.Keys(m.spec.CICDUsers)) {
		if a, ok := v.res.accounts[m.spec.CICDUsers[name].Account]; ok {
			g.Machines[names.UserKey{Account: a.ID, User: name}] = true
			g.MachinesIn[a.ID] = append(g.MachinesIn[a.ID], name) // in name order
			user(path{"cicdUsers", name}, a, name, m.spec.CICDUsers[name].Path)
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
		case strings.HasPrefix(lower, strings.ToLower(v.res.prefix)+"-"):
			v.at(p.index(i), "%q starts with the prefix %q, where iamstack keeps its grant tags: a session tag of that key would stand in for one; choose another key", k, v.res.prefix+"-")
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

// inlinePolicies checks a custom role's inline policies: named as IAM
// names policies, each once regardless of case, and kept inline only where
// the role waives the rule that refuses inline policies.
func (v *validator) inlinePolicies(p path, r Role) {
	if len(r.InlinePolicies) == 0 {
		return
	}
	if _, waived := r.Waivers[rules.InlinePolicy]; !waived {
		v.at(p, "an inline policy is the role's alone, outside what OpsR's guard and the account's policies name, and %s refuses it: waive %s on the role with the reason it stays inline (an adopted role keeps its policy as it is), or move the statements to policies", rules.InlinePolicy, rules.InlinePolicy)
	}
	seen := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(r.InlinePolicies)) {
		ip := p.key(name)
		if !iamNamePattern.MatchString(name) || len(name) > maxPolicyNameLen {
			v.at(ip, "inline policy name %q is not a valid IAM policy name: 1 to %d of letters, digits and +=,.@_-", name, maxPolicyNameLen)
		}
		if other, dup := seen[strings.ToLower(name)]; dup {
			v.at(ip, "inline policies %q and %q differ only in case; IAM names a role's inline policies regardless of case", other, name)
		}
		seen[strings.ToLower(name)] = name
		if len(r.InlinePolicies[name]) == 0 {
			v.at(ip, "inline policy %s has no statements; list them or remove it", name)
		}
		v.statements(ip, r.InlinePolicies[name], false)
	}
}

// ownPolicy checks the statements of a policy attached to a user directly,
// which the rule named refuses unless the user waives it.
func (v *validator) ownPolicy(p path, stmts []policy.Statement, w Waivers, rule, what string) {
	if _, waived := w[rule]; !waived {
		v.at(p, "these statements are %s, which %s refuses: waive %s on the user with the reason (a self-service variant for one person), or grant a role that holds them", what, rule, rule)
	}
	if len(stmts) == 0 {
		v.at(p, "no statements; list them or remove the key")
	}
	v.statements(p, stmts, false)
}

// perAccountKey checks a key of maxSessionIn or mfaMaxAgeIn: an account,
// OU or account type (the role's own setting is the one for all, and an
// account tag would leave the choice between two tags' values open).
func (v *validator) perAccountKey(p path, target string) {
	if _, _, isTag := tagTarget(target); isTag {
		v.at(p, "%q is an account tag; name an account, OU or account type here (the role's own setting applies to all)", target)
		return
	}
	if _, found := v.accountsNamedBy(target); !found || target == allTargets {
		v.unknownTarget(p, target)
	}
}

// adminTrustProblem is the problem of AdminR trusting anything but people
// with MFA, and its fix: the format takes what it trusts and the waiver.
const adminTrustProblem = "AdminR is full power for emergencies, for people with MFA: give %s a role of its own, or waive %s on AdminR with a reason"

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

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// descriptionRune tells whether IAM takes a character in a role's
// description: [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF].
func descriptionRune(c rune) bool {
	return c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c <= 0x7E) || (c >= 0xA1 && c <= 0xFF)
}
