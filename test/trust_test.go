//go:build integration

package test

import (
	"reflect"
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
