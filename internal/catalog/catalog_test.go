package catalog_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/iamstack/iamstack/internal/catalog"
)

func TestCatalog(t *testing.T) {
	c := catalog.Get()
	if len(c.Services) < 400 || c.ActionCount() < 20000 || len(c.ManagedPolicyNames) < 1000 {
		t.Fatalf("a thin catalog: %d services, %d actions, %d managed policies", len(c.Services), c.ActionCount(), len(c.ManagedPolicyNames))
	}
	if c.IAMDataVersion == "" || c.ManagedPoliciesVersion == "" {
		t.Error("the catalog does not record its sources' versions")
	}
	for _, a := range []string{"GetObject", "PutObject", "ListAllMyBuckets"} {
		if !slices.Contains(c.Actions("s3"), a) {
			t.Errorf("s3:%s is missing", a)
		}
	}
	if got := c.MatchActions("iam", "Get*"); len(got) < 30 || slices.Contains(got, "CreateUser") {
		t.Errorf("iam:Get* matches %d actions", len(got))
	}
	// Calls that name no resource type act on the account as a whole.
	for action, want := range map[string]bool{"cloudformation:ActivateOrganizationsAccess": true, "iam:UpdateAccountPasswordPolicy": true,
		"kms:CreateKey": true, "cloudformation:UpdateStack": false, "iam:CreateRole": false} {
		svc, name, _ := strings.Cut(action, ":")
		if _, got := slices.BinarySearch(c.Services[svc].Unscoped, name); got != want {
			t.Errorf("%s names no resource: %v, want %v", action, got, want)
		}
	}
	if got := c.MatchActions("s3", "GetObjcet"); len(got) != 0 {
		t.Errorf("a typo matches %v", got)
	}
	if got := c.Services["iam"].Actions["AttachRolePolicy"]; catalog.Level(got) != "Permissions management" {
		t.Errorf("iam:AttachRolePolicy's level: %q", got)
	}
	for key, typ := range map[string]string{
		"aws:RequestedRegion": "String", "aws:MultiFactorAuthAge": "Numeric", "aws:MultiFactorAuthPresent": "Bool",
		"aws:PrincipalArn": "ARN", "aws:PrincipalTag/team": "String", "aws:CurrentTime": "Date",
		"iam:PermissionsBoundary": "ARN", "sts:RoleSessionName": "String", "s3:prefix": "String",
	} {
		if got, ok := c.ConditionKey(key); !ok || got != typ {
			t.Errorf("condition key %s: %q %v, want %s", key, got, ok, typ)
		}
	}
	for _, bad := range []string{"aws:RequestedRegoin", "s3:prefixx", "nosuchservice:key"} {
		if _, ok := c.ConditionKey(bad); ok {
			t.Errorf("%s is known", bad)
		}
	}
	for _, p := range []string{"AdministratorAccess", "ReadOnlyAccess", "job-function/Billing", "job-function/ViewOnlyAccess", "SecurityAudit"} {
		if !c.ManagedPolicy(p) {
			t.Errorf("managed policy %s is unknown", p)
		}
		doc, ok := c.ManagedPolicyDocument(p)
		var v map[string]any
		if !ok || json.Unmarshal(doc, &v) != nil || v["Statement"] == nil {
			t.Errorf("no document for %s", p)
		}
	}
	if c.ManagedPolicy("job-function/Biling") {
		t.Error("a misspelled managed policy exists")
	}
}

// BenchmarkLoad is the one-time cost of decoding the embedded catalog.
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		var d catalog.Data
		if err := catalog.Decode(&d); err != nil {
			b.Fatal(err)
		}
	}
}

func TestSpelling(t *testing.T) {
	c := catalog.Get()
	for in, want := range map[string]string{
		"S3:getobject":   "s3:GetObject",
		"s3:GetObject":   "s3:GetObject",
		"EC2:describe*":  "ec2:describe*",
		"s3:NoSuchThing": "s3:NoSuchThing",
		"nosuch:Thing":   "nosuch:Thing",
		"*":              "*",
	} {
		if got := c.Spelling(in); got != want {
			t.Errorf("Spelling(%q) = %q, want %q", in, got, want)
		}
	}
}
