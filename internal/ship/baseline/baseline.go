// Package baseline sets and verifies the account settings no CloudFormation
// resource holds (../shared/research/next-capabilities.md, "Account
// baseline"): the account alias, the IAM password policy and the version
// of the tokens STS's global endpoint issues, which the model declares;
// and it verifies what only the root user can change: that the root user
// has MFA and no access key. It calls IAM through the AWS SDK for Go v2,
// with the promotion's credentials, instead of a custom resource holding
// iam:UpdateAccountPasswordPolicy in every account.
package baseline

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamstack/iamstack/model"
)

// IAM is the part of IAM's API the baseline uses: what *iam.Client does.
type IAM interface {
	ListAccountAliases(context.Context, *iam.ListAccountAliasesInput, ...func(*iam.Options)) (*iam.ListAccountAliasesOutput, error)
	CreateAccountAlias(context.Context, *iam.CreateAccountAliasInput, ...func(*iam.Options)) (*iam.CreateAccountAliasOutput, error)
	DeleteAccountAlias(context.Context, *iam.DeleteAccountAliasInput, ...func(*iam.Options)) (*iam.DeleteAccountAliasOutput, error)
	GetAccountPasswordPolicy(context.Context, *iam.GetAccountPasswordPolicyInput, ...func(*iam.Options)) (*iam.GetAccountPasswordPolicyOutput, error)
	UpdateAccountPasswordPolicy(context.Context, *iam.UpdateAccountPasswordPolicyInput, ...func(*iam.Options)) (*iam.UpdateAccountPasswordPolicyOutput, error)
	GetAccountSummary(context.Context, *iam.GetAccountSummaryInput, ...func(*iam.Options)) (*iam.GetAccountSummaryOutput, error)
	SetSecurityTokenServicePreferences(context.Context, *iam.SetSecurityTokenServicePreferencesInput, ...func(*iam.Options)) (*iam.SetSecurityTokenServicePreferencesOutput, error)
}

// Live is what an account has of the baseline.
type Live struct {
	Alias string
	// PasswordPolicy is nil when the account has none.
	PasswordPolicy *model.PasswordPolicy
	// TokenVersion is 1 (global) or 2 (regional).
	TokenVersion int
	// RootMFA and RootAccessKeys are the root user's, from the account
	// summary.
	RootMFA, RootAccessKeys bool
}

// Read reads an account's baseline.
func Read(ctx context.Context, api IAM) (Live, error) {
	var live Live
	aliases, err := api.ListAccountAliases(ctx, &iam.ListAccountAliasesInput{})
	if err != nil {
		return live, fmt.Errorf("list-account-aliases: %w", err)
	}
	if len(aliases.AccountAliases) > 0 {
		live.Alias = aliases.AccountAliases[0]
	}
	pp, err := api.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	var none *iamtypes.NoSuchEntityException
	switch {
	case errors.As(err, &none):
	case err != nil:
		return live, fmt.Errorf("get-account-password-policy: %w", err)
	default:
		p := pp.PasswordPolicy
		live.PasswordPolicy = &model.PasswordPolicy{MinimumLength: int(aws.ToInt32(p.MinimumPasswordLength)),
			RequireSymbols: aws.Bool(p.RequireSymbols), RequireNumbers: aws.Bool(p.RequireNumbers),
			RequireUppercase: aws.Bool(p.RequireUppercaseCharacters), RequireLowercase: aws.Bool(p.RequireLowercaseCharacters),
			AllowUsersToChange: aws.Bool(p.AllowUsersToChangePassword), MaxAgeDays: int(aws.ToInt32(p.MaxPasswordAge)),
			ReusePrevention: int(aws.ToInt32(p.PasswordReusePrevention)), HardExpiry: aws.ToBool(p.HardExpiry)}
	}
	summary, err := api.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	if err != nil {
		return live, fmt.Errorf("get-account-summary: %w", err)
	}
	m := summary.SummaryMap
	live.TokenVersion = int(m[string(iamtypes.SummaryKeyTypeGlobalEndpointTokenVersion)])
	live.RootMFA = m[string(iamtypes.SummaryKeyTypeAccountMFAEnabled)] == 1
	live.RootAccessKeys = m[string(iamtypes.SummaryKeyTypeAccountAccessKeysPresent)] == 1
	return live, nil
}

// Difference is one setting an account has otherwise than the model says.
type Difference struct {
	Setting string `json:"setting"`
	Live    string `json:"live"`
	Want    string `json:"want"`
	// RootOnly says that only the account's root user can change it: apply
	// leaves it, verify reports it.
	RootOnly bool `json:"rootOnly,omitempty"`
}

func (d Difference) String() string {
	s := fmt.Sprintf("%s is %s; the model wants %s", d.Setting, d.Live, d.Want)
	if d.RootOnly {
		s += " (only the root user can change it)"
	}
	return s
}

