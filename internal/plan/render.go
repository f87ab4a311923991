package plan

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	"github.com/iamstack/iamstack/internal/atomicdir"
	"github.com/iamstack/iamstack/internal/cfn"
	"github.com/iamstack/iamstack/internal/metadata"
	"github.com/iamstack/iamstack/internal/names"
	"github.com/iamstack/iamstack/internal/policy"
)

// Template renders the stack as its CloudFormation template: the one place
// a resource's properties are written. The CDK layer carries these
// resources into the cloud assembly; template sizes are measured on it;
// a StackSet's body is its template's Body.
func (s Stack) Template() cfn.Template {
	t := cfn.Template{Description: s.Description, Bootstrap: !s.stackSetTemplate(),
		// The analysis reads templates, not the model: tell it whose stack this is.
		Metadata: map[string]any{metadata.Key: metadata.Template{Prefix: s.Prefix, Account: s.Account, AccountType: s.AccountType,
			OrgPath: s.OrgPath, OU: s.OUID, Standing: s.Standing, IdentityCenter: s.IdentityCenter}.Map()}}
	r := renderer{stack: s, inStack: map[string]bool{}}
	for _, p := range s.ManagedPolicies {
		r.add(&t, cfn.ManagedPolicy(cfn.ManagedPolicyProps{LogicalID: p.LogicalID, Name: p.Name, Description: p.Description,
			Document: r.document(p.Document), Metadata: resourceMetadata(p.Entity, p.Suppressions)}))
	}
	for _, g := range s.Groups {
		r.add(&t, cfn.Group(cfn.GroupProps{LogicalID: g.LogicalID, Name: g.Name, ManagedPolicyArns: r.refs(g.ManagedPolicies),
			Metadata: resourceMetadata(g.Entity, g.Suppressions)}))
	}
	for _, u := range s.Users {
		props := cfn.UserProps{LogicalID: u.LogicalID, Name: u.Name, Path: u.Path, Groups: r.refs(u.Groups),
			ManagedPolicyArns: r.refs(u.ManagedPolicies), Metadata: resourceMetadata(u.Entity, nil)}
		if len(u.Tags) > 0 {
			props.Tags = map[string]string{}
			for _, tag := range u.Tags {
				props.Tags[tag.Key] = tag.Value
			}
		}
		if f := u.FirstPassword; f != nil {
			props.FirstPassword = &cfn.FirstPasswordProps{LogicalID: f.LogicalID, Name: f.Name, Description: f.Description,
				Length: f.Length, ExcludeCharacters: f.ExcludeCharacters, Metadata: nagFields(f.Suppressions)}
		}
		r.add(&t, cfn.User(props)...)
	}
	for _, p := range s.OIDCProviders {
		r.add(&t, cfn.OIDCProvider(cfn.OIDCProviderProps{LogicalID: p.LogicalID, URL: p.URL, ClientIDs: p.ClientIDs,
			Metadata: resourceMetadata(p.Entity, nil)}))
	}
	if s.RootAlert != nil {
		r.rootAlert(&t, s.RootAlert)
	}
	for _, a := range s.Analyzers {
		r.add(&t, cfn.Analyzer(cfn.AnalyzerProps{LogicalID: a.LogicalID, Name: a.Name, Type: a.Type, UnusedAccessAge: a.UnusedAccessAge,
			Metadata: resourceMetadata(a.Entity, nil)}))
	}
	for _, role := range s.Roles {
		var inline []any
		for _, ip := range role.Inline {
			inline = append(inline, map[string]any{"PolicyName": ip.Name, "PolicyDocument": r.document(ip.Document)})
		}
		r.add(&t, cfn.Role(cfn.RoleProps{LogicalID: role.LogicalID, Name: role.Name, Description: role.Description, Path: role.Path,
			Trust: r.document(role.Trust), MaxSessionDuration: role.MaxSessionSeconds, ManagedPolicyArns: r.refs(role.ManagedPolicies),
			Policies: inline, DependsOn: role.DependsOn, Metadata: resourceMetadata(role.Entity, role.Suppressions)}))
	}
	for _, ss := range s.StackSets {
		o := ss.Options
		r.add(&t, cfn.StackSet(cfn.StackSetProps{LogicalID: ss.LogicalID, Name: ss.Name, Description: ss.Description, CallAs: ss.CallAs,
			OUID: ss.OUID, Excluded: ss.Excluded, Region: s.Region, Template: ss.Template.Template(),
			MaxConcurrentPercentage: o.MaxConcurrentPercentage, FailureTolerancePercentage: o.FailureTolerancePercentage,
			RegionConcurrency: o.RegionConcurrency, RetainStacksOnAccountRemoval: o.RetainStacksOnAccountRemoval,
			Metadata: []cfn.Field{{Key: metadata.Key, Value: metadata.Entity{Kind: metadata.EntityStackSet, Name: ss.Template.Account, Account: s.Account}.Map()}}}))
	}
	r.identityCenter(&t)
	return t
}

