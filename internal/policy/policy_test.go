package policy_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/iamstack/iamstack/internal/names"
	"github.com/iamstack/iamstack/internal/policy"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

var scheme = names.Scheme{Partition: "aws", Prefix: "infra"}

// The canonical policies are reviewed as JSON: a change to one shows up as a
// diff of its golden file. Regenerate with `go test ./policy -update`.
func TestCanonicalPoliciesGolden(t *testing.T) {
	docs := map[string]policy.Document{
		"manage-own-user":             policy.ManageOwnUser(scheme, "111111111111", policy.ManageOwnUserOptions{}),
		"manage-own-user-first-login": policy.ManageOwnUser(scheme, "111111111111", policy.ManageOwnUserOptions{PasswordChangeWithoutMFA: true}),
		"power":                       policy.Power(43200),
		"human-trust":                 policy.NewDocument(policy.HumanTrust(scheme, "111111111111", "OpsR", []string{"all", "222222222222", "dev", "ou-ab12-11111111"}, 43200, policy.TrustOptions{})...),
		"human-trust-tags-source-identity": policy.NewDocument(policy.HumanTrust(scheme, "111111111111", "OpsR", []string{"all", "222222222222", "dev"}, 3600,
			policy.TrustOptions{SessionTags: true, SourceIdentity: true})...),
		"assume-role-guards-source-identity": policy.NewDocument(append(policy.AssumeRoleGuards(43200, true), policy.AssumeRoleGrant(scheme,
			policy.RoleGrant{Role: "ReadR", Options: policy.TrustOptions{SessionTags: true, SourceIdentity: true}})...)...),
		"ops-boundary": policy.OpsBoundary(scheme, "222222222222", []string{"cloudformation", "ec2", "iam", "organizations", "s3"},
			[]policy.Statement{policy.RegionRestriction([]string{"eu-west-1"}, nil), policy.RDSDeletePrevent(nil)}),
		"assume-role-guards-and-one-grant": policy.NewDocument(append(policy.AssumeRoleGuards(43200, false), policy.AssumeRoleGrant(scheme, policy.RoleGrant{Role: "ReadR", Token: "dev",
			Accounts: []string{"222222222222", "444444444444"}, OUs: []string{"ou-ab12-11111111"}, OrgRoot: "o-a1b2c3d4e5/r-ab12"})...)...),
		"central-machine-trust": policy.NewDocument(policy.CentralMachineTrust(scheme, "111111111111",
			[]string{"arn:aws:iam::111111111111:user/infra/deployer"})),
		"account-trust-external-id": policy.NewDocument(policy.AccountTrust(scheme, "555555555555", "vendor-7f3a", 0)),
		"role-trust":                policy.NewDocument(policy.RoleTrust(scheme, "222222222222", []string{"arn:aws:iam::222222222222:role/infra-AdminR"}, true)...),
		"github-trust": policy.NewDocument(policy.GitHubTrust(scheme, "333333333333",
			[]string{"repo:acme/infra:environment:prod", "repo:acme/infra:ref:refs/heads/main"})),
		"github-trust-wildcard": policy.NewDocument(policy.GitHubTrust(scheme, "333333333333", []string{"repo:acme/infra:*"})),
		"service-trust":         policy.NewDocument(policy.ServiceTrust("222222222222", []string{"codebuild.amazonaws.com", "lambda.amazonaws.com"})),
		"guardrails-configured": policy.NewDocument(
			policy.ExceptPrincipals(policy.RegionRestriction([]string{"eu-west-1"}, []string{"bedrock:InvokeModel", "iam:*"}),
				[]string{"arn:aws:iam::222222222222:role/infra-AdminR"}),
			policy.RDSDeletePrevent([]string{"arn:aws:rds:eu-west-1:222222222222:db:prod-*"})),
		"guardrails-region-rds": policy.NewDocument(policy.RegionRestriction([]string{"eu-west-1"}, nil), policy.RDSDeletePrevent(nil)),
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			var got bytes.Buffer
			if err := json.Indent(&got, doc.JSON(), "", "  "); err != nil {
				t.Fatal(err)
			}
			got.WriteByte('\n')
			file := filepath.Join("testdata", name+".json")
			if *update {
				if err := os.WriteFile(file, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run `go test ./policy -update` to create it)", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("%s differs from %s; if the change is intended, run `go test ./policy -update` and review the diff\n%s", name, file, got.String())
			}
		})
	}
}

