package model

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/iamstack/iamstack/internal/metadata"
	"github.com/iamstack/iamstack/internal/names"
	"github.com/iamstack/iamstack/internal/policy"
	"github.com/iamstack/iamstack/internal/rules"
)

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
	v.caseInsensitive(path{"users"}, "user", slices.Sorted(maps.Keys(v.m.spec.Users)), "people are IAM users of the user-only account")
	if n := len(v.m.IAMUserNames()) + len(v.m.CICDUsersIn(v.res.userOnly.Name)); n > maxUsersPerAccount {
		v.at(path{"users"}, "%d users (people and CI/CD users) in the user-only account %q; IAM allows %d users per account", n, v.res.userOnly.Name, maxUsersPerAccount)
	}
	// A team's grants are resolved once, not once per member: with
	// thousands of users in a few teams, resolving targets dominates.
	teamTokens := map[string]map[string]map[string]bool{}
	team := func(name string) map[string]map[string]bool {
		tokens, ok := teamTokens[name]
		if !ok {
			t := v.m.spec.Teams[name]
			var r teamGrants
			r.grants, r.skips = v.silently(func() ([]Grant, []Skip) { return v.grants(path{"teams", name, "grants"}, t.Grants) })
			v.res.teams[name] = r
			tokens = map[string]map[string]bool{}
			v.grantTokens(t.Grants, tokens)
			teamTokens[name] = tokens
		}
		return tokens
	}
	for _, name := range slices.Sorted(maps.Keys(v.m.spec.Users)) {
		u := v.m.spec.Users[name]
		p := path{"users", name}
		v.userName(p, "user", name)
		if u.KeepPassword && !u.Console {
			v.at(p.key("keepPassword"), "keepPassword keeps a console user's password; %s is not a console user (console: true)", name)
		}
		if len(u.Statements) > 0 || v.present(p.key("statements")) {
			v.ownPolicy(p.key("statements"), u.Statements, u.Waivers, rules.DirectPolicy, "a policy attached to the user, not through a group")
		}
		var ug userGrants
		ug.own, ug.skips = v.grants(p.key("grants"), u.Grants)
		tokens := map[string]map[string]bool{}
		v.grantTokens(u.Grants, tokens)
		for i, name := range u.Teams {
			if _, ok := v.m.spec.Teams[name]; !ok {
				v.at(p.key("teams").index(i), "no team is called %q%s; teams: %s", name, suggest(name, slices.Sorted(maps.Keys(v.m.spec.Teams))), quoted(slices.Sorted(maps.Keys(v.m.spec.Teams))))
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
	// Names regardless of case: people's, and CI/CD users' by account.
	people := map[string]string{}
	for human := range v.m.spec.Users {
		people[strings.ToLower(human)] = human
	}
	machines := map[[2]string]string{}
	for _, name := range slices.Sorted(maps.Keys(v.m.spec.CICDUsers)) {
		c := v.m.spec.CICDUsers[name]
		p := path{"cicdUsers", name}
		v.userName(p, "CI/CD user", name)
		acct, ok := v.res.accounts[c.Account]
		if !ok {
			v.at(p.key("account"), "no account is called %q%s; a CI/CD user lives in one account: %s", c.Account, suggest(c.Account, v.accountNames()), quoted(v.accountNames()))
			continue
		}
		if human, ok := people[strings.ToLower(name)]; ok && acct.Type == UserOnly {
			v.at(p, "%q is also the human user %q of account %q; IAM user names are unique per account, regardless of case", name, human, acct.Name)
		}
		k := [2]string{c.Account, strings.ToLower(name)}
		if other, ok := machines[k]; ok {
			v.at(p, "CI/CD users %q and %q of account %q differ only in case; IAM user names are unique regardless of case", other, name, c.Account)
		}
		machines[k] = name
		if len(c.Roles) == 0 && len(c.Statements) == 0 && len(c.Assume) == 0 && len(c.ManagedPolicies) == 0 && !v.present(p.key("statements")) {
			v.at(p, "CI/CD user %q can do nothing; give it roles of account %q, roles of other accounts (assume), statements or managedPolicies, or write statements: [] to keep a user without permissions", name, c.Account)
		}
		v.managedPolicies(p.key("managedPolicies"), c.ManagedPolicies)
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
		if _, waived := v.m.spec.Roles[AdminR].Waivers[rules.AdminTrust]; !waived {
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
				// A type or all that takes in its own account is what roles
				// says there; naming the account is a mistake.
				named := slices.Contains(c.Assume[g.Role], c.Account)
				if named || !slices.Contains(c.Roles, g.Role) {
					v.at(p.key("assume").key(g.Role), "role %s of account %q is the CI/CD user's own account's: list it under roles", g.Role, c.Account)
				}
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

func (v *validator) standingResources() {
	seen := map[string]bool{}
	for i, r := range v.m.spec.StandingResources {
		p := path{"standingResources"}.index(i)
		if _, ok := v.res.accounts[r.Account]; !ok {
			v.at(p.key("account"), "no account is called %q%s; accounts: %s", r.Account, suggest(r.Account, v.accountNames()), quoted(v.accountNames()))
		}
		if !slices.Contains(metadata.Kinds, r.Kind) {
			v.at(p.key("kind"), "kind %q is not one of %s%s", r.Kind, quoted(metadata.Kinds), suggest(r.Kind, metadata.Kinds))
			continue
		}
		id := r.Account + "/" + r.Kind + "/" + strings.ToLower(r.Name)
		if seen[id] {
			v.at(p.key("name"), "%s %q of account %q is described twice", r.Kind, r.Name, r.Account)
		}
		seen[id] = true
		if r.Kind == metadata.OIDCProvider {
			if why := issuerProblem(r.Name); why != "" {
				v.at(p.key("name"), "an OIDC provider is named by its issuer (%s): %s", names.GitHubOIDCHost, why)
			}
		} else if !iamNamePattern.MatchString(r.Name) {
			v.at(p.key("name"), "name %q must be the resource's name: letters, digits and +=,.@_-", r.Name)
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
		only("path", r.Path != "", principal, "roles and users")
		if r.Path != "" && principal {
			v.iamPath(p.key("path"), r.Path)
		}
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
