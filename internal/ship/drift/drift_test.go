package drift_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/iamstack/iamstack"
	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/analyze/assembly/assemblytest"
	"github.com/iamstack/iamstack/internal/policy"
	"github.com/iamstack/iamstack/internal/ship/drift"
	"github.com/iamstack/iamstack/model"
)

// release is the example's templates, rendered in Go and read back.
func release(t *testing.T) *assembly.Inventory {
	t.Helper()
	m, err := model.Parse("iamstack.yaml", iamstack.Example())
	if err != nil {
		t.Fatal(err)
	}
	inv := assemblytest.Inventory(t, m)
	return inv
}

// deployed is what IAM holds in an account where the release deployed and
// nobody changed anything.
func deployed(inv *assembly.Inventory, account string) assembly.LiveAccount {
	live := assembly.LiveAccount{ID: account}
	for _, u := range inv.Users {
		if u.Account == account {
			live.Users = append(live.Users, assembly.LiveUser{Name: u.Name, Path: u.Path, ARN: u.ARN, Groups: slices.Clone(u.Groups),
				Attached: slices.Clone(u.Attached), Inline: maps.Clone(u.InlinePolicies), Tags: maps.Clone(u.Tags), Boundary: u.BoundaryARN, MFADevices: 1})
		}
	}
	for _, r := range inv.Roles {
		if r.Account == account && r.PermissionSet == "" {
			live.Roles = append(live.Roles, assembly.LiveRole{Name: r.Name, Path: r.Path, ARN: r.ARN, Trust: r.Trust.Document,
				Attached: slices.Clone(r.Attached), Inline: maps.Clone(r.InlinePolicies), Boundary: r.BoundaryARN, MaxSessionSeconds: r.MaxSessionSeconds})
		}
	}
	for _, g := range inv.Groups {
		if g.Account == account {
			live.Groups = append(live.Groups, assembly.LiveGroup{Name: g.Name, ARN: g.ARN, Path: "/", Attached: slices.Clone(g.Attached), Inline: maps.Clone(g.InlinePolicies)})
		}
	}
	for _, p := range inv.ManagedPolicies {
		if p.Account == account {
			live.Policies = append(live.Policies, assembly.LivePolicy{Name: p.Name, ARN: p.ARN, Path: "/", Document: p.Document})
		}
	}
	for _, o := range inv.OIDCProviders {
		if o.Account == account {
			live.OIDCProviders = append(live.OIDCProviders, assembly.LiveOIDCProvider{Issuer: o.Name, ClientIDs: []string{"sts.amazonaws.com"}})
		}
	}
	// What every account has beside the release: the CDK bootstrap's
	// roles, AWS's own.
	live.Roles = append(live.Roles,
		assembly.LiveRole{Name: "cdk-hnb659fds-cfn-exec-role-" + account + "-eu-west-1", Path: "/", Attached: []string{"arn:aws:iam::aws:policy/AdministratorAccess"}},
		assembly.LiveRole{Name: "AWSServiceRoleForSupport", Path: "/aws-service-role/support.amazonaws.com/"})
	return live
}

func findings(rep drift.Report) []string {
	var out []string
	for _, f := range rep.Findings {
		out = append(out, f.Account+" "+f.String())
	}
	return out
}

func accessChanges(rep drift.Report) []string {
	var out []string
	for _, c := range rep.Access {
		out = append(out, c.Text)
	}
	return out
}

