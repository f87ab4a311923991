package model

import (
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/iamstack/iamstack/internal/names"
)

var (
	orgIDPattern  = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
	rootIDPattern = regexp.MustCompile(`^r-[a-z0-9]{4,32}$`)
	ouIDPattern   = regexp.MustCompile(`^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$`)
)

// RegionConcurrencies are the values stackSets.regionConcurrency takes.
var RegionConcurrencies = []string{"SEQUENTIAL", "PARALLEL"}

// Defaults of a StackSet's operation preferences.
const (
	DefaultMaxConcurrentPercentage = 25
	DefaultRegionConcurrency       = "SEQUENTIAL"
)

// organization checks the organization and its OUs, after the accounts:
// an OU is a place roles exist in, named like an account, so its name
// must not be an account's or a type's.
func (v *validator) organization() {
	m := v.m
	v.res.ous = map[string]OrganizationalUnit{}
	if m.spec.Organization == nil {
		if len(m.spec.OrganizationalUnits) > 0 {
			v.at(path{"organizationalUnits"}, "organizational units need the organization: add organization with its id, rootId, managementAccount and deployAccount")
		}
		for i, a := range m.spec.Accounts {
			if a.OU != "" {
				v.at(path{"accounts"}.index(i).key("ou"), "account %q names OU %q, but the model has no organization and no organizationalUnits", a.Name, a.OU)
			}
		}
		return
	}
	o := m.spec.Organization
	p := path{"organization"}
	if !orgIDPattern.MatchString(o.ID) {
		v.at(p.key("id"), "organization ID %q must look like o-a1b2c3d4e5 (aws organizations describe-organization)", o.ID)
	}
	if !rootIDPattern.MatchString(o.RootID) {
		v.at(p.key("rootId"), "root ID %q must look like r-ab12 (aws organizations list-roots)", o.RootID)
	}
	if !accountIDPattern.MatchString(o.ManagementAccount) {
		v.at(p.key("managementAccount"), "managementAccount %q must be the management account's 12-digit ID", o.ManagementAccount)
	}
	// The deploy account and the StackSets' preferences serve the OUs'
	// StackSets: without OUs they would be dropped, so they are refused.
	if len(m.spec.OrganizationalUnits) == 0 {
		for _, key := range []string{"deployAccount", "stackSets"} {
			if v.present(p.key(key)) {
				v.at(p.key(key), "%s serves the StackSets of organizationalUnits, and the model lists none; list the OUs or remove %s", key, key)
			}
		}
	} else {
		if _, ok := v.res.accounts[o.DeployAccount]; !ok {
			v.at(p.key("deployAccount"), "deployAccount %q must name the listed account that owns the StackSets (the management account or a delegated administrator)%s; accounts: %s",
				o.DeployAccount, suggest(o.DeployAccount, v.accountNames()), quoted(v.accountNames()))
		}
	}
	s := &o.StackSets
	if s.MaxConcurrentPercentage == 0 {
		s.MaxConcurrentPercentage = DefaultMaxConcurrentPercentage
	}
	if s.MaxConcurrentPercentage < 1 || s.MaxConcurrentPercentage > 100 {
		v.at(p.key("stackSets").key("maxConcurrentPercentage"), "maxConcurrentPercentage must be between 1 and 100")
	}
	if s.FailureTolerancePercentage < 0 || s.FailureTolerancePercentage > 100 {
		v.at(p.key("stackSets").key("failureTolerancePercentage"), "failureTolerancePercentage must be between 0 and 100")
	}
	if s.RegionConcurrency == "" {
		s.RegionConcurrency = DefaultRegionConcurrency
	}
	if !slices.Contains(RegionConcurrencies, s.RegionConcurrency) {
		v.at(p.key("stackSets").key("regionConcurrency"), "regionConcurrency %q is not one of %s", s.RegionConcurrency, quoted(RegionConcurrencies))
	}
	types := v.typeNames()
	byID := map[string]string{}
	for i, ou := range m.spec.OrganizationalUnits {
		op := path{"organizationalUnits"}.index(i)
		_, isAccount := v.res.accounts[ou.Name]
		switch {
		case !slugPattern.MatchString(ou.Name) || len(ou.Name) > 50:
			v.at(op.key("name"), "OU name %q must be lower-case letters, digits and hyphens, at most 50 characters", ou.Name)
		case ou.Name == allTargets || isAccount || slices.Contains(types, ou.Name):
			v.at(op.key("name"), "OU name %q is already %s, so a grant to it would be ambiguous; name the OU differently in the model", ou.Name, v.targetKind(ou.Name))
		case v.res.ous[ou.Name].Name != "":
			v.at(op.key("name"), "OU name %q is used twice", ou.Name)
		}
		if !ouIDPattern.MatchString(ou.ID) {
			v.at(op.key("id"), "OU ID %q must look like ou-ab12-11111111 (aws organizations list-organizational-units-for-parent)", ou.ID)
		} else if other, dup := byID[ou.ID]; dup {
			v.at(op.key("id"), "OU %s is already %q", ou.ID, other)
		}
		byID[ou.ID] = ou.Name
		if !validType(ou.Type) || ou.Type == UserOnly {
			v.at(op.key("type"), "OU type %q must be an account type (lower-case letters, digits and hyphens) other than %s: dev, prod, sandbox, ...", ou.Type, UserOnly)
		}
		v.res.ous[ou.Name] = ou
	}
	for i, a := range m.spec.Accounts {
		if a.OU == "" {
			continue
		}
		ap := path{"accounts"}.index(i).key("ou")
		switch _, ok := v.res.ous[a.OU]; {
		case !ok:
			names := slices.Sorted(maps.Keys(v.res.ous))
			v.at(ap, "no OU is called %q%s; organizationalUnits: %s", a.OU, suggest(a.OU, names), quoted(names))
		case a.Type == UserOnly:
			v.at(ap, "the user-only account %q cannot sit in a model OU: grants to the OU would reach the account that holds every person", a.Name)
		case a.ID == o.ManagementAccount:
			v.at(ap, "account %q is the management account, where StackSets never deploy; leave ou out", a.Name)
		}
	}
}

// targetKind says what a grant target already names, for messages.
func (v *validator) targetKind(name string) string {
	if name == allTargets {
		return "the word for every account"
	}
	if _, ok := v.res.accounts[name]; ok {
		return "an account's name"
	}
	return "an account type"
}

// validType tells whether an account's or OU's type may be one: a slug that
// is not "all" and would not read as another kind of grant token (an
// account ID or an OU ID) in a grant tag.
func validType(t string) bool {
	return slugPattern.MatchString(t) && t != allTargets && !names.IsAccountToken(t) && !strings.HasPrefix(t, "ou-")
}
