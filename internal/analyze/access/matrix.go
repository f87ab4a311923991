package access

import (
	"maps"
	"slices"

	"github.com/iamstack/iamstack/internal/analyze/assembly"
)

// The access matrix of a report, computed a user at a time as it is read
// (Report.Entries, ByUser, EntriesOf) from the entries of each shape of
// users (shapes).

// matrix computes users' entries of the access matrix.
type matrix struct {
	shapes   *shapes
	findings map[string][]Finding // by principal ARN
	// users are the names of every user, IAM or Identity Center, sorted.
	users []string
	// iam are the IAM users of each name, in the inventory's order.
	iam map[string][]assembly.Principal
	// assigned are, by person, the indexes of the Identity Center
	// assignments that reach them, in the assignments' order.
	assigned map[string][]int
}

func newMatrix(inv *assembly.Inventory, s *shapes, findings map[string][]Finding) *matrix {
	m := &matrix{shapes: s, findings: findings, iam: map[string][]assembly.Principal{}}
	for _, u := range inv.Users {
		m.iam[u.Name] = append(m.iam[u.Name], u)
	}
	if inv.IdentityCenter != nil {
		m.assigned = s.identityCenterAssignments()
	}
	s.warm(inv.Users, findings)
	m.users = slices.Sorted(maps.Keys(m.iam))
	for u := range m.assigned {
		if _, ok := m.iam[u]; !ok {
			m.users = append(m.users, u)
		}
	}
	slices.Sort(m.users)
	return m
}

// member is Report.Member.
func (m *matrix) member(user string) (assembly.Principal, string, bool) {
	u, alone := m.alone(user)
	if !alone {
		return u, "", false
	}
	k := m.shapes.key(u)
	return u, k, k != ""
}

// alone is the one IAM user of a name in an assembly without Identity
// Center: the user's entries are that IAM user's.
func (m *matrix) alone(user string) (assembly.Principal, bool) {
	if iam := m.iam[user]; m.shapes.inv.IdentityCenter == nil && len(iam) == 1 {
		return iam[0], true
	}
	return assembly.Principal{}, false
}

// each yields a user's entries, as of computes them; an IAM user's alone,
// the most common, straight from their shape's.
func (m *matrix) each(user string, yield func(Entry) bool) bool {
	if u, ok := m.alone(user); ok {
		return m.shapes.each(u, m.findings, yield)
	}
	for _, e := range m.of(user) {
		if !yield(e) {
			return false
		}
	}
	return true
}

// of computes a user's entries: what they reach as an IAM user (each
// member of a shape from the shape's entries) and through Identity Center,
// sorted, with an entry reached both ways merged into one.
func (m *matrix) of(user string) []Entry {
	var out []Entry
	for _, u := range m.iam[user] {
		m.shapes.each(u, m.findings, func(e Entry) bool {
			out = append(out, e)
			return true
		})
	}
	if m.shapes.inv.IdentityCenter != nil {
		for i := range out {
			if out[i].UserKind == "human" {
				out[i].SignIn = []string{SignInIAM}
			}
		}
		out = append(out, m.shapes.identityCenterEntries(user, m.assigned[user], m.findings)...)
	}
	slices.SortStableFunc(out, compareEntries)
	return mergeSignIns(out)
}
