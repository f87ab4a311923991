package policy

import (
	"maps"
	"slices"
	"strings"

	"github.com/iamstack/iamstack/internal/names"
)

// The trust statements of a role for callers beyond iamstack's people:
// machines, other accounts and their roles, identity providers and
// services. Each admits exactly the principal the model names and carries
// the conditions the model asks of it.

// sessionTagConditions bound the session tags a caller may pass: only the
// keys the model names, or when it names none, none of iamstack's keys (a
// session tag outranks a principal tag of the same key, the grant tags
// included), and none transitive, so a tag set here does not follow the
// session into chained roles.
func sessionTagConditions(s names.Scheme, opts TrustOptions) Conditions {
	c := Conditions{"Null": {keyTransitiveTagKeys: {"true"}}}
	if len(opts.SessionTagKeys) > 0 {
		c["ForAllValues:StringEquals"] = map[string][]string{keyTagKeys: slices.Clone(opts.SessionTagKeys)}
	} else {
		c["ForAllValues:StringNotLike"] = map[string][]string{keyTagKeys: {s.Prefix + "-*"}}
	}
	return c
}

// Passing is a trust statement that admits callers to AssumeRole, then
// the statements that let the same callers pass what opts allow along with
// it: session tags, and a source identity, which must be selfNamed (their
// own user name) when they are users and is otherwise theirs to choose
// (another account names its own callers). The statements after it are
// named after its Sid and take its principal and its conditions but those
// only AssumeRole has (sts:ExternalId, sts:RoleSessionName): the AssumeRole
// statement still decides whether the call is allowed at all.
func Passing(s names.Scheme, admit Statement, opts TrustOptions, selfNamed bool) []Statement {
	out := []Statement{admit}
	sid, principal := admit.Sid, admit.Principal
	base := func() Conditions {
		c := Conditions{}
		for op, keys := range admit.Conditions {
			for k, v := range keys {
				if k == "sts:ExternalId" || k == keySessionName {
					continue
				}
				if c[op] == nil {
					c[op] = map[string][]string{}
				}
				c[op][k] = slices.Clone(v)
			}
		}
		return c
	}
	if opts.SessionTags {
		c := base()
		maps.Copy(c, sessionTagConditions(s, opts))
		out = append(out, Statement{Sid: sid + "TagSession", Effect: Allow, Principal: principal, Actions: []string{tagSession}, Conditions: c})
	}
	if opts.SourceIdentity {
		c := base()
		if selfNamed {
			c["StringEquals"] = map[string][]string{keySourceIdentity: {selfUserName}}
		}
		st := Statement{Sid: sid + "SourceIdentity", Effect: Allow, Principal: principal, Actions: []string{setSourceIdentity}}
		if len(c) > 0 {
			st.Conditions = c
		}
		out = append(out, st)
	}
	return out
}

// MachineTrust is the trust statement of a role for the CI/CD users of its
// own account, named one by one. They sign with access keys: no MFA.
func MachineTrust(userARNs []string) Statement {
	return Statement{Sid: "CICDUsers", Effect: Allow,
		Principal: Principal{"AWS": userARNs}, Actions: []string{assumeRole}}
}

// CentralMachineTrust is the trust statement of a role for the CI/CD users
// of another account: that account, and only the users it names there, by
// aws:PrincipalArn. The account, not the users, is the principal, so a role
// deploys before or after the users it trusts. They sign with access keys:
// no MFA.
func CentralMachineTrust(s names.Scheme, account string, userARNs []string) Statement {
	return Statement{Sid: "CentralCICDUsers" + account, Effect: Allow,
		Principal: Principal{"AWS": {s.AccountRootARN(account)}}, Actions: []string{assumeRole},
		Conditions: Conditions{"ArnEquals": {keyPrincipal: userARNs}}}
}

// AccountTrust admits another AWS account, and with externalID only callers
// that pass it, as AWS asks of third parties (the confused deputy); with
// mfaMaxAge (seconds, 0 for none), only callers with an MFA session that
// young. The caller names the statement: one role may trust an account
// twice.
func AccountTrust(s names.Scheme, account, externalID string, mfaMaxAge int) Statement {
	st := Statement{Effect: Allow, Principal: Principal{"AWS": {s.AccountRootARN(account)}},
		Actions: []string{assumeRole}}
	c := Conditions{}
	if externalID != "" {
		c["StringEquals"] = map[string][]string{"sts:ExternalId": {externalID}}
	}
	if mfaMaxAge > 0 {
		maps.Copy(c, MFARequired(mfaMaxAge))
	}
	if len(c) > 0 {
		st.Conditions = c
	}
	return st
}

