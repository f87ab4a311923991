// Package stacks composes iamstack's per-account CloudFormation stacks from a
// plan. Every decision (names, logical IDs, policy documents, quotas) was made
// by the plan; this package only turns it into CDK constructs.
package stacks

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudformation"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/iamstack/iamstack/constructs/identity"
	"github.com/iamstack/iamstack/internal/metadata"
	"github.com/iamstack/iamstack/internal/names"
	"github.com/iamstack/iamstack/internal/parallel"
	"github.com/iamstack/iamstack/internal/plan"
	"github.com/iamstack/iamstack/internal/policy"
)

// NoCreationStacks is the context key that, set to true, keeps the CDK from
// recording each construct's creation stack in the cloud assembly: in a Go
// app it holds only jsii and node frames, and costs a stack trace per
// resource.
const NoCreationStacks = "aws:cdk:disable-creation-stack-traces"

// AccountStackProps configure one account's stack.
type AccountStackProps struct {
	Plan plan.Stack
	// Synthesizer overrides the default stack synthesizer (bootstrap roles).
	Synthesizer awscdk.IStackSynthesizer
	// Generic writes the resources as data, not as their L1 classes
	// (identity.Batch): the same template, in less time, for a synthesis
	// that neither cdk-nag nor an aspect looks at.
	Generic bool
}

// NewAccountStack creates the stack a plan describes, bound to its account
// and region so that `cdk deploy` refuses other accounts' credentials.
func NewAccountStack(scope constructs.Construct, id string, props *AccountStackProps) awscdk.Stack {
	var sb identity.StackBatch
	sb.Add(id, accountStack(props))
	stack := sb.Create(scope)[0]
	addStackSets([]awscdk.Stack{stack}, []plan.Stack{props.Plan}, props.Generic)
	return stack
}

// accountStack is the stack a plan describes, with its resources, as a
// StackBatch creates it: one call into the jsii runtime for the stack, its
// template metadata and every resource.
func accountStack(props *AccountStackProps) *identity.StackProps {
	p := props.Plan
	// The analysis reads templates, not the model: tell it whose stack this is.
	md := metadata.Template{Prefix: p.Prefix, Account: p.Account, AccountType: p.AccountType, OrgPath: p.OrgPath, OU: p.OUID, Standing: p.Standing}
	sp := &identity.StackProps{StackName: p.Name, Description: p.Description, Account: p.AccountID, Region: p.Region,
		Synthesizer: props.Synthesizer, Metadata: map[string]any{metadata.Key: md.Map()}}
	// doc renders a policy document; in a StackSet's template, which every
	// account of an OU deploys, its account ID comes from Fn::Sub.
	doc := func(d policy.Document) map[string]any { return d.Map() }
	if p.AccountID == names.CurrentAccount {
		sp.StackName, sp.Account, sp.Region = "", "", ""
		doc = func(d policy.Document) map[string]any { return subAccount(d.Map()).(map[string]any) }
	}

	b := &identity.Batch{Generic: props.Generic}
	sp.Resources = b
	policies := map[string]*string{}
	for _, mp := range p.ManagedPolicies {
		policies[mp.LogicalID] = b.ManagedPolicy(mp.LogicalID, &identity.ManagedPolicyProps{
			LogicalID: mp.LogicalID, Name: mp.Name, Description: mp.Description, Document: doc(mp.Document),
			Metadata: entity(mp.Entity), NagSuppressions: nag(mp.Suppressions),
		})
	}
	groups := map[string]*string{}
	for _, g := range p.Groups {
		groups[g.LogicalID] = b.Group(g.LogicalID, &identity.GroupProps{
			LogicalID: g.LogicalID, Name: g.Name, ManagedPolicyArns: resolve(g.ManagedPolicies, policies),
			Metadata: entity(g.Entity),
		})
	}
	// trusted are the users and OIDC providers a role's trust may name: the
	// role depends on them, as IAM refuses a trust naming a missing one.
	trusted := map[string]*string{}
	for _, u := range p.Users {
		tags := map[string]string{}
		for _, t := range u.Tags {
			tags[t.Key] = t.Value
		}
		up := &identity.UserProps{
			LogicalID: u.LogicalID, Name: u.Name, Path: u.Path, Groups: resolve(u.Groups, groups), Tags: tags,
			Metadata: entity(u.Entity),
		}
		if f := u.FirstPassword; f != nil {
			up.FirstPassword = &identity.FirstPasswordProps{LogicalID: f.LogicalID, SecretName: f.Name, Description: f.Description,
				PasswordLength: f.Length, ExcludeCharacters: f.ExcludeCharacters, NagSuppressions: nag(f.Suppressions)}
		}
		trusted[u.LogicalID] = b.User(u.LogicalID, up)
	}
	for _, op := range p.OIDCProviders {
		trusted[op.LogicalID] = b.OIDCProvider(op.LogicalID, &identity.OIDCProviderProps{
			LogicalID: op.LogicalID, URL: op.URL, ClientIDs: op.ClientIDs, Metadata: entity(op.Entity),
		})
	}
	for _, r := range p.Roles {
		var deps []*string
		for _, d := range r.DependsOn {
			dep, ok := trusted[d]
			if !ok {
				panic(fmt.Sprintf("stacks: role %s depends on %s, which is not in stack %s", r.Name, d, p.ID))
			}
			deps = append(deps, dep)
		}
		b.Role(r.LogicalID, &identity.RoleProps{
			LogicalID: r.LogicalID, Name: r.Name, Path: r.Path, Description: r.Description, Trust: doc(r.Trust),
			MaxSessionDuration: r.MaxSessionSeconds, ManagedPolicyArns: resolve(r.ManagedPolicies, policies),
			DependsOn: deps, Metadata: entity(r.Entity), NagSuppressions: nag(r.Suppressions),
		})
	}
	return sp
}