// identityCenter renders the Identity Center stack's resources: what an
// assignment references comes before it.
func (r *renderer) identityCenter(t *cfn.Template) {
	ic := r.stack.IdentityCenter
	if ic == nil {
		return
	}
	if r.stack.ResourceCount() == 0 {
		// A share of the permission sets that is empty for now: the
		// stack stays, so that deploying it removes what it held.
		r.add(t, cfn.Placeholder(identityCenterPlaceholder, []cfn.Field{{Key: metadata.Key,
			Value: metadata.Entity{Kind: metadata.EntityShared, Name: "IdentityCenter", Account: r.stack.Account}.Map()}}))
	}
	for _, p := range r.stack.PermissionSets {
		r.add(t, cfn.PermissionSet(cfn.PermissionSetProps{LogicalID: p.LogicalID, Name: p.Name, Description: p.Description,
			InstanceARN: ic.InstanceARN, SessionDuration: cfn.ISODuration(p.SessionSeconds), ManagedPolicies: p.ManagedPolicies,
			CustomerManaged: p.CustomerManaged, DependsOn: p.DependsOn, Metadata: resourceMetadata(p.Entity, nil)}))
	}
	for _, g := range r.stack.DirectoryGroups {
		r.add(t, cfn.DirectoryGroup(cfn.DirectoryGroupProps{LogicalID: g.LogicalID, IdentityStoreID: ic.IdentityStoreID,
			DisplayName: g.DisplayName, Description: g.Description, Metadata: resourceMetadata(g.Entity, nil)}))
	}
	for _, u := range r.stack.DirectoryUsers {
		r.add(t, cfn.DirectoryUser(cfn.DirectoryUserProps{LogicalID: u.LogicalID, IdentityStoreID: ic.IdentityStoreID, UserName: u.UserName,
			DisplayName: u.DisplayName, GivenName: u.GivenName, FamilyName: u.FamilyName, Email: u.Email, Metadata: resourceMetadata(u.Entity, nil)}))
	}
	for _, m := range r.stack.Memberships {
		r.add(t, cfn.Membership(cfn.MembershipProps{LogicalID: m.LogicalID, IdentityStoreID: ic.IdentityStoreID,
			Group: cfn.GetAtt(m.Group, "GroupId"), User: cfn.GetAtt(m.User, "UserId"), Metadata: resourceMetadata(m.Entity, nil)}))
	}
	for _, a := range r.stack.Assignments {
		attr := "GroupId"
		if a.PrincipalType == "USER" {
			attr = "UserId"
		}
		var principal any = a.PrincipalID // an external directory's
		if a.Principal != "" {
			principal = cfn.GetAtt(a.Principal, attr)
		}
		r.add(t, cfn.Assignment(cfn.AssignmentProps{LogicalID: a.LogicalID, InstanceARN: ic.InstanceARN,
			PermissionSet: cfn.GetAtt(a.PermissionSet, "PermissionSetArn"), Principal: principal,
			PrincipalType: a.PrincipalType, Account: a.AccountID, DependsOn: a.DependsOn, Metadata: resourceMetadata(a.Entity, nil)}))
	}
}

// stackSetTemplate tells whether the stack is the template a StackSet
// deploys to every account of an OU: its account is each account's own, and
// it has no bootstrap resources (member accounts are not bootstrapped).
func (s Stack) stackSetTemplate() bool { return s.AccountID == names.CurrentAccount }

