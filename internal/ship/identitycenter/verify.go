package identitycenter

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	idtypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"

	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/cfn"
	"github.com/iamstack/iamstack/model"
)

// Instance is what a live check reads of an Identity Center instance.
type Instance interface {
	Directory
	// PermissionSets are the instance's permission sets, by name.
	PermissionSets(ctx context.Context, instance string) (map[string]LivePermissionSet, error)
	// Assignments are the principals assigned a permission set in an
	// account, as "GROUP id" or "USER id".
	Assignments(ctx context.Context, instance, account, permissionSetARN string) ([]string, error)
	// Members are the user IDs of a group.
	Members(ctx context.Context, store, group string) ([]string, error)
}

// LivePermissionSet is a permission set as the instance holds it.
type LivePermissionSet struct {
	ARN string
	// Managed are AWS managed policy ARNs, Customer customer managed
	// policies by path and name; both sorted.
	Managed, Customer []string
	Session           string // ISO 8601
}

// Verify compares a deployed instance with what templates say: each
// permission set's policies and session, the assignments of each of its
// permission sets in each account the templates assign it in, and, with an
// external directory, the members of each team's group. It returns the
// differences, each a line; none means the instance holds exactly what the
// templates grant. What no API reads (the MFA setting, the portal
// session) is the model's declaration and is not compared.
func Verify(ctx context.Context, inst Instance, ic *assembly.IdentityCenter) ([]string, error) {
	live, err := inst.PermissionSets(ctx, ic.InstanceARN)
	if err != nil {
		return nil, fmt.Errorf("list the permission sets of %s: %w", ic.InstanceARN, err)
	}
	var out []string
	for _, name := range slices.Sorted(maps.Keys(ic.PermissionSets)) {
		want := ic.PermissionSets[name]
		got, ok := live[name]
		if !ok {
			out = append(out, fmt.Sprintf("permission set %s does not exist: the release is not deployed, or its stack failed", name))
			continue
		}
		if w := strings.Join(sorted(want.Managed), ","); w != strings.Join(got.Managed, ",") {
			out = append(out, fmt.Sprintf("permission set %s attaches AWS managed policies [%s], the release [%s]", name, strings.Join(got.Managed, ","), w))
		}
		if w := strings.Join(sorted(want.Customer), ","); w != strings.Join(got.Customer, ",") {
			out = append(out, fmt.Sprintf("permission set %s attaches customer managed policies [%s], the release [%s]", name, strings.Join(got.Customer, ","), w))
		}
		if w := cfn.ISODuration(want.SessionSeconds); got.Session != w {
			out = append(out, fmt.Sprintf("permission set %s has session %s, the release %s", name, got.Session, w))
		}
	}

	// Assignments, per permission set and account the templates name.
	resolved := map[string]string{} // principal -> "TYPE id"
	principal := func(a assembly.Assignment) (string, error) {
		key := a.PrincipalType + " " + a.PrincipalName + a.PrincipalID
		if id, ok := resolved[key]; ok {
			return id, nil
		}
		id := a.PrincipalID
		if id == "" {
			var err error
			if a.PrincipalType == "GROUP" {
				id, err = inst.GroupID(ctx, ic.IdentityStoreID, a.PrincipalName)
			} else {
				id, err = inst.UserID(ctx, ic.IdentityStoreID, a.PrincipalName)
			}
			if err != nil {
				return "", err
			}
		}
		resolved[key] = a.PrincipalType + " " + id
		return resolved[key], nil
	}
	want := map[[2]string][]string{} // (account, permission set) -> principals
	who := map[string]string{}       // "TYPE id" -> what the model calls it
	for _, a := range ic.Assignments {
		p, err := principal(a)
		if err != nil {
			return nil, err
		}
		k := [2]string{a.Account, a.PermissionSet}
		want[k] = append(want[k], p)
		who[p] = a.Principal.Kind + " " + a.Principal.Name
	}
	for _, k := range slices.SortedFunc(maps.Keys(want), func(x, y [2]string) int { return strings.Compare(x[0]+x[1], y[0]+y[1]) }) {
		ps, ok := live[k[1]]
		if !ok {
			continue // reported above
		}
		got, err := inst.Assignments(ctx, ic.InstanceARN, k[0], ps.ARN)
		if err != nil {
			return nil, fmt.Errorf("list the assignments of %s in %s: %w", k[1], k[0], err)
		}
		for _, p := range want[k] {
			if !slices.Contains(got, p) {
				out = append(out, fmt.Sprintf("%s lacks %s in %s (%s): not deployed, or its assignment failed", who[p], k[1], k[0], p))
			}
		}
		for _, p := range got {
			if !slices.Contains(want[k], p) {
				out = append(out, fmt.Sprintf("%s holds %s in %s, which the release does not grant: assigned outside the model", p, k[1], k[0]))
			}
		}
	}

	// An external directory's memberships are the provider's: compare
	// them with what the model declares.
	if ic.Directory == model.DirectoryExternal {
		for _, team := range slices.Sorted(maps.Keys(ic.GroupIDs)) {
			got, err := inst.Members(ctx, ic.IdentityStoreID, ic.GroupIDs[team])
			if err != nil {
				return nil, fmt.Errorf("list the members of %s: %w", ic.Groups[team], err)
			}
			var wantIDs []string
			for _, u := range ic.Members[team] {
				wantIDs = append(wantIDs, ic.UserIDs[u])
				if !slices.Contains(got, ic.UserIDs[u]) {
					out = append(out, fmt.Sprintf("group %s lacks %s, whom the model puts in team %s", ic.Groups[team], u, team))
				}
			}
			for _, id := range got {
				if !slices.Contains(wantIDs, id) {
					out = append(out, fmt.Sprintf("group %s holds user %s, whom the model does not put in team %s: they reach the team's roles", ic.Groups[team], id, team))
				}
			}
		}
	}
	return out, nil
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

// instance is the Instance of the AWS SDK's clients.
type instance struct {
	identityStore
	admin *ssoadmin.Client
}

// NewInstance is the Instance of an Identity Center instance, called with
// cfg (its account's credentials, its region).
func NewInstance(cfg aws.Config) Instance {
	return instance{identityStore{identitystore.NewFromConfig(cfg)}, ssoadmin.NewFromConfig(cfg)}
}

func (i instance) PermissionSets(ctx context.Context, inst string) (map[string]LivePermissionSet, error) {
	out := map[string]LivePermissionSet{}
	pages := ssoadmin.NewListPermissionSetsPaginator(i.admin, &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String(inst)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, arn := range page.PermissionSets {
			d, err := i.admin.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: aws.String(inst), PermissionSetArn: aws.String(arn)})
			if err != nil {
				return nil, err
			}
			ps := LivePermissionSet{ARN: arn, Session: aws.ToString(d.PermissionSet.SessionDuration)}
			managed := ssoadmin.NewListManagedPoliciesInPermissionSetPaginator(i.admin, &ssoadmin.ListManagedPoliciesInPermissionSetInput{
				InstanceArn: aws.String(inst), PermissionSetArn: aws.String(arn)})
			for managed.HasMorePages() {
				p, err := managed.NextPage(ctx)
				if err != nil {
					return nil, err
				}
				for _, m := range p.AttachedManagedPolicies {
					ps.Managed = append(ps.Managed, aws.ToString(m.Arn))
				}
			}
			own := ssoadmin.NewListCustomerManagedPolicyReferencesInPermissionSetPaginator(i.admin, &ssoadmin.ListCustomerManagedPolicyReferencesInPermissionSetInput{
				InstanceArn: aws.String(inst), PermissionSetArn: aws.String(arn)})
			for own.HasMorePages() {
				p, err := own.NextPage(ctx)
				if err != nil {
					return nil, err
				}
				for _, r := range p.CustomerManagedPolicyReferences {
					path := aws.ToString(r.Path)
					if path == "" {
						path = "/"
					}
					ps.Customer = append(ps.Customer, path+aws.ToString(r.Name))
				}
			}
			slices.Sort(ps.Managed)
			slices.Sort(ps.Customer)
			out[aws.ToString(d.PermissionSet.Name)] = ps
		}
	}
	return out, nil
}

func (i instance) Assignments(ctx context.Context, inst, account, permissionSet string) ([]string, error) {
	var out []string
	pages := ssoadmin.NewListAccountAssignmentsPaginator(i.admin, &ssoadmin.ListAccountAssignmentsInput{
		InstanceArn: aws.String(inst), AccountId: aws.String(account), PermissionSetArn: aws.String(permissionSet)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range page.AccountAssignments {
			out = append(out, string(a.PrincipalType)+" "+aws.ToString(a.PrincipalId))
		}
	}
	return out, nil
}

func (i instance) Members(ctx context.Context, store, group string) ([]string, error) {
	var out []string
	pages := identitystore.NewListGroupMembershipsPaginator(i.c, &identitystore.ListGroupMembershipsInput{
		IdentityStoreId: aws.String(store), GroupId: aws.String(group)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, m := range page.GroupMemberships {
			if u, ok := m.MemberId.(*idtypes.MemberIdMemberUserId); ok {
				out = append(out, u.Value)
			}
		}
	}
	return out, nil
}
