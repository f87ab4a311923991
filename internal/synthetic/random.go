package synthetic

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Random returns the YAML of a random model: a few accounts of random types,
// built-in and custom roles switched on and off by account and type, teams
// granting by account, type or all, users with teams and grants of their own,
// and CI/CD users. Some random models are invalid (a grant that reaches no
// account where its role exists); callers skip those.
func Random(seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	types := []string{"dev", "prod", "sandbox"}
	n := 2 + r.IntN(4)
	var accounts, targets []string
	var b strings.Builder
	b.WriteString("apiVersion: iamstack/v1\nregion: eu-west-1\n")
	fmt.Fprintf(&b, "mfaMaxAge: %dh\n", 1+r.IntN(12))
	b.WriteString("accounts:\n  - {name: users, id: \"900000000000\", type: user-only}\n")
	for i := 1; i < n; i++ {
		t := types[r.IntN(len(types))]
		name := fmt.Sprintf("%s-%d", t, i)
		accounts = append(accounts, name)
		fmt.Fprintf(&b, "  - {name: %s, id: \"%012d\", type: %s}\n", name, 900000000000+i, t)
		targets = append(targets, name, t)
	}
	targets = append(targets, "all")
	pick := func() string { return targets[r.IntN(len(targets))] }
	// Half the models sign people in through Identity Center too.
	idc := r.IntN(2) == 0
	if idc {
		fmt.Fprintf(&b, "identityCenter:\n  account: %s\n  instanceArn: arn:aws:sso:::instance/ssoins-%016d\n  identityStoreId: d-%010d\n"+
			"  startUrl: https://d-%010d.awsapps.com/start\n  directory: identity-center\n  mfa: every-sign-in\n  portalSession: %dm\n",
			accounts[r.IntN(len(accounts))], seed, seed, seed, 15+r.IntN(46))
	}
	roles := []string{"AdminR", "OpsR", "ReadR", "CustomR"}
	b.WriteString("roles:\n  CustomR:\n    statements: [{effect: Allow, actions: [\"s3:GetObject\"], resources: [\"*\"]}]\n")
	if r.IntN(2) == 0 {
		fmt.Fprintf(&b, "    disabledIn: [%s]\n", accounts[r.IntN(len(accounts))])
	}
	if r.IntN(2) == 0 {
		fmt.Fprintf(&b, "  ReadR: {disabledIn: [%s]}\n", accounts[r.IntN(len(accounts))])
	}
	grants := func(indent string) {
		fmt.Fprintf(&b, "%sgrants:\n", indent)
		seen := map[string]bool{}
		for i := 0; i < 1+r.IntN(3); i++ {
			role := roles[r.IntN(len(roles))]
			if !seen[role] {
				seen[role] = true
				fmt.Fprintf(&b, "%s  %s: [%s]\n", indent, role, pick())
			}
		}
	}
	teams := 1 + r.IntN(3)
	b.WriteString("teams:\n")
	for i := 0; i < teams; i++ {
		fmt.Fprintf(&b, "  team%d:\n", i)
		grants("    ")
	}
	b.WriteString("users:\n")
	for i := 0; i < 1+r.IntN(8); i++ {
		fmt.Fprintf(&b, "  person.%d:\n    teams: [team%d]\n", i, r.IntN(teams))
		if r.IntN(2) == 0 {
			grants("    ")
		}
		signIn := "iam"
		if idc {
			signIn = []string{"iam", "identity-center", "both"}[r.IntN(3)]
			fmt.Fprintf(&b, "    signIn: %s\n", signIn)
			if signIn != "iam" {
				fmt.Fprintf(&b, "    email: person.%d@example.com\n", i)
			}
		}
		if r.IntN(5) == 0 && signIn != "identity-center" {
			b.WriteString("    power: true\n")
		}
	}
	b.WriteString("cicdUsers:\n")
	for i, a := range accounts {
		fmt.Fprintf(&b, "  ci-%d: {account: %s, statements: [{effect: Allow, actions: [\"s3:PutObject\"], resources: [\"*\"]}]}\n", i, a)
	}
	return []byte(b.String())
}
