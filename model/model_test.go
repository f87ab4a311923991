package model_test

import (
	"encoding"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/iamstack/iamstack"
	"github.com/iamstack/iamstack/internal/synthetic"
	"github.com/iamstack/iamstack/model"
	"gopkg.in/yaml.v3"
)

// base is a small valid model that the cases below break one way each.
const base = `apiVersion: iamstack/v1
region: eu-west-1
accounts:
  - {name: identity, id: "111111111111", type: user-only}
  - {name: dev, id: "222222222222", type: dev}
  - {name: prod-eu, id: "333333333333", type: prod}
  - {name: prod-us, id: "444444444444", type: prod}
roles:
  KMSAdminR:
    enabledIn: [prod-eu]
    statements:
      - {effect: Allow, actions: ["kms:*"], resources: ["*"]}
teams:
  ops:
    grants: {OpsR: [prod], KMSAdminR: [prod]}
users:
  alice.smith:
    teams: [ops]
    grants: {AdminR: [dev]}
  bob:
    grants: {ReadR: [all]}
cicdUsers:
  deployer: {account: dev, roles: [OpsR]}
`

func parse(t *testing.T, yaml string) (*model.Model, error) {
	t.Helper()
	return model.Parse("m.yaml", []byte(yaml))
}

func TestExampleModelLoads(t *testing.T) {
	m, err := model.Parse(iamstack.ExampleFile, iamstack.Example())
	if err != nil {
		t.Fatal(err)
	}
	if got := m.UserOnlyAccount().Name; got != "identity" {
		t.Errorf("user-only account %q", got)
	}
	if len(m.UserNames()) < 6 || len(m.CICDUsersIn("dev")) != 1 || len(m.CICDUsersIn("prod")) != 1 {
		t.Errorf("the example must have half a dozen people and one CI/CD user in dev and prod")
	}
}

