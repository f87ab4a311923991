// Package drift tells whether the accounts of an environment still hold
// what their release put there, from IAM's own API rather than
// CloudFormation's drift detection, which compares only the properties a
// template sets, skips users, and never sees what was created beside a
// stack (../shared/research/next-capabilities.md). It compares both ways:
// what the release creates and IAM lacks (missing), what IAM holds
// otherwise (modified: policy documents compared canonically, attachments,
// group members, tags, trust, boundary, path, maximum session), and what
// no release created (unmanaged); and it analyses the live accounts as the
// release's templates are analysed, so that the report says who can do
// what the model does not say.
package drift

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/iamstack/iamstack/internal/analyze/access"
	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/metadata"
	"github.com/iamstack/iamstack/internal/policy"
)

// The kinds of difference.
const (
	Missing   = "missing"   // the release creates it; IAM lacks it
	Modified  = "modified"  // IAM holds it otherwise than the release
	Unmanaged = "unmanaged" // IAM holds it; no release created it
)

// Finding is one difference between an account and its release.
type Finding struct {
	Account string `json:"account"` // the account's name
	Kind    string `json:"kind"`
	// Resource is "role infra-ReadR", "user mallory", "group infra-AssumeRoleG",
	// "policy infra-OpsR-Policy", "oidc-provider gitlab.com".
	Resource string `json:"resource"`
	What     string `json:"what"`
	// Admin says that, live, the principal has full power.
	Admin bool `json:"admin,omitempty"`

	res resource // what Resource names, for the analysis to find it
}

// resource is what a finding is about: its IAM kind (role, user, group,
// policy, oidc-provider) and name.
type resource struct{ kind, name string }

func (r resource) String() string { return r.kind + " " + r.name }

func (f Finding) String() string {
	s := fmt.Sprintf("%s %s: %s", f.Kind, f.Resource, f.What)
	if f.Admin {
		s += " [full power]"
	}
	return s
}

// Report is what drift found in the accounts it read.
type Report struct {
	Findings []Finding `json:"findings"`
	// Access is what the live accounts grant that the release does not,
	// and what they no longer grant: the access analysis of both, diffed.
	Access []access.Change `json:"access"`
	// Admins are the principals with full power live that have none in
	// the release ("ReadR in dev").
	Admins []string `json:"admins"`
}

// Drifted tells whether anything differs.
func (r Report) Drifted() bool { return len(r.Findings) > 0 || len(r.Access) > 0 || len(r.Admins) > 0 }

// Compare compares the live accounts with the release's inventory.
func Compare(release *assembly.Inventory, live []assembly.LiveAccount) Report {
	var rep Report
	read := map[string]bool{}
	for _, a := range live {
		read[a.ID] = true
		rep.Findings = append(rep.Findings, compareAccount(release, a)...)
	}
	liveInv := assembly.FromLive(release, live)
	before, after := access.Analyze(release), access.Analyze(liveInv)
	admins := map[string]bool{}
	for _, a := range after.Admins {
		admins[a] = true
	}
	// Who has full power live, by account name and resource; and the new
	// administrators, but those every account has by design.
	fullPower := map[[2]string]bool{}
	for _, p := range append(slices.Clone(liveInv.Users), liveInv.Roles...) {
		n := access.Name(liveInv, p)
		if !admins[n] {
			continue
		}
		fullPower[[2]string{liveInv.Account(p.Account).Name, resource{p.Kind, p.Name}.String()}] = true
		if !slices.Contains(before.Admins, n) && !assembly.AccountDefault(p.Kind, p.Name, p.Path) && !slices.Contains(rep.Admins, n) {
			rep.Admins = append(rep.Admins, n)
		}
	}
	slices.Sort(rep.Admins)
	for i, f := range rep.Findings {
		rep.Findings[i].Admin = f.Kind != Missing && fullPower[[2]string{f.Account, f.res.String()}]
	}
	for _, c := range access.Diff(before, after) {
		if changeIn(c, read) {
			rep.Access = append(rep.Access, c)
		}
	}
	slices.SortStableFunc(rep.Findings, func(a, b Finding) int {
		return cmp.Or(strings.Compare(a.Account, b.Account), strings.Compare(a.Kind, b.Kind), strings.Compare(a.Resource, b.Resource), strings.Compare(a.What, b.What))
	})
	return rep
}

// changeIn tells whether an access change concerns an account that was
// read: the account of the role or capability, or of the principal of a
// finding.
func changeIn(c access.Change, read map[string]bool) bool {
	if c.Entry != nil {
		return read[c.Entry.AccountID] || read[accountOf(c.Entry.UserARN)]
	}
	return c.Finding != nil && read[accountOf(c.Finding.PrincipalARN)]
}

