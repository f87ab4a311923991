package check

import (
	"fmt"
	"slices"
	"strings"

	"github.com/iamstack/iamstack/internal/analyze/access"
)

// Migrations are the people whose way of signing in a change moves (from
// IAM users to Identity Center, or back, or to both), by name, with how
// they signed in before and after.
func Migrations(base, head access.Report) map[string][2]string {
	out := map[string][2]string{}
	if !base.IdentityCenter() && !head.IdentityCenter() {
		// Everyone signs in as an IAM user before and after: reading
		// both matrices, millions of entries at scale, finds no move.
		return out
	}
	before, after := signIns(base), signIns(head)
	for user, b := range before {
		if a, ok := after[user]; ok && a != b {
			out[user] = [2]string{b, a}
		}
	}
	return out
}

// signIns says, per person, how they reach their roles: "iam",
// "identity-center" or "iam+identity-center". Templates without Identity
// Center say nothing, and mean IAM users.
func signIns(rep access.Report) map[string]string {
	ways := map[string][]string{}
	for e := range rep.Entries() {
		if e.UserKind != "human" || e.Type != "assume-role" {
			continue
		}
		in := e.SignIn
		if len(in) == 0 {
			in = []string{access.SignInIAM}
		}
		for _, s := range in {
			if !slices.Contains(ways[e.User], s) {
				ways[e.User] = append(ways[e.User], s)
			}
		}
	}
	out := map[string]string{}
	for user, w := range ways {
		slices.Sort(w)
		out[user] = strings.Join(w, "+")
	}
	return out
}

// MigrationBreaks are the changes of access of people a change migrates: a
// migration moves a cohort between IAM users and Identity Center and must
// leave every (person, account, role) as it was, so that nobody loses or
// gains a role on the way; a change of grants goes in a change of its own.
func MigrationBreaks(changes []access.Change, moved map[string][2]string) []string {
	var out []string
	for _, c := range changes {
		// An IAM user's own credentials go with the IAM user, which the
		// removal's acknowledgement covers: roles are what must stay.
		if c.Entry == nil || c.Entry.Type != "assume-role" || (c.Kind != "granted" && c.Kind != "revoked") {
			continue
		}
		if m, ok := moved[c.Entry.User]; ok {
			out = append(out, fmt.Sprintf("%s (%s moves from %s to %s)", c.Text, c.Entry.User, m[0], m[1]))
		}
	}
	return out
}