// ExternalRoleTrust admits one role iamstack does not manage, by its ARN:
// its account is the principal and aws:PrincipalArn must be the role (a
// role's ARN in that key carries its path), so the trust deploys whether
// or not the role exists yet, and a role of that name created again later
// is admitted again, as IAM would not do for a role named as principal.
// With mfaMaxAge (seconds), only a session its caller started with MFA
// that young.
func ExternalRoleTrust(s names.Scheme, account, roleARN string, mfaMaxAge int) Statement {
	c := Conditions{"ArnEquals": {keyPrincipal: {roleARN}}}
	if mfaMaxAge > 0 {
		maps.Copy(c, MFARequired(mfaMaxAge))
	}
	return Statement{Effect: Allow, Principal: Principal{"AWS": {s.AccountRootARN(account)}},
		Actions: []string{assumeRole}, Conditions: c}
}

// RoleTrust admits one role of the model (role chaining): its account is the
// principal, and aws:PrincipalArn must be the role, so the trust deploys
// before or after the role it names. The session keeps the caller's name:
// STS gives a role session the aws:userid "<role ID>:<session name>" (IAM's
// global condition keys page), and a session name holds no colon, so
// requiring aws:userid to end in ":" and the new session's name makes
// CloudTrail in this account name whoever the first hop named, a person
// under their own user name. With sourceIdentity, the caller's source
// identity (which STS carries along the chain and never lets a session
// change) is admitted too: without sts:SetSourceIdentity in the trust, STS
// refuses a chained AssumeRole whose session carries one.
func RoleTrust(s names.Scheme, account string, roleARNs []string, sourceIdentity bool) []Statement {
	principal := Principal{"AWS": {s.AccountRootARN(account)}}
	op := "ArnEquals"
	if slices.ContainsFunc(roleARNs, func(a string) bool { return strings.ContainsAny(a, "*?") }) {
		op = "ArnLike" // the role's permission set's role, named by a pattern
	}
	caller := func() Conditions { return Conditions{op: {keyPrincipal: slices.Clone(roleARNs)}} }
	assume := caller()
	assume["StringLike"] = map[string][]string{keyUserID: {"*:${" + keySessionName + "}"}}
	out := []Statement{{Effect: Allow, Principal: principal, Actions: []string{assumeRole}, Conditions: assume}}
	if sourceIdentity {
		carried := caller()
		// IfExists: a chained call need not pass the identity its session
		// carries; one it passes must be that one, and a session that
		// carries none cannot start one mid-chain (the variable has no value).
		carried["StringEqualsIfExists"] = map[string][]string{keySourceIdentity: {"${" + keyCallerSourceIdentity + "}"}}
		out = append(out, Statement{Effect: Allow, Principal: principal, Actions: []string{setSourceIdentity}, Conditions: carried})
	}
	return out
}

// GitHubAudience is the audience GitHub Actions' tokens carry for STS
// (aws-actions/configure-aws-credentials asks for it).
const GitHubAudience = "sts.amazonaws.com"

// GitHubTrust admits GitHub Actions workflows through the account's OIDC
// provider: the token's audience must be STS and its subject one of
// subjects.
func GitHubTrust(s names.Scheme, account string, subjects []string) Statement {
	st := OIDCTrust(s, account, names.GitHubOIDCHost, GitHubAudience, subjects)
	st.Sid = "GitHubActions"
	return st
}

// OIDCTrust admits the holders of tokens an OIDC issuer signs, through the
// account's identity provider for the issuer (host and path, no scheme):
// the token's audience must be audience and its subject one of subjects,
// compared exactly unless one holds a wildcard (which the model refuses
// unless waived). IAM names the claims by the issuer:
// "oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub". The caller names the
// statement.
func OIDCTrust(s names.Scheme, account, issuer, audience string, subjects []string) Statement {
	op := "StringEquals"
	for _, sub := range subjects {
		if strings.ContainsAny(sub, "*?") {
			op = "StringLike"
		}
	}
	c := Conditions{"StringEquals": {issuer + ":aud": {audience}}}
	if c[op] == nil {
		c[op] = map[string][]string{}
	}
	c[op][issuer+":sub"] = slices.Clone(subjects)
	return Statement{Effect: Allow, Principal: Principal{"Federated": {s.OIDCProviderARN(account, issuer)}},
		Actions: []string{"sts:AssumeRoleWithWebIdentity"}, Conditions: c}
}

// ServiceTrust admits AWS services, which run code as the role, on behalf
// of the role's own account only: a service that names the account it acts
// for (aws:SourceAccount) cannot be steered from another account into
// acting as this role (AWS's "confused deputy"). IfExists keeps the services
// that do not send the key, such as EC2 launching an instance, working.
func ServiceTrust(account string, services []string) Statement {
	return Statement{Sid: "Services", Effect: Allow, Principal: Principal{"Service": services}, Actions: []string{assumeRole},
		Conditions: Conditions{"StringEqualsIfExists": {keySourceAccount: {account}}}}
}
