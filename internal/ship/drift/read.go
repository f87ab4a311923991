package drift

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/parallel"
	"github.com/iamstack/iamstack/internal/policy"
)

// IAM is the part of the IAM API drift reads with: what
// *iam.Client does, and what a test fakes where moto lacks a call.
type IAM interface {
	iam.GetAccountAuthorizationDetailsAPIClient
	GetRole(context.Context, *iam.GetRoleInput, ...func(*iam.Options)) (*iam.GetRoleOutput, error)
	GetLoginProfile(context.Context, *iam.GetLoginProfileInput, ...func(*iam.Options)) (*iam.GetLoginProfileOutput, error)
	ListMFADevices(context.Context, *iam.ListMFADevicesInput, ...func(*iam.Options)) (*iam.ListMFADevicesOutput, error)
	ListAccessKeys(context.Context, *iam.ListAccessKeysInput, ...func(*iam.Options)) (*iam.ListAccessKeysOutput, error)
	ListOpenIDConnectProviders(context.Context, *iam.ListOpenIDConnectProvidersInput, ...func(*iam.Options)) (*iam.ListOpenIDConnectProvidersOutput, error)
	GetOpenIDConnectProvider(context.Context, *iam.GetOpenIDConnectProviderInput, ...func(*iam.Options)) (*iam.GetOpenIDConnectProviderOutput, error)
}

// Read reads what IAM holds in an account: every user, group, role and
// customer managed policy with their policies (GetAccountAuthorizationDetails),
// and what that call leaves out: a role's maximum session, a user's console
// password, MFA devices and active access keys, and the OIDC providers.
func Read(ctx context.Context, api IAM, account string) (assembly.LiveAccount, error) {
	live := assembly.LiveAccount{ID: account}
	pages := iam.NewGetAccountAuthorizationDetailsPaginator(api, &iam.GetAccountAuthorizationDetailsInput{
		Filter: []iamtypes.EntityType{iamtypes.EntityTypeUser, iamtypes.EntityTypeRole, iamtypes.EntityTypeGroup, iamtypes.EntityTypeLocalManagedPolicy}})
	// A document that does not parse fails the read (the comparison cannot
	// stand without it), but on a role the account has by design, which
	// nothing compares.
	var errs []error
	ignore := false
	doc := func(what, s string) policy.Document {
		d, err := document(s)
		if err != nil && !ignore {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
		}
		return d
	}
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return live, fmt.Errorf("get-account-authorization-details: %w", err)
		}
		for _, u := range page.UserDetailList {
			lu := assembly.LiveUser{Name: aws.ToString(u.UserName), Path: aws.ToString(u.Path), ARN: aws.ToString(u.Arn),
				Groups: slices.Sorted(slices.Values(u.GroupList)), Attached: attachedARNs(u.AttachedManagedPolicies),
				Inline: map[string]policy.Document{}, Tags: tags(u.Tags), Boundary: boundary(u.PermissionsBoundary)}
			for _, p := range u.UserPolicyList {
				lu.Inline[aws.ToString(p.PolicyName)] = doc("user "+lu.Name+" inline "+aws.ToString(p.PolicyName), aws.ToString(p.PolicyDocument))
			}
			live.Users = append(live.Users, lu)
		}
		for _, g := range page.GroupDetailList {
			lg := assembly.LiveGroup{Name: aws.ToString(g.GroupName), Path: aws.ToString(g.Path), ARN: aws.ToString(g.Arn),
				Attached: attachedARNs(g.AttachedManagedPolicies), Inline: map[string]policy.Document{}}
			for _, p := range g.GroupPolicyList {
				lg.Inline[aws.ToString(p.PolicyName)] = doc("group "+lg.Name+" inline "+aws.ToString(p.PolicyName), aws.ToString(p.PolicyDocument))
			}
			live.Groups = append(live.Groups, lg)
		}
		for _, r := range page.RoleDetailList {
			ignore = assembly.AccountDefault("role", aws.ToString(r.RoleName), aws.ToString(r.Path))
			lr := assembly.LiveRole{Name: aws.ToString(r.RoleName), Path: aws.ToString(r.Path), ARN: aws.ToString(r.Arn),
				Trust:    doc("role "+aws.ToString(r.RoleName)+" trust", aws.ToString(r.AssumeRolePolicyDocument)),
				Attached: attachedARNs(r.AttachedManagedPolicies), Inline: map[string]policy.Document{}, Tags: tags(r.Tags),
				Boundary: boundary(r.PermissionsBoundary)}
			for _, p := range r.RolePolicyList {
				lr.Inline[aws.ToString(p.PolicyName)] = doc("role "+lr.Name+" inline "+aws.ToString(p.PolicyName), aws.ToString(p.PolicyDocument))
			}
			live.Roles = append(live.Roles, lr)
			ignore = false
		}
		for _, p := range page.Policies {
			lp := assembly.LivePolicy{Name: aws.ToString(p.PolicyName), Path: aws.ToString(p.Path), ARN: aws.ToString(p.Arn)}
			if lp.Name == "" { // moto 5.2.1 leaves it out; the ARN ends with it
				lp.Name = lp.ARN[strings.LastIndex(lp.ARN, "/")+1:]
			}
			for _, v := range p.PolicyVersionList {
				if v.IsDefaultVersion {
					lp.Document = doc("policy "+lp.Name, aws.ToString(v.Document))
				}
			}
			live.Policies = append(live.Policies, lp)
		}
	}
	// The credentials must be the account's: another account's IAM would
	// compare as all missing and unmanaged.
	for _, arn := range arns(live) {
		if got := accountOf(arn); got != account {
			return live, fmt.Errorf("the credentials read account %s, not %s (%s): use the account's profile", got, account, arn)
		}
	}
	// A role's and a user's own calls, a few at a time: the user-only
	// account of a large organization has thousands of people.
	if err := parallel.Each(len(live.Roles), callsPerAccount, func(i int) error {
		r := &live.Roles[i]
		out, err := api.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(r.Name)})
		if err != nil {
			return fmt.Errorf("get-role %s: %w", r.Name, err)
		}
		r.MaxSessionSeconds = int(aws.ToInt32(out.Role.MaxSessionDuration))
		return nil
	}); err != nil {
		return live, err
	}
	if err := parallel.Each(len(live.Users), callsPerAccount, func(i int) error {
		u := &live.Users[i]
		name := aws.String(u.Name)
		_, err := api.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: name})
		var none *iamtypes.NoSuchEntityException
		switch {
		case err == nil:
			u.LoginProfile = true
		case !errors.As(err, &none):
			return fmt.Errorf("get-login-profile %s: %w", u.Name, err)
		}
		mfa, err := api.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: name})
		if err != nil {
			return fmt.Errorf("list-mfa-devices %s: %w", u.Name, err)
		}
		u.MFADevices = len(mfa.MFADevices)
		keys, err := api.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: name})
		if err != nil {
			return fmt.Errorf("list-access-keys %s: %w", u.Name, err)
		}
		for _, k := range keys.AccessKeyMetadata {
			if k.Status == iamtypes.StatusTypeActive {
				u.AccessKeys++
			}
		}
		return nil
	}); err != nil {
		return live, err
	}
	providers, err := api.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{})
	if err != nil {
		return live, fmt.Errorf("list-open-id-connect-providers: %w", err)
	}
	for _, p := range providers.OpenIDConnectProviderList {
		out, err := api.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: p.Arn})
		if err != nil {
			return live, fmt.Errorf("get-open-id-connect-provider %s: %w", aws.ToString(p.Arn), err)
		}
		issuer := strings.TrimPrefix(aws.ToString(out.Url), "https://")
		live.OIDCProviders = append(live.OIDCProviders, assembly.LiveOIDCProvider{Issuer: issuer, ClientIDs: slices.Sorted(slices.Values(out.ClientIDList))})
	}
	return live, errors.Join(errs...)
}

