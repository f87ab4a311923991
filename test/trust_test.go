//go:build integration

package test

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/iamstack/iamstack"
)

// A role's trust beyond iamstack's users deploys: the account's GitHub
// Actions OIDC provider is created with STS as its audience before the role
// that trusts it, IAM holds the trust exactly as the template writes it,
// and adding a subject updates the role in place.
func TestTrustsDeploy(t *testing.T) {
	if testing.Short() {
		t.Skip("deploys; skipped with -short")
	}
	t.Parallel() // its own moto and directories: it runs beside the other deploy tests
	dev := newAccount(t, "222222222222")
	example := string(iamstack.Example())
	withTrust := func(subjects ...string) string {
		trust := "    trust:\n"
		for _, s := range subjects {
			trust += "      - github: " + s + "\n"
		}
		trust += "      - {account: \"555555555555\", externalId: vendor-7f3a}\n      - service: codebuild.amazonaws.com\n"
		y := strings.Replace(example, "    maxSession: 1h\n    statements:\n", "    maxSession: 1h\n"+trust+"    statements:\n", 1)
		if y == example {
			t.Fatal("the example's DeployR changed: update the test")
		}
		return y
	}
	type role struct {
		RoleId                   string
		AssumeRolePolicyDocument any
	}
	getRole := func() role {
		var out struct{ Role role }
		if err := dev.aws(&out, "iam", "get-role", "--role-name", "infra-DeployR"); err != nil {
			t.Fatal(err)
		}
		return out.Role
	}
	check := func(asm string) role {
		tpls, _ := readAssembly(t, asm)
		tpl := tpls["infra-dev"]
		got := getRole()
		if want := tpl.Resources["RoleDeployR"].Properties["AssumeRolePolicyDocument"]; !reflect.DeepEqual(got.AssumeRolePolicyDocument, want) {
			t.Errorf("DeployR's trust in IAM:\n%v\nthe template:\n%v", got.AssumeRolePolicyDocument, want)
		}
		var providers struct{ OpenIDConnectProviderList []struct{ Arn string } }
		if err := dev.aws(&providers, "iam", "list-open-id-connect-providers"); err != nil {
			t.Fatal(err)
		}
		arn := "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com"
		if len(providers.OpenIDConnectProviderList) != 1 || providers.OpenIDConnectProviderList[0].Arn != arn {
			t.Fatalf("OIDC providers %+v, want exactly %s", providers.OpenIDConnectProviderList, arn)
		}
		var p struct {
			Url          string
			ClientIDList []string
		}
		if err := dev.aws(&p, "iam", "get-open-id-connect-provider", "--open-id-connect-provider-arn", arn); err != nil {
			t.Fatal(err)
		}
		if p.Url != "token.actions.githubusercontent.com" || !reflect.DeepEqual(p.ClientIDList, []string{"sts.amazonaws.com"}) {
			t.Errorf("provider %+v", p)
		}
		return got
	}
	before := check(dev.synthAndDeploy(withTrust("repo:acme/infra:environment:prod"), "infra-dev"))
	after := check(dev.synthAndDeploy(withTrust("repo:acme/infra:environment:prod", "repo:acme/infra:ref:refs/heads/main"), "infra-dev"))
	if after.RoleId != before.RoleId {
		t.Errorf("adding a subject replaced DeployR: ID %s, then %s", before.RoleId, after.RoleId)
	}
}

