package assembly

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iamstack/iamstack/internal/analyze/evaluate"
	"github.com/iamstack/iamstack/internal/metadata"
	"github.com/iamstack/iamstack/internal/names"
	"github.com/iamstack/iamstack/internal/policy"
	"github.com/iamstack/iamstack/model"
)

// IdentityCenter is what an Identity Center stack gives people: its
// instance, as the model declares it, its directory, and its assignments.
// Each permission set assigned in an account is a role there, in
// Inventory.Roles, as Identity Center provisions it (VirtualRole).
type IdentityCenter struct {
	metadata.IdentityCenter
	// Account is the instance account's ID.
	Account string
	// Groups are the teams' group display names, by team.
	Groups map[string]string
	// Members are each team's people, by team: from the memberships the
	// template creates.
	Members map[string][]string
	// Users are the people of the directory, DirectoryUsers their
	// logical IDs by name, in Stack.
	Users          []string
	DirectoryUsers map[string]string
	Stack          string
	Assignments    []Assignment
	// PermissionSets are the stack's permission sets, by name.
	PermissionSets map[string]PermissionSet
}

// Assignment gives a team (by its group) or a person a permission set in
// an account.
type Assignment struct {
	// Principal is the team or user (metadata.EntityTeam or EntityUser).
	Principal metadata.Entity
	// PrincipalType is GROUP or USER; PrincipalName the group's display
	// name or the user's user name in Identity Center's own directory,
	// PrincipalID the identity store ID of an external directory's.
	PrincipalType, PrincipalName, PrincipalID string
	// Role is the model's role, PermissionSet its permission set's name,
	// RoleARN the role the permission set is in the account, Account the
	// account's ID.
	Role, PermissionSet, RoleARN, Account string
}

// PermissionSet is what a permission set of the stack attaches.
type PermissionSet struct {
	// Managed are AWS managed policy ARNs, Customer customer managed
	// policies by path and name (/infra-OpsR-Policy).
	Managed, Customer []string
	SessionSeconds    int
}

// ssoSuffix stands for the 16 hex digits Identity Center appends to a
// provisioned role's name, which no template knows: a hash of the
// permission set and account, so that the analysis is deterministic.
func ssoSuffix(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return strings.ToUpper(hex.EncodeToString(h[:8]))
}

// SSOTrust is the trust of every role Identity Center provisions in an
// account: its SAML provider there, for AWS's sign-in audience.
func SSOTrust(partition, account, provider string) policy.Document {
	return policy.NewDocument(policy.Statement{Effect: policy.Allow,
		Principal:  policy.Principal{"Federated": {"arn:" + partition + ":iam::" + account + ":saml-provider/" + provider}},
		Actions:    []string{"sts:AssumeRoleWithSAML", "sts:TagSession"},
		Conditions: policy.Conditions{"StringEquals": {"SAML:aud": {"https://signin.aws.amazon.com/saml"}}}})
}

// getAttID is the logical ID an Fn::GetAtt of attribute points at.
func getAttID(v any, attribute string) (string, bool) {
	m, _ := v.(map[string]any)
	parts, _ := m["Fn::GetAtt"].([]any)
	if len(m) != 1 || len(parts) != 2 || parts[1] != attribute {
		return "", false
	}
	id, ok := parts[0].(string)
	return id, ok
}

