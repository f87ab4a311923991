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
	Seed       uint64
}

var accountTypes = []string{"dev", "staging", "prod", "sandbox"}

// Model returns the YAML of a valid model of the given size.
func Model(s Size) []byte {
	r := rand.New(rand.NewPCG(s.Seed, 42))
	stacks := s.UserStacks
	if stacks == 0 {
		stacks = s.Users/400 + 1
	}
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: iamstack/v1\nprefix: infra\nregion: eu-west-1\nmfaMaxAge: 12h\nuserStacks: %d\n", stacks)
	b.WriteString("accounts:\n  - {name: identity, id: \"100000000000\", type: user-only}\n")
	for i := 1; i < s.Accounts; i++ {
		t := accountTypes[(i-1)%len(accountTypes)]
		fmt.Fprintf(&b, "  - {name: %s-%02d, id: \"%012d\", type: %s}\n", t, i, 100000000000+i, t)
	}
	b.WriteString(`roles:
  OpsR:
    services: [cloudformation, cloudwatch, ec2, iam, lambda, logs, s3, sqs]
    disabledIn: [sandbox]
  DeployR:
    statements:
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
users:
`)
	teams := []string{"platform", "developers", "sre", "auditors", "data"}
	for i := 0; i < s.Users; i++ {
		fmt.Fprintf(&b, "  user.%04d:\n    teams: [%s]\n", i, teams[r.IntN(len(teams))])
		if r.IntN(10) == 0 {
			fmt.Fprintf(&b, "    grants: {AdminR: [%s-%02d]}\n", accountTypes[0], 1)
		}
		if r.IntN(50) == 0 {
			b.WriteString("    power: true\n")
		}
	}
	b.WriteString("cicdUsers:\n")
	for i := 1; i < s.Accounts; i++ {
		t := accountTypes[(i-1)%len(accountTypes)]
		fmt.Fprintf(&b, "  ci-%s-%02d: {account: %s-%02d, roles: [DeployR]}\n", t, i, t, i)
	}
	return []byte(b.String())
}