func TestManageOwnUserCannotRaiseAccess(t *testing.T) {
	for _, opts := range []policy.ManageOwnUserOptions{{}, {PasswordChangeWithoutMFA: true}} {
		doc := policy.ManageOwnUser(scheme, "111111111111", opts)
		var deny *policy.Statement
		for i, s := range doc.Statements {
			if s.Effect == policy.Deny {
				deny = &doc.Statements[i]
				continue
			}
			for _, a := range s.Actions {
				// Tagging, group and policy changes would let a user grant themselves roles.
				for _, bad := range []string{"Tag", "Untag", "Group", "Policy", "LoginProfile", "PermissionsBoundary", "iam:*"} {
					if strings.Contains(a, bad) && a != "iam:GetAccountPasswordPolicy" {
						t.Errorf("self-management allows %s", a)
					}
				}
			}
			for _, r := range s.Resources {
				if r != "*" && !strings.Contains(r, "${aws:username}") && !strings.HasSuffix(r, ":mfa/*") {
					t.Errorf("statement %s reaches %s, beyond the user's own", s.Sid, r)
				}
			}
		}
		if deny == nil || !slices.Equal(deny.Conditions["BoolIfExists"]["aws:MultiFactorAuthPresent"], []string{"false"}) {
			t.Fatal("no deny without MFA")
		}
		if got := slices.Contains(deny.NotActions, "iam:ChangePassword"); got != opts.PasswordChangeWithoutMFA {
			t.Errorf("password change without MFA is %v, option %v", got, opts.PasswordChangeWithoutMFA)
		}
		if slices.Contains(deny.NotActions, "sts:AssumeRole") {
			t.Error("a user without MFA could assume roles")
		}
	}
}

func TestTrustFitsWhateverTheNumberOfUsers(t *testing.T) {
	// The trust statements name the account, not users: their size is fixed,
	// and leaves room for the CI/CD users a role may also trust (the plan
	// refuses a trust over IAM's quota, with the field to change).
	long := names.Scheme{Partition: "aws-us-gov", Prefix: strings.Repeat("p", 20)}
	for _, c := range []struct {
		opts  policy.TrustOptions
		limit int
	}{
		{policy.TrustOptions{}, policy.TrustPolicyMaxSize / 2},
		// With every option, each statement repeats the conditions: at the
		// longest names, it still fits.
		{policy.TrustOptions{SessionTags: true, SourceIdentity: true}, policy.TrustPolicyMaxSize},
	} {
		opts, limit := c.opts, c.limit
		// Every kind of token a listed account's role trusts, each as long
		// as it gets: all, the account, its type, its OU.
		tokens := []string{"all", "222222222222", strings.Repeat("t", 50), "ou-" + strings.Repeat("a", 32) + "-" + strings.Repeat("b", 32)}
		doc := policy.NewDocument(policy.HumanTrust(long, "111111111111", strings.Repeat("R", 43), tokens, 129600, opts)...)
		if n := doc.Size(); n > limit {
			t.Errorf("human trust with the longest names and options %+v is %d characters; keep it under %d of IAM's %d", opts, n, limit, policy.TrustPolicyMaxSize)
		}
	}
}

func TestSplit(t *testing.T) {
	var stmts []policy.Statement
	for i := 0; i < 200; i++ {
		stmts = append(stmts, policy.Statement{Effect: policy.Allow, Actions: []string{"s3:GetObject"},
			Resources: []string{"arn:aws:s3:::bucket-" + strings.Repeat("x", i%40) + "/*"}})
	}
	docs, err := policy.Split(stmts, policy.ManagedPolicyMaxSize)
	if err != nil {
		t.Fatal(err)
	}
	var back []policy.Statement
	for i, d := range docs {
		if n := d.Size(); n > policy.ManagedPolicyMaxSize {
			t.Errorf("document %d is %d characters", i, n)
		}
		if n := len(d.JSON()); n != d.Size() {
			t.Errorf("size %d is not the minified length %d", d.Size(), n)
		}
		back = append(back, d.Statements...)
	}
	if len(docs) < 2 || !slices.EqualFunc(back, stmts, func(a, b policy.Statement) bool { return a.Resources[0] == b.Resources[0] }) {
		t.Errorf("split into %d documents lost or reordered statements", len(docs))
	}
	// Greedy packing: no two neighbours could have been one document.
	for i := 0; i+1 < len(docs); i++ {
		merged := policy.NewDocument(append(append([]policy.Statement(nil), docs[i].Statements...), docs[i+1].Statements[0])...)
		if merged.Size() <= policy.ManagedPolicyMaxSize {
			t.Errorf("document %d had room for the next statement", i)
		}
	}
	huge := policy.Statement{Sid: "Huge", Effect: policy.Allow, Actions: []string{"s3:*"}, Resources: []string{strings.Repeat("a", 7000)}}
	if _, err := policy.Split([]policy.Statement{huge}, policy.ManagedPolicyMaxSize); err == nil || !strings.Contains(err.Error(), "Sid Huge") {
		t.Errorf("a statement larger than a policy: %v", err)
	}
}

func TestJSONGrammar(t *testing.T) {
	s := policy.Statement{Effect: policy.Allow, Actions: []string{"s3:GetObject"}, Resources: []string{"a", "b"},
		Conditions: policy.Conditions{"StringEquals": {"k": {"v"}}}}
	got := string(policy.NewDocument(s).JSON())
	want := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":["a","b"],"Condition":{"StringEquals":{"k":"v"}}}]}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