// callsPerAccount bounds the calls in flight to one account: IAM throttles
// an account's calls, and the accounts are read several at a time.
const callsPerAccount = 4

// arns are the ARNs of what an account holds.
func arns(a assembly.LiveAccount) []string {
	var out []string
	for _, u := range a.Users {
		out = append(out, u.ARN)
	}
	for _, r := range a.Roles {
		out = append(out, r.ARN)
	}
	for _, g := range a.Groups {
		out = append(out, g.ARN)
	}
	for _, p := range a.Policies {
		out = append(out, p.ARN)
	}
	return out
}

// Target is an account to read, and the API to read it with.
type Target struct {
	Name, ID string
	API      IAM
}

// ReadAll reads the accounts, at most concurrency at once, and returns
// what each holds in the targets' order, or the error that kept it from
// being read. done, when set, is called as each account is read.
func ReadAll(ctx context.Context, targets []Target, concurrency int, done func(t Target, err error)) ([]assembly.LiveAccount, []error) {
	live := make([]assembly.LiveAccount, len(targets))
	errs := make([]error, len(targets))
	slots := make(chan struct{}, max(1, concurrency))
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i, t := range targets {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			live[i], errs[i] = Read(ctx, t.API, t.ID)
			if errs[i] != nil {
				errs[i] = fmt.Errorf("account %s (%s): %w", t.Name, t.ID, errs[i])
			}
			if done != nil {
				mu.Lock()
				done(t, errs[i])
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return live, errs
}

// document parses a policy document as IAM returns it: URL-encoded JSON
// (RFC 3986) from GetAccountAuthorizationDetails, or JSON.
func document(s string) (policy.Document, error) {
	if t := strings.TrimSpace(s); !strings.HasPrefix(t, "{") {
		decoded, err := url.PathUnescape(t)
		if err != nil {
			return policy.Document{}, fmt.Errorf("policy document: %w", err)
		}
		s = decoded
	}
	return policy.Parse([]byte(s))
}

func attachedARNs(ps []iamtypes.AttachedPolicy) []string {
	var out []string
	for _, p := range ps {
		out = append(out, aws.ToString(p.PolicyArn))
	}
	slices.Sort(out)
	return out
}

func tags(ts []iamtypes.Tag) map[string]string {
	out := map[string]string{}
	for _, t := range ts {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

func boundary(b *iamtypes.AttachedPermissionsBoundary) string {
	if b == nil {
		return ""
	}
	return aws.ToString(b.PermissionsBoundaryArn)
}
