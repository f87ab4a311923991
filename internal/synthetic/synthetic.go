// Package synthetic generates large, realistic identity models for tests and
// benchmarks: the same size and seed always give the same model.
package synthetic

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Size says how big a model to generate.
type Size struct {
	Users    int
	Accounts int // including the user-only account; at least 2
	// UserStacks spreads the users over this many stacks (0: enough for Users).
	UserStacks int
	// OUs, when above zero, puts the model in an organization: this many
	// organizational units, each of one account type, every listed
	// account in an OU of its type, a deploy account owning one StackSet
	// per OU, and teams granting by OU as well as by type and account.
	OUs int
	// Names names the accounts as organizations do, after a product, maybe
	// a part of it, and the type (checkout-api-prod, ml-dev): names of
	// many lengths and signatures, where the default's (dev-01) are of two.
	// Their deploys then come from GitHub's OIDC, each type's environment,
	// and no CI/CD user is named after an account.
	Names bool
	Seed  uint64
}

var accountTypes = []string{"dev", "staging", "prod", "sandbox"}

// Products and their parts name accounts with Size.Names: 30 products,
// each alone or with one of four parts, make 150 names of each type.
var (
	products = []string{"core", "data", "web", "mobile", "partner", "risk", "fraud", "search", "ledger", "billing",
		"checkout", "catalog", "notify", "growth", "ads", "media", "maps", "ml", "infra", "edge",
		"identity", "hr", "crm", "erp", "logistics", "support", "payments", "insights", "reporting", "audit"}
	productParts = []string{"", "api", "platform", "pipeline", "hub"}
)

// accountName is the name of the i-th listed account (from 1), of type t.
func (s Size) accountName(i int) string {
	t := accountTypes[(i-1)%len(accountTypes)]
	if !s.Names {
		return fmt.Sprintf("%s-%02d", t, i)
	}
	k := (i - 1) / len(accountTypes)
	name := products[k%len(products)]
	if part := productParts[k/len(products)%len(productParts)]; part != "" {
		name += "-" + part
	}
	if k >= len(products)*len(productParts) {
		name += fmt.Sprint(k / (len(products) * len(productParts)))
	}
	return name + "-" + t
}

// Model returns the YAML of a valid model of the given size.
func Model(s Size) []byte {
	r := rand.New(rand.NewPCG(s.Seed, 42))
	stacks := s.UserStacks
	if stacks == 0 {
		stacks = s.Users/400 + 1
	}
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: iamstack/v1\nprefix: infra\nregion: eu-west-1\nmfaMaxAge: 12h\nuserStacks: %d\n", stacks)
	ous := organization(&b, s.OUs, s.accountName(1))
	b.WriteString("accounts:\n  - {name: identity, id: \"100000000000\", type: user-only}\n")
	for i := 1; i < s.Accounts; i++ {
		t := accountTypes[(i-1)%len(accountTypes)]
		fmt.Fprintf(&b, "  - {name: %s, id: \"%012d\", type: %s", s.accountName(i), 100000000000+i, t)
		if of := ous[t]; len(of) > 0 {
			fmt.Fprintf(&b, ", ou: %s", of[(i-1)/len(accountTypes)%len(of)])
		}
		b.WriteString("}\n")
	}
	deployTrust := ""
	if s.Names {
		deployTrust = "    trustIn:\n"
		for _, t := range accountTypes {
			deployTrust += fmt.Sprintf("      %s:\n        - github: repo:acme/app:environment:%s\n", t, t)
		}
	}
	fmt.Fprintf(&b, `roles:
  OpsR:
    services: [cloudformation, cloudwatch, ec2, iam, lambda, logs, s3, sqs]
    disabledIn: [sandbox]
  DeployR:
%s    statements:
      - {effect: Allow, actions: ["cloudformation:*"], resources: ["arn:aws:cloudformation:*:*:stack/app-*/*"]}
    waivers: {AwsSolutions-IAM5: "CI/CD manages every app-* stack: the wildcard is the naming convention."}
  KMSAdminR:
    enabledIn: [prod]
    statements:
      - {effect: Allow, actions: ["kms:*"], resources: ["*"]}
    waivers:
      AwsSolutions-IAM5: "KMS administrators manage every key of production by design."
      IAMSTACK-LINT-PERMISSIONS-ON-ALL: "KMS administrators manage the key policies of every production key by design."
guardrails:
  regionRestriction: {regions: [eu-west-1, us-east-1]}
  rdsDeletePrevent: {accounts: [prod]}
teams:
  platform: {grants: {OpsR: [all], ReadR: [all], KMSAdminR: [prod]}}
  developers: {grants: {OpsR: [dev, sandbox], ReadR: [dev, staging, prod]}}
  sre: {grants: {OpsR: [staging, prod], ReadR: [all]}}
  auditors: {grants: {ReadR: [all]}}
  data: {grants: {ReadR: [prod], OpsR: [dev]}}
`, deployTrust)
	// Teams owning workloads by OU: each gets OpsR in two OUs.
	var owners []string
	for _, t := range []string{"dev", "prod"} {
		of := ous[t]
		for i := 0; i+1 < len(of); i += 2 {
			name := fmt.Sprintf("owners-%s-%02d", t, i/2)
			owners = append(owners, name)
			fmt.Fprintf(&b, "  %s: {grants: {OpsR: [%s, %s], ReadR: [%s]}}\n", name, of[i], of[i+1], t)
		}
	}
	b.WriteString("users:\n")

	teams := append([]string{"platform", "developers", "sre", "auditors", "data"}, owners...)
	for i := 0; i < s.Users; i++ {
		fmt.Fprintf(&b, "  user.%04d:\n    teams: [%s]\n", i, teams[r.IntN(len(teams))])
		if r.IntN(10) == 0 {
			fmt.Fprintf(&b, "    grants: {AdminR: [%s]}\n", s.accountName(1))
		}
		if i%50 == 0 { // one person in fifty administers the users
			b.WriteString("    power: true\n")
		}
	}
	if !s.Names {
		b.WriteString("cicdUsers:\n")
		for i := 1; i < s.Accounts; i++ {
			fmt.Fprintf(&b, "  ci-%s: {account: %s, roles: [DeployR]}\n", s.accountName(i), s.accountName(i))
		}
	}
	return []byte(b.String())
}

// organization writes the organization and n OUs, typed in turn dev,
// staging, prod and sandbox, and returns the OU names by type. The deploy
// account is the first listed account after identity, named deploy.
func organization(b *strings.Builder, n int, deploy string) map[string][]string {
	if n == 0 {
		return nil
	}
	b.WriteString("organization:\n  id: o-synthetic00\n  rootId: r-synt\n  managementAccount: \"099999999999\"\n")
	fmt.Fprintf(b, "  deployAccount: %s\n", deploy)
	b.WriteString("organizationalUnits:\n")
	ous := map[string][]string{}
	for i := range n {
		t := accountTypes[i%len(accountTypes)]
		name := fmt.Sprintf("%s-ou-%02d", t, i)
		ous[t] = append(ous[t], name)
		fmt.Fprintf(b, "  - {name: %s, id: ou-synt-%08d, type: %s}\n", name, i, t)
	}
	return ous
}
