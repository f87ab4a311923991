package access

import (
	"cmp"
	"slices"

	"github.com/iamstack/iamstack/internal/metadata"
	"github.com/iamstack/iamstack/model"
)

// How a person reaches an entry (Entry.SignIn).
const (
	SignInIAM            = "iam"
	SignInIdentityCenter = "identity-center"
)

// identityCenterOnly is the SignIn of an entry reached through Identity
// Center alone, shared by every such entry.
var identityCenterOnly = []string{SignInIdentityCenter}

// identityCenterAssignments are, by person, the indexes of the Identity
// Center assignments that reach them: as a user, or as a member of a group
// in its directory's memberships.
func (s *shapes) identityCenterAssignments() map[string][]int {
	ic := s.inv.IdentityCenter
	out := map[string][]int{}
	for i, as := range ic.Assignments {
		members := []string{as.Principal.Name}
		if as.Principal.Kind == metadata.EntityTeam {
			members = ic.Members[as.Principal.Name]
		}
		for _, u := range members {
			out[u] = append(out[u], i)
		}
	}
	return out
}

// identityCenterEntries are what a person reaches through Identity Center
// (assigned, their identityCenterAssignments): each assignment with the
// role the permission set is in the account, and what they chain into from
// there. The instance's MFA setting is declared, not in any template; the
// model accepts only settings that ask for MFA at every sign-in.
func (s *shapes) identityCenterEntries(user string, assigned []int, findings map[string][]Finding) []Entry {
	if len(assigned) == 0 {
		return nil
	}
	ic := s.inv.IdentityCenter
	direct := make([]Entry, 0, len(assigned))
	for _, i := range assigned {
		as := ic.Assignments[i]
		via := "Identity Center user " + as.Principal.Name
		if as.Principal.Kind == metadata.EntityTeam {
			via = "Identity Center group " + ic.Groups[as.Principal.Name]
			if ic.Directory == model.DirectoryExternal {
				via += " (membership declared: the identity provider owns it)"
			}
		}
		r := s.roles[as.RoleARN]
		a := s.inv.Account(as.Account)
		// Entries share their SignIn and findings: nothing changes these
		// slices in place (mergeSignIns makes new ones).
		direct = append(direct, Entry{User: user, UserKind: "human", Type: "assume-role", Account: a.Name, AccountID: cmp.Or(a.OU, a.ID),
			Role: as.Role, RoleARN: as.RoleARN, MFA: true, MaxSessionSeconds: r.MaxSessionSeconds, Via: []string{via},
			SignIn: identityCenterOnly, Findings: nonNil(findings[as.RoleARN])})
	}
	slices.SortStableFunc(direct, compareEntries)
	direct = mergeSignIns(direct)
	out := direct
	for _, e := range s.chained(direct, findings) {
		e.SignIn = identityCenterOnly
		out = append(out, e)
	}
	return out
}

// mergeSignIns merges, in a sorted matrix, the entries of one user, account
// and role reached more than one way (an IAM user and Identity Center, or
// two Identity Center groups) into one: the diff's key is who reaches what,
// and how is part of the entry. The merged entry needs MFA only if every
// way does, and lasts as long as the longest.
func mergeSignIns(entries []Entry) []Entry {
	out := entries[:0]
	for _, e := range entries {
		if n := len(out); n > 0 && compareEntries(out[n-1], e) == 0 {
			m := &out[n-1]
			m.MFA = m.MFA && e.MFA
			m.MaxSessionSeconds = max(m.MaxSessionSeconds, e.MaxSessionSeconds)
			m.Via = union(m.Via, e.Via)
			m.SignIn = union(m.SignIn, e.SignIn)
			for _, f := range e.Findings {
				if !slices.ContainsFunc(m.Findings, func(g Finding) bool { return g.String() == f.String() }) {
					// Entries share their role's findings: never append
					// into another entry's array.
					m.Findings = append(slices.Clip(m.Findings), f)
				}
			}
			if m.UserARN == "" {
				m.UserARN = e.UserARN
			}
			continue
		}
		out = append(out, e)
	}
	return out
}

// union is a's elements, then b's that a lacks.
func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
