package deploy

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/iamstack/iamstack/internal/plan"
)

// StackSetRef is a StackSet a stack holds: CloudFormation rolls it out over
// its OU when the stack deploys.
type StackSetRef struct {
	Name     string // StackSetName
	OU, OUID string
	CallAs   string // SELF or DELEGATED_ADMIN
}

func stackSetRefs(s plan.Stack) []StackSetRef {
	var out []StackSetRef
	for _, ss := range s.StackSets {
		out = append(out, StackSetRef{Name: ss.Name, OU: ss.OU, OUID: ss.OUID, CallAs: ss.CallAs})
	}
	return out
}

// Operation is what CloudFormation last did with a StackSet: the operation
// and how each account's stack instance ended.
type Operation struct {
	ID     string `json:"id"`
	Action string `json:"action"` // CREATE, UPDATE, DELETE, DETECT_DRIFT
	Status string `json:"status"` // RUNNING, SUCCEEDED, FAILED, STOPPING, STOPPED, QUEUED
	// Results are the stack instances the operation touched, by account.
	Results []InstanceResult `json:"results,omitempty"`
}

// InstanceResult is how one account's stack instance ended.
type InstanceResult struct {
	Account string `json:"account"`
	Region  string `json:"region"`
	Status  string `json:"status"` // PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED
	Reason  string `json:"reason,omitempty"`
}

// count is how many instances ended in each status.
func (o Operation) count(status string) int {
	n := 0
	for _, r := range o.Results {
		if r.Status == status {
			n++
		}
	}
	return n
}

// StackSetOperations reads StackSet operations from the deploy account.
type StackSetOperations interface {
	// Latest returns a StackSet's most recent operation, or false when it
	// has none.
	Latest(profile, stackSet, callAs string) (Operation, bool, error)
}

// OperationRecord is the record of one OU's StackSet after a deploy.
type OperationRecord struct {
	StackSet  string     `json:"stackSet"`
	OU        string     `json:"ou"`
	OUID      string     `json:"ouId"`
	Operation *Operation `json:"operation,omitempty"`
	Error     string     `json:"error,omitempty"`
}

// reportStackSets says, for each StackSet of a deployed stack, what
// CloudFormation did in the OU's accounts. A StackSet operation that fails
// beyond the model's failure tolerance already failed the stack's deploy;
// failures within it are listed here, account by account.
func (d Deployer) reportStackSets(out io.Writer, profile string, refs []StackSetRef, unchanged bool) []OperationRecord {
	if d.StackSets == nil || len(refs) == 0 {
		return nil
	}
	if unchanged {
		fmt.Fprintln(out, "    this deploy changed no StackSet; their latest operations, from an earlier deploy:")
	}
	var recs []OperationRecord
	for _, ref := range refs {
		rec := OperationRecord{StackSet: ref.Name, OU: ref.OU, OUID: ref.OUID}
		op, ok, err := d.StackSets.Latest(profile, ref.Name, ref.CallAs)
		switch {
		case err != nil:
			rec.Error = err.Error()
			fmt.Fprintf(out, "    OU %s (%s): StackSet %s: could not read its operations: %v\n", ref.OU, ref.OUID, ref.Name, err)
		case !ok:
			rec.Error = "no operation"
			fmt.Fprintf(out, "    OU %s (%s): StackSet %s has run no operation: no account of the OU has its stack yet\n", ref.OU, ref.OUID, ref.Name)
		default:
			rec.Operation = &op
			fmt.Fprintf(out, "    OU %s (%s): StackSet %s, %s %s %s: %d accounts succeeded, %d failed, %d other\n", ref.OU, ref.OUID, ref.Name,
				op.Action, op.ID, op.Status, op.count("SUCCEEDED"), op.count("FAILED"), len(op.Results)-op.count("SUCCEEDED")-op.count("FAILED"))
			for _, r := range op.Results {
				if r.Status != "SUCCEEDED" {
					fmt.Fprintf(out, "      %s %s: %s %s\n", r.Account, r.Region, r.Status, r.Reason)
				}
			}
		}
		recs = append(recs, rec)
	}
	return recs
}

// StackSetAPI reads StackSet operations through the AWS SDK, with the
// deploy account's credentials for a profile.
type StackSetAPI struct {
	// Config is the SDK's configuration for a profile ("" for the
	// environment's credentials).
	Config func(profile string) (aws.Config, error)
}

