package policy_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/iamstack/iamstack/internal/policy"
)

// Map is what decoding the document's JSON gives, whatever the statements
// hold: every field, one value and many, empty lists, principals and
// conditions.
func TestMapIsTheDecodedJSON(t *testing.T) {
	docs := []policy.Document{
		policy.NewDocument(),
		{},
		policy.NewDocument(policy.Statement{Effect: policy.Allow, Actions: []string{"s3:GetObject"}, Resources: []string{"*"}}),
		policy.NewDocument(
			policy.Statement{Sid: "All", Effect: policy.Deny, NotActions: []string{"iam:*", "sts:*"}, NotResources: []string{"a", "b", "c"},
				Conditions: policy.Conditions{"Bool": {"aws:MultiFactorAuthPresent": {"false"}}, "StringEquals": {"k": {"v", "w"}, "empty": nil}, "Null": {}}},
			policy.Statement{Effect: policy.Allow, Principal: policy.Principal{"AWS": {"arn:aws:iam::111111111111:root"}, "Service": {"a.amazonaws.com", "b.amazonaws.com"}, "Federated": nil},
				Actions: []string{"sts:AssumeRole", "sts:TagSession"}},
			policy.Statement{Effect: policy.Deny, NotPrincipal: policy.Principal{"AWS": {"x"}}, Actions: []string{"*"}, Resources: []string{"<&>\u2028"}},
			policy.Statement{},
		),
	}
	for _, d := range docs {
		var want map[string]any
		if err := json.Unmarshal(d.JSON(), &want); err != nil {
			t.Fatal(err)
		}
		if got := d.Map(); !reflect.DeepEqual(got, want) {
			t.Errorf("Map of %s:\n got  %#v\n want %#v", d.JSON(), got, want)
		}
	}
}