// renderer renders one stack's resources.
type renderer struct {
	stack Stack
	// inStack are the resources rendered so far, which a reference names by
	// Ref rather than by value.
	inStack map[string]bool
}

// add appends resources to the template; references to them from
// resources added later are Refs.
func (r *renderer) add(t *cfn.Template, res ...cfn.Resource) {
	for _, x := range res {
		r.inStack[x.LogicalID] = true
	}
	t.Resources = append(t.Resources, res...)
}

// document renders a policy document; in a StackSet's template, which every
// account of an OU deploys, its account ID comes from Fn::Sub.
func (r *renderer) document(d policy.Document) map[string]any {
	if r.stack.stackSetTemplate() {
		return subAccount(d.Map()).(map[string]any)
	}
	return d.Map()
}

// refs renders references: {"Ref": id} to a resource rendered before in
// the same stack, the literal value otherwise.
func (r *renderer) refs(refs []Ref) []any {
	if len(refs) == 0 {
		return nil
	}
	out := make([]any, len(refs))
	for i, ref := range refs {
		if ref.LogicalID != "" && r.inStack[ref.LogicalID] {
			out[i] = cfn.Ref(ref.LogicalID)
		} else {
			out[i] = ref.Value
		}
	}
	return out
}

// resourceMetadata is what a resource says of itself: the model entity it
// comes from, then the cdk-nag findings it accepts, as cdk-nag's
// NagSuppressions writes them.
func resourceMetadata(e metadata.Entity, nag []Suppression) []cfn.Field {
	return append([]cfn.Field{{Key: metadata.Key, Value: e.Map()}}, nagFields(nag)...)
}

// nagFields are the metadata of the cdk-nag findings a resource accepts.
func nagFields(nag []Suppression) []cfn.Field {
	if len(nag) == 0 {
		return nil
	}
	return []cfn.Field{{Key: "cdk_nag", Value: cfn.NagMetadata(nag)}}
}

// subAccount rewrites, in a policy document as JSON values, every string
// that holds names.CurrentAccount as Fn::Sub, escaping the policy variables
// (${aws:username} becomes ${!aws:username}) so that CloudFormation leaves
// them to IAM.
func subAccount(v any) any {
	switch x := v.(type) {
	case string:
		if !strings.Contains(x, names.CurrentAccount) {
			return x
		}
		escaped := strings.ReplaceAll(x, "${", "${!")
		return map[string]any{"Fn::Sub": strings.ReplaceAll(escaped, "${!"+names.CurrentAccount[2:], names.CurrentAccount)}
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = subAccount(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = subAccount(e)
		}
		return out
	}
	return v
}

// WriteTemplates writes every stack's template to dir, with a manifest.json
// that names each stack's template file, stack name and environment: what
// the analysis and the gate read of a cloud assembly, rendered in Go alone.
// It is not an assembly to deploy (no assets, no bootstrap roles): that is
// the CDK's (package synth). The directory is built aside and swapped into
// place (atomicdir).
func (p *Plan) WriteTemplates(dir string) error {
	return atomicdir.Write(dir, p.writeTemplates)
}

func (p *Plan) writeTemplates(dir string) error {
	type artifact struct {
		Type        string `json:"type"`
		Environment string `json:"environment"`
		Properties  struct {
			TemplateFile string `json:"templateFile"`
			StackName    string `json:"stackName"`
		} `json:"properties"`
	}
	artifacts := map[string]artifact{}
	for _, s := range p.Stacks {
		file := s.ID + ".template.json"
		if err := os.WriteFile(filepath.Join(dir, file), s.Template().JSON(), 0o644); err != nil {
			return err
		}
		a := artifact{Type: "aws:cloudformation:stack", Environment: "aws://" + s.AccountID + "/" + s.Region}
		a.Properties.TemplateFile, a.Properties.StackName = file, s.Name
		artifacts[s.ID] = a
	}
	manifest, err := json.MarshalIndent(map[string]any{"artifacts": artifacts}, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "manifest.json"), manifest, 0o644)
}