func accountOf(arn string) string {
	if parts := strings.SplitN(arn, ":", 6); len(parts) == 6 {
		return parts[4]
	}
	return ""
}

// compareAccount compares one account both ways.
func compareAccount(release *assembly.Inventory, a assembly.LiveAccount) []Finding {
	name := release.Account(a.ID).Name
	var out []Finding
	add := func(kind string, res resource, format string, args ...any) {
		out = append(out, Finding{Account: name, Kind: kind, Resource: res.String(), What: fmt.Sprintf(format, args...), res: res})
	}
	standing := map[string]bool{}
	for _, s := range release.Standing {
		if s.Account == a.ID {
			standing[s.Kind+"/"+strings.ToLower(s.Name)] = true
		}
	}

	mod := func(res resource) func(string, ...any) {
		return func(f string, args ...any) { add(Modified, res, f, args...) }
	}
	missing := func(kind, name string) {
		add(Missing, resource{kind, name}, "the release creates it; IAM has no %s of that name", kind)
	}
	unlisted := func(kind, name string) bool { return !standing[kind+"/"+strings.ToLower(name)] }
	byName := func(name string) string { return strings.ToLower(name) } // IAM's names are unique regardless of case

	mine := func(account string) bool { return account == a.ID }
	roles := slices.DeleteFunc(slices.Clone(release.Roles), func(r assembly.Principal) bool { return !mine(r.Account) || r.PermissionSet != "" })
	match(roles, a.Roles, func(r assembly.Principal) string { return byName(r.Name) }, func(l assembly.LiveRole) string { return byName(l.Name) },
		func(r assembly.Principal, l assembly.LiveRole) {
			res := resource{"role", r.Name}
			if l.Path != r.Path {
				add(Modified, res, "path %s in IAM, %s in the release", l.Path, r.Path)
			}
			if r.Trust != nil {
				statementsDiffer(func(f string, args ...any) { add(Modified, res, "trust: "+f, args...) }, l.Trust, r.Trust.Document)
			}
			attachments(mod(res), l.Attached, r.Attached)
			inlines(mod(res), l.Inline, r.InlinePolicies)
			if l.Boundary != r.BoundaryARN {
				add(Modified, res, "permissions boundary %s in IAM, %s in the release", or(l.Boundary, "none"), or(r.BoundaryARN, "none"))
			}
			if l.MaxSessionSeconds != r.MaxSessionSeconds {
				add(Modified, res, "maximum session %ds in IAM, %ds in the release", l.MaxSessionSeconds, r.MaxSessionSeconds)
			}
		},
		func(r assembly.Principal) { missing("role", r.Name) },
		func(l assembly.LiveRole) {
			if unlisted(metadata.Role, l.Name) && !assembly.AccountDefault("role", l.Name, l.Path) {
				add(Unmanaged, resource{"role", l.Name}, "no release created it: %s", summary(l.Attached, l.Inline, l.Trust))
			}
		})

	users := slices.DeleteFunc(slices.Clone(release.Users), func(u assembly.Principal) bool { return !mine(u.Account) })
	members, liveMembers := map[string][]string{}, map[string][]string{} // by group
	for _, u := range users {
		for _, g := range u.Groups {
			members[g] = append(members[g], u.Name)
		}
	}
	for _, u := range a.Users {
		for _, g := range u.Groups {
			liveMembers[g] = append(liveMembers[g], u.Name)
		}
	}
	match(users, a.Users, func(u assembly.Principal) string { return byName(u.Name) }, func(l assembly.LiveUser) string { return byName(l.Name) },
		func(u assembly.Principal, l assembly.LiveUser) {
			res := resource{"user", u.Name}
			if l.Path != u.Path {
				add(Modified, res, "path %s in IAM, %s in the release", l.Path, u.Path)
			}
			attachments(mod(res), l.Attached, u.Attached)
			inlines(mod(res), l.Inline, u.InlinePolicies)
			for _, k := range sortedUnion(l.Tags, u.Tags) {
				lv, lok := l.Tags[k]
				rv, rok := u.Tags[k]
				switch {
				case !rok:
					add(Modified, res, "tag %s=%q in IAM, which the release does not set", k, lv)
				case !lok:
					add(Modified, res, "tag %s missing; the release sets %q", k, rv)
				case lv != rv:
					add(Modified, res, "tag %s=%q in IAM, %q in the release", k, lv, rv)
				}
			}
			if l.Boundary != u.BoundaryARN {
				add(Modified, res, "permissions boundary %s in IAM, %s in the release", or(l.Boundary, "none"), or(u.BoundaryARN, "none"))
			}
		},
		func(u assembly.Principal) { missing("user", u.Name) },
		func(l assembly.LiveUser) {
			if unlisted(metadata.User, l.Name) {
				add(Unmanaged, resource{"user", l.Name}, "no release created it: %s", userSummary(l))
			}
		})

	groups := slices.DeleteFunc(slices.Clone(release.Groups), func(g assembly.Group) bool { return !mine(g.Account) })
	match(groups, a.Groups, func(g assembly.Group) string { return byName(g.Name) }, func(l assembly.LiveGroup) string { return byName(l.Name) },
		func(g assembly.Group, l assembly.LiveGroup) {
			res := resource{"group", g.Name}
			attachments(mod(res), l.Attached, g.Attached)
			inlines(mod(res), l.Inline, g.InlinePolicies)
			for _, m := range setDiff(liveMembers[g.Name], members[g.Name]) {
				add(Modified, res, "user %s is a member in IAM, not in the release", m)
			}
			for _, m := range setDiff(members[g.Name], liveMembers[g.Name]) {
				add(Modified, res, "user %s is not a member in IAM; the release adds them", m)
			}
		},
		func(g assembly.Group) { missing("group", g.Name) },
		func(l assembly.LiveGroup) {
			add(Unmanaged, resource{"group", l.Name}, "no release created it: members %v; %s", liveMembers[l.Name], summary(l.Attached, l.Inline, policy.Document{}))
		})

	policies := slices.DeleteFunc(slices.Clone(release.ManagedPolicies), func(p assembly.ManagedPolicy) bool { return !mine(p.Account) })
	match(policies, a.Policies, func(p assembly.ManagedPolicy) string { return byName(p.Name) }, func(l assembly.LivePolicy) string { return byName(l.Name) },
		func(p assembly.ManagedPolicy, l assembly.LivePolicy) {
			res := resource{"policy", p.Name}
			if l.ARN != p.ARN {
				add(Modified, res, "ARN %s in IAM, %s in the release", l.ARN, p.ARN)
			}
			statementsDiffer(mod(res), l.Document, p.Document)
		},
		func(p assembly.ManagedPolicy) { missing("policy", p.Name) },
		func(l assembly.LivePolicy) {
			add(Unmanaged, resource{"policy", l.Name}, "no release created it (%d statements)", len(l.Document.Statements))
		})

	providers := slices.DeleteFunc(slices.Clone(release.OIDCProviders), func(p assembly.OIDCProvider) bool { return !mine(p.Account) })
	match(providers, a.OIDCProviders, func(p assembly.OIDCProvider) string { return p.Name }, func(l assembly.LiveOIDCProvider) string { return l.Issuer },
		func(assembly.OIDCProvider, assembly.LiveOIDCProvider) {},
		func(p assembly.OIDCProvider) { missing(metadata.OIDCProvider, p.Name) },
		func(l assembly.LiveOIDCProvider) {
			if unlisted(metadata.OIDCProvider, l.Issuer) {
				add(Unmanaged, resource{metadata.OIDCProvider, l.Issuer}, "no release created it: tokens of %s for %v may assume any role that trusts it", l.Issuer, l.ClientIDs)
			}
		})
	return out
}

