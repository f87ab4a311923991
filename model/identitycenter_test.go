package model_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/iamstack/iamstack/model"
)

// idcBase signs alice in through Identity Center, bob both ways, carol as an
// IAM user.
const idcBase = base + `identityCenter:
  account: dev
  instanceArn: arn:aws:sso:::instance/ssoins-0123456789abcdef
  identityStoreId: d-0123456789
  startUrl: https://d-0123456789.awsapps.com/start
  directory: identity-center
  mfa: every-sign-in
  portalSession: 4h
`

func idc(t *testing.T, edit func(string) string) (*model.Model, error) {
	t.Helper()
	y := idcBase
	y = strings.Replace(y, "    grants: {AdminR: [dev]}\n", "    grants: {AdminR: [dev]}\n    signIn: identity-center\n    email: alice@example.com\n", 1)
	y = strings.Replace(y, "  bob:\n", "  bob:\n    signIn: both\n    email: bob@example.com\n", 1)
	return parse(t, edit(y))
}

func TestIdentityCenterModel(t *testing.T) {
	m, err := idc(t, func(s string) string { return s })
	if err != nil {
		t.Fatal(err)
	}
	ic, ok := m.IdentityCenter()
	if !ok || ic.Region != "eu-west-1" || ic.SignIn != model.SignInIAM || ic.PortalSession.Hours() != 4 {
		t.Errorf("instance with defaults: %+v", ic)
	}
	for user, want := range map[string]string{"alice.smith": model.SignInIdentityCenter, "bob": model.SignInBoth} {
		if got := m.SignIn(user); got != want {
			t.Errorf("%s signs in %q, want %q", user, got, want)
		}
	}
	if got := strings.Join(m.IAMUserNames(), ","); got != "bob" {
		t.Errorf("IAM users: %s", got)
	}
	if got := strings.Join(m.IdentityCenterUserNames(), ","); got != "alice.smith,bob" {
		t.Errorf("Identity Center users: %s", got)
	}
	if got := m.IdentityCenterDisplayName("alice.smith"); got != "Alice Smith" {
		t.Errorf("display name %q", got)
	}
	if got := m.TeamGroup("ops"); got != "infra-ops" {
		t.Errorf("team group %q", got)
	}
}

func TestBadIdentityCenterModels(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(string) string
		want string
	}{
		{"unknown account", func(s string) string { return strings.Replace(s, "  account: dev\n", "  account: mgmt\n", 1) },
			`identityCenter.account: name the account that holds the Identity Center instance`},
		{"the user-only account", func(s string) string { return strings.Replace(s, "  account: dev\n", "  account: identity\n", 1) },
			`not the user-only account "identity"`},
		{"instance ARN", func(s string) string { return strings.Replace(s, "ssoins-0123456789abcdef", "ssoins-1", 1) },
			`identityCenter.instanceArn: instanceArn "arn:aws:sso:::instance/ssoins-1" is not an Identity Center instance ARN`},
		{"identity store", func(s string) string {
			return strings.Replace(s, "identityStoreId: d-0123456789", "identityStoreId: 0123456789", 1)
		},
			`identityCenter.identityStoreId: identityStoreId "0123456789" is not an identity store ID`},
		{"start URL", func(s string) string { return strings.Replace(s, "https://d-0123456789", "http://d-0123456789", 1) },
			`identityCenter.startUrl`},
		{"directory", func(s string) string { return strings.Replace(s, "directory: identity-center", "directory: okta", 1) },
			`identityCenter.directory: directory "okta" is not one of "identity-center", "external"`},
		{"MFA never asked", func(s string) string { return strings.Replace(s, "mfa: every-sign-in", "mfa: context-aware", 1) },
			`identityCenter.mfa: declare the instance's MFA setting, one of "every-sign-in", "identity-provider"`},
		{"MFA by a provider without one", func(s string) string { return strings.Replace(s, "mfa: every-sign-in", "mfa: identity-provider", 1) },
			`Identity Center's own directory has no external provider`},
		{"portal session beyond mfaMaxAge", func(s string) string { return strings.Replace(s, "portalSession: 4h", "portalSession: 13h", 1) },
			`identityCenter.portalSession: portalSession 13h0m0s is longer than mfaMaxAge 12h0m0s`},
		{"sign-in unknown", func(s string) string { return strings.Replace(s, "signIn: both", "signIn: sso", 1) },
			`users.bob.signIn: signIn "sso" is not one of "iam", "identity-center", "both"`},
		{"no email in Identity Center's directory", func(s string) string { return strings.Replace(s, "    email: bob@example.com\n", "", 1) },
			`users.bob.email: give bob an email address`},
		{"IAM-only settings on an Identity Center person", func(s string) string {
			return strings.Replace(s, "    signIn: identity-center\n", "    signIn: identity-center\n    power: true\n    console: true\n", 1)
		}, `users."alice.smith".power: power applies to IAM users`},
		{"sign-in without an instance", func(s string) string { return s[:strings.Index(s, "identityCenter:")] },
			`users."alice.smith".signIn: signIn identity-center needs the model's identityCenter section`},
		{"team group without an instance", func(s string) string {
			s = strings.Replace(s, "  ops:\n", "  ops:\n    group: Operations\n", 1)
			return strings.Replace(strings.Replace(s[:strings.Index(s, "identityCenter:")], "    signIn: identity-center\n    email: alice@example.com\n", "", 1), "    signIn: both\n    email: bob@example.com\n", "", 1)
		}, `teams.ops.group: group names the team's Identity Center group; the model has no identityCenter section`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := idc(t, tc.edit)
			var merr *model.Error
			if !errors.As(err, &merr) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("want %q, got:\n%v", tc.want, err)
			}
		})
	}
	// An IAM user with Identity Center's fields.
	_, err := idc(t, func(s string) string {
		return strings.Replace(s, "  bob:\n    signIn: both\n", "  bob:\n    signIn: iam\n", 1)
	})
	if err == nil || !strings.Contains(err.Error(), "users.bob.email: email is for Identity Center; bob signs in as an IAM user") {
		t.Errorf("an IAM user with an email: %v", err)
	}
}