// Latest implements StackSetOperations.
func (c StackSetAPI) Latest(profile, stackSet, callAs string) (Operation, bool, error) {
	ctx := context.Background()
	cfg, err := c.Config(profile)
	if err != nil {
		return Operation{}, false, err
	}
	cf := cloudformation.NewFromConfig(cfg)
	var ops []cftypes.StackSetOperationSummary
	pages := cloudformation.NewListStackSetOperationsPaginator(cf, &cloudformation.ListStackSetOperationsInput{
		StackSetName: aws.String(stackSet), CallAs: cftypes.CallAs(callAs)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return Operation{}, false, fmt.Errorf("list the operations of StackSet %s: %w", stackSet, err)
		}
		ops = append(ops, page.Summaries...)
	}
	if len(ops) == 0 {
		return Operation{}, false, nil
	}
	// The newest operation; the API promises no order.
	latest := slices.MaxFunc(ops, func(a, b cftypes.StackSetOperationSummary) int {
		return cmp.Or(aws.ToTime(a.CreationTimestamp).Compare(aws.ToTime(b.CreationTimestamp)), strings.Compare(aws.ToString(a.OperationId), aws.ToString(b.OperationId)))
	})
	op := Operation{ID: aws.ToString(latest.OperationId), Action: string(latest.Action), Status: string(latest.Status)}
	results := cloudformation.NewListStackSetOperationResultsPaginator(cf, &cloudformation.ListStackSetOperationResultsInput{
		StackSetName: aws.String(stackSet), OperationId: latest.OperationId, CallAs: cftypes.CallAs(callAs)})
	for results.HasMorePages() {
		page, err := results.NextPage(ctx)
		if err != nil {
			return Operation{}, false, fmt.Errorf("list the results of StackSet %s's operation %s: %w", stackSet, op.ID, err)
		}
		for _, r := range page.Summaries {
			op.Results = append(op.Results, InstanceResult{Account: aws.ToString(r.Account), Region: aws.ToString(r.Region),
				Status: string(r.Status), Reason: aws.ToString(r.StatusReason)})
		}
	}
	slices.SortFunc(op.Results, func(a, b InstanceResult) int {
		return cmp.Or(strings.Compare(a.Account, b.Account), strings.Compare(a.Region, b.Region))
	})
	return op, true, nil
}

// OUPlan is what one OU's accounts get from a release: the roles of its
// StackSet's template, and the OU's listed accounts, which keep their own
// stacks.
type OUPlan struct {
	OU, OUID, StackSet string
	Roles              []string // IAM role names
	Excluded           []string // account IDs
}

// StackSetPlans lists what each OU gets from the StackSets of stacks, by OU;
// never nil, so that a release without OUs compares as one.
func StackSetPlans(p *plan.Plan, stacks []Step) []OUPlan {
	out := []OUPlan{}
	for _, ps := range p.Stacks {
		if !slices.ContainsFunc(stacks, func(s Step) bool { return s.ID == ps.ID }) {
			continue
		}
		for _, ss := range ps.StackSets {
			o := OUPlan{OU: ss.OU, OUID: ss.OUID, StackSet: ss.Name, Excluded: ss.Excluded}
			for _, r := range ss.Template.Roles {
				o.Roles = append(o.Roles, r.Name)
			}
			slices.Sort(o.Roles)
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b OUPlan) int { return strings.Compare(a.OU, b.OU) })
	return out
}

// PrintStackSetPlans says what each OU's accounts will get, and what changes
// from the plans of the release the environment runs (nil when none).
func PrintStackSetPlans(out io.Writer, head, base []OUPlan) {
	if len(head) == 0 && len(base) == 0 {
		return
	}
	fmt.Fprintln(out, "StackSets: what every account of each OU gets (CloudFormation deploys it, and to accounts that join):")
	was := map[string]OUPlan{}
	for _, b := range base {
		was[b.OUID] = b
	}
	list := func(s []string) string {
		if len(s) == 0 {
			return "none"
		}
		return strings.Join(s, ", ")
	}
	for _, h := range head {
		line := fmt.Sprintf("  OU %s (%s), StackSet %s: roles %s; listed accounts left to their own stacks: %s", h.OU, h.OUID, h.StackSet, list(h.Roles), list(h.Excluded))
		switch b, ok := was[h.OUID]; {
		case base != nil && !ok:
			line += " (new OU)"
		case ok && (!slices.Equal(b.Roles, h.Roles) || !slices.Equal(b.Excluded, h.Excluded)):
			line += fmt.Sprintf(" (was: roles %s; left out: %s)", list(b.Roles), list(b.Excluded))
		}
		fmt.Fprintln(out, line)
		delete(was, h.OUID)
	}
	for _, b := range slices.SortedFunc(maps.Values(was), func(a, b OUPlan) int { return strings.Compare(a.OU, b.OU) }) {
		fmt.Fprintf(out, "  OU %s (%s), StackSet %s: removed from the model; deleting the StackSet deletes its roles in every account of the OU\n", b.OU, b.OUID, b.StackSet)
	}
}
