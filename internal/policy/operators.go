package policy

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Operator is a condition operator as a policy writes it: an optional set
// qualifier, the operator, and an optional IfExists suffix.
type Operator struct {
	// Set is "", "ForAnyValue" or "ForAllValues".
	Set string
	// Name is the operator without qualifier and suffix: "StringNotLike".
	Name string
	// IfExists holds the condition when the key is absent.
	IfExists bool
	// Positive is the operator a negated one negates ("StringLike"), or Name.
	Positive string
	// Negated operators hold when their key is absent.
	Negated bool
}

// operators are IAM's condition operators, each with the positive form a
// negated one inverts: the one list that the model's validation and the
// evaluator share.
var operators = map[string]string{
	"StringEquals": "", "StringNotEquals": "StringEquals",
	"StringEqualsIgnoreCase": "", "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
	"StringLike": "", "StringNotLike": "StringLike",
	"NumericEquals": "", "NumericNotEquals": "NumericEquals",
	"NumericLessThan": "", "NumericLessThanEquals": "", "NumericGreaterThan": "", "NumericGreaterThanEquals": "",
	"DateEquals": "", "DateNotEquals": "DateEquals",
	"DateLessThan": "", "DateLessThanEquals": "", "DateGreaterThan": "", "DateGreaterThanEquals": "",
	"Bool": "", "BinaryEquals": "",
	"IpAddress": "", "NotIpAddress": "IpAddress",
	"ArnEquals": "", "ArnNotEquals": "ArnEquals", "ArnLike": "", "ArnNotLike": "ArnLike",
	"Null": "",
}

// ConditionOperators lists IAM's condition operators, sorted.
func ConditionOperators() []string { return slices.Sorted(maps.Keys(operators)) }

// ParseOperator reads a condition operator such as
// "ForAnyValue:StringLikeIfExists".
func ParseOperator(s string) (Operator, error) {
	var op Operator
	name := s
	if q, rest, ok := strings.Cut(s, ":"); ok {
		if q != "ForAnyValue" && q != "ForAllValues" {
			return op, fmt.Errorf("%q is not a set qualifier: write ForAnyValue: or ForAllValues:", q)
		}
		op.Set, name = q, rest
	}
	if base, ok := strings.CutSuffix(name, "IfExists"); ok && name != "Null" {
		op.IfExists, name = true, base
	}
	positive, ok := operators[name]
	if !ok {
		return op, fmt.Errorf("%q is not a condition operator", name)
	}
	if op.IfExists && name == "Null" {
		return op, fmt.Errorf("Null takes no IfExists")
	}
	op.Name, op.Positive, op.Negated = name, name, positive != ""
	if op.Negated {
		op.Positive = positive
	}
	return op, nil
}