// The shapes a migrating team keeps deploy as IAM takes them:
// examples/platform-migration.yaml's prod stack (named policies and
// guardrails attached by name, an inline policy kept inline, providers for
// GitHub and an EKS cluster, a role outside the model trusted by ARN, an
// audit firm with MFA) and its identity stack (a person's own policy
// attached to her user). IAM holds each role's trust exactly as the
// template writes it.
func TestMigratedShapesDeploy(t *testing.T) {
	if testing.Short() {
		t.Skip("deploys; skipped with -short")
	}
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "examples", "platform-migration.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// The test accounts are bootstrapped in eu-west-1.
	model := strings.NewReplacer("region: eu-central-1", "region: eu-west-1", "regions: [eu-central-1,", "regions: [eu-west-1,").Replace(string(raw))
	if model == string(raw) {
		t.Fatal("the example's region changed: update the test")
	}
	prod := newAccount(t, "300000000004")
	tpls, _ := readAssembly(t, prod.synthAndDeploy(model, "plat-prod"))
	for id, res := range tpls["plat-prod"].Resources {
		if res.Type != "AWS::IAM::Role" {
			continue
		}
		name := res.Properties["RoleName"].(string)
		var out struct {
			Role struct{ AssumeRolePolicyDocument any }
		}
		if err := prod.aws(&out, "iam", "get-role", "--role-name", name); err != nil {
			t.Fatal(err)
		}
		if want := res.Properties["AssumeRolePolicyDocument"]; !reflect.DeepEqual(out.Role.AssumeRolePolicyDocument, want) {
			t.Errorf("%s (%s): trust in IAM\n%v\nthe template\n%v", name, id, out.Role.AssumeRolePolicyDocument, want)
		}
	}
	var attached struct{ AttachedPolicies []struct{ PolicyName string } }
	if err := prod.aws(&attached, "iam", "list-attached-role-policies", "--role-name", "plat-PowerR"); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range attached.AttachedPolicies {
		names = append(names, p.PolicyName)
	}
	for _, want := range []string{"Power", "Power2", "RegionRestriction", "RDSDeletePrevent", "plat-Guardrails"} {
		if !slices.Contains(names, want) {
			t.Errorf("PowerR attaches %v, not %s", names, want)
		}
	}
	var analyzers []string
	for id, res := range tpls["plat-prod"].Resources {
		if res.Type == "AWS::AccessAnalyzer::Analyzer" {
			analyzers = append(analyzers, id+" "+res.Properties["Type"].(string))
		}
	}
	slices.Sort(analyzers)
	if want := []string{"AccessAnalyzerExternal ACCOUNT", "AccessAnalyzerUnused ACCOUNT_UNUSED_ACCESS"}; !slices.Equal(analyzers, want) {
		t.Errorf("the prod stack's analyzers %v, want %v", analyzers, want)
	}
	var inline struct{ PolicyNames []string }
	if err := prod.aws(&inline, "iam", "list-role-policies", "--role-name", "plat-LegacyReportsR"); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(inline.PolicyNames, []string{"reports-read"}) {
		t.Errorf("LegacyReportsR's inline policies %v", inline.PolicyNames)
	}
	var providers struct{ OpenIDConnectProviderList []struct{ Arn string } }
	if err := prod.aws(&providers, "iam", "list-open-id-connect-providers"); err != nil {
		t.Fatal(err)
	}
	var arns []string
	for _, p := range providers.OpenIDConnectProviderList {
		arns = append(arns, p.Arn)
	}
	slices.Sort(arns)
	eks := "arn:aws:iam::300000000004:oidc-provider/oidc.eks.eu-central-1.amazonaws.com/id/5C2E1F0A9B8D7E6F5A4B3C2D1E0F9A8B"
	if want := []string{eks, "arn:aws:iam::300000000004:oidc-provider/token.actions.githubusercontent.com"}; !slices.Equal(arns, want) {
		t.Errorf("OIDC providers %v, want %v", arns, want)
	}
	var p struct{ ClientIDList []string }
	if err := prod.aws(&p, "iam", "get-open-id-connect-provider", "--open-id-connect-provider-arn", eks); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.ClientIDList, []string{"sts.amazonaws.com"}) {
		t.Errorf("the EKS provider's audiences %v", p.ClientIDList)
	}

	identity := newAccount(t, "300000000001")
	identity.synthAndDeploy(model, "plat-identity")
	var own struct{ AttachedPolicies []struct{ PolicyName string } }
	if err := identity.aws(&own, "iam", "list-attached-user-policies", "--user-name", "pia.sund"); err != nil {
		t.Fatal(err)
	}
	if len(own.AttachedPolicies) != 1 || own.AttachedPolicies[0].PolicyName != "plat-User-pia.sund" {
		t.Errorf("pia.sund's own policies %+v", own.AttachedPolicies)
	}
}
