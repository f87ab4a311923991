package assembly

import (
	"maps"
	"slices"
	"strings"

	"github.com/iamstack/iamstack/internal/analyze/evaluate"
	"github.com/iamstack/iamstack/internal/metadata"
	"github.com/iamstack/iamstack/internal/policy"
)

// LiveAccount is what IAM holds in one account, as its API returns it: the
// input of drift, which compares it with a release's templates, and of
// FromLive, which analyses it as the templates are analysed.
type LiveAccount struct {
	ID            string
	Users         []LiveUser
	Groups        []LiveGroup
	Roles         []LiveRole
	Policies      []LivePolicy // customer managed
	OIDCProviders []LiveOIDCProvider
}

// LiveUser is an IAM user as IAM holds it.
type LiveUser struct {
	Name, Path, ARN string
	Groups          []string
	// Attached are the ARNs of the managed policies attached to it,
	// Inline its inline policies by name.
	Attached []string
	Inline   map[string]policy.Document
	Tags     map[string]string
	Boundary string // ARN
	// LoginProfile tells whether it has a console password; MFADevices
	// and AccessKeys count its MFA devices and active access keys.
	LoginProfile           bool
	MFADevices, AccessKeys int
}

// LiveGroup is an IAM group as IAM holds it.
type LiveGroup struct {
	Name, Path, ARN string
	Attached        []string
	Inline          map[string]policy.Document
}

// LiveRole is an IAM role as IAM holds it.
type LiveRole struct {
	Name, Path, ARN   string
	Trust             policy.Document
	Attached          []string
	Inline            map[string]policy.Document
	Tags              map[string]string
	Boundary          string
	MaxSessionSeconds int
}

// LivePolicy is a customer managed policy and its default version.
type LivePolicy struct {
	Name, Path, ARN string
	Document        policy.Document
}

// LiveOIDCProvider is an OIDC identity provider: its issuer (the URL
// without its scheme) and audiences.
type LiveOIDCProvider struct {
	Issuer    string
	ClientIDs []string
}

// AccountDefault tells whether a resource no release creates is one every
// account has by design: AWS's own roles (service-linked, Identity
// Center's), the CDK bootstrap's roles (cdk-<qualifier>-...), and the role
// Organizations creates in the accounts it makes. The access analysis
// counts them as present in every account (docs/security.md), so the live
// inventory leaves them to it.
func AccountDefault(kind, name, path string) bool {
	return kind == "role" && (strings.HasPrefix(path, "/aws-service-role/") || strings.HasPrefix(path, "/aws-reserved/") ||
		strings.HasPrefix(name, "cdk-") || name == "OrganizationAccountAccessRole")
}

