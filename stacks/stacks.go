// Package stacks composes iamstack's per-account CloudFormation stacks from a
// plan. Every decision (names, logical IDs, policy documents, quotas) was made
// by the plan; this package only turns it into CDK constructs.
package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/iamstack/iamstack/constructs/identity"
	"github.com/iamstack/iamstack/internal/build/metadata"
	"github.com/iamstack/iamstack/internal/build/plan"
)

// AccountStackProps configure one account's stack.
type AccountStackProps struct {
	Plan plan.Stack
	// Synthesizer overrides the default stack synthesizer (bootstrap roles).
	Synthesizer awscdk.IStackSynthesizer
}

// NewAccountStack creates the stack a plan describes, bound to its account
// and region so that `cdk deploy` refuses other accounts' credentials.
func NewAccountStack(scope constructs.Construct, id string, props *AccountStackProps) awscdk.Stack {
	p := props.Plan
	stack := awscdk.NewStack(scope, jsii.String(id), &awscdk.StackProps{
		StackName:   jsii.String(p.Name),
		Description: jsii.String(p.Description),
		Env:         &awscdk.Environment{Account: jsii.String(p.AccountID), Region: jsii.String(p.Region)},
		Synthesizer: props.Synthesizer,
	})
	// The analysis reads templates, not the model: tell it whose stack this is.
	md := metadata.Template{Prefix: p.Prefix, Account: p.Account, AccountType: p.AccountType, OrgPath: p.OrgPath, Standing: p.Standing}
	stack.TemplateOptions().SetMetadata(&map[string]interface{}{metadata.Key: md.Map()})

	policies := map[string]*string{}
	for _, mp := range p.ManagedPolicies {
		c := identity.NewManagedPolicy(stack, mp.LogicalID, &identity.ManagedPolicyProps{
			LogicalID: mp.LogicalID, Name: mp.Name, Description: mp.Description, Document: mp.Document.Map(),
			Metadata: entity(mp.Entity),
		})
		suppress(c.Resource(), mp.Suppressions)
		policies[mp.LogicalID] = c.Arn()
	}
	groups := map[string]*string{}
	for _, g := range p.Groups {
		c := identity.NewGroup(stack, g.LogicalID, &identity.GroupProps{
			LogicalID: g.LogicalID, Name: g.Name, ManagedPolicyArns: resolve(g.ManagedPolicies, policies),
			Metadata: entity(g.Entity),
		})
		groups[g.LogicalID] = c.GroupName()
	}
	// trusted are the users and OIDC providers a role's trust may name: the
	// role depends on them, as IAM refuses a trust naming a missing one.
	trusted := map[string]awscdk.CfnResource{}
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
				PasswordLength: f.Length, ExcludeCharacters: f.ExcludeCharacters}
		}
		c := identity.NewUser(stack, u.LogicalID, up)
		if f := c.FirstPasswordSecret(); f != nil {
			suppress(f, u.FirstPassword.Suppressions)
		}
		trusted[u.LogicalID] = c.Resource()
	}
	for _, op := range p.OIDCProviders {
		trusted[op.LogicalID] = identity.NewOIDCProvider(stack, op.LogicalID, &identity.OIDCProviderProps{
			LogicalID: op.LogicalID, URL: op.URL, ClientIDs: op.ClientIDs, Metadata: entity(op.Entity),
		}).Resource()
	}
	for _, r := range p.Roles {
		var deps []awscdk.CfnResource
		for _, d := range r.DependsOn {
			dep, ok := trusted[d]
			if !ok {
				panic(fmt.Sprintf("stacks: role %s depends on %s, which is not in stack %s", r.Name, d, p.ID))
			}
			deps = append(deps, dep)
		}
		c := identity.NewRole(stack, r.LogicalID, &identity.RoleProps{
			LogicalID: r.LogicalID, Name: r.Name, Path: r.Path, Description: r.Description, Trust: r.Trust.Map(),
			MaxSessionDuration: r.MaxSessionSeconds, ManagedPolicyArns: resolve(r.ManagedPolicies, policies),
			DependsOn: deps, Metadata: entity(r.Entity),
		})
		suppress(c.Resource(), r.Suppressions)
	}
	return stack
}

// entity is the metadata that names a resource's model entity.
func entity(e metadata.Entity) map[string]any {
	return map[string]any{metadata.Key: e.Map()}
}

// suppress records, next to the construct, the cdk-nag findings the plan
// accepts for it and why.
func suppress(c constructs.Construct, s []plan.Suppression) {
	if len(s) == 0 {
		return
	}
	list := make([]*cdknag.NagPackSuppression, len(s))
	for i, x := range s {
		list[i] = &cdknag.NagPackSuppression{Id: jsii.String(x.ID), Reason: jsii.String(x.Reason)}
	}
	cdknag.NagSuppressions_AddResourceSuppressions(c, &list, jsii.Bool(true))
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

// NewApp adds every stack of a plan to an app, with the dependencies between
// them, and returns the stacks by ID.
func NewApp(app awscdk.App, p *plan.Plan) map[string]awscdk.Stack {
	out := map[string]awscdk.Stack{}
	for _, s := range p.Stacks {
		out[s.ID] = NewAccountStack(app, s.ID, &AccountStackProps{Plan: s})
	}
	for _, s := range p.Stacks {
		for _, d := range s.DependsOn {
			out[s.ID].AddStackDependency(out[d], jsii.String("its users join the groups of "+d))
		}
	}
	return out
}
