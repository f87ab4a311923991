package plan

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/iamstack/iamstack/internal/metadata"
	"github.com/iamstack/iamstack/internal/parallel"
)

// MaxTemplateSize is CloudFormation's quota on a template uploaded through S3,
// as `cdk deploy` does for every template over 51,200 bytes.
const MaxTemplateSize = 1 << 20

// templateOverhead covers what the CDK adds around the resources: the
// description, the bootstrap version parameter and its rule.
const templateOverhead = 2048

// TemplateSize estimates, from above, the size of the stack's template as the
// CDK writes it: JSON indented by one space. Property order differs from the
// CDK's, the size does not.
func (s Stack) TemplateSize() int {
	resources := map[string]any{}
	entities := map[string]metadata.Entity{}
	for _, p := range s.ManagedPolicies {
		resources[p.LogicalID] = resource("AWS::IAM::ManagedPolicy", map[string]any{
			"ManagedPolicyName": p.Name, "Description": p.Description, "PolicyDocument": json.RawMessage(p.Document.JSON())})
		entities[p.LogicalID] = p.Entity
	}
	for _, g := range s.Groups {
		resources[g.LogicalID] = resource("AWS::IAM::Group", map[string]any{
			"GroupName": g.Name, "ManagedPolicyArns": refs(g.ManagedPolicies)})
		entities[g.LogicalID] = g.Entity
	}
	for _, u := range s.Users {
		tags := make([]map[string]string, len(u.Tags))
		for i, t := range u.Tags {
			tags[i] = map[string]string{"Key": t.Key, "Value": t.Value}
		}
		props := map[string]any{"UserName": u.Name, "Path": u.Path, "Groups": refs(u.Groups), "Tags": tags}
		if f := u.FirstPassword; f != nil {
			props["LoginProfile"] = map[string]any{"PasswordResetRequired": true, "Password": map[string]any{
				"Fn::Join": []any{"", []any{"{{resolve:secretsmanager:", map[string]string{"Ref": f.LogicalID}, ":SecretString:::}}"}}}}
			resources[f.LogicalID] = resource("AWS::SecretsManager::Secret", map[string]any{
				"Name": f.Name, "Description": f.Description,
				"GenerateSecretString": map[string]any{"PasswordLength": f.Length, "RequireEachIncludedType": true, "ExcludeCharacters": f.ExcludeCharacters}})
			entities[f.LogicalID] = u.Entity
		}
		resources[u.LogicalID] = resource("AWS::IAM::User", props)
		entities[u.LogicalID] = u.Entity
	}
	for _, r := range s.Roles {
		res := resource("AWS::IAM::Role", map[string]any{
			"RoleName": r.Name, "Description": r.Description, "AssumeRolePolicyDocument": json.RawMessage(r.Trust.JSON()),
			"MaxSessionDuration": r.MaxSessionSeconds, "ManagedPolicyArns": refs(r.ManagedPolicies)})
		if len(r.DependsOn) > 0 {
			res["DependsOn"] = r.DependsOn
		}
		resources[r.LogicalID] = res
		entities[r.LogicalID] = r.Entity
	}
	for _, p := range s.OIDCProviders {
		resources[p.LogicalID] = resource("AWS::IAM::OIDCProvider", map[string]any{"Url": p.URL, "ClientIdList": p.ClientIDs})
		entities[p.LogicalID] = p.Entity
	}
	for _, ss := range s.StackSets {
		// The template travels as a JSON string inside the property: its
		// size, doubled to bound the escaping from above.
		resources[ss.LogicalID] = resource("AWS::CloudFormation::StackSet", map[string]any{
			"StackSetName": ss.Name, "Description": ss.Description, "Excluded": ss.Excluded,
			"TemplateBody": strings.Repeat("x", 2*ss.Template.TemplateSize())})
	}
	for id, r := range resources {
		// Path metadata, which iamstack's cdk.json turns off: counted anyway,
		// so that the estimate stays an upper bound if a user turns it on.
		r.(map[string]any)["Metadata"] = map[string]any{"aws:cdk:path": s.ID + "/" + id + "/Resource",
			metadata.Key: entities[id].Map()}
	}
	top := map[string]any{"Resources": resources}
	if len(s.Standing) > 0 {
		top["Metadata"] = map[string]any{metadata.Key: metadata.Template{Standing: s.Standing}.Map()}
	}
	b, err := json.MarshalIndent(top, "", " ")
	if err != nil {
		panic("plan: marshal template estimate: " + err.Error())
	}
	return len(b) + templateOverhead
}

func resource(typ string, props map[string]any) map[string]any {
	return map[string]any{"Type": typ, "Properties": props}
}

// refs renders references as the template does: {"Ref": id} in the same
// stack, the literal value otherwise.
func refs(rs []Ref) []any {
	out := make([]any, len(rs))
	for i, r := range rs {
		if r.LogicalID != "" {
			out[i] = map[string]string{"Ref": r.LogicalID}
		} else {
			out[i] = r.Value
		}
	}
	return out
}

// MaxStackSetTemplateSize is the largest TemplateBody a StackSet takes.
const MaxStackSetTemplateSize = 51200

// Quotas iamstack plans within (shared/REFERENCE.md, from the IAM and
// CloudFormation quota pages).
const (
	MaxResourcesPerStack       = 500
	MaxManagedPoliciesPerRole  = 10
	MaxManagedPoliciesPerGroup = 10
	MaxGroupsPerUser           = 10
	MaxTagsPerUser             = 50
	MaxTagValueLen             = 256
	MaxGroupNameLen            = 128
	MaxPolicyNameLen           = 128
	MaxDescriptionLen          = 1000
)

func (b *builder) checkStack(st Stack, size int) {
	seen := map[string]bool{}
	for _, id := range st.logicalIDs() {
		if seen[id] {
			b.problem(nil, "two resources of stack %s would have logical ID %s; rename one of the model names it comes from", st.ID, id)
		}
		seen[id] = true
	}
	n := st.ResourceCount()
	if n <= MaxResourcesPerStack && size <= MaxTemplateSize {
		return
	}
	var over []string
	need := b.m.UserStacks
	if n > MaxResourcesPerStack {
		over = append(over, fmt.Sprintf("%d resources (CloudFormation allows %d)", n, MaxResourcesPerStack))
		need = max(need, b.m.UserStacks*n/MaxResourcesPerStack+1)
	}
	if size > MaxTemplateSize {
		over = append(over, fmt.Sprintf("a %d-byte template (CloudFormation allows %d)", size, MaxTemplateSize))
		need = max(need, b.m.UserStacks*size/MaxTemplateSize+1)
	}
	what := strings.Join(over, " and ")
	if a := b.m.UserOnlyAccount(); st.Account == a.Name {
		b.problem([]string{"userStacks"}, "stack %s in account %s would hold %s; set userStacks to %d or more (changing userStacks moves users between stacks, which replaces them: see docs/model.md#quotas)",
			st.Name, st.Account, what, need)
		return
	}
	b.problem([]string{"cicdUsers"}, "stack %s in account %s would hold %s; move CI/CD users or roles to another account", st.Name, st.Account, what)
}

// templateSizes returns each stack's TemplateSize, computed on every core:
// at hundreds of accounts it is most of planning's time.
func templateSizes(stacks []Stack) []int {
	sizes := make([]int, len(stacks))
	parallel.For(len(stacks), func(i int) { sizes[i] = stacks[i].TemplateSize() })
	return sizes
}
