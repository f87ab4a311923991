package baseline_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamstack/iamstack/internal/ship/baseline"
	"github.com/iamstack/iamstack/model"
)

// fakeIAM is an account's settings, as IAM's API shows and changes them.
type fakeIAM struct {
	alias    string
	policy   *iamtypes.PasswordPolicy
	version  int32
	rootMFA  bool
	rootKeys bool
	calls    []string
}

func (f *fakeIAM) ListAccountAliases(context.Context, *iam.ListAccountAliasesInput, ...func(*iam.Options)) (*iam.ListAccountAliasesOutput, error) {
	out := &iam.ListAccountAliasesOutput{}
	if f.alias != "" {
		out.AccountAliases = []string{f.alias}
	}
	return out, nil
}
func (f *fakeIAM) CreateAccountAlias(_ context.Context, in *iam.CreateAccountAliasInput, _ ...func(*iam.Options)) (*iam.CreateAccountAliasOutput, error) {
	f.calls = append(f.calls, "create-account-alias "+aws.ToString(in.AccountAlias))
	if aws.ToString(in.AccountAlias) == "taken" {
		return nil, &iamtypes.EntityAlreadyExistsException{}
	}
	f.alias = aws.ToString(in.AccountAlias)
	return &iam.CreateAccountAliasOutput{}, nil
}
func (f *fakeIAM) DeleteAccountAlias(_ context.Context, in *iam.DeleteAccountAliasInput, _ ...func(*iam.Options)) (*iam.DeleteAccountAliasOutput, error) {
	f.calls = append(f.calls, "delete-account-alias "+aws.ToString(in.AccountAlias))
	f.alias = ""
	return &iam.DeleteAccountAliasOutput{}, nil
}
func (f *fakeIAM) GetAccountPasswordPolicy(context.Context, *iam.GetAccountPasswordPolicyInput, ...func(*iam.Options)) (*iam.GetAccountPasswordPolicyOutput, error) {
	if f.policy == nil {
		return nil, &iamtypes.NoSuchEntityException{}
	}
	return &iam.GetAccountPasswordPolicyOutput{PasswordPolicy: f.policy}, nil
}
func (f *fakeIAM) UpdateAccountPasswordPolicy(_ context.Context, in *iam.UpdateAccountPasswordPolicyInput, _ ...func(*iam.Options)) (*iam.UpdateAccountPasswordPolicyOutput, error) {
	f.calls = append(f.calls, "update-account-password-policy")
	f.policy = &iamtypes.PasswordPolicy{MinimumPasswordLength: in.MinimumPasswordLength, RequireSymbols: in.RequireSymbols, RequireNumbers: in.RequireNumbers,
		RequireUppercaseCharacters: in.RequireUppercaseCharacters, RequireLowercaseCharacters: in.RequireLowercaseCharacters,
		AllowUsersToChangePassword: in.AllowUsersToChangePassword, MaxPasswordAge: in.MaxPasswordAge, PasswordReusePrevention: in.PasswordReusePrevention,
		HardExpiry: in.HardExpiry, ExpirePasswords: in.MaxPasswordAge != nil}
	return &iam.UpdateAccountPasswordPolicyOutput{}, nil
}
func (f *fakeIAM) GetAccountSummary(context.Context, *iam.GetAccountSummaryInput, ...func(*iam.Options)) (*iam.GetAccountSummaryOutput, error) {
	b := func(v bool) int32 {
		if v {
			return 1
		}
		return 0
	}
	return &iam.GetAccountSummaryOutput{SummaryMap: map[string]int32{"GlobalEndpointTokenVersion": f.version,
		"AccountMFAEnabled": b(f.rootMFA), "AccountAccessKeysPresent": b(f.rootKeys)}}, nil
}
func (f *fakeIAM) SetSecurityTokenServicePreferences(_ context.Context, in *iam.SetSecurityTokenServicePreferencesInput, _ ...func(*iam.Options)) (*iam.SetSecurityTokenServicePreferencesOutput, error) {
	f.calls = append(f.calls, "set-security-token-service-preferences "+string(in.GlobalEndpointTokenVersion))
	f.version = map[iamtypes.GlobalEndpointTokenVersion]int32{iamtypes.GlobalEndpointTokenVersionV1Token: 1, iamtypes.GlobalEndpointTokenVersionV2Token: 2}[in.GlobalEndpointTokenVersion]
	return &iam.SetSecurityTokenServicePreferencesOutput{}, nil
}

func settings(t *testing.T, baselineYAML, account string) model.AccountSettings {
	t.Helper()
	m, err := model.Parse("m.yaml", []byte(`apiVersion: iamstack/v1
region: eu-west-1
accounts:
  - {name: identity, id: "111111111111", type: user-only}
  - {name: dev, id: "222222222222", type: dev, alias: acme-dev}
  - {name: prod, id: "333333333333", type: prod, alias: acme-prod}
users:
  alice: {grants: {ReadR: [dev]}}
baseline:
`+baselineYAML))
	if err != nil {
		t.Fatal(err)
	}
	return m.AccountSettings(account)
}

// apply brings each setting to the model's, the alias by replacing the old
// one, and leaves the root user's; then nothing differs but the root
// user's, and a second apply calls nothing.
func TestApplyThenNothing(t *testing.T) {
	want := settings(t, "  passwordPolicy: {}\n  passwordPolicyIn: {prod: {minimumLength: 20, maxAgeDays: 90, hardExpiry: true}}\n  globalEndpointTokens: regional\n", "prod")
	if p := want.PasswordPolicy; p.MinimumLength != 20 || p.MaxAgeDays != 90 || !p.HardExpiry || p.ReusePrevention != 24 || !*p.RequireSymbols {
		t.Fatalf("prod's policy %+v", p)
	}
	api := &fakeIAM{alias: "old-name", version: 1, rootKeys: true}
	ctx := context.Background()
	live, err := baseline.Read(ctx, api)
	if err != nil {
		t.Fatal(err)
	}
	done, err := baseline.Apply(ctx, api, want, live)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"delete-account-alias old-name", "create-account-alias acme-prod", "update-account-password-policy", "set-security-token-service-preferences v2Token"}; !slices.Equal(api.calls, want) {
		t.Errorf("calls %v, want %v", api.calls, want)
	}
	if len(done) != 3 {
		t.Errorf("done %v", done)
	}
	live, _ = baseline.Read(ctx, api)
	var left []string
	for _, d := range baseline.Compare(want, live) {
		left = append(left, d.String())
	}
	if want := []string{"root user MFA is off; the model wants on (only the root user can change it)",
		"root user access keys is present; the model wants none (only the root user can change it)"}; !slices.Equal(left, want) {
		t.Errorf("after apply: %v", left)
	}
	api.calls = nil
	if done, err := baseline.Apply(ctx, api, want, live); err != nil || len(done) != 0 || len(api.calls) != 0 {
		t.Errorf("a second apply: %v %v %v", done, err, api.calls)
	}

	// dev takes the model's policy with its defaults; an alias another
	// account has is said so.
	dev := settings(t, "  passwordPolicy: {}\n", "dev")
	dev.Alias = "taken"
	_, err = baseline.Apply(ctx, &fakeIAM{version: 1, rootMFA: true}, dev, baseline.Live{TokenVersion: 1, RootMFA: true})
	if err == nil || !strings.Contains(err.Error(), `account alias "taken" is taken (aliases are unique across AWS)`) {
		t.Errorf("a taken alias: %v", err)
	}
}