// accountStacks returns accountStack of every stack, worked out on every
// core: pure Go, at hundreds of accounts it would otherwise keep node
// waiting.
func accountStacks(stacks []plan.Stack, generic bool) []*identity.StackProps {
	out := make([]*identity.StackProps, len(stacks))
	parallel.For(len(stacks), func(i int) { out[i] = accountStack(&AccountStackProps{Plan: stacks[i], Generic: generic}) })
	return out
}

// addStackSets adds to each stack the service-managed StackSets its plan
// holds. Their templates are synthesized on their own, without bootstrap
// resources (member accounts are not bootstrapped), all in one app.
func addStackSets(owners []awscdk.Stack, plans []plan.Stack, generic bool) {
	type stackSet struct {
		owner awscdk.Stack
		plan  plan.Stack
		set   plan.StackSet
	}
	var sets []stackSet
	var sb identity.StackBatch
	for i, p := range plans {
		for _, ss := range p.StackSets {
			sets = append(sets, stackSet{owners[i], p, ss})
			sb.Add(ss.Template.ID, accountStack(&AccountStackProps{Plan: ss.Template, Generic: generic,
				Synthesizer: awscdk.NewBootstraplessSynthesizer(&awscdk.BootstraplessSynthesizerProps{})}))
		}
	}
	if len(sets) == 0 {
		return
	}
	dir, err := os.MkdirTemp("", "iamstack-stackset-")
	if err != nil {
		panic(fmt.Sprintf("stacks: StackSet templates: %v", err))
	}
	defer os.RemoveAll(dir)
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir), Context: &map[string]interface{}{NoCreationStacks: true}})
	templates := sb.Create(app)
	app.Synth(nil)
	for i, s := range sets {
		newStackSet(s.owner, s.plan, s.set, filepath.Join(dir, *templates[i].TemplateFile()))
	}
}