// Compare lists how an account differs from its settings.
func Compare(want model.AccountSettings, live Live) []Difference {
	var out []Difference
	if want.Alias != "" && live.Alias != want.Alias {
		out = append(out, Difference{Setting: "account alias", Live: quoted(live.Alias), Want: quoted(want.Alias)})
	}
	if want.PasswordPolicy != nil && (live.PasswordPolicy == nil || !samePolicy(*want.PasswordPolicy, *live.PasswordPolicy)) {
		out = append(out, Difference{Setting: "password policy", Live: describe(live.PasswordPolicy), Want: describe(want.PasswordPolicy)})
	}
	if v := tokenVersion(want.GlobalEndpointTokens); v != 0 && live.TokenVersion != v {
		out = append(out, Difference{Setting: "STS global endpoint tokens", Live: fmt.Sprintf("v%d", live.TokenVersion), Want: fmt.Sprintf("v%d (%s)", v, want.GlobalEndpointTokens)})
	}
	if !live.RootMFA {
		out = append(out, Difference{Setting: "root user MFA", Live: "off", Want: "on", RootOnly: true})
	}
	if live.RootAccessKeys {
		out = append(out, Difference{Setting: "root user access keys", Live: "present", Want: "none", RootOnly: true})
	}
	return out
}

// Apply sets what differs and the model declares, and returns what it
// changed, a line each. What only the root user can change is left.
func Apply(ctx context.Context, api IAM, want model.AccountSettings, live Live) ([]string, error) {
	var done []string
	for _, d := range Compare(want, live) {
		var err error
		switch d.Setting {
		case "account alias":
			// An account has one alias: the old one goes first.
			if live.Alias != "" {
				if _, err = api.DeleteAccountAlias(ctx, &iam.DeleteAccountAliasInput{AccountAlias: aws.String(live.Alias)}); err != nil {
					return done, fmt.Errorf("delete-account-alias %s: %w", live.Alias, err)
				}
			}
			_, err = api.CreateAccountAlias(ctx, &iam.CreateAccountAliasInput{AccountAlias: aws.String(want.Alias)})
			var taken *iamtypes.EntityAlreadyExistsException
			if errors.As(err, &taken) {
				return done, fmt.Errorf("account alias %q is taken (aliases are unique across AWS): choose another in the model", want.Alias)
			}
		case "password policy":
			p := want.PasswordPolicy
			in := &iam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(int32(p.MinimumLength)),
				RequireSymbols: *p.RequireSymbols, RequireNumbers: *p.RequireNumbers, RequireUppercaseCharacters: *p.RequireUppercase,
				RequireLowercaseCharacters: *p.RequireLowercase, AllowUsersToChangePassword: *p.AllowUsersToChange,
				PasswordReusePrevention: aws.Int32(int32(p.ReusePrevention)), HardExpiry: aws.Bool(p.HardExpiry)}
			if p.MaxAgeDays > 0 {
				in.MaxPasswordAge = aws.Int32(int32(p.MaxAgeDays))
			}
			_, err = api.UpdateAccountPasswordPolicy(ctx, in)
		case "STS global endpoint tokens":
			v := iamtypes.GlobalEndpointTokenVersionV1Token
			if tokenVersion(want.GlobalEndpointTokens) == 2 {
				v = iamtypes.GlobalEndpointTokenVersionV2Token
			}
			_, err = api.SetSecurityTokenServicePreferences(ctx, &iam.SetSecurityTokenServicePreferencesInput{GlobalEndpointTokenVersion: v})
		default:
			continue // the root user's
		}
		if err != nil {
			return done, fmt.Errorf("set the %s: %w", d.Setting, err)
		}
		done = append(done, fmt.Sprintf("set the %s to %s (was %s)", d.Setting, d.Want, d.Live))
	}
	return done, nil
}

func tokenVersion(s string) int {
	switch s {
	case model.TokensRegional:
		return 2
	case model.TokensGlobal:
		return 1
	}
	return 0
}

func samePolicy(a, b model.PasswordPolicy) bool {
	return describe(&a) == describe(&b)
}

// describe says what a password policy asks, in a line; "none" for nil.
func describe(p *model.PasswordPolicy) string {
	if p == nil {
		return "none"
	}
	b := func(v *bool) bool { return v != nil && *v }
	return fmt.Sprintf("length>=%d symbols=%v numbers=%v upper=%v lower=%v users-change=%v max-age=%dd reuse=%d hard-expiry=%v",
		p.MinimumLength, b(p.RequireSymbols), b(p.RequireNumbers), b(p.RequireUppercase), b(p.RequireLowercase),
		b(p.AllowUsersToChange), p.MaxAgeDays, p.ReusePrevention, p.HardExpiry)
}

func quoted(s string) string {
	if s == "" {
		return "none"
	}
	return fmt.Sprintf("%q", s)
}