func TestGrantsAreTheUnionOfUserAndTeams(t *testing.T) {
	m, err := parse(t, base)
	if err != nil {
		t.Fatal(err)
	}
	got := m.UserGrants("alice.smith")
	want := []model.Grant{
		{Account: "dev", Role: "AdminR", Sources: []string{"user"}},
		{Account: "prod-eu", Role: "KMSAdminR", Sources: []string{"team ops"}},
		{Account: "prod-eu", Role: "OpsR", Sources: []string{"team ops"}},
		{Account: "prod-us", Role: "OpsR", Sources: []string{"team ops"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("grants:\n got %v\nwant %v", got, want)
	}
	// KMSAdminR by type "prod" applies where it exists and lists the skip.
	if skips := m.SkippedGrants("alice.smith"); !reflect.DeepEqual(skips, []model.Skip{{Account: "prod-us", Role: "KMSAdminR", Source: "team ops"}}) {
		t.Errorf("skips %v", skips)
	}
	// "all" means every account where the role exists, never the user-only one.
	var bob []string
	for _, g := range m.UserGrants("bob") {
		bob = append(bob, g.Account)
	}
	if !slices.Equal(bob, []string{"dev", "prod-eu", "prod-us"}) {
		t.Errorf("bob's ReadR on all: %v", bob)
	}
}

func TestDefaults(t *testing.T) {
	m, err := parse(t, base)
	if err != nil {
		t.Fatal(err)
	}
	if m.Prefix() != "infra" || m.MFAMaxAgeSeconds() != 43200 || m.UserStacks() != 1 {
		t.Errorf("defaults: prefix %q, MFA age %d, userStacks %d", m.Prefix(), m.MFAMaxAgeSeconds(), m.UserStacks())
	}
	if r, _ := m.Role("AdminR"); r.MaxSession.Seconds() != 3600 {
		t.Errorf("AdminR max session %d, want 3600 (emergencies only)", r.MaxSession.Seconds())
	}
	if envs := m.EnvironmentNames(); !slices.Equal(envs, []string{"infra"}) || len(m.EnvironmentAccounts("infra")) != 4 {
		t.Errorf("default environment: %v %v", envs, m.EnvironmentAccounts("infra"))
	}
	if m.RoleEnabled("OpsR", "identity") {
		t.Error("roles must never exist in the user-only account")
	}
}

func TestBadModels(t *testing.T) {
	cases := []struct {
		name string
		edit func(string) string
		want []string // each "line: message fragment"
	}{
		{"malformed YAML", func(s string) string { return s + "users: [\n" },
			[]string{"malformed YAML"}},
		{"unknown top-level key", func(s string) string { return strings.Replace(s, "region:", "regoin:", 1) },
			[]string{`2: unknown key "regoin" (did you mean "region"?)`, `region "" is not an AWS region`}},
		{"unknown nested key", func(s string) string { return strings.Replace(s, "teams: [ops]", "team: [ops]", 1) },
			[]string{`18: users."alice.smith": unknown key "team" (did you mean "teams"?)`}},
		{"missing apiVersion", func(s string) string { return strings.Replace(s, "apiVersion: iamstack/v1\n", "", 1) },
			[]string{"apiVersion is missing"}},
		{"wrong type", func(s string) string { return strings.Replace(s, "bob:\n", "bob:\n    power: yes\n", 1) },
			[]string{`21: users.bob.power: expected true or false, found "yes"`}},
		{"list expected", func(s string) string { return strings.Replace(s, "teams: [ops]", "teams: ops", 1) },
			[]string{`18: users."alice.smith".teams: expected a list, found "ops"; write a single item as [ops]`}},
		{"duplicate user", func(s string) string { return strings.Replace(s, "  bob:\n", "  bob: {}\n  bob:\n", 1) },
			[]string{`mapping key "bob" already defined`}},
		{"duplicate account name", func(s string) string {
			return strings.Replace(s, `{name: prod-us, id: "444444444444"`, `{name: dev, id: "444444444444"`, 1)
		}, []string{`7: accounts[3].name: account name "dev" is used twice`}},
		{"duplicate account ID", func(s string) string { return strings.Replace(s, "444444444444", "333333333333", 1) },
			[]string{`7: accounts[3].id: account ID 333333333333 is already account "prod-eu"`}},
		{"short account ID", func(s string) string { return strings.Replace(s, `"222222222222"`, "2222", 1) },
			[]string{`5: accounts[1].id: account ID "2222" must be exactly 12 digits`}},
		{"two user-only accounts", func(s string) string { return strings.Replace(s, "type: dev}", "type: user-only}", 1) },
			[]string{`2 accounts have type "user-only" ("identity", "dev")`}},
		{"no user-only account", func(s string) string { return strings.Replace(s, "type: user-only}", "type: shared}", 1) },
			[]string{`no account has type "user-only"`}},
		{"bad user name", func(s string) string { return strings.Replace(s, "  bob:\n", "  bob smith:\n", 1) },
			[]string{`20: users."bob smith": user name "bob smith" is not a valid IAM user name`}},
		{"unknown account", func(s string) string { return strings.Replace(s, "AdminR: [dev]", "AdminR: [dve]", 1) },
			[]string{`19: users."alice.smith".grants.AdminR[0]: no account, OU, account type or account tag (key=value) is called "dve" (did you mean "dev"?)`}},
		{"unknown role", func(s string) string { return strings.Replace(s, "AdminR: [dev]", "AdminRole: [dev]", 1) },
			[]string{`19: users."alice.smith".grants.AdminRole: no role is called "AdminRole" (did you mean "AdminR"?)`}},
		{"unknown team", func(s string) string { return strings.Replace(s, "teams: [ops]", "teams: [opps]", 1) },
			[]string{`18: users."alice.smith".teams[0]: no team is called "opps" (did you mean "ops"?)`}},
		{"role in none of the granted accounts", func(s string) string { return strings.Replace(s, "AdminR: [dev]", "KMSAdminR: [dev]", 1) },
			[]string{`19: users."alice.smith".grants.KMSAdminR: role KMSAdminR exists in none of the accounts granted ("dev")`}},
		{"role granted only in the user-only account", func(s string) string { return strings.Replace(s, "AdminR: [dev]", "AdminR: [user-only]", 1) },
			[]string{`role AdminR exists in none of the accounts granted ("identity")`}},
		{"CI/CD user in unknown account", func(s string) string { return strings.Replace(s, "{account: dev,", "{account: staging,", 1) },
			[]string{`23: cicdUsers.deployer.account: no account is called "staging"`}},
		{"CI/CD role not in its account", func(s string) string { return strings.Replace(s, "roles: [OpsR]}", "roles: [KMSAdminR]}", 1) },
			[]string{`23: cicdUsers.deployer.roles[0]: role KMSAdminR is not enabled in account "dev"`}},
		{"custom role without permissions", func(s string) string { return strings.Replace(s, "roles:\n", "roles:\n  EmptyR: {}\n", 1) },
			[]string{`custom role "EmptyR" grants nothing`}},
		{"bad statement", func(s string) string { return strings.Replace(s, `actions: ["kms:*"]`, `actions: ["kms"]`, 1) },
			[]string{`12: roles.KMSAdminR.statements[0].actions[0]: "kms" is not an action`}},
		{"ambiguous account name", func(s string) string { return strings.Replace(s, "{name: dev,", "{name: prod,", 1) },
			[]string{`account name "prod" is also the type of accounts "prod-eu", "prod-us"`}},
		{"mfa age out of range", func(s string) string {
			return strings.Replace(s, "region: eu-west-1", "region: eu-west-1\nmfaMaxAge: 48h", 1)
		},
			[]string{`3: mfaMaxAge: mfaMaxAge 48h0m0s must be whole seconds between 15m0s and 36h0m0s`}},
		{"built-in role with statements", func(s string) string {
			return strings.Replace(s, "roles:\n", "roles:\n  AdminR:\n    statements: [{effect: Allow, actions: [\"s3:*\"], resources: [\"*\"]}]\n", 1)
		}, []string{`roles.AdminR: AdminR is built in; its permissions are fixed`}},
		{"guardrail that allows", func(s string) string {
			return s + "guardrails:\n  custom:\n    - {name: G, statements: [{effect: Allow, actions: [\"s3:*\"], resources: [\"*\"]}]}\n"
		}, []string{`guardrails.custom[0].statements[0].effect: a guardrail only denies`}},
		{"standing resource of an unknown kind", func(s string) string {
			return s + "standingResources:\n  - {account: dev, kind: rol, name: x, managedPolicies: [AdministratorAccess]}\n"
		}, []string{`25: standingResources[0].kind: kind "rol" is not one of "oidc-provider", "role", "stack", "user", "workload" (did you mean "role"?)`}},
		{"standing resource in an unknown account", func(s string) string {
			return s + "standingResources:\n  - {account: dve, kind: user, name: x, managedPolicies: [AdministratorAccess]}\n"
		}, []string{`25: standingResources[0].account: no account is called "dve" (did you mean "dev"?)`}},
		{"standing workload of an unknown service", func(s string) string {
			return s + "standingResources:\n  - {account: dev, kind: workload, name: f, service: lamda, runsAs: r}\n"
		}, []string{`standingResources[0].service: service "lamda" is not one of "codebuild", "ec2", "ecs", "glue", "lambda", "sagemaker" (did you mean "lambda"?)`}},
		{"standing stack without a role", func(s string) string {
			return s + "standingResources:\n  - {account: dev, kind: stack, name: app, trustedBy: [account]}\n"
		}, []string{`standingResources[0].trustedBy: trustedBy applies to roles only`, `standingResources[0].runsAs: name the role this stack runs under`}},
		{"standing role without permissions", func(s string) string {
			return s + "standingResources:\n  - {account: dev, kind: role, name: r, trustedBy: [12345]}\n"
		}, []string{`role "r" has no permissions to analyse`, `trustedBy[0]: "12345" is not "account", a 12-digit account ID`}},
		{"trust naming two principals", func(s string) string {
			return strings.Replace(s, "    enabledIn: [prod-eu]\n", "    enabledIn: [prod-eu]\n    trust:\n      - {account: \"555555555555\", service: lambda.amazonaws.com}\n", 1)
		}, []string{`12: roles.KMSAdminR.trust[0]: a trust names exactly one of account, role, github, oidc and service`}},
		{"trusted account not an ID", func(s string) string {
			return strings.Replace(s, "    enabledIn: [prod-eu]\n", "    enabledIn: [prod-eu]\n    trust:\n      - {account: vendor, externalId: x}\n", 1)
		}, []string{`roles.KMSAdminR.trust[0].account: account "vendor" must be a 12-digit account ID`,
			`roles.KMSAdminR.trust[0].externalId: externalId must be 2 to 1224 of letters, digits and +=,.@:/-`}},
		{"external ID without account", func(s string) string {
			return strings.Replace(s, "    enabledIn: [prod-eu]\n", "    enabledIn: [prod-eu]\n    trust:\n      - {service: lambda.amazonaws.com, externalId: abc}\n", 1)
		}, []string{`trust[0].externalId: externalId goes with account`}},
		{"trusted role that does not exist there", func(s string) string {
			return strings.Replace(s, "    enabledIn: [prod-eu]\n", "    enabledIn: [prod-eu]\n    trust:\n      - {role: dev/KMSAdminR}\n      - {role: staging/AdminR}\n      - {role: AdminR}\n", 1)
		}, []string{`trust[0].role: no role KMSAdminR exists in account "dev" to trust`,
			`trust[1].role: "staging/AdminR" must be account/Role with an account of the model`,
			`trust[2].role: "AdminR" must be account/Role`}},
		{"GitHub subject with a wildcard", func(s string) string {
			return strings.Replace(s, "    enabledIn: [prod-eu]\n", "    enabledIn: [prod-eu]\n    trust:\n      - {github: \"repo:acme/infra:*\"}\n      - {github: acme/infra}\n", 1)
		}, []string{`trust[0].github: subject "repo:acme/infra:*" holds a wildcard: every repository, branch or environment it matches could assume KMSAdminR`,
			`trust[1].github: "acme/infra" is not a GitHub OIDC subject`}},
		{"service that is not a service principal", func(s string) string {
			return strings.Replace(s, "    enabledIn: [prod-eu]\n", "    enabledIn: [prod-eu]\n    trust:\n      - {service: lambda}\n", 1)
		}, []string{`trust[0].service: "lambda" is not an AWS service principal`}},
		{"AdminR trusting a machine", func(s string) string {
			return strings.Replace(s, "roles:\n", "roles:\n  AdminR:\n    trust: [{github: \"repo:acme/infra:ref:refs/heads/main\"}]\n", 1)
		}, []string{`roles.AdminR.trust: AdminR is full power for emergencies, for people with MFA`}},
		{"AdminR for a CI/CD user without the waiver", func(s string) string {
			return strings.Replace(s, "roles: [OpsR]}", "roles: [OpsR, AdminR], assume: {AdminR: [prod-eu]}}", 1)
		}, []string{`cicdUsers.deployer.assume.AdminR: AdminR is full power for emergencies, for people with MFA: give CI/CD user "deployer" a role of its own, or waive IAMSTACK-ADMIN-TRUST`,
			`cicdUsers.deployer.roles[1]: AdminR is full power for emergencies`}},
		{"statementsIn a bad place", func(s string) string {
			return strings.Replace(s, "    enabledIn: [prod-eu]\n", "    enabledIn: [prod-eu]\n    statementsIn:\n      dve: [{effect: Allow, actions: [\"kms:Decrypt\"], resources: [\"*\"]}]\n      dev: [{effect: Allow, actions: [\"kms:Decrypt\"], resources: [\"*\"]}]\n      prod-eu: [{effect: Allow, actions: [\"kms:Decrpyt\"], resources: [\"*\"]}]\n", 1)
		}, []string{`12: roles.KMSAdminR.statementsIn.dve: no account, OU, account type or account tag (key=value) is called "dve" (did you mean "dev"?)`,
			`13: roles.KMSAdminR.statementsIn.dev: role KMSAdminR exists in no account "dev" names: these statements would be dropped`,
			`14: roles.KMSAdminR.statementsIn.prod-eu[0].actions[0]: "kms:Decrpyt" is not an action of kms (did you mean "kms:Decrypt"?)`}},
		{"statementsIn on a built-in role", func(s string) string {
			return strings.Replace(s, "roles:\n", "roles:\n  ReadR:\n    statementsIn: {dev: [{effect: Allow, actions: [\"s3:GetObject\"], resources: [\"*\"]}]}\n", 1)
		}, []string{`roles.ReadR: ReadR is built in; its permissions are fixed`}},
		{"guardrails configured wrong", func(s string) string {
			return s + "guardrails:\n  regionRestriction: {regions: [eu-west-1], exempt: [\"bedrok:*\"], exemptRoles: [AdminRole]}\n  rdsDeletePrevent: {resources: [\"arn:aws:s3:::db\"], exemptRoles: [AdminR, AdminR]}\n  custom:\n    - {name: G, exemptRoles: [ReadR], statements: [{effect: Deny, actions: [\"s3:DeleteBucket\"], resources: [\"*\"]}]}\n"
		}, []string{`25: guardrails.regionRestriction.exempt[0]: "bedrok:*": no IAM service has the prefix "bedrok" (did you mean "bedrock"?)`,
			`25: guardrails.regionRestriction.exemptRoles[0]: no role is called "AdminRole" (did you mean "AdminR"?)`,
			`26: guardrails.rdsDeletePrevent.resources[0]: "arn:aws:s3:::db" is not an RDS ARN`,
			`26: guardrails.rdsDeletePrevent.exemptRoles[1]: role AdminR is exempted twice`}},
		{"settings for accounts where the role does not exist", func(s string) string {
			return strings.Replace(s, "    enabledIn: [prod-eu]\n", "    enabledIn: [prod-eu]\n    maxSessionIn: {dev: 2h}\n", 1) +
				"guardrails:\n  rdsDeletePrevent: {accounts: [dev], exemptRoles: [KMSAdminR]}\n"
		}, []string{`11: roles.KMSAdminR.maxSessionIn.dev: role KMSAdminR exists in no account "dev" names: this maximum session would apply nowhere`,
			`26: guardrails.rdsDeletePrevent.exemptRoles[0]: role KMSAdminR exists in none of the accounts this guardrail covers: the exemption would apply nowhere`}},
		{"session tag keys STS or iamstack refuse", func(s string) string {
			return strings.Replace(s, "    enabledIn: [prod-eu]\n", "    enabledIn: [prod-eu]\n    sessionTags: [team, \"aws:x\", infra-grants-AdminR, Team, \"a*\"]\n", 1)
		}, []string{`11: roles.KMSAdminR.sessionTags[1]: "aws:x" starts with aws:`,
			`11: roles.KMSAdminR.sessionTags[2]: "infra-grants-AdminR" starts with the prefix "infra-", where iamstack keeps its grant tags`,
			`11: roles.KMSAdminR.sessionTags[3]: "Team" is listed twice (as "team" at [0])`,
			`11: roles.KMSAdminR.sessionTags[4]: "a*" is not a session tag key`}},
		{"session tags of another shape", func(s string) string {
			return strings.Replace(s, "    enabledIn: [prod-eu]\n", "    enabledIn: [prod-eu]\n    sessionTags: {team: x}\n", 1)
		}, []string{`11: roles.KMSAdminR.sessionTags: expected the tag keys callers may pass ([team, project]) or true, found a mapping`}},
		{"Identity Center among OpsR's services", func(s string) string {
			return strings.Replace(s, "roles:\n", "roles:\n  OpsR: {services: [ec2, sso, identitystore]}\n", 1)
		}, []string{`roles.OpsR.services[1]: "sso" is IAM Identity Center's, which decides who reaches every account of the organization`,
			`roles.OpsR.services[2]: "identitystore" is IAM Identity Center's`}},
		{"principal trusted twice", func(s string) string {
			return strings.Replace(s, "    enabledIn: [prod-eu]\n", "    enabledIn: [prod-eu]\n    trust:\n      - {account: \"555555555555\", externalId: ab}\n      - {account: \"555555555555\", externalId: cd}\n", 1)
		}, []string{`13: roles.KMSAdminR.trust[1]: the same principal is trusted at roles.KMSAdminR.trust[0] already; merge the entries`}},
		{"standing OIDC provider named by its URL", func(s string) string {
			return s + "standingResources:\n  - {account: dev, kind: oidc-provider, name: \"https://gitlab.com\"}\n"
		}, []string{`standingResources[0].name: an OIDC provider is named by its issuer (token.actions.githubusercontent.com): write the issuer without its scheme: gitlab.com`}},
		{"several problems at once", func(s string) string {
			return strings.Replace(strings.Replace(s, `"222222222222"`, `"22"`, 1), "teams: [ops]", "teams: [x]", 1)
		}, []string{`5: accounts[1].id`, `18: users."alice.smith".teams[0]`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := parse(t, tc.edit(base))
			if err == nil {
				t.Fatalf("accepted: %+v", m)
			}
			var merr *model.Error
			if !errors.As(err, &merr) || len(merr.Problems) == 0 {
				t.Fatalf("error is not a *model.Error with problems: %v", err)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error lacks %q:\n%v", want, err)
				}
			}
			for _, p := range merr.Problems {
				if p.File != "m.yaml" {
					t.Errorf("problem without the file name: %+v", p)
				}
			}
		})
	}
}

// Every field of every model type is reachable by the strict walker: a type
// it did not know would make Parse panic on the example, which sets them all.
func TestEveryModelFieldHasAYAMLKey(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var visit func(reflect.Type)
	visit = func(rt reflect.Type) {
		for rt.Kind() == reflect.Pointer || rt.Kind() == reflect.Slice || rt.Kind() == reflect.Map {
			rt = rt.Elem()
		}
		// A type that decodes itself (a duration, true-or-a-list) has no keys.
		decodesItself := reflect.PointerTo(rt).Implements(reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()) ||
			reflect.PointerTo(rt).Implements(reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem())
		if rt.Kind() != reflect.Struct || seen[rt] || decodesItself {
			return
		}
		seen[rt] = true
		for i := 0; i < rt.NumField(); i++ {
			f := rt.Field(i)
			if !f.IsExported() {
				continue
			}
			if tag := f.Tag.Get("yaml"); tag == "" {
				t.Errorf("%s.%s has no yaml tag: the strict walker would ignore it", rt.Name(), f.Name)
			} else if tag != "-" {
				visit(f.Type)
			}
		}
	}
	visit(reflect.TypeOf(model.Spec{}))
	if len(seen) < 10 {
		t.Errorf("visited %d types; the walk is broken", len(seen))
	}
}

func BenchmarkParseThousandUsers(b *testing.B) {
	data := synthetic.Model(synthetic.Size{Users: 1000, Accounts: 20})
	for b.Loop() {
		if _, err := model.Parse("large.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

// Grant tokens name where a grant reaches: all, a listed account's ID, a
// type, an OU's ID, or an account tag; a place's tokens are those that
// reach it, so the two meet exactly where the model grants.
func TestGrantTokensMeetPlaceTokens(t *testing.T) {
	yaml, err := os.ReadFile("../examples/organization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.Parse("organization.yaml", yaml)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		user, role string
		want       []string
	}{
		{"alice.martin", "AdminR", []string{"all"}},
		{"bob.nguyen", "OpsR", []string{"ou-ab12-11111111"}},
		{"carol.diaz", "ReadR", []string{"cost-center=payments"}},
		{"dan.okafor", "OpsR", []string{"prod"}},
		{"erin.ito", "OpsR", []string{"cost-center=payments"}},
	} {
		if got := m.GrantTokens(tc.user)[tc.role]; !slices.Equal(got, tc.want) {
			t.Errorf("%s %s: tokens %q, want %q", tc.user, tc.role, got, tc.want)
		}
	}
	for place, want := range map[string][]string{
		"payments-prod":  {"all", "333333333333", "prod", "ou-ab12-22222222", "cost-center=payments"},
		"workloads-prod": {"all", "prod", "ou-ab12-22222222"},
		"shared":         {"all", "222222222222", "shared"},
	} {
		if got := m.PlaceTokens(place); !slices.Equal(got, want) {
			t.Errorf("%s: place tokens %q, want %q", place, got, want)
		}
	}
}

// BenchmarkParseLarge parses and validates models of about 1, 4 and 16 MB
// (people in one team, 20 accounts): linear in the file's size. yaml.v3
// checks each key of a mapping against every other, so the people are
// decoded one by one (decodeSpec); a model over IAM's user quota is still
// read whole, to report every problem, since people of Identity Center do
// not count against it.
func BenchmarkParseLarge(b *testing.B) {
	for _, mb := range []int{1, 4, 16} {
		// About 38 bytes a person in the synthetic model.
		y := synthetic.Model(synthetic.Size{Users: mb * 26_000, Accounts: 20, UserStacks: 20})
		b.Run(fmt.Sprintf("%dMB", mb), func(b *testing.B) {
			b.SetBytes(int64(len(y)))
			for b.Loop() {
				model.Parse("m.yaml", y)
			}
		})
	}
}
