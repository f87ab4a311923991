package model

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/iamstack/iamstack/internal/names"
	"github.com/iamstack/iamstack/internal/policy"
	"github.com/iamstack/iamstack/internal/rules"
)

// Trust is one principal beyond iamstack's users that a role admits, as the
// model writes it: exactly one of its kind keys (TrustKinds) is set. The
// loader turns it into a TrustEntry, the kind it names; everything about a
// kind (its check, its statements) lives with that kind in this file.
type Trust struct {
	// Account is another AWS account (12 digits); with ExternalID, only
	// callers that pass it (sts:ExternalId), as third parties must.
	Account    string `yaml:"account"`
	ExternalID string `yaml:"externalId"`
	// Role is a role of the model that may assume this one (role chaining):
	// "account/RoleName", the account by name in the model.
	Role string `yaml:"role"`
	// GitHub admits GitHub Actions workflows through the account's OIDC
	// provider for token.actions.githubusercontent.com, which iamstack
	// creates: the audience is sts.amazonaws.com, the subject must be
	// exact ("repo:org/repo:ref:refs/heads/main", "repo:org/repo:environment:prod").
	GitHub string `yaml:"github"`
	// Service is an AWS service principal: lambda.amazonaws.com.
	Service string `yaml:"service"`
}

// TrustKinds are the keys that name a trust's kind, each a TrustEntry type;
// the schema requires exactly one of them.
var TrustKinds = []string{"account", "role", "github", "service"}

