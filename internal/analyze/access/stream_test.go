package access_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/iamstack/iamstack/internal/analyze/access"
	"github.com/iamstack/iamstack/internal/keys"
	"github.com/iamstack/iamstack/internal/synthetic"
)

// The matrix is computed as it is read: every read yields the same
// entries, ordered strictly by user, type, account, role and capability
// (so a key appears once), and EntriesOf yields a user's as Entries does.
func TestEntriesStream(t *testing.T) {
	for name, rep := range streamReports(t) {
		if name == "empty" {
			continue
		}
		first, second := slices.Collect(rep.Entries()), slices.Collect(rep.Entries())
		if len(first) == 0 {
			t.Fatalf("%s: no entries", name)
		}
		if !equalEntries(first, second) {
			t.Errorf("%s: two reads differ", name)
		}
		byUser := map[string][]access.Entry{}
		for i, e := range first {
			byUser[e.User] = append(byUser[e.User], e)
			if i > 0 && key(first[i-1]) >= key(e) {
				t.Errorf("%s: entry %d (%s) does not follow %s", name, i, key(e), key(first[i-1]))
			}
		}
		for u, want := range byUser {
			if !equalEntries(rep.EntriesOf(u), want) {
				t.Errorf("%s: EntriesOf(%s) differs from the matrix's entries of %s", name, u, u)
			}
		}
		if got := rep.EntriesOf("nobody"); len(got) != 0 {
			t.Errorf("%s: EntriesOf an unknown user gave %d entries", name, len(got))
		}
		// ByUser is the matrix a user at a time: every user of Entries once,
		// in its order, with the same entries; a user passed over costs
		// nothing and changes nothing of the next.
		var flat, others []access.Entry
		var users []string
		for u, entries := range rep.ByUser() {
			users = append(users, u)
			if len(users)%2 == 0 {
				continue
			}
			for e := range entries {
				if e.User != u {
					t.Errorf("%s: ByUser gave %s an entry of %s", name, u, e.User)
				}
				flat = append(flat, e)
			}
		}
		for i, u := range users {
			if i%2 == 0 {
				others = append(others, byUser[u]...)
			}
		}
		if len(users) != len(byUser) || !equalEntries(flat, others) {
			t.Errorf("%s: ByUser yields %d users and not the matrix's entries of those it reads", name, len(users))
		}
		if got, want := rep.IdentityCenter(), name == "identity-center"; got != want {
			t.Errorf("%s: IdentityCenter() = %v", name, got)
		}
	}
	var empty access.Report
	if n := len(slices.Collect(empty.Entries())); n != 0 {
		t.Errorf("an empty report yields %d entries", n)
	}
	for range empty.ByUser() {
		t.Error("an empty report yields a user")
	}
}

// Diff reads both matrices side by side; it says what a comparison of the
// whole matrices, indexed by key, says: the entries granted or changed in
// the head's order, then those revoked in the base's. Pairs of models that
// share users and accounts and pairs that share none, both ways.
func TestDiffIsTheWholeMatricesComparison(t *testing.T) {
	reps := streamReports(t)
	pairs := [][2]string{{"synthetic-1", "synthetic-2"}, {"synthetic-2", "synthetic-1"}, {"synthetic-1", "synthetic-1-changed"},
		{"synthetic-1-changed", "synthetic-1"}, {"identity-center", "hub"},
		{"hub", "identity-center"}, {"empty", "hub"}, {"hub", "empty"}, {"identity-center", "identity-center"}}
	for _, p := range pairs {
		base, head := reps[p[0]], reps[p[1]]
		var got []string
		for _, c := range access.Diff(base, head) {
			if c.Entry != nil {
				got = append(got, c.Kind+": "+c.Text[:1]+describeTail(*c.Entry))
			}
		}
		want := wholeDiff(slices.Collect(base.Entries()), slices.Collect(head.Entries()))
		if !slices.Equal(got, want) {
			t.Errorf("%s -> %s: %d changes, want %d:\n got %q\nwant %q", p[0], p[1], len(got), len(want), head3(got), head3(want))
		}
		if p[0] != p[1] && len(want) == 0 {
			t.Errorf("%s -> %s: no change to compare", p[0], p[1])
		}
	}
}