// match pairs what the release creates with what IAM holds, by key:
// both for each pair, missing for what IAM lacks, unmanaged for what the
// release does not create, each in its list's order.
func match[R, L any](release []R, live []L, rkey func(R) string, lkey func(L) string, both func(R, L), missing func(R), unmanaged func(L)) {
	byKey := map[string]L{}
	for _, l := range live {
		byKey[lkey(l)] = l
	}
	created := map[string]bool{}
	for _, r := range release {
		k := rkey(r)
		created[k] = true
		if l, ok := byKey[k]; ok {
			both(r, l)
		} else {
			missing(r)
		}
	}
	for _, l := range live {
		if !created[lkey(l)] {
			unmanaged(l)
		}
	}
}

// attachments reports managed policies attached or detached out of band.
func attachments(add func(string, ...any), live, release []string) {
	for _, arn := range setDiff(live, release) {
		add("%s attached in IAM, not in the release", short(arn))
	}
	for _, arn := range setDiff(release, live) {
		add("%s detached in IAM; the release attaches it", short(arn))
	}
}

// inlines reports inline policies added, removed or changed out of band.
func inlines(add func(string, ...any), live, release map[string]policy.Document) {
	for _, name := range sortedUnion(live, release) {
		l, lok := live[name]
		r, rok := release[name]
		switch {
		case !rok:
			add("inline policy %s in IAM, not in the release (%d statements)", name, len(l.Statements))
		case !lok:
			add("inline policy %s missing; the release keeps it", name)
		default:
			statementsDiffer(func(f string, args ...any) { add("inline policy "+name+": "+f, args...) }, l, r)
		}
	}
}