// An external directory's groups and people are the lock file's IDs: a
// model without it, for another identity store, or lacking someone, is
// refused with the command that writes it.
func TestIdentityCenterLockFile(t *testing.T) {
	src, err := os.ReadFile("../testdata/identity-center-external.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lock, err := os.ReadFile("../testdata/identity-center-external.identity-center.lock")
	if err != nil {
		t.Fatal(err)
	}
	files := func(lock string) model.Files {
		return func(name string) ([]byte, bool, error) {
			if name != "m.identity-center.lock" || lock == "" {
				return nil, false, nil
			}
			return []byte(lock), true, nil
		}
	}
	m, err := model.ParseFiles("m.yaml", src, files(string(lock)))
	if err != nil {
		t.Fatal(err)
	}
	if m.IdentityCenterGroupID("platform") != "9067f1e2d3-2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d" || m.IdentityCenterUserID("ana.lima") != "9067f1e2d3-3b4c5d6e-7f8a-4b9c-8d0e-2f3a4b5c6d7e" {
		t.Error("the lock's IDs are not the model's")
	}
	for _, tc := range []struct{ name, lock, want string }{
		{"no lock file", "", "m.identity-center.lock, which does not exist: run `iamstack identity-center lock`"},
		{"another store", strings.Replace(string(lock), "identityStoreId: d-9067f1e2d3", "identityStoreId: d-0000000000", 1), `is for identity store "d-0000000000", the model's is "d-9067f1e2d3"`},
		{"someone missing", strings.Replace(string(lock), "  ben.oduya@acme.example: 9067f1e2d3-4c5d6e7f-8a9b-4c0d-9e1f-3a4b5c6d7e8f\n", "", 1), `has no ID for user "ben.oduya@acme.example"`},
		{"a typo", strings.Replace(string(lock), "groups:", "group:", 1), "field group not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := model.ParseFiles("m.yaml", src, files(tc.lock))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("want %q, got %v", tc.want, err)
			}
		})
	}
	if _, err := model.Parse("m.yaml", src); err == nil || !strings.Contains(err.Error(), "cannot be read here") {
		t.Errorf("without files: %v", err)
	}
}

// A central CI/CD user may assume a role in every account (all, or a
// type) when its roles hold the role in its own account; naming its own
// account under assume, or reaching it there without the role, is refused.
func TestCentralMachineUserAssumesEverywhere(t *testing.T) {
	y := strings.Replace(base, "  deployer: {account: dev, roles: [OpsR]}", "  deployer: {account: dev, roles: [OpsR], assume: {OpsR: [all]}}", 1)
	m, err := parse(t, y)
	if err != nil {
		t.Fatalf("assume all with the role in roles: %v", err)
	}
	var got []string
	for _, g := range m.CICDAssumeGrants("deployer") {
		got = append(got, g.Account)
	}
	if strings.Join(got, ",") != "prod-eu,prod-us" {
		t.Errorf("deployer assumes OpsR in %v, want the other accounts", got)
	}
	for name, edit := range map[string]string{
		"its own account named": "  deployer: {account: dev, roles: [OpsR], assume: {OpsR: [dev, prod-eu]}}",
		"all without the role":  "  deployer: {account: dev, assume: {OpsR: [all]}}",
	} {
		if _, err := parse(t, strings.Replace(base, "  deployer: {account: dev, roles: [OpsR]}", edit, 1)); err == nil ||
			!strings.Contains(err.Error(), `cicdUsers.deployer.assume.OpsR: role OpsR of account "dev" is the CI/CD user's own account's: list it under roles`) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
