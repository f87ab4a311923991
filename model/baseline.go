package model

import (
	"maps"
	"slices"
	"strings"
)

// Baseline are the account settings no CloudFormation resource holds, which
// `iamstack baseline apply` sets and `verify` checks in every account of an
// environment through IAM's API: the password policy and the version of
// the tokens STS's global endpoint issues. The account alias is each
// account's alias.
type Baseline struct {
	// PasswordPolicy is every account's IAM password policy; {} takes the
	// defaults (CIS AWS Foundations: 14 characters of every class, none of
	// the last 24 again, changed by the user, no expiry).
	PasswordPolicy *PasswordPolicy `yaml:"passwordPolicy"`
	// PasswordPolicyIn replaces it in the accounts a key names (an
	// account, an account type or an OU).
	PasswordPolicyIn map[string]PasswordPolicy `yaml:"passwordPolicyIn"`
	// GlobalEndpointTokens is the version of the session tokens STS's
	// global endpoint issues: regional (v2, valid in every region, larger)
	// or global (v1, valid only in regions enabled by default).
	GlobalEndpointTokens string `yaml:"globalEndpointTokens"`
	// AccessAnalyzer puts IAM Access Analyzer in every account's stack: an
	// analyzer of external access (free), and with UnusedAccessAge, one of
	// unused access (charged per role and user analysed).
	AccessAnalyzer *AccessAnalyzer `yaml:"accessAnalyzer"`
	// RootSignInAlert mails these addresses whenever an account's root user
	// signs in or calls an API: an EventBridge rule and an SNS topic in a
	// stack of their own in each listed account, in the region AWS sends
	// those events to (us-east-1 in the aws partition).
	RootSignInAlert *RootSignInAlert `yaml:"rootSignInAlert"`
}

// RootSignInAlert is who hears of the root user's activity.
type RootSignInAlert struct {
	// Emails are subscribed to the alert topic; each confirms the
	// subscription from the message SNS sends.
	Emails []string `yaml:"emails"`
}

// RootSignInAlert is the root sign-in alert the model asks for.
func (m *Model) RootSignInAlert() (RootSignInAlert, bool) {
	if b := m.spec.Baseline; b != nil && b.RootSignInAlert != nil {
		return *b.RootSignInAlert, true
	}
	return RootSignInAlert{}, false
}

// AccessAnalyzer is the IAM Access Analyzer every account gets.
type AccessAnalyzer struct {
	// UnusedAccessAge adds an analyzer of unused access: roles, users,
	// keys and permissions unused for this many days (1 to 365) are
	// findings.
	UnusedAccessAge int `yaml:"unusedAccessAge"`
}

// AccessAnalyzer is the Access Analyzer the model puts in every account.
func (m *Model) AccessAnalyzer() (AccessAnalyzer, bool) {
	if b := m.spec.Baseline; b != nil && b.AccessAnalyzer != nil {
		return *b.AccessAnalyzer, true
	}
	return AccessAnalyzer{}, false
}

// PasswordPolicy is an account's IAM password policy. Unset fields take
// the defaults PasswordPolicy documents.
type PasswordPolicy struct {
	// MinimumLength is 6 to 128 (default 14).
	MinimumLength int `yaml:"minimumLength"`
	// RequireSymbols, RequireNumbers, RequireUppercase and
	// RequireLowercase default to true.
	RequireSymbols   *bool `yaml:"requireSymbols"`
	RequireNumbers   *bool `yaml:"requireNumbers"`
	RequireUppercase *bool `yaml:"requireUppercase"`
	RequireLowercase *bool `yaml:"requireLowercase"`
	// AllowUsersToChange lets people change their own password (default
	// true: ManageOwnUserG relies on it).
	AllowUsersToChange *bool `yaml:"allowUsersToChange"`
	// MaxAgeDays makes passwords expire (1 to 1095; default 0, never: NIST
	// SP 800-63B advises against forced rotation).
	MaxAgeDays int `yaml:"maxAgeDays"`
	// ReusePrevention is how many earlier passwords may not be used again
	// (1 to 24; default 24).
	ReusePrevention int `yaml:"reusePrevention"`
	// HardExpiry keeps a person whose password expired from setting a new
	// one themselves.
	HardExpiry bool `yaml:"hardExpiry"`
}

// The values of Baseline.GlobalEndpointTokens.
const (
	TokensRegional = "regional"
	TokensGlobal   = "global"
)

// AccountSettings are the settings one account must have; a nil or empty
// field is left as the account has it.
type AccountSettings struct {
	Alias          string
	PasswordPolicy *PasswordPolicy // with its defaults applied
	// GlobalEndpointTokens is TokensRegional, TokensGlobal or "".
	GlobalEndpointTokens string
}