// FromLive is the inventory of what the accounts hold live, analysed in the
// release's terms: the accounts, their regions, the model's standing
// resources and Identity Center are the release's (this reads IAM only,
// and Identity Center's roles are AWS's); every user, group, role and
// customer managed policy is what IAM holds, each principal carrying the
// entity of the release's resource of its kind and name, so reports name
// people as the release does. Accounts the release does not hold are left
// out; accounts not read keep the release's resources, as if unchanged.
func FromLive(release *Inventory, live []LiveAccount) *Inventory {
	inv := &Inventory{Accounts: release.Accounts, Standing: release.Standing, IdentityCenter: release.IdentityCenter,
		Stacks: release.Stacks, Secrets: release.Secrets, Unknown: slices.Clone(release.Unknown)}
	entity := map[string]metadata.Entity{} // kind/account/name -> entity
	region := map[string]string{}
	for _, p := range append(slices.Clone(release.Users), release.Roles...) {
		entity[p.Kind+"/"+p.Account+"/"+p.Name] = p.Entity
		region[p.Account] = p.Region
		if p.PermissionSet != "" {
			inv.Roles = append(inv.Roles, p) // Identity Center's: the release's
		}
	}
	for _, t := range release.Stacks {
		if region[t.Account] == "" {
			region[t.Account] = t.Region
		}
	}
	for _, g := range release.Groups {
		entity["group/"+g.Account+"/"+g.Name] = g.Entity
	}
	for _, a := range live {
		acct, ok := release.Accounts[a.ID]
		if !ok {
			continue
		}
		customer := map[string]policy.Document{}
		compiled := map[string]*evaluate.Policy{} // by ARN (attachedDocs)
		for _, p := range a.Policies {
			customer[p.ARN] = p.Document
			inv.ManagedPolicies = append(inv.ManagedPolicies, ManagedPolicy{Account: a.ID, Name: p.Name, ARN: p.ARN, Document: p.Document})
		}
		resolve := func(owner string, arns []string, inline map[string]policy.Document) []evaluate.Policy {
			out := attachedDocs(arns, func(arn string) (policy.Document, bool) {
				doc, ok := customer[arn]
				return doc, ok
			}, compiled, &inv.Unknown)
			for _, name := range slices.Sorted(maps.Keys(inline)) {
				out = append(out, evaluate.Policy{Name: owner + " (inline " + name + ")", Document: inline[name]})
			}
			return out
		}
		boundary := func(arn string) *evaluate.Policy {
			if arn == "" {
				return nil
			}
			if doc, ok := customer[arn]; ok {
				return evaluate.NewPolicy(arn, doc)
			}
			if doc, ok := awsManaged(arn); ok {
				return evaluate.NewPolicy(arn, doc)
			}
			return nil
		}
		groups := map[string]Group{}
		for _, g := range a.Groups {
			grp := Group{Account: a.ID, Name: g.Name, ARN: g.ARN, Attached: g.Attached, InlinePolicies: g.Inline,
				Inline: slices.Sorted(maps.Keys(g.Inline)), ManagedPolicies: len(g.Attached), Entity: entity["group/"+a.ID+"/"+g.Name]}
			grp.Policies = resolve("group "+g.Name, g.Attached, g.Inline)
			groups[g.Name] = grp
			inv.Groups = append(inv.Groups, grp)
		}
		for _, u := range a.Users {
			p := Principal{Kind: "user", Account: a.ID, Name: u.Name, Path: u.Path, ARN: u.ARN, Tags: maps.Clone(u.Tags),
				Region: region[a.ID], OrgPath: acct.OrgPath, Attached: u.Attached, InlinePolicies: u.Inline,
				Inline: slices.Sorted(maps.Keys(u.Inline)), ManagedPolicies: len(u.Attached), Entity: entity["user/"+a.ID+"/"+u.Name]}
			if p.Tags == nil {
				p.Tags = map[string]string{}
			}
			p.Identity = resolve("user "+u.Name, u.Attached, u.Inline)
			for _, pol := range p.Identity {
				p.Direct = append(p.Direct, pol.Name)
			}
			for _, g := range u.Groups {
				p.Groups = append(p.Groups, g)
				p.Identity = append(p.Identity, groups[g].Policies...)
			}
			p.Boundary, p.BoundaryARN = boundary(u.Boundary), u.Boundary
			inv.Users = append(inv.Users, p)
		}
		for _, r := range a.Roles {
			if AccountDefault("role", r.Name, r.Path) {
				continue // the analysis has them; Identity Center's are the release's
			}
			trust := r.Trust
			p := Principal{Kind: "role", Account: a.ID, Name: r.Name, Path: r.Path, ARN: r.ARN, Region: region[a.ID], OrgPath: acct.OrgPath,
				Attached: r.Attached, InlinePolicies: r.Inline, Inline: slices.Sorted(maps.Keys(r.Inline)), ManagedPolicies: len(r.Attached),
				MaxSessionSeconds: r.MaxSessionSeconds, Entity: entity["role/"+a.ID+"/"+r.Name],
				Trust: evaluate.NewPolicy(r.Name+" trust", trust)}
			p.Identity = resolve("role "+r.Name, r.Attached, r.Inline)
			p.Boundary, p.BoundaryARN = boundary(r.Boundary), r.Boundary
			inv.Roles = append(inv.Roles, p)
		}
		for _, o := range a.OIDCProviders {
			inv.OIDCProviders = append(inv.OIDCProviders, OIDCProvider{Account: a.ID, Name: o.Issuer})
		}
	}
	read := map[string]bool{}
	for _, a := range live {
		read[a.ID] = true
	}
	for _, p := range release.Users {
		if !read[p.Account] {
			inv.Users = append(inv.Users, p)
		}
	}
	for _, p := range release.Roles {
		if !read[p.Account] && p.PermissionSet == "" {
			inv.Roles = append(inv.Roles, p)
		}
	}
	for _, g := range release.Groups {
		if !read[g.Account] {
			inv.Groups = append(inv.Groups, g)
		}
	}
	for _, mp := range release.ManagedPolicies {
		if !read[mp.Account] {
			inv.ManagedPolicies = append(inv.ManagedPolicies, mp)
		}
	}
	for _, o := range release.OIDCProviders {
		if !read[o.Account] {
			inv.OIDCProviders = append(inv.OIDCProviders, o)
		}
	}
	slices.Sort(inv.Unknown)
	return inv
}