// An untouched deployment has no drift; each change made out of band is
// reported with its kind, on its resource, and what it gives anyone is in
// the access changes.
func TestDrift(t *testing.T) {
	inv := release(t)
	identity, dev := "111111111111", "222222222222"
	untouched := drift.Compare(inv, []assembly.LiveAccount{deployed(inv, identity), deployed(inv, dev)})
	if untouched.Drifted() {
		t.Fatalf("an untouched deployment drifted:\n%s\n%s", strings.Join(findings(untouched), "\n"), strings.Join(accessChanges(untouched), "\n"))
	}

	id, d := deployed(inv, identity), deployed(inv, dev)
	for i, r := range d.Roles {
		switch r.Name {
		case "infra-ReadR":
			d.Roles[i].Attached = append(d.Roles[i].Attached, "arn:aws:iam::aws:policy/AdministratorAccess")
		case "infra-OpsR":
			d.Roles[i].Inline["hotfix"] = policy.NewDocument(policy.Statement{Effect: policy.Allow, Actions: []string{"kms:*"}, Resources: []string{"*"}})
		case "infra-DeployR":
			d.Roles[i].Trust.Statements = append(slices.Clone(r.Trust.Statements), policy.Statement{Effect: policy.Allow,
				Principal: policy.Principal{"AWS": {"arn:aws:iam::999988887777:root"}}, Actions: []string{"sts:AssumeRole"}})
		}
	}
	for i, u := range id.Users {
		if u.Name == "bob.nguyen" {
			id.Users[i].Groups = append(id.Users[i].Groups, "infra-PowerG")
		}
	}
	id.Users = append(id.Users, assembly.LiveUser{Name: "shadow-admin", Path: "/", ARN: "arn:aws:iam::111111111111:user/shadow-admin",
		Attached: []string{"arn:aws:iam::aws:policy/AdministratorAccess"}, AccessKeys: 1})
	got := drift.Compare(inv, []assembly.LiveAccount{id, d})
	lines := findings(got)
	for _, want := range []string{
		"dev modified role infra-ReadR: AdministratorAccess (AWS managed) attached in IAM, not in the release [full power]",
		"dev modified role infra-OpsR: inline policy hotfix in IAM, not in the release (1 statements)",
		`dev modified role infra-DeployR: trust: + {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999988887777:root"},"Action":"sts:AssumeRole"} (in IAM, not in the release)`,
		"identity modified group infra-PowerG: user bob.nguyen is a member in IAM, not in the release",
		"identity unmanaged user shadow-admin: no release created it: policies AdministratorAccess (AWS managed); 1 active access keys; no MFA device [full power]",
	} {
		if !slices.Contains(lines, want) {
			t.Errorf("missing finding %q; got:\n%s", want, strings.Join(lines, "\n"))
		}
	}
	if len(lines) != 5 {
		t.Errorf("%d findings, want 5:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	if want := []string{"ReadR in dev", "user shadow-admin in identity"}; !slices.Equal(got.Admins, want) {
		t.Errorf("new administrators %v, want %v", got.Admins, want)
	}
	var text strings.Builder
	got.WriteText(&text)
	for _, want := range []string{
		"dev:\n  modified role infra-DeployR: trust: + ",
		"  modified role infra-ReadR: AdministratorAccess (AWS managed) attached in IAM, not in the release [full power]\n",
		"identity:\n  modified group infra-PowerG: user bob.nguyen is a member in IAM, not in the release\n",
		"Access the accounts give otherwise than the release:\n  + bob.nguyen has full IAM in identity (MFA)\n",
		"Full power the release does not give: ReadR in dev, user shadow-admin in identity\n",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the text report lacks %q:\n%s", want, text.String())
		}
	}
	changes := strings.Join(accessChanges(got), "\n")
	for _, want := range []string{"bob.nguyen", "shadow-admin"} {
		if !strings.Contains(changes, want) {
			t.Errorf("the access changes do not name %s:\n%s", want, changes)
		}
	}

	// Removing what the release creates is missing.
	d = deployed(inv, dev)
	d.Roles = slices.DeleteFunc(d.Roles, func(r assembly.LiveRole) bool { return r.Name == "infra-ReadR" })
	lines = findings(drift.Compare(inv, []assembly.LiveAccount{d}))
	if !slices.Contains(lines, "dev missing role infra-ReadR: the release creates it; IAM has no role of that name") {
		t.Errorf("a deleted role: %v", lines)
	}
}