// wholeDiff is the diff of two matrices held whole: iamstack's Diff before
// it streamed.
func wholeDiff(base, head []access.Entry) []string {
	index := func(es []access.Entry) map[string]access.Entry {
		m := map[string]access.Entry{}
		for _, e := range es {
			m[key(e)] = e
		}
		return m
	}
	signIn := func(e access.Entry) string {
		iam, idc := slices.Contains(e.SignIn, access.SignInIAM), slices.Contains(e.SignIn, access.SignInIdentityCenter)
		switch {
		case iam && idc:
			return "IAM user and Identity Center"
		case idc:
			return "Identity Center"
		}
		return "IAM user"
	}
	before, after := index(base), index(head)
	var out []string
	for _, k := range keys.SortedUnion(after) {
		e, old, existed := after[k], before[k], false
		_, existed = before[k]
		switch {
		case !existed:
			out = append(out, "granted: +"+describeTail(e))
		case old.MFA && !e.MFA:
			out = append(out, "mfa-dropped: ~"+describeTail(e))
		case !old.MFA && e.MFA:
			out = append(out, "mfa-required: ~"+describeTail(e))
		case signIn(old) != signIn(e):
			out = append(out, "sign-in-changed: ~"+describeTail(e))
		}
	}
	for _, k := range keys.SortedUnion(before) {
		if _, kept := after[k]; !kept {
			out = append(out, "revoked: -"+describeTail(before[k]))
		}
	}
	return out
}

// describeTail is enough of a change's text to tell it from every other:
// the diff's own wording is its own test's.
func describeTail(e access.Entry) string {
	return " " + e.User + " " + e.Type + " " + e.Account + " " + e.Role + e.Capability
}

func key(e access.Entry) string {
	return e.User + "\x00" + e.Type + "\x00" + e.Account + "\x00" + e.Role + "\x00" + e.Capability
}

func equalEntries(a, b []access.Entry) bool {
	return slices.EqualFunc(a, b, func(x, y access.Entry) bool {
		return key(x) == key(y) && x.MFA == y.MFA && x.MaxSessionSeconds == y.MaxSessionSeconds && slices.Equal(x.Via, y.Via) &&
			slices.Equal(x.SignIn, y.SignIn) && slices.Equal(x.Through, y.Through) && len(x.Findings) == len(y.Findings)
	})
}

func head3(s []string) []string { return s[:min(3, len(s))] }

// streamReports are the analyses the streaming tests read: two synthetic
// organizations of the same people and accounts granted differently, the
// hub and Identity Center examples, and a model of nobody.
func streamReports(t *testing.T) map[string]access.Report {
	t.Helper()
	reps := map[string]access.Report{}
	for i, seed := range []uint64{1, 2} {
		reps["synthetic-"+string(rune('1'+i))] = analyzeModel(t, string(synthetic.Model(synthetic.Size{Users: 60, Accounts: 6, Seed: seed})), nil)
	}
	// The first with one team's grant narrowed and a person renamed: most
	// people's entries the same on both sides (Diff passes over them).
	_, changed := access.ChangedTeams(t)
	reps["synthetic-1-changed"] = analyzeModel(t, changed, nil)
	for _, name := range []string{"hub", "identity-center"} {
		yaml, err := os.ReadFile("../../../examples/" + name + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		reps[name] = analyzeModel(t, string(yaml), nil)
	}
	reps["empty"] = access.Report{}
	return reps
}

// The diff's text, which TestDiffIsTheWholeMatricesComparison leaves aside,
// names the change.
func TestDiffTextNamesTheChange(t *testing.T) {
	reps := streamReports(t)
	for _, c := range access.Diff(reps["synthetic-1"], reps["synthetic-2"]) {
		if c.Entry != nil && !strings.Contains(c.Text, c.Entry.User) {
			t.Errorf("%q does not name %s", c.Text, c.Entry.User)
		}
	}
}
