package model

import (
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
)

func (v *validator) accounts() {
	m := v.m
	if len(m.spec.Accounts) == 0 {
		v.at(path{"accounts"}, "no accounts; list at least the user-only account and one account for roles")
		return
	}
	byID := map[string]string{}
	types := map[string][]string{}
	var userOnly []string
	for i, a := range m.spec.Accounts {
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
	for i, a := range m.spec.Accounts {
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
	for _, a := range v.m.spec.Accounts {
		if t == allTargets || a.Name == t || a.Type == t || (a.OU != "" && a.OU == t) || (isTag && a.Tags[key] == value) {
			names, found = append(names, a.Name), true
		}
	}
	for _, ou := range v.m.spec.OrganizationalUnits {
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
	for _, a := range v.m.spec.Accounts {
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
	for _, a := range v.m.spec.Accounts {
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
	for _, a := range v.m.spec.Accounts {
		add(a.Type)
	}
	for _, ou := range v.m.spec.OrganizationalUnits {
		add(ou.Type)
	}
	sort.Strings(out)
	return out
}

func (v *validator) targetNames() []string {
	return append(append(append(append(v.accountNames(), v.typeNames()...), slices.Sorted(maps.Keys(v.res.ous))...), v.tagTargets()...), allTargets)
}

func (v *validator) isOU(name string) bool {
	_, ok := v.res.ous[name]
	return ok
}

func (v *validator) environments() {
	if len(v.m.spec.Environments) == 0 {
		v.res.envs[DefaultEnvironment] = v.accountNames()
		return
	}
	for _, name := range slices.Sorted(maps.Keys(v.m.spec.Environments)) {
		p := path{"environments", name}
		if !slugPattern.MatchString(name) {
			v.at(p, "environment name %q must be lower-case letters, digits and hyphens (it names the branch env/%s)", name, name)
		}
		if len(v.m.spec.Environments[name].Accounts) == 0 {
			v.at(p.key("accounts"), "environment %q covers no account; list account names or types, or %q", name, allTargets)
		}
		// An environment promotes stacks, which live in listed accounts: OUs
		// come with the deploy account's StackSets.
		v.res.envs[name] = slices.DeleteFunc(v.resolve(p.key("accounts"), v.m.spec.Environments[name].Accounts), v.isOU)
	}
}
