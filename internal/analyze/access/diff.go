package access

import (
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/iamstack/iamstack/internal/keys"
)

// Change is one difference in access between two assemblies.
type Change struct {
	// Kind is granted, revoked, mfa-required, mfa-dropped, sign-in-changed
	// (the entry is reached another way: IAM user, Identity Center),
	// new-finding or resolved-finding.
	Kind    string   `json:"change"`
	Entry   *Entry   `json:"entry,omitempty"`
	Finding *Finding `json:"finding,omitempty"`
	// Text is the line a reviewer pastes into a pull request.
	Text string `json:"text"`
}

// Diff compares the analysis of a base assembly with a changed one. It
// reads both matrices side by side in their order, a user at a time,
// holding neither; a person whose entries are their shape's on both sides,
// and the same there (sameAccess), is passed over without computing them.
func Diff(base, head Report) []Change {
	var out, revoked []Change
	same := sameAccess(base, head)
	next, stop := iter.Pull2(base.ByUser())
	defer stop()
	revoke := func(entries iter.Seq[Entry]) {
		for e := range entries {
			revoked = append(revoked, revocation(e))
		}
	}
	user, old, more := next()
	for u, entries := range head.ByUser() {
		for more && user < u {
			revoke(old)
			user, old, more = next()
		}
		if !more || user > u {
			for e := range entries {
				out = append(out, Change{Kind: "granted", Entry: &e, Text: "+ " + e.describe()})
			}
			continue
		}
		if !same(u) {
			var gone []Change
			out, gone = diffUser(out, old, entries)
			revoked = append(revoked, gone...)
		}
		user, old, more = next()
	}
	for ; more; user, old, more = next() {
		revoke(old)
	}
	out = append(out, revoked...)
	fb, fa := findingSet(base.Findings), findingSet(head.Findings)
	for _, k := range keys.SortedUnion(fa) {
		if _, ok := fb[k]; !ok {
			f := fa[k]
			out = append(out, Change{Kind: "new-finding", Finding: &f, Text: "! " + f.String()})
		}
	}
	for _, k := range keys.SortedUnion(fb) {
		if _, ok := fa[k]; !ok {
			f := fb[k]
			out = append(out, Change{Kind: "resolved-finding", Finding: &f, Text: "= no longer: " + f.String()})
		}
	}
	return out
}

// diffUser compares one user's entries before and after, each in the
// matrix's order: what it grants or changes, after out, and what it
// revokes.
func diffUser(out []Change, before, after iter.Seq[Entry]) ([]Change, []Change) {
	var revoked []Change
	next, stop := iter.Pull(before)
	defer stop()
	old, more := next()
	for e := range after {
		for more && compareEntries(old, e) < 0 {
			revoked = append(revoked, revocation(old))
			old, more = next()
		}
		if !more || compareEntries(old, e) > 0 {
			out = append(out, Change{Kind: "granted", Entry: &e, Text: "+ " + e.describe()})
			continue
		}
		switch {
		case old.MFA && !e.MFA:
			out = append(out, Change{Kind: "mfa-dropped", Entry: &e, Text: "~ " + e.describe() + ", no longer requiring MFA"})
		case !old.MFA && e.MFA:
			out = append(out, Change{Kind: "mfa-required", Entry: &e, Text: "~ " + e.describe() + ", now only with MFA"})
		case old.signIn() != e.signIn():
			out = append(out, Change{Kind: "sign-in-changed", Entry: &e, Text: "~ " + e.describe() + ", before " + old.signIn()})
		}
		old, more = next()
	}
	for ; more; old, more = next() {
		revoked = append(revoked, revocation(old))
	}
	return out, revoked
}

// sameAccess tells, of a user in both reports, whether Diff would find
// nothing: the user is one IAM user on each side, in no Identity Center,
// whose entries are their shape's (shapes.each), and the two shapes'
// entries are alike in all Diff compares (key, MFA, way in). At 5,000
// people the shapes are a few dozen on each side, each pair compared once,
// where Diff read both matrices' millions of entries.
func sameAccess(base, head Report) func(user string) bool {
	b, h := base.matrix, head.matrix
	if b == nil || h == nil {
		return func(string) bool { return false }
	}
	alike := map[[2]string]bool{}
	return func(user string) bool {
		_, bk, bok := b.member(user)
		_, hk, hok := h.member(user)
		if !bok || !hok {
			return false
		}
		k := [2]string{bk, hk}
		v, ok := alike[k]
		if !ok {
			be, bok := b.shapes.computed[k[0]]
			he, hok := h.shapes.computed[k[1]]
			// The shapes' entries carry their first members' names: all
			// else of Diff's key is compared.
			v = bok && hok && slices.EqualFunc(be, he, func(x, y Entry) bool {
				return x.Type == y.Type && x.Account == y.Account && x.Role == y.Role && x.Capability == y.Capability &&
					x.MFA == y.MFA && x.signIn() == y.signIn()
			})
			alike[k] = v
		}
		return v
	}
}

func revocation(e Entry) Change {
	return Change{Kind: "revoked", Entry: &e, Text: "- " + e.describe()}
}

// describe says what an entry lets its user do, in a line; how the user
// gets there when Identity Center is one of the ways.
func (e Entry) describe() string {
	var notes []string
	if e.MFA {
		notes = append(notes, "MFA")
	}
	if slices.Contains(e.SignIn, SignInIdentityCenter) {
		notes = append(notes, e.signIn())
	}
	how := ""
	if len(notes) > 0 {
		how = " (" + strings.Join(notes, ", ") + ")"
	}
	if e.Type == "direct" {
		return fmt.Sprintf("%s has %s in %s%s", e.User, e.Capability, e.Account, how)
	}
	return fmt.Sprintf("%s can assume %s in %s%s", e.User, e.Role, e.Account, how)
}

// signIn says how the user reaches the entry: "IAM user", "Identity
// Center" or "IAM user and Identity Center".
func (e Entry) signIn() string {
	iam, idc := slices.Contains(e.SignIn, SignInIAM), slices.Contains(e.SignIn, SignInIdentityCenter)
	switch {
	case iam && idc:
		return "IAM user and Identity Center"
	case idc:
		return "Identity Center"
	}
	return "IAM user"
}

// findingSet indexes the findings a diff reports: by-design ones (PowerG's)
// come and go with the users they target and would only drown the rest.
func findingSet(fs []Finding) map[string]Finding {
	m := map[string]Finding{}
	for _, f := range fs {
		if f.ByDesign == "" {
			m[f.PrincipalARN+"\x00"+f.Action+"\x00"+f.Target] = f
		}
	}
	return m
}