// AccountSettings are the settings the model gives a listed account.
func (m *Model) AccountSettings(account string) AccountSettings {
	a := m.place(account)
	b := m.spec.Baseline
	s := AccountSettings{Alias: a.Alias}
	if b == nil {
		return s
	}
	s.GlobalEndpointTokens = b.GlobalEndpointTokens
	if b.PasswordPolicy != nil {
		p := b.PasswordPolicy.withDefaults()
		s.PasswordPolicy = &p
	}
	if p, ok := inPlace(b.PasswordPolicyIn, a); ok {
		p = p.withDefaults()
		s.PasswordPolicy = &p
	}
	return s
}

func (p PasswordPolicy) withDefaults() PasswordPolicy {
	yes := func(b **bool) {
		if *b == nil {
			t := true
			*b = &t
		}
	}
	yes(&p.RequireSymbols)
	yes(&p.RequireNumbers)
	yes(&p.RequireUppercase)
	yes(&p.RequireLowercase)
	yes(&p.AllowUsersToChange)
	if p.MinimumLength == 0 {
		p.MinimumLength = 14
	}
	if p.ReusePrevention == 0 {
		p.ReusePrevention = 24
	}
	return p
}

func (v *validator) baseline() {
	b := v.m.spec.Baseline
	if b == nil {
		return
	}
	p := path{"baseline"}
	if b.PasswordPolicy != nil {
		v.passwordPolicy(p.key("passwordPolicy"), *b.PasswordPolicy)
	}
	for _, target := range slices.Sorted(maps.Keys(b.PasswordPolicyIn)) {
		tp := p.key("passwordPolicyIn").key(target)
		v.perAccountKey(tp, target)
		v.passwordPolicy(tp, b.PasswordPolicyIn[target])
	}
	if aa := b.AccessAnalyzer; aa != nil && (aa.UnusedAccessAge < 0 || aa.UnusedAccessAge > maxUnusedAccessAge) {
		v.at(p.key("accessAnalyzer").key("unusedAccessAge"), "unusedAccessAge %d must be 1 to %d days, or left out for no analyzer of unused access", aa.UnusedAccessAge, maxUnusedAccessAge)
	}
	if a := b.RootSignInAlert; a != nil {
		if len(a.Emails) == 0 {
			v.at(p.key("rootSignInAlert").key("emails"), "list the addresses the alert mails: a topic nobody reads alerts nobody")
		}
		if ous := v.m.spec.OrganizationalUnits; len(ous) > 0 {
			// Its stack lives in the region of global events, apart from the
			// roles: StackSets deploy the OUs' roles in the model's region.
			var names []string
			for _, ou := range ous {
				names = append(names, ou.Name)
			}
			v.at(p.key("rootSignInAlert"), "the root sign-in alert is a stack of each listed account, and the accounts of organizationalUnits (%s) are not listed: they would get none. List those accounts, or alert on the root user for the organization (an organization trail's rule)", quoted(names))
		}
		seen := map[string]bool{}
		for i, e := range a.Emails {
			if !emailPattern.MatchString(e) {
				v.at(p.key("rootSignInAlert").key("emails").index(i), "%q is not an email address", e)
			}
			if seen[strings.ToLower(e)] {
				v.at(p.key("rootSignInAlert").key("emails").index(i), "%q is listed twice", e)
			}
			seen[strings.ToLower(e)] = true
		}
	}
	if t := b.GlobalEndpointTokens; t != "" && t != TokensRegional && t != TokensGlobal {
		v.at(p.key("globalEndpointTokens"), "globalEndpointTokens is %q or %q, not %q%s", TokensRegional, TokensGlobal, t, suggest(t, []string{TokensRegional, TokensGlobal}))
	}
}

// IAM's bounds on a password policy (UpdateAccountPasswordPolicy).
const (
	minPasswordLength, maxPasswordLength = 6, 128
	maxPasswordAgeDays                   = 1095
	maxPasswordReuse                     = 24
	// maxUnusedAccessAge is Access Analyzer's (UnusedAccessAge).
	maxUnusedAccessAge = 365
)

func (v *validator) passwordPolicy(p path, pp PasswordPolicy) {
	if n := pp.MinimumLength; n != 0 && (n < minPasswordLength || n > maxPasswordLength) {
		v.at(p.key("minimumLength"), "minimumLength %d must be %d to %d", n, minPasswordLength, maxPasswordLength)
	}
	if n := pp.MaxAgeDays; n < 0 || n > maxPasswordAgeDays {
		v.at(p.key("maxAgeDays"), "maxAgeDays %d must be 1 to %d, or 0 for passwords that never expire", n, maxPasswordAgeDays)
	}
	if n := pp.ReusePrevention; n < 0 || n > maxPasswordReuse {
		v.at(p.key("reusePrevention"), "reusePrevention %d must be 1 to %d", n, maxPasswordReuse)
	}
	if pp.AllowUsersToChange != nil && !*pp.AllowUsersToChange {
		v.at(p.key("allowUsersToChange"), "people change their own first password and rotate it themselves (ManageOwnUserG allows it only if the policy does): keep allowUsersToChange")
	}
	if pp.HardExpiry && pp.MaxAgeDays == 0 {
		v.at(p.key("hardExpiry"), "hardExpiry applies to passwords that expire: set maxAgeDays, or remove hardExpiry")
	}
}