// entry is the kind a Trust names; ok is false unless it names exactly one.
func (t Trust) entry() (e TrustEntry, ok bool) {
	var found []TrustEntry
	if t.Account != "" {
		found = append(found, AccountTrust{ID: t.Account, ExternalID: t.ExternalID})
	}
	if t.Role != "" {
		account, role, _ := strings.Cut(t.Role, "/")
		found = append(found, RoleTrust{Account: account, Role: role, written: t.Role})
	}
	if t.GitHub != "" {
		found = append(found, GitHubTrust{Subjects: []string{t.GitHub}})
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
// file with its check and its statements, so the compiler names what a new
// kind still lacks.
type TrustEntry interface {
	// Statements are the entry's statements in a role's trust policy.
	Statements(m *Model, ctx TrustContext) []policy.Statement
	// OIDCIssuer is the host of the OIDC identity provider the entry needs
	// in the role's account; "" for none.
	OIDCIssuer() string

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
	// SourceIdentity says the role admits source identities.
	SourceIdentity bool
	// Taken tells whether a statement ID is used already in the trust.
	Taken func(sid string) bool
}

// RoleTrusts are the trust entries of a role in the order its trust policy
// holds them: accounts and roles as the model lists them, then GitHub's
// subjects and the services, each kind as one statement.
func (m *Model) RoleTrusts(role string) []TrustEntry { return m.resolved.trusts[role] }

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
	v.res.trusts = map[string][]TrustEntry{}
	for _, name := range slices.Sorted(maps.Keys(v.res.roles)) {
		r := v.res.roles[name]
		p := path{"roles", name, "trust"}
		if _, waived := r.Waivers[rules.AdminTrust]; name == AdminR && len(r.Trust) > 0 && !waived {
			v.at(p, adminTrustProblem, "what this trust admits", rules.AdminTrust)
		}
		seen := map[string]bool{}
		var entries []TrustEntry
		for i, t := range r.Trust {
			tp := p.index(i)
			e, ok := t.entry()
			if !ok {
				last := len(TrustKinds) - 1
				v.at(tp, "a trust names exactly one of %s and %s", strings.Join(TrustKinds[:last], ", "), TrustKinds[last])
				continue
			}
			if t.ExternalID != "" && e.key() != "account" {
				v.at(tp.key("externalId"), "externalId goes with account")
			}
			if seen[e.principal()] {
				v.at(tp, "the same principal is trusted twice; merge the entries")
				continue
			}
			seen[e.principal()] = true
			e.check(v, tp.key(e.key()), name, r)
			entries = append(entries, e)
		}
		v.res.trusts[name] = resolveTrusts(entries)
	}
}

// AccountTrust admits another AWS account, and with ExternalID only callers
// that pass it, as AWS asks of third parties (the confused deputy).
type AccountTrust struct{ ID, ExternalID string }

// externalIDPattern is sts:ExternalId's character set; its 2..1224 length
// is checked apart because RE2 caps repeat counts at 1000.
var externalIDPattern = regexp.MustCompile(`^[\w+=,.@:/-]+$`)

func (t AccountTrust) key() string                         { return "account" }
func (t AccountTrust) principal() string                   { return "account " + t.ID } // one trust per account, whatever its external ID
func (t AccountTrust) OIDCIssuer() string                  { return "" }
func (t AccountTrust) merge(TrustEntry) (TrustEntry, bool) { return nil, false }

func (t AccountTrust) check(v *validator, p path, _ string, _ Role) {
	if !accountIDPattern.MatchString(t.ID) {
		v.at(p, "account %q must be a 12-digit account ID; quote it", t.ID)
	}
	for _, a := range v.res.accounts {
		if a.ID == t.ID {
			// Its root admits every principal of the account whose own
			// policies allow the call: people through any role, machines.
			v.at(p, "%s is the model's account %q: trusting it admits every principal there whose policies allow sts:AssumeRole. Trust the role that may assume this one (role: %s/<Role>)", t.ID, a.Name, a.Name)
		}
	}
	ep := p[:len(p)-1].key("externalId")
	switch id := t.ExternalID; {
	case id == "" && v.present(ep):
		v.at(ep, "externalId is empty, which trusts the whole account without one: give the external ID the vendor asked for, or remove the key to trust the account as it is")
	case id != "" && (len(id) < 2 || len(id) > 1224 || !externalIDPattern.MatchString(id)):
		v.at(ep, "externalId must be 2 to 1224 of letters, digits and +=,.@:/-")
	}
}

func (t AccountTrust) Statements(m *Model, ctx TrustContext) []policy.Statement {
	st := policy.AccountTrust(ctx.Scheme, t.ID, t.ExternalID)
	st.Sid = "Account" + t.ID
	return []policy.Statement{st}
}

// RoleTrust admits a role of the model (role chaining), by the name of its
// account in the model and its short name.
type RoleTrust struct {
	Account, Role string
	written       string // as the model writes it: "account/Role"
}

func (t RoleTrust) key() string                         { return "role" }
func (t RoleTrust) principal() string                   { return "role " + t.written }
func (t RoleTrust) OIDCIssuer() string                  { return "" }
func (t RoleTrust) merge(TrustEntry) (TrustEntry, bool) { return nil, false }

func (t RoleTrust) check(v *validator, p path, _ string, _ Role) {
	if _, known := v.res.accounts[t.Account]; !strings.Contains(t.written, "/") || !known {
		v.at(p, "%q must be account/Role with an account of the model%s", t.written, suggest(t.Account, v.accountNames()))
		return
	}
	if enabled, known := v.res.enabled[t.Role]; !known || !enabled[t.Account] {
		v.at(p, "no role %s exists in account %q to trust", t.Role, t.Account)
	}
}

func (t RoleTrust) Statements(m *Model, ctx TrustContext) []policy.Statement {
	other, _ := m.Account(t.Account)
	caller, _ := m.Role(t.Role)
	sts := policy.RoleTrust(ctx.Scheme, other.ID, m.roleARNs(other.ID, t.Role), ctx.SourceIdentity || caller.SourceIdentity)
	sid := "Role" + other.ID + sidSafe(t.Role)
	// Ops-R and Ops.R keep the same letters: number the later.
	for n := 2; ctx.Taken != nil && ctx.Taken(sid); n++ {
		sid = fmt.Sprintf("Role%s%s%d", other.ID, sidSafe(t.Role), n)
	}
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

// GitHubTrust admits GitHub Actions workflows whose token's subject is one
// of Subjects, through the account's OIDC provider for GitHub, which
// iamstack creates unless the model says it stands there already.
type GitHubTrust struct{ Subjects []string }

func (t GitHubTrust) key() string        { return "github" }
func (t GitHubTrust) principal() string  { return "github " + strings.Join(t.Subjects, " ") }
func (t GitHubTrust) OIDCIssuer() string { return names.GitHubOIDCHost }

func (t GitHubTrust) merge(other TrustEntry) (TrustEntry, bool) {
	o, ok := other.(GitHubTrust)
	if !ok {
		return nil, false
	}
	return GitHubTrust{Subjects: append(slices.Clip(t.Subjects), o.Subjects...)}, true
}

func (t GitHubTrust) check(v *validator, p path, role string, r Role) {
	for _, sub := range t.Subjects {
		if !strings.HasPrefix(sub, "repo:") || strings.Count(sub, ":") < 2 {
			v.at(p, "%q is not a GitHub OIDC subject such as repo:org/repo:ref:refs/heads/main or repo:org/repo:environment:prod", sub)
		} else if why := githubSubjectMistake(sub); why != "" {
			v.at(p, "%q never matches a GitHub token: %s", sub, why)
		} else if strings.ContainsAny(sub, "*?") {
			if _, waived := r.Waivers[rules.OIDCWildcard]; !waived {
				v.at(p, "subject %q holds a wildcard: every repository, branch or environment it matches could assume %s. Name the subject exactly, or waive %s on the role with a reason", sub, role, rules.OIDCWildcard)
			}
		}
	}
}

// githubSubjectMistake says why a subject of the form repo:org/repo:... is
// not one GitHub writes, for the context keywords its claim grammar
// defines (environment, ref, pull_request; lower case), and "" otherwise:
// an organization's custom subject format may use other claims.
func githubSubjectMistake(sub string) string {
	parts := strings.SplitN(sub, ":", 4) // repo, org/repo, keyword, value
	if len(parts) < 3 {
		return ""
	}
	keyword := parts[2]
	for _, k := range []string{"environment", "ref", "pull_request"} {
		if strings.EqualFold(keyword, k) && keyword != k {
			return fmt.Sprintf("GitHub writes the keyword %q in lower case (repo:org/repo:%s:...)", k, k)
		}
	}
	if keyword == "ref" && len(parts) == 4 && !strings.HasPrefix(parts[3], "refs/") && !strings.ContainsAny(parts[3], "*?") {
		return fmt.Sprintf("a ref is a full git ref: ref:refs/heads/%s for a branch, ref:refs/tags/%s for a tag", parts[3], parts[3])
	}
	return ""
}

func (t GitHubTrust) Statements(m *Model, ctx TrustContext) []policy.Statement {
	return []policy.Statement{policy.GitHubTrust(ctx.Scheme, ctx.AccountID, t.Subjects)}
}

// ServiceTrust admits AWS service principals acting for the role's own
// account.
type ServiceTrust struct{ Services []string }

func (t ServiceTrust) key() string        { return "service" }
func (t ServiceTrust) principal() string  { return "service " + strings.Join(t.Services, " ") }
func (t ServiceTrust) OIDCIssuer() string { return "" }

func (t ServiceTrust) merge(other TrustEntry) (TrustEntry, bool) {
	o, ok := other.(ServiceTrust)
	if !ok {
		return nil, false
	}
	return ServiceTrust{Services: append(slices.Clip(t.Services), o.Services...)}, true
}

func (t ServiceTrust) check(v *validator, p path, _ string, _ Role) {
	for _, s := range t.Services {
		if !strings.HasSuffix(s, ".amazonaws.com") {
			v.at(p, "%q is not an AWS service principal such as lambda.amazonaws.com", s)
		}
	}
}

func (t ServiceTrust) Statements(m *Model, ctx TrustContext) []policy.Statement {
	return []policy.Statement{policy.ServiceTrust(ctx.AccountID, t.Services)}
}