// statementsDiffer reports, statement by statement, how a live document
// differs from the release's, compared canonically: the order of values
// within a statement does not matter, as it does not to IAM.
func statementsDiffer(add func(string, ...any), live, release policy.Document) {
	l, r := canonical(live), canonical(release)
	for _, s := range setDiff(l, r) {
		add("+ %s (in IAM, not in the release)", s)
	}
	for _, s := range setDiff(r, l) {
		add("- %s (in the release, not in IAM)", s)
	}
}

// canonical is a document's statements as JSON, each with its values
// sorted.
func canonical(d policy.Document) []string {
	var out []string
	for _, s := range d.Statements {
		s.Actions, s.NotActions = sorted(s.Actions), sorted(s.NotActions)
		s.Resources, s.NotResources = sorted(s.Resources), sorted(s.NotResources)
		s.Principal, s.NotPrincipal = sortedPrincipal(s.Principal), sortedPrincipal(s.NotPrincipal)
		if len(s.Conditions) > 0 {
			c := policy.Conditions{}
			for op, keys := range s.Conditions {
				c[op] = map[string][]string{}
				for k, v := range keys {
					c[op][k] = sorted(v)
				}
			}
			s.Conditions = c
		}
		b, _ := json.Marshal(s)
		out = append(out, string(b))
	}
	return out
}

func sorted(v []string) []string { return slices.Sorted(slices.Values(v)) }

func sortedPrincipal(p policy.Principal) policy.Principal {
	if len(p) == 0 {
		return p
	}
	out := policy.Principal{}
	for k, v := range p {
		out[k] = sorted(v)
	}
	return out
}

// setDiff are the elements of a not in b, sorted, each once.
func setDiff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out
}

func sortedUnion[V any](a, b map[string]V) []string {
	u := maps.Clone(a)
	if u == nil {
		u = map[string]V{}
	}
	maps.Copy(u, b)
	return slices.Sorted(maps.Keys(u))
}

// short is a managed policy's name from its ARN, with "aws:" for AWS's.
func short(arn string) string {
	name := arn[strings.LastIndex(arn, "/")+1:]
	if strings.Contains(arn, ":iam::aws:policy/") {
		return name + " (AWS managed)"
	}
	return name
}

func summary(attached []string, inline map[string]policy.Document, trust policy.Document) string {
	var parts []string
	for _, arn := range attached {
		parts = append(parts, short(arn))
	}
	for _, name := range slices.Sorted(maps.Keys(inline)) {
		parts = append(parts, "inline "+name)
	}
	s := "policies " + or(strings.Join(parts, ", "), "none")
	if len(trust.Statements) > 0 {
		var who []string
		for _, st := range trust.Statements {
			for _, typ := range slices.Sorted(maps.Keys(st.Principal)) {
				who = append(who, st.Principal[typ]...)
			}
		}
		s += "; trusts " + strings.Join(who, ", ")
	}
	return s
}

func userSummary(u assembly.LiveUser) string {
	s := summary(u.Attached, u.Inline, policy.Document{})
	if len(u.Groups) > 0 {
		s += "; groups " + strings.Join(u.Groups, ", ")
	}
	s += fmt.Sprintf("; %d active access keys", u.AccessKeys)
	if u.LoginProfile {
		s += "; a console password"
	}
	if u.MFADevices == 0 {
		s += "; no MFA device"
	}
	return s
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// WriteText writes the report for a person: each account's differences,
// the access they change, and the administrators they make.
func (r Report) WriteText(w io.Writer) {
	account := ""
	for _, f := range r.Findings {
		if f.Account != account {
			account = f.Account
			fmt.Fprintf(w, "%s:\n", account)
		}
		fmt.Fprintf(w, "  %s\n", f)
	}
	if len(r.Access) > 0 {
		fmt.Fprintln(w, "Access the accounts give otherwise than the release:")
		for _, c := range r.Access {
			fmt.Fprintf(w, "  %s\n", c.Text)
		}
	}
	if len(r.Admins) > 0 {
		fmt.Fprintf(w, "Full power the release does not give: %s\n", strings.Join(r.Admins, ", "))
	}
}