// identityCenter reads the Identity Center stack, if there is one: its
// directory and assignments, and a role for each permission set in each
// account it is assigned in, with the policies the permission set
// attaches resolved in that account's templates.
func identityCenter(inv *Inventory, stacks []stack, policies map[string]ManagedPolicy, fail func(string, ...any)) {
	roles := map[string]bool{} // ARNs of the roles made so far
	for _, s := range stacks {
		md := s.tpl.Metadata.Iamstack.IdentityCenter
		if md == nil {
			continue
		}
		// The permission sets may be spread over several stacks of one
		// instance (identityCenter.stacks): one Identity Center.
		ic := inv.IdentityCenter
		switch {
		case ic == nil:
			ic = &IdentityCenter{IdentityCenter: *md, Account: s.account, Stack: s.id, Groups: map[string]string{}, Members: map[string][]string{},
				DirectoryUsers: map[string]string{}, PermissionSets: map[string]PermissionSet{}}
			// An external directory's memberships are the provider's:
			// the templates carry them as the model declares them.
			for team, members := range md.Members {
				ic.Members[team] = slices.Clone(members)
			}
			for team, g := range md.Groups {
				ic.Groups[team] = g
			}
			inv.IdentityCenter = ic
		case ic.InstanceARN != md.InstanceARN || ic.Account != s.account:
			fail("%s: Identity Center instance %s in account %s; another stack is for %s in account %s", s.id, md.InstanceARN, s.account, ic.InstanceARN, ic.Account)
			continue
		}
		partition := strings.SplitN(md.InstanceARN, ":", 3)[1]
		type permissionSet struct {
			name, role string
			managed    []string
			own        []string // customer managed policy paths+names
			seconds    int
		}
		sets := map[string]permissionSet{}
		directory := map[string]metadata.Entity{} // logical ID -> team or user
		principalNames := map[string]string{}     // logical ID -> display or user name
		for _, id := range sortedIDs(s.tpl.Resources) {
			res := s.tpl.Resources[id]
			props, e := res.Properties, res.Metadata.Iamstack
			switch res.Type {
			case "AWS::SSO::PermissionSet":
				ps := permissionSet{name: stringOr(props["Name"], id), role: e.Name}
				for _, a := range asList(props["ManagedPolicies"]) {
					ps.managed = append(ps.managed, fmt.Sprint(a))
				}
				for _, ref := range asList(props["CustomerManagedPolicyReferences"]) {
					rm, _ := ref.(map[string]any)
					ps.own = append(ps.own, stringOr(rm["Path"], "/")+stringOr(rm["Name"], ""))
				}
				d, err := isoSeconds(stringOr(props["SessionDuration"], "PT1H"))
				if err != nil {
					fail("%s/%s: SessionDuration: %v", s.id, id, err)
				}
				ps.seconds = d
				sets[id] = ps
				ic.PermissionSets[ps.name] = PermissionSet{Managed: ps.managed, Customer: ps.own, SessionSeconds: d}
			case "AWS::IdentityStore::Group":
				directory[id] = e
				principalNames[id] = stringOr(props["DisplayName"], "")
				ic.Groups[e.Name] = principalNames[id]
			case "AWS::IdentityStore::User":
				directory[id] = e
				principalNames[id] = stringOr(props["UserName"], "")
				ic.Users = append(ic.Users, e.Name)
				ic.DirectoryUsers[e.Name] = id
			}
		}
		for _, id := range sortedIDs(s.tpl.Resources) {
			res := s.tpl.Resources[id]
			if res.Type != "AWS::IdentityStore::GroupMembership" {
				continue
			}
			g, ok1 := getAttID(res.Properties["GroupId"], "GroupId")
			member, _ := res.Properties["MemberId"].(map[string]any)
			u, ok2 := getAttID(member["UserId"], "UserId")
			if !ok1 || !ok2 {
				fail("%s/%s: a membership must name its group and user by Fn::GetAtt", s.id, id)
				continue
			}
			team := directory[g].Name
			ic.Members[team] = append(ic.Members[team], directory[u].Name)
		}
		for _, id := range sortedIDs(s.tpl.Resources) {
			res := s.tpl.Resources[id]
			if res.Type != "AWS::SSO::Assignment" {
				continue
			}
			props := res.Properties
			psID, ok := getAttID(props["PermissionSetArn"], "PermissionSetArn")
			ps, known := sets[psID]
			if !ok || !known {
				fail("%s/%s: PermissionSetArn must be Fn::GetAtt of a permission set of the stack", s.id, id)
				continue
			}
			attr := "GroupId"
			if props["PrincipalType"] == "USER" {
				attr = "UserId"
			}
			var principal metadata.Entity
			var principalName, principalID string
			if literal, ok := props["PrincipalId"].(string); ok && md.Directory == model.DirectoryExternal {
				principalID = literal
				// An external directory's ID: whose, the metadata says.
				principal = res.Metadata.Iamstack
				if principal.Kind != metadata.EntityTeam && principal.Kind != metadata.EntityUser {
					fail("%s/%s: assigns %s, and its metadata names no team or user", s.id, id, literal)
					continue
				}
			} else {
				pid, ok := getAttID(props["PrincipalId"], attr)
				p, known := directory[pid]
				if !ok || !known {
					fail("%s/%s: PrincipalId must be Fn::GetAtt %s of a directory %s of the stack", s.id, id, attr, strings.ToLower(strings.TrimSuffix(attr, "Id")))
					continue
				}
				principal, principalName = p, principalNames[pid]
			}
			account := stringOr(props["TargetId"], "")
			if _, ok := inv.Accounts[account]; !ok {
				fail("%s/%s: assigns %s in account %s, which no template of the assembly is for", s.id, id, ps.name, account)
				continue
			}
			name := "AWSReservedSSO_" + ps.name + "_" + ssoSuffix(md.InstanceARN, ps.name, account)
			path := names.SSORolePath(md.Region)
			arn := "arn:" + partition + ":iam::" + account + ":role" + path + name
			ic.Assignments = append(ic.Assignments, Assignment{Principal: metadata.Entity{Kind: principal.Kind, Name: principal.Name},
				PrincipalType: stringOr(props["PrincipalType"], ""), PrincipalName: principalName, PrincipalID: principalID,
				Role: ps.role, PermissionSet: ps.name, RoleARN: arn, Account: account})
			if roles[arn] {
				continue
			}
			roles[arn] = true
			role := Principal{Kind: "role", Account: account, OrgPath: inv.Accounts[account].OrgPath, Name: name, Path: path, ARN: arn,
				Stack: s.id, Region: accountRegion(inv, account), LogicalID: psID, MaxSessionSeconds: ps.seconds, PermissionSet: ps.name,
				Entity: metadata.Entity{Kind: metadata.EntityRole, Name: ps.role, Account: inv.Accounts[account].Name}}
			for _, m := range ps.managed {
				if doc, ok := awsManaged(m); ok {
					role.Identity = append(role.Identity, evaluate.Policy{Name: m[strings.LastIndex(m, "/")+1:], Document: doc})
				} else if !slices.Contains(inv.Unknown, m) {
					inv.Unknown = append(inv.Unknown, m)
				}
			}
			for _, own := range ps.own {
				mp, ok := policies["arn:"+partition+":iam::"+account+":policy"+own]
				if !ok {
					fail("%s/%s: permission set %s attaches policy %s, which no template of account %s creates: Identity Center would fail to provision it there",
						s.id, id, ps.name, own, inv.Accounts[account].Name)
					continue
				}
				role.Identity = append(role.Identity, evaluate.Policy{Name: mp.Name, Document: mp.Document})
			}
			role.ManagedPolicies = len(ps.managed) + len(ps.own)
			provider := "AWSSSO_" + ssoSuffix(md.InstanceARN, account) + "_DO_NOT_DELETE"
			role.Trust = evaluate.NewPolicy(name+" trust", SSOTrust(partition, account, provider))
			inv.Roles = append(inv.Roles, role)
		}
		for team := range ic.Members {
			slices.Sort(ic.Members[team])
		}
		slices.Sort(ic.Users)
	}
}

// accountRegion is the region of an account's first stack.
func accountRegion(inv *Inventory, account string) string {
	for _, t := range inv.Stacks {
		if t.Account == account {
			return t.Region
		}
	}
	return ""
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// isoSeconds reads an ISO 8601 duration of hours, minutes and seconds.
func isoSeconds(d string) (int, error) {
	rest, ok := strings.CutPrefix(d, "PT")
	if !ok || rest == "" {
		return 0, fmt.Errorf("%q is not an ISO 8601 duration of time (PT4H)", d)
	}
	total := 0
	for rest != "" {
		i := strings.IndexAny(rest, "HMS")
		if i <= 0 {
			return 0, fmt.Errorf("%q is not an ISO 8601 duration of time (PT4H)", d)
		}
		n, err := strconv.Atoi(rest[:i])
		if err != nil {
			return 0, fmt.Errorf("%q: %w", d, err)
		}
		unit := map[byte]time.Duration{'H': time.Hour, 'M': time.Minute, 'S': time.Second}[rest[i]]
		total += n * int(unit/time.Second)
		rest = rest[i+1:]
	}
	return total, nil
}
