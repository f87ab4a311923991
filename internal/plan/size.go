package plan

import (
	"fmt"
	"strings"

	"github.com/iamstack/iamstack/internal/parallel"
	"github.com/iamstack/iamstack/model"
)

// MaxTemplateSize is CloudFormation's quota on a template uploaded through S3,
// as `cdk deploy` does for every template over 51,200 bytes.
const MaxTemplateSize = 1 << 20

// TemplateSize is the size of the stack's template as CloudFormation gets
// it, measured on its rendering: the cloud assembly's file, or for the
// template a StackSet deploys, its TemplateBody.
func (s Stack) TemplateSize() int {
	if s.stackSetTemplate() {
		return len(s.Template().Body())
	}
	return len(s.Template().JSON())
}

// MaxStackSetTemplateSize is the largest TemplateBody a StackSet takes.
const MaxStackSetTemplateSize = 51200

// Quotas iamstack plans within (shared/REFERENCE.md, from the IAM and
// CloudFormation quota pages).
const (
	MaxResourcesPerStack       = 500
	MaxManagedPoliciesPerRole  = 10
	MaxManagedPoliciesPerGroup = 10
	MaxManagedPoliciesPerUser  = 20
	MaxGroupsPerUser           = 10
	MaxTagsPerUser             = 50
	MaxTagValueLen             = 256
	MaxGroupNameLen            = 128
	MaxPolicyNameLen           = 128
	MaxDescriptionLen          = 1000
	// MaxOIDCClientIDs are the audiences one OIDC provider takes.
	MaxOIDCClientIDs = 100
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
	need := b.m.UserStacks()
	if n > MaxResourcesPerStack {
		over = append(over, fmt.Sprintf("%d resources (CloudFormation allows %d)", n, MaxResourcesPerStack))
		need = max(need, b.m.UserStacks()*n/MaxResourcesPerStack+1)
	}
	if size > MaxTemplateSize {
		over = append(over, fmt.Sprintf("a %d-byte template (CloudFormation allows %d)", size, MaxTemplateSize))
		need = max(need, b.m.UserStacks()*size/MaxTemplateSize+1)
	}
	what := strings.Join(over, " and ")
	if a := b.m.UserOnlyAccount(); st.Account == a.Name {
		b.problem([]string{"userStacks"}, "stack %s in account %s would hold %s; set userStacks to %d or more (changing userStacks moves users between stacks, which replaces them: see docs/model.md#quotas)",
			st.Name, st.Account, what, need)
		return
	}
	if st.Kind == IdentityCenterStack {
		// A permission set's assignments stay in its stack (they name it
		// by Fn::GetAtt): more stacks do not help one that is too big.
		count := map[string]int{}
		for _, a := range st.Assignments {
			count[a.PermissionSet]++
		}
		for _, ps := range st.PermissionSets {
			if count[ps.LogicalID] >= MaxResourcesPerStack {
				b.problem([]string{"roles", ps.Entity.Name}, "permission set %s would have %d assignments, and CloudFormation allows %d resources in the stack that holds it with them: grant %s through Identity Center to fewer teams, people or accounts",
					ps.Name, count[ps.LogicalID], MaxResourcesPerStack, ps.Entity.Name)
				return
			}
		}
		ic, _ := b.m.IdentityCenter()
		fix := fmt.Sprintf("set identityCenter.stacks to %d or more (changing it moves permission sets between stacks, which replaces them and their assignments)", ic.Stacks*n/MaxResourcesPerStack+1)
		if ic.Directory == model.DirectoryIdentityCenter {
			fix = "Identity Center's own directory fits one stack: grant fewer accounts per team, or move to an external directory, whose assignments spread over stacks (identityCenter.stacks)"
		}
		b.problem([]string{"identityCenter"}, "stack %s in account %s would hold %s; %s", st.Name, st.Account, what, fix)
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
