package access

import (
	"encoding/json"
	"testing"
)

// entryFromStrings builds an entry with every field set from the fuzzer's
// strings, and the slices nil, empty or full as n says.
func entryFromStrings(s1, s2 string, n uint8, mfa bool, seconds int) Entry {
	list := func(k uint8) []string {
		switch k % 3 {
		case 0:
			return nil
		case 1:
			return []string{}
		}
		return []string{s1, s2, s1 + s2}
	}
	e := Entry{User: s1, UserARN: s2, UserKind: s1 + "k", Type: s2, Account: s1, AccountID: s2, MFA: mfa, MaxSessionSeconds: seconds,
		Through: list(n), Via: list(n / 3), SignIn: list(n / 9)}
	if n%2 == 0 {
		e.Role, e.RoleARN = s1, s2
	} else {
		e.Capability = s1 + s2
	}
	switch (n / 27) % 3 {
	case 1:
		e.Findings = []Finding{}
	case 2:
		e.Findings = []Finding{{Principal: s1, PrincipalARN: s2, Method: s1, Action: s2, Target: s1},
			{Principal: s2, PrincipalARN: s1, Method: s2, Action: s1, Target: s2, Steps: list(n), ByDesign: s1}}
	}
	return e
}

func checkEntryJSON(t *testing.T, e Entry) {
	t.Helper()
	want, err := json.MarshalIndent(e, "  ", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if got := e.AppendJSONElement(nil); string(got) != string(want) {
		t.Errorf("entry %+v:\n got %q\nwant %q", e, got, want)
	}
}

// An entry writes its JSON as encoding/json does: every field, empty and
// nil slices, findings, and every character encoding/json escapes.
func TestEntryJSONIsEncodingJSONs(t *testing.T) {
	strs := []string{"", "alice", "a\"b\\c", "<script>&</script>", "tab\tnl\ncr\rbs\bff\f", "\x00\x01\x1f\x7f", "é ü 日本",
		"\u2028\u2029", "bad \xff utf8 \xc3", "arn:aws:iam::123456789012:role/infra/AdminR"}
	for n := range uint8(81) {
		for i, s := range strs {
			checkEntryJSON(t, entryFromStrings(s, strs[(i+int(n))%len(strs)], n, n%2 == 0, int(n)*60))
		}
	}
	checkEntryJSON(t, Entry{})
}

func FuzzEntryJSON(f *testing.F) {
	f.Add("alice", "arn:aws:iam::1:user/alice", uint8(5), true, 3600)
	f.Add("<&>", "\xff\u2028", uint8(80), false, 0)
	f.Fuzz(func(t *testing.T, s1, s2 string, n uint8, mfa bool, seconds int) {
		checkEntryJSON(t, entryFromStrings(s1, s2, n, mfa, seconds))
	})
}
