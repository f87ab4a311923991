package evaluate

import (
	"testing"

	"github.com/iamstack/iamstack/internal/policy"
)

// Every operator of IAM's list (policy.ConditionOperators), with a value
// that holds and one that does not. A new operator without cases fails.
func TestEveryOperator(t *testing.T) {
	type tc struct{ policy, request string }
	cases := map[string]struct{ holds, fails tc }{
		"StringEquals":              {tc{"a", "a"}, tc{"a", "A"}},
		"StringNotEquals":           {tc{"a", "b"}, tc{"a", "a"}},
		"StringEqualsIgnoreCase":    {tc{"a", "A"}, tc{"a", "b"}},
		"StringNotEqualsIgnoreCase": {tc{"a", "b"}, tc{"a", "A"}},
		"StringLike":                {tc{"a*c", "abbc"}, tc{"a?c", "abbc"}},
		"StringNotLike":             {tc{"a?c", "abbc"}, tc{"a*c", "abbc"}},
		"NumericEquals":             {tc{"10", "10.0"}, tc{"10", "11"}},
		"NumericNotEquals":          {tc{"10", "11"}, tc{"10", "10"}},
		"NumericLessThan":           {tc{"10", "9"}, tc{"10", "10"}},
		"NumericLessThanEquals":     {tc{"10", "10"}, tc{"10", "11"}},
		"NumericGreaterThan":        {tc{"10", "11"}, tc{"10", "10"}},
		"NumericGreaterThanEquals":  {tc{"10", "10"}, tc{"10", "9"}},
		"DateEquals":                {tc{"2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"}, tc{"2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"}},
		"DateNotEquals":             {tc{"2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"}, tc{"2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"}},
		"DateLessThan":              {tc{"2026-01-02T00:00:00Z", "2026-01-01T00:00:00Z"}, tc{"2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"}},
		"DateLessThanEquals":        {tc{"2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"}, tc{"2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"}},
		"DateGreaterThan":           {tc{"2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"}, tc{"2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"}},
		"DateGreaterThanEquals":     {tc{"2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"}, tc{"2026-01-02T00:00:00Z", "2026-01-01T00:00:00Z"}},
		"Bool":                      {tc{"true", "TRUE"}, tc{"true", "false"}},
		"BinaryEquals":              {tc{"QmluYXJ5", "QmluYXJ5"}, tc{"QmluYXJ5", "QmluYXJ6"}},
		"IpAddress":                 {tc{"203.0.113.0/24", "203.0.113.7"}, tc{"203.0.113.0/24", "198.51.100.7"}},
		"NotIpAddress":              {tc{"203.0.113.0/24", "198.51.100.7"}, tc{"203.0.113.0/24", "203.0.113.7"}},
		"ArnEquals":                 {tc{"arn:aws:iam::111111111111:role/a", "arn:aws:iam::111111111111:role/a"}, tc{"arn:aws:iam::111111111111:role/a", "arn:aws:iam::111111111111:role/b"}},
		"ArnNotEquals":              {tc{"arn:aws:iam::111111111111:role/a", "arn:aws:iam::111111111111:role/b"}, tc{"arn:aws:iam::111111111111:role/a", "arn:aws:iam::111111111111:role/a"}},
		"ArnLike":                   {tc{"arn:aws:iam::*:role/a*", "arn:aws:iam::111111111111:role/ab"}, tc{"arn:aws:iam::*:role/a*", "arn:aws:iam::111111111111:role/b"}},
		"ArnNotLike":                {tc{"arn:aws:iam::*:role/a*", "arn:aws:iam::111111111111:role/b"}, tc{"arn:aws:iam::*:role/a*", "arn:aws:iam::111111111111:role/ab"}},
		"Null":                      {tc{"false", "present"}, tc{"true", "present"}},
	}
	for _, op := range policy.ConditionOperators() {
		c, ok := cases[op]
		if !ok {
			t.Errorf("%s has no test cases: add a value that holds and one that does not", op)
			continue
		}
		for _, x := range []struct {
			tc   tc
			want bool
		}{{c.holds, true}, {c.fails, false}} {
			ctx := NewContext(map[string][]string{"k": {x.tc.request}})
			if got := conditionHolds(op, "k", []string{x.tc.policy}, ctx); got != x.want {
				t.Errorf("%s: policy %q, request %q: holds %v, want %v", op, x.tc.policy, x.tc.request, got, x.want)
			}
		}
	}
	// An absent key: negated operators and IfExists hold, positive ones do not.
	for _, tc := range []struct {
		op   string
		want bool
	}{{"StringEquals", false}, {"StringNotEquals", true}, {"StringEqualsIfExists", true}, {"Null", false},
		{"ForAnyValue:StringEquals", false}, {"ForAllValues:StringEquals", true}, {"NumericLessThanIfExists", true}, {"DateGreaterThan", false}} {
		if got := conditionHolds(tc.op, "absent", []string{"x"}, NewContext(nil)); got != tc.want {
			t.Errorf("%s on an absent key: %v, want %v", tc.op, got, tc.want)
		}
	}
	for _, bad := range []string{"StringEqulas", "Foo:StringEquals", "NullIfExists"} {
		if _, err := policy.ParseOperator(bad); err == nil {
			t.Errorf("%s parsed", bad)
		}
		if conditionHolds(bad, "k", []string{"a"}, NewContext(map[string][]string{"k": {"a"}})) {
			t.Errorf("the unknown operator %s matched", bad)
		}
	}
}

// conditionHolds is one condition, read as a statement's are, in ctx.
func conditionHolds(op, key string, values []string, ctx Context) bool {
	c := compileCondition(op, key, values)
	return c.holds(ctx)
}

// A condition of many values looks the literal ones up in a set: it holds
// exactly where comparing every value one by one does, for every operator
// that compares by equality, with policy variables and wildcards among the
// values, and with each set qualifier and negation.
func TestManyValuesHoldAsEach(t *testing.T) {
	values := []string{"111111111111", "222222222222", "33333333333?", "4444*", "${aws:username}", "arn:aws:iam::*:role/a",
		"arn:aws:iam::555555555555:role/b", "${aws:PrincipalTag/team}-x", "QmluYXJ5", "666666666666", "unclosed ${x", "a*c"}
	requests := []string{"111111111111", "333333333339", "444449", "alice", "arn:aws:iam::777777777777:role/a",
		"arn:aws:iam::555555555555:role/b", "red-x", "QmluYXJ5", "unclosed ${x", "abc", "a*c", "none"}
	for _, base := range []string{"StringEquals", "StringNotEquals", "StringLike", "StringNotLike", "ArnEquals", "ArnLike",
		"ArnNotLike", "BinaryEquals", "StringEqualsIgnoreCase"} {
		for _, op := range []string{base, "ForAnyValue:" + base, "ForAllValues:" + base, base + "IfExists"} {
			for _, rv := range requests {
				for _, reqValues := range [][]string{{rv}, {rv, "111111111111"}} {
					ctx := NewContext(map[string][]string{"k": reqValues, "aws:username": {"alice"}, "aws:PrincipalTag/team": {"red"}})
					c := compileCondition(op, "K", values)
					if base != "StringEqualsIgnoreCase" && c.literal == nil {
						t.Fatalf("%s: no set of literal values", op)
					}
					each := c
					each.literal, each.rest = nil, values
					if got, want := c.holds(ctx), each.holds(ctx); got != want {
						t.Errorf("%s %q on %q: %v with a set, %v value by value", op, values, reqValues, got, want)
					}
				}
			}
		}
	}
}