// newStackSet adds a service-managed StackSet to the stack, with the
// template synthesized at templateFile, deployed to every account of the OU
// but the listed ones, and to accounts that join it.
func newStackSet(stack awscdk.Stack, owner plan.Stack, ss plan.StackSet, templateFile string) {
	var template any
	raw, err := os.ReadFile(templateFile)
	if err == nil {
		err = json.Unmarshal(raw, &template)
	}
	if err != nil {
		panic(fmt.Sprintf("stacks: template of StackSet %s: %v", ss.Name, err)) // the CDK's own file
	}
	// Compact, keys sorted: the body does not change with the CDK's layout.
	body, err := json.Marshal(template)
	if err != nil {
		panic(fmt.Sprintf("stacks: template of StackSet %s: %v", ss.Name, err))
	}
	targets := &awscloudformation.CfnStackSet_DeploymentTargetsProperty{OrganizationalUnitIds: jsii.Strings(ss.OUID)}
	if len(ss.Excluded) > 0 {
		targets.AccountFilterType, targets.Accounts = jsii.String("DIFFERENCE"), jsii.Strings(ss.Excluded...)
	}
	o := ss.Options
	res := awscloudformation.NewCfnStackSet(stack, jsii.String(ss.LogicalID), &awscloudformation.CfnStackSetProps{
		StackSetName:    jsii.String(ss.Name),
		Description:     jsii.String(ss.Description),
		PermissionModel: jsii.String("SERVICE_MANAGED"),
		CallAs:          jsii.String(ss.CallAs),
		Capabilities:    jsii.Strings("CAPABILITY_NAMED_IAM"),
		AutoDeployment: &awscloudformation.CfnStackSet_AutoDeploymentProperty{Enabled: jsii.Bool(true),
			RetainStacksOnAccountRemoval: jsii.Bool(o.RetainStacksOnAccountRemoval)},
		OperationPreferences: &awscloudformation.CfnStackSet_OperationPreferencesProperty{
			MaxConcurrentPercentage:    jsii.Number(o.MaxConcurrentPercentage),
			FailureTolerancePercentage: jsii.Number(o.FailureTolerancePercentage),
			RegionConcurrencyType:      jsii.String(o.RegionConcurrency),
		},
		StackInstancesGroup: &[]any{&awscloudformation.CfnStackSet_StackInstancesProperty{
			DeploymentTargets: targets, Regions: jsii.Strings(owner.Region),
		}},
		TemplateBody: jsii.String(string(body)),
	})
	res.OverrideLogicalId(jsii.String(ss.LogicalID))
	res.AddMetadata(jsii.String(metadata.Key), metadata.Entity{Kind: metadata.EntityStackSet, Name: ss.Template.Account, Account: owner.Account}.Map())
}

// subAccount rewrites, in a policy document as JSON values, every string that holds
// names.CurrentAccount as Fn::Sub, escaping the policy variables (${aws:username}
// becomes ${!aws:username}) so that CloudFormation leaves them to IAM.
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

// entity is the metadata that names a resource's model entity.
func entity(e metadata.Entity) map[string]any {
	return map[string]any{metadata.Key: e.Map()}
}

// nag lists the cdk-nag findings the plan accepts for a resource, and why.
func nag(s []plan.Suppression) []identity.NagSuppression {
	out := make([]identity.NagSuppression, len(s))
	for i, x := range s {
		out[i] = identity.NagSuppression{ID: x.ID, Reason: x.Reason}
	}
	return out
}

// resolve turns plan references into CloudFormation references where the
// target is in this stack, and into literal values where it is not.
func resolve(refs []plan.Ref, inStack map[string]*string) []*string {
	out := make([]*string, len(refs))
	for i, r := range refs {
		if tok, ok := inStack[r.LogicalID]; ok && r.LogicalID != "" {
			out[i] = tok
		} else {
			out[i] = jsii.String(r.Value)
		}
	}
	return out
}

// AppProps configure the stacks NewApp adds.
type AppProps struct {
	// Generic is every stack's AccountStackProps.Generic.
	Generic bool
}

// NewApp adds every stack of a plan to an app, with the dependencies between
// them, and returns the stacks by ID.
func NewApp(app awscdk.App, p *plan.Plan, props *AppProps) map[string]awscdk.Stack {
	// One call for every stack: at hundreds of accounts, a call per stack
	// costs more than the stacks.
	var sb identity.StackBatch
	for i, sp := range accountStacks(p.Stacks, props.Generic) {
		s := p.Stacks[i]
		for _, d := range s.DependsOn {
			sp.DependsOn = append(sp.DependsOn, identity.StackDependency{ID: d, Reason: "its users join the groups of " + d})
		}
		sb.Add(s.ID, sp)
	}
	created := sb.Create(app)
	addStackSets(created, p.Stacks, props.Generic)
	out := map[string]awscdk.Stack{}
	for i, s := range p.Stacks {
		out[s.ID] = created[i]
	}
	return out
}
