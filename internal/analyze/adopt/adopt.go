// Package adopt brings IAM users, groups, roles and managed policies that
// already exist under iamstack without replacing them. A replaced user loses
// its MFA devices, access keys and password; CloudFormation's resource
// import (which `cdk import` drives) takes the existing resource into a
// stack as it is instead.
//
// From a synthesized cloud assembly and a listing of what an account holds
// (the output of `aws iam get-account-authorization-details`), Plan says
// which resources of each stack already exist, what would still replace or
// surprise, and Write produces what `cdk import` needs: the resource
// mapping, and an import-phase assembly whose templates hold only the
// resources to import. The same listing lets the check refuse a change that
// would create a resource that already exists (Collisions).
package adopt

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// Listing is what one account holds, read from the output of
// `aws iam get-account-authorization-details`.
type Listing struct {
	// Account is the account ID, from the listing's ARNs.
	Account string
	// Partition is the ARN partition, from the listing's ARNs.
	Partition string
	// Existing resources by kind and lower-case name: IAM names are unique
	// regardless of case.
	existing map[kindName]Existing
}

// Existing is one resource of a listing.
type Existing struct {
	Kind, Name, Path, ARN string
	// Groups, AttachedPolicies and InlinePolicies are what a user, group or
	// role carries: after the import, CloudFormation manages only what the
	// template says.
	Groups, AttachedPolicies, InlinePolicies []string
}

type kindName struct{ kind, name string }

// The resource kinds a listing holds and an import takes.
const (
	User   = "user"
	Group  = "group"
	Role   = "role"
	Policy = "policy"
)

// ReadListing reads the JSON output of `aws iam get-account-authorization-details`.
func ReadListing(data []byte) (*Listing, error) {
	type attached struct{ PolicyName, PolicyArn string }
	type inline struct{ PolicyName string }
	var raw struct {
		UserDetailList []struct {
			UserName, Path, Arn     string
			GroupList               []string
			AttachedManagedPolicies []attached
			UserPolicyList          []inline
		}
		GroupDetailList []struct {
			GroupName, Path, Arn    string
			AttachedManagedPolicies []attached
			GroupPolicyList         []inline
		}
		RoleDetailList []struct {
			RoleName, Path, Arn     string
			AttachedManagedPolicies []attached
			RolePolicyList          []inline
		}
		Policies []struct{ PolicyName, Path, Arn string }
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("not the JSON output of `aws iam get-account-authorization-details`: %w", err)
	}
	if raw.UserDetailList == nil && raw.GroupDetailList == nil && raw.RoleDetailList == nil && raw.Policies == nil {
		return nil, fmt.Errorf("no UserDetailList, GroupDetailList, RoleDetailList or Policies: not the output of `aws iam get-account-authorization-details`")
	}
	l := &Listing{existing: map[kindName]Existing{}}
	names := func(as []attached) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.PolicyName)
		}
		return out
	}
	inlines := func(is []inline) []string {
		var out []string
		for _, i := range is {
			out = append(out, i.PolicyName)
		}
		return out
	}
	var errs []string
	add := func(e Existing) {
		partition, account, ok := arnAccount(e.ARN)
		switch {
		case !ok:
			errs = append(errs, fmt.Sprintf("%s %s: %q is not an IAM ARN", e.Kind, e.Name, e.ARN))
			return
		case l.Account == "":
			l.Account, l.Partition = account, partition
		case account != l.Account:
			errs = append(errs, fmt.Sprintf("%s %s is in account %s, the listing's others in %s: list one account per file", e.Kind, e.Name, account, l.Account))
			return
		}
		l.existing[kindName{e.Kind, strings.ToLower(e.Name)}] = e
	}
	for _, u := range raw.UserDetailList {
		add(Existing{Kind: User, Name: u.UserName, Path: u.Path, ARN: u.Arn, Groups: u.GroupList,
			AttachedPolicies: names(u.AttachedManagedPolicies), InlinePolicies: inlines(u.UserPolicyList)})
	}
	for _, g := range raw.GroupDetailList {
		add(Existing{Kind: Group, Name: g.GroupName, Path: g.Path, ARN: g.Arn,
			AttachedPolicies: names(g.AttachedManagedPolicies), InlinePolicies: inlines(g.GroupPolicyList)})
	}
	for _, r := range raw.RoleDetailList {
		add(Existing{Kind: Role, Name: r.RoleName, Path: r.Path, ARN: r.Arn,
			AttachedPolicies: names(r.AttachedManagedPolicies), InlinePolicies: inlines(r.RolePolicyList)})
	}
	for _, p := range raw.Policies {
		// AWS managed policies are listed too (with --filter LocalManagedPolicy they are not).
		if strings.Contains(p.Arn, ":iam::aws:policy/") {
			continue
		}
		add(Existing{Kind: Policy, Name: p.PolicyName, Path: p.Path, ARN: p.Arn})
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("listing: %s", strings.Join(errs, "; "))
	}
	return l, nil
}

// ReadListingFile reads a listing from a file.
func ReadListingFile(path string) (*Listing, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	l, err := ReadListing(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return l, nil
}

// Lookup finds a resource of a kind by name, regardless of case.
func (l *Listing) Lookup(kind, name string) (Existing, bool) {
	e, ok := l.existing[kindName{kind, strings.ToLower(name)}]
	return e, ok
}

// arnAccount splits arn:<partition>:iam::<account>:...
func arnAccount(arn string) (partition, account string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || len(parts[4]) != 12 {
		return "", "", false
	}
	return parts[1], parts[4], true
}

// resourceKinds are the CloudFormation types an import takes, with the
// listing kind, the property that holds the name, and the property that
// identifies the resource to CloudFormation's import.
var resourceKinds = map[string]struct{ kind, nameProp, idProp string }{
	"AWS::IAM::User":          {User, "UserName", "UserName"},
	"AWS::IAM::Group":         {Group, "GroupName", "GroupName"},
	"AWS::IAM::Role":          {Role, "RoleName", "RoleName"},
	"AWS::IAM::ManagedPolicy": {Policy, "ManagedPolicyName", "PolicyArn"},
}

// Resource is one IAM resource of a synthesized stack.
type Resource struct {
	Stack, LogicalID, Type, Kind, Name, Path string
	// LoginProfile is set for a user the template gives a console password.
	LoginProfile bool
	// Policies are the names of the managed policies the template
	// attaches to a user, group or role.
	Policies []string
	// Inline are the names of the inline policies the template keeps on a
	// role.
	Inline []string
}

// Import is a resource that already exists and is imported as it is.
type Import struct {
	Resource
	// Identifier is what CloudFormation's import identifies it by:
	// {"RoleName": "admin"}, {"PolicyArn": "arn:..."}.
	Identifier map[string]string
}

// Finding is something the adoption must settle (Blocking) or that the
// user should know before importing.
type Finding struct {
	Resource
	Blocking bool
	Message  string
}

func (f Finding) String() string {
	return fmt.Sprintf("%s %s (%s in stack %s): %s", f.Kind, f.Name, f.LogicalID, f.Stack, f.Message)
}

// Adoption is what Plan finds in one assembly.
type Adoption struct {
	Imports  []Import
	Findings []Finding
	// New are the resources nothing in the listings holds: the deploy
	// after the import creates them.
	New []Resource
}

// Blocking lists the findings that must be settled before the import.
func (a Adoption) Blocking() []Finding {
	var out []Finding
	for _, f := range a.Findings {
		if f.Blocking {
			out = append(out, f)
		}
	}
	return out
}
