package model

import (
	"fmt"
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

// Trust is one principal beyond iamstack's users that a role admits, as the
// model writes it: exactly one of its kind keys (TrustKinds) is set, with
// the keys that kind takes. The loader turns it into a TrustEntry, the kind
// it names; everything about a kind (its check, its statements) lives with
// that kind in this file or trust_oidc.go.
type Trust struct {
	// Account is another AWS account (12 digits); with ExternalID, only
	// callers that pass it (sts:ExternalId), as third parties must.
	Account    string `yaml:"account"`
	ExternalID string `yaml:"externalId"`
	// Role is a role of the model that may assume this one (role chaining):
	// "account/RoleName", the account by name in the model; or a role
	// iamstack does not manage, by its ARN
	// (arn:aws:iam::123456789012:role/path/name), checked for shape only.
	Role string `yaml:"role"`
	// MFA, for an account or a role by ARN, admits only callers whose
	// session was started with MFA, no longer ago than MFAMaxAge (default
	// the role's mfaMaxAge in the account).
	MFA       bool     `yaml:"mfa"`
	MFAMaxAge Duration `yaml:"mfaMaxAge"`
	// GitHub admits GitHub Actions workflows through the account's OIDC
	// provider for token.actions.githubusercontent.com, which iamstack
	// creates: the audience is sts.amazonaws.com, the subject must be
	// exact ("repo:org/repo:ref:refs/heads/main", "repo:org/repo:environment:prod").
	GitHub string `yaml:"github"`
	// OIDC admits the holders of tokens another OIDC issuer signs, named by
	// its URL without https:// (an EKS cluster's
	// oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE, gitlab.com,
	// app.terraform.io), through the account's identity provider for it,
	// which iamstack creates: the token's audience must be Audience and its
	// subject Subject, exactly.
	OIDC string `yaml:"oidc"`
	// Audience is the audience (aud) an OIDC issuer's tokens carry: default
	// sts.amazonaws.com for EKS, aws.workload.identity for Terraform Cloud;
	// other issuers need it.
	Audience string `yaml:"audience"`
	// Subject is the subject (sub) an OIDC issuer's token must carry:
	// system:serviceaccount:<namespace>:<service account> for EKS.
	Subject string `yaml:"subject"`
	// Service is an AWS service principal: lambda.amazonaws.com.
	Service string `yaml:"service"`
}

// TrustKinds are the keys that name a trust's kind, each a TrustEntry type;
// the schema requires exactly one of them.
var TrustKinds = []string{"account", "role", "github", "oidc", "service"}

// trustOptions are the keys beside a kind's key, and the kinds that take
// each: the validator refuses one set on any other kind.
var trustOptions = []struct {
	key   string
	kinds []string
	set   func(Trust) bool
}{
	{"externalId", []string{"account"}, func(t Trust) bool { return t.ExternalID != "" }},
	{"mfa", []string{"account", "role"}, func(t Trust) bool { return t.MFA }},
	{"mfaMaxAge", []string{"account", "role"}, func(t Trust) bool { return t.MFAMaxAge.Duration != 0 }},
	{"audience", []string{"oidc"}, func(t Trust) bool { return t.Audience != "" }},
	{"subject", []string{"oidc"}, func(t Trust) bool { return t.Subject != "" }},
}

// entry is the kind a Trust names; ok is false unless it names exactly one.
func (t Trust) entry() (e TrustEntry, ok bool) {
	var found []TrustEntry
	mfa := callerMFA{Required: t.MFA || t.MFAMaxAge.Duration != 0, MaxAge: t.MFAMaxAge.Duration}
	if t.Account != "" {
		found = append(found, AccountTrust{ID: t.Account, ExternalID: t.ExternalID, MFA: mfa})
	}
	switch {
	case strings.HasPrefix(t.Role, "arn:"):
		found = append(found, ExternalRoleTrust{ARN: t.Role, MFA: mfa})
	case t.Role != "":
		account, role, _ := strings.Cut(t.Role, "/")
		found = append(found, RoleTrust{Account: account, Role: role, written: t.Role})
	}
	if t.GitHub != "" {
		found = append(found, GitHubTrust{Subjects: []string{t.GitHub}})
	}
	if t.OIDC != "" {
		found = append(found, OIDCTrust{Issuer: t.OIDC, Audience: t.Audience, Subjects: []string{t.Subject}})
	}
	if t.Service != "" {
		found = append(found, ServiceTrust{Services: []string{t.Service}})
	}
	if len(found) != 1 {
		return nil, false
	}
	return found[0], true
}

// A TrustEntry is one kind of principal a role admits beyond iamstack's
// people and CI/CD users. The set of kinds is closed: each is a type of this
// file or trust_oidc.go with its check and its statements, so the compiler
// names what a new kind still lacks.
type TrustEntry interface {
	// Statements are the entry's statements in a role's trust policy.
	Statements(m *Model, ctx TrustContext) []policy.Statement
	// OIDCProvider is the OIDC identity provider the entry needs in the
	// role's account, by its issuer and the audience its tokens carry;
	// issuer "" for none.
	OIDCProvider() (issuer, audience string)

	// key is the YAML key that names the kind.
	key() string
	// principal identifies what the entry admits: the same principal twice
	// is a mistake.
	principal() string
	// check reports the entry's problems, the entry at p of role r.
	check(v *validator, p path, role string, r Role)
	// merge folds a later entry of the same kind into this one when the
	// kind renders as one statement for all its entries.
	merge(other TrustEntry) (TrustEntry, bool)
}

// TrustContext is what a role's trust statements depend on beyond its
// entries.
type TrustContext struct {
	Scheme names.Scheme
	// AccountID is the account of the role that trusts.
	AccountID string
	// Options are what the role lets its callers pass along: session tags,
	// a source identity.
	Options policy.TrustOptions
	// MFAMaxAge is the role's bound on a caller's MFA age in the account,
	// in seconds, for entries that ask for MFA without one of their own.
	MFAMaxAge int
	// Taken tells whether a statement ID is used already in the trust.
	Taken func(sid string) bool
}

// sid is base, numbered from 2 when the trust uses it already.
func (ctx TrustContext) sid(base string) string {
	sid := base
	for n := 2; ctx.Taken != nil && ctx.Taken(sid); n++ {
		sid = fmt.Sprintf("%s%d", base, n)
	}
	return sid
}

// RoleTrusts are the trust entries of a role in an account, in the order
// its trust policy holds them: accounts and roles as the model lists them
// (trust, then trustIn's keys in order), then GitHub's subjects, the other
// issuers' and the services, each kind as one statement.
func (m *Model) RoleTrusts(role, account string) []TrustEntry {
	t := m.resolved.trusts[role]
	entries := slices.Clone(t.all)
	for _, in := range t.in {
		if in.accounts[account] {
			entries = append(entries, in.entries...)
		}
	}
	return resolveTrusts(entries)
}

// roleTrusts are a role's entries as the model writes them: for every
// account, and per key of trustIn for the accounts the key names.
type roleTrusts struct {
	all []TrustEntry
	in  []accountTrusts
}

type accountTrusts struct {
	accounts map[string]bool
	entries  []TrustEntry
}

// resolveTrusts orders a role's entries and merges those of kinds that
// render as one statement.
func resolveTrusts(entries []TrustEntry) []TrustEntry {
	var out []TrustEntry
next:
	for _, e := range entries {
		for i, o := range out {
			if merged, ok := o.merge(e); ok {
				out[i] = merged
				continue next
			}
		}
		out = append(out, e)
	}
	// Kinds merged into one statement come last, in TrustKinds' order, so
	// that reordering the model moves no statement.
	rank := func(e TrustEntry) int {
		if _, merges := e.merge(e); !merges {
			return 0
		}
		return 1 + slices.Index(TrustKinds, e.key())
	}
	slices.SortStableFunc(out, func(a, b TrustEntry) int { return rank(a) - rank(b) })
	return out
}

// trusts checks the principals each role admits beyond iamstack's users,
// once every role is resolved (a role trust names one), and records them.
func (v *validator) trusts() {
	v.res.trusts = map[string]roleTrusts{}
	for _, name := range slices.Sorted(maps.Keys(v.res.roles)) {
		r := v.res.roles[name]
		p := path{"roles", name}
		if _, waived := r.Waivers[rules.AdminTrust]; name == AdminR && (len(r.Trust) > 0 || len(r.TrustIn) > 0) && !waived {
			at := p.key("trust")
			if len(r.Trust) == 0 {
				at = p.key("trustIn")
			}
			v.at(at, adminTrustProblem, "what this trust admits", rules.AdminTrust)
		}
		var rt roleTrusts
		seen := map[string]path{} // principal -> where the model trusts it for every account
		rt.all = v.trustEntries(p.key("trust"), name, r, r.Trust, seen)
		for _, target := range slices.Sorted(maps.Keys(r.TrustIn)) {
			tp := p.key("trustIn").key(target)
			accounts, found := v.accountsNamedBy(target)
			switch {
			case !found:
				v.unknownTarget(tp, target)
			case !v.enabledInAny(name, accounts):
				v.at(tp, "role %s exists in no account %q names: this trust would apply nowhere", name, target)
			case len(r.TrustIn[target]) == 0:
				v.at(tp, "no trusts for %q; remove the key or list trusts", target)
			}
			in := accountTrusts{accounts: map[string]bool{}}
			for _, a := range accounts {
				in.accounts[a] = true
			}
			in.entries = v.trustEntries(tp, name, r, r.TrustIn[target], maps.Clone(seen))
			rt.in = append(rt.in, in)
		}
		v.sameTrustTwice(p.key("trustIn"), name, rt)
		v.res.trusts[name] = rt
	}
}

// trustEntries checks one list of a role's trusts and returns its entries;
// seen holds the principals trusted already where this list applies.
func (v *validator) trustEntries(p path, role string, r Role, list []Trust, seen map[string]path) []TrustEntry {
	var entries []TrustEntry
	for i, t := range list {
		tp := p.index(i)
		e, ok := t.entry()
		if !ok {
			last := len(TrustKinds) - 1
			v.at(tp, "a trust names exactly one of %s and %s", strings.Join(TrustKinds[:last], ", "), TrustKinds[last])
			continue
		}
		for _, o := range trustOptions {
			if o.set(t) && !slices.Contains(o.kinds, e.key()) {
				v.at(tp.key(o.key), "%s goes with %s, not %s", o.key, strings.Join(o.kinds, " or "), e.key())
			}
		}
		if where, dup := seen[e.principal()]; dup {
			v.at(tp, "the same principal is trusted at %s already; merge the entries", where)
			continue
		}
		seen[e.principal()] = tp
		e.check(v, tp.key(e.key()), role, r)
		entries = append(entries, e)
	}
	return entries
}

// sameTrustTwice refuses one principal trusted by two keys of trustIn that
// name a common account: the role's trust would hold it twice there.
func (v *validator) sameTrustTwice(p path, role string, rt roleTrusts) {
	targets := slices.Sorted(maps.Keys(v.res.roles[role].TrustIn))
	for i := range rt.in {
		for j := i + 1; j < len(rt.in); j++ {
			for _, a := range rt.in[i].entries {
				for _, b := range rt.in[j].entries {
					if a.principal() != b.principal() {
						continue
					}
					for _, account := range slices.Sorted(maps.Keys(rt.in[i].accounts)) {
						if rt.in[j].accounts[account] && v.res.enabled[role][account] {
							v.at(p.key(targets[j]), "%q and %q both name account %q and trust the same principal (%s) there; trust it under one key", targets[i], targets[j], account, a.principal())
							break
						}
					}
				}
			}
		}
	}
}

// callerMFA is what a trust asks of its callers' MFA: none, or a session
// started with MFA no longer ago than MaxAge (0: the role's bound).
type callerMFA struct {
	Required bool
	MaxAge   time.Duration
}

// seconds is the bound in seconds for a role whose own bound is roleMax; 0
// when MFA is not required.
func (c callerMFA) seconds(roleMax int) int {
	switch {
	case !c.Required:
		return 0
	case c.MaxAge != 0:
		return int(c.MaxAge / time.Second)
	}
	return roleMax
}

func (c callerMFA) check(v *validator, p path) {
	if d := c.MaxAge; d != 0 && (d < minMFAMaxAge || d > maxMFAMaxAge || d%time.Second != 0) {
		v.at(p.key("mfaMaxAge"), "mfaMaxAge %s must be whole seconds between %s and %s (the shortest and longest MFA session STS issues)", d, minMFAMaxAge, maxMFAMaxAge)
	}
}

// AccountTrust admits another AWS account, and with ExternalID only callers
// that pass it, as AWS asks of third parties (the confused deputy); with
// MFA, only callers that signed in with MFA.
type AccountTrust struct {
	ID, ExternalID string
	MFA            callerMFA
}

// externalIDPattern is sts:ExternalId's character set; its 2..1224 length
// is checked apart because RE2 caps repeat counts at 1000.
var externalIDPattern = regexp.MustCompile(`^[\w+=,.@:/-]+$`)

func (t AccountTrust) key() string                             { return "account" }
func (t AccountTrust) principal() string                       { return "account " + t.ID } // one trust per account, whatever its external ID
func (t AccountTrust) OIDCProvider() (issuer, audience string) { return "", "" }
func (t AccountTrust) merge(TrustEntry) (TrustEntry, bool)     { return nil, false }

func (t AccountTrust) check(v *validator, p path, _ string, _ Role) {
	if !accountIDPattern.MatchString(t.ID) {
		v.at(p, "account %q must be a 12-digit account ID; quote it", t.ID)
	}
	if a, ok := v.modelAccount(t.ID); ok {
		// Its root admits every principal of the account whose own
		// policies allow the call: people through any role, machines.
		v.at(p, "%s is the model's account %q: trusting it admits every principal there whose policies allow sts:AssumeRole. Trust the role that may assume this one (role: %s/<Role>)", t.ID, a.Name, a.Name)
	}
	t.MFA.check(v, p[:len(p)-1])
	ep := p[:len(p)-1].key("externalId")
	switch id := t.ExternalID; {
	case id == "" && v.present(ep):
		v.at(ep, "externalId is empty, which trusts the whole account without one: give the external ID the vendor asked for, or remove the key to trust the account as it is")
	case id != "" && (len(id) < 2 || len(id) > 1224 || !externalIDPattern.MatchString(id)):
		v.at(ep, "externalId must be 2 to 1224 of letters, digits and +=,.@:/-")
	}
}

// modelAccount is the listed account with an ID, if any.
func (v *validator) modelAccount(id string) (Account, bool) {
	for _, a := range v.res.accounts {
		if a.ID == id {
			return a, true
		}
	}
	return Account{}, false
}

func (t AccountTrust) Statements(m *Model, ctx TrustContext) []policy.Statement {
	st := policy.AccountTrust(ctx.Scheme, t.ID, t.ExternalID, t.MFA.seconds(ctx.MFAMaxAge))
	st.Sid = ctx.sid("Account" + t.ID)
	// Another account names its own callers: their source identity is
	// theirs to choose.
	return policy.Passing(ctx.Scheme, st, ctx.Options, false)
}

// ExternalRoleTrust admits a role iamstack does not manage, by its ARN:
// another account's tooling role, or a role made by hand.
type ExternalRoleTrust struct {
	ARN string
	MFA callerMFA
}

// roleARNPattern is a role's ARN: partition, account, path and name.
var roleARNPattern = regexp.MustCompile(`^arn:([a-z-]+):iam::([0-9]{12}):role(/(?:[\x21-\x7E]*/)?)([\w+=,.@-]+)$`)

func (t ExternalRoleTrust) key() string                             { return "role" }
func (t ExternalRoleTrust) principal() string                       { return "role " + t.ARN }
func (t ExternalRoleTrust) OIDCProvider() (issuer, audience string) { return "", "" }
func (t ExternalRoleTrust) merge(TrustEntry) (TrustEntry, bool)     { return nil, false }

func (t ExternalRoleTrust) check(v *validator, p path, _ string, _ Role) {
	t.MFA.check(v, p[:len(p)-1])
	m := roleARNPattern.FindStringSubmatch(t.ARN)
	if m == nil || len(m[4]) > maxRoleNameLen || len(m[3]) > maxPathLen {
		v.at(p, "%q is not a role's ARN: arn:aws:iam::123456789012:role/name, or role/path/name with its path (IAM compares the whole ARN, and a wildcard matches nothing here)", t.ARN)
		return
	}
	if partition := names.PartitionOf(v.m.spec.Region); m[1] != partition {
		v.at(p, "%q is in partition %s, but the model's region %s is in %s: a role of another partition cannot assume this one", t.ARN, m[1], v.m.spec.Region, partition)
	}
	a, ours := v.modelAccount(m[2])
	if !ours {
		return
	}
	s := names.Scheme{Prefix: v.res.prefix}
	for role, enabled := range v.res.enabled {
		if enabled[a.Name] && strings.EqualFold(s.Role(role), m[4]) && v.res.roles[role].Name == "" {
			v.at(p, "%q is the model's role %s in account %q; write role: %s/%s, which keeps the caller's session name", t.ARN, role, a.Name, a.Name, role)
			return
		}
		if r := v.res.roles[role]; enabled[a.Name] && r.Name != "" && strings.EqualFold(r.Name, m[4]) {
			v.at(p, "%q is the model's role %s in account %q; write role: %s/%s, which keeps the caller's session name", t.ARN, role, a.Name, a.Name, role)
			return
		}
	}
}

func (t ExternalRoleTrust) Statements(m *Model, ctx TrustContext) []policy.Statement {
	parts := roleARNPattern.FindStringSubmatch(t.ARN)
	st := policy.ExternalRoleTrust(ctx.Scheme, parts[2], t.ARN, t.MFA.seconds(ctx.MFAMaxAge))
	st.Sid = ctx.sid("Role" + parts[2] + sidSafe(parts[4]))
	return policy.Passing(ctx.Scheme, st, ctx.Options, false)
}

// RoleTrust admits a role of the model (role chaining), by the name of its
// account in the model and its short name.
type RoleTrust struct {
	Account, Role string
	written       string // as the model writes it: "account/Role"
}

func (t RoleTrust) key() string                             { return "role" }
func (t RoleTrust) principal() string                       { return "role " + t.written }
func (t RoleTrust) OIDCProvider() (issuer, audience string) { return "", "" }
func (t RoleTrust) merge(TrustEntry) (TrustEntry, bool)     { return nil, false }

func (t RoleTrust) check(v *validator, p path, _ string, _ Role) {
	if _, known := v.res.accounts[t.Account]; !strings.Contains(t.written, "/") || !known {
		v.at(p, "%q must be account/Role with an account of the model%s, or a role's ARN (arn:aws:iam::123456789012:role/name)", t.written, suggest(t.Account, v.accountNames()))
		return
	}
	if enabled, known := v.res.enabled[t.Role]; !known || !enabled[t.Account] {
		v.at(p, "no role %s exists in account %q to trust", t.Role, t.Account)
	}
	if v.present(p[:len(p)-1].key("mfa")) || v.present(p[:len(p)-1].key("mfaMaxAge")) {
		v.at(p[:len(p)-1].key("mfa"), "a role of the model is assumed by people who signed in with MFA or by machines; mfa applies to accounts and roles outside the model")
	}
}

func (t RoleTrust) Statements(m *Model, ctx TrustContext) []policy.Statement {
	other, _ := m.Account(t.Account)
	caller, _ := m.Role(t.Role)
	sts := policy.RoleTrust(ctx.Scheme, other.ID, m.roleARNs(other.ID, t.Role), ctx.Options.SourceIdentity || caller.SourceIdentity)
	// Ops-R and Ops.R keep the same letters: number the later.
	sid := ctx.sid("Role" + other.ID + sidSafe(t.Role))
	sts[0].Sid = sid
	for i := 1; i < len(sts); i++ {
		sts[i].Sid = sid + "SourceIdentity"
	}
	return sts
}

// sidSafe keeps the letters and digits of s: a statement ID allows no other.
func sidSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// ServiceTrust admits AWS service principals acting for the role's own
// account.
type ServiceTrust struct{ Services []string }

func (t ServiceTrust) key() string                             { return "service" }
func (t ServiceTrust) principal() string                       { return "service " + strings.Join(t.Services, " ") }
func (t ServiceTrust) OIDCProvider() (issuer, audience string) { return "", "" }

func (t ServiceTrust) merge(other TrustEntry) (TrustEntry, bool) {
	o, ok := other.(ServiceTrust)
	if !ok {
		return nil, false
	}
	return ServiceTrust{Services: append(slices.Clip(t.Services), o.Services...)}, true
}

func (t ServiceTrust) check(v *validator, p path, _ string, _ Role) {
	c := catalog.Get()
	for _, s := range t.Services {
		if !c.ServicePrincipal(s) {
			known := slices.Clone(c.ServicePrincipals)
			for _, prefix := range c.ServiceNames() {
				known = append(known, prefix+".amazonaws.com")
			}
			v.at(p, "%q is not an AWS service principal%s: no service assumes a role as it. Write the principal the service's documentation gives, such as lambda.amazonaws.com", s, suggest(s, known))
		}
	}
}

func (t ServiceTrust) Statements(m *Model, ctx TrustContext) []policy.Statement {
	return []policy.Statement{policy.ServiceTrust(ctx.AccountID, t.Services)}
}
