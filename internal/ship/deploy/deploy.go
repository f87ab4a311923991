// Package deploy deploys a release's stacks with the cdk CLI: in the order
// the plan gives (member accounts first, so that roles exist before grants
// reach people, then the user-only account's main stack, then its extra user
// stacks), each one verified before (its staged objects are the release's)
// and after (it runs the release's template), with a record of every stack's
// status. The cdk CLI, the object stores and the clock are interfaces, so the
// logic is tested without AWS.
package deploy

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/iamstack/iamstack/internal/atomicdir"
	"github.com/iamstack/iamstack/internal/plan"
	"github.com/iamstack/iamstack/internal/ship/release"
	"github.com/iamstack/iamstack/model"
)

// Step is one stack of a release to deploy, in the order Order gives.
type Step struct {
	ID        string // cloud assembly artifact ID: infra-dev
	Name      string // CloudFormation stack name: infra
	Account   string // account name
	AccountID string
	// Region is where the stack is deployed: the model's, or for a
	// baseline stack the region of global events.
	Region string
	// StackSets are the StackSets the stack holds (the deploy account's
	// StackSets stack), reported per OU after it deploys.
	StackSets []StackSetRef
}

// Order lists the stacks of the environment's accounts in deploy order:
// member accounts first; then the Identity Center stacks, whose permission
// sets attach the member stacks' policies; then the user-only account's
// main stack, then its extra user stacks, which join the main stack's
// groups.
func Order(p *plan.Plan, m *model.Model, env string) []Step {
	inEnv := m.EnvironmentAccounts(env)
	userOnly := m.UserOnlyAccount().Name
	var members, identityCenter, users []Step
	for _, s := range p.Stacks {
		if !slices.Contains(inEnv, s.Account) {
			continue
		}
		st := Step{ID: s.ID, Name: s.Name, Account: s.Account, AccountID: s.AccountID, Region: s.Region, StackSets: stackSetRefs(s)}
		switch {
		case s.Kind == plan.IdentityCenterStack:
			identityCenter = append(identityCenter, st) // in the plan's order
		case s.Account == userOnly:
			users = append(users, st) // the plan lists the main stack first
		default:
			members = append(members, st)
		}
	}
	slices.SortStableFunc(members, func(a, b Step) int { return strings.Compare(a.ID, b.ID) })
	return append(append(members, identityCenter...), users...)
}

// CDK runs the cdk CLI on a cloud assembly.
type CDK interface {
	// Deploy deploys one stack with a profile ("" for the environment's
	// credentials) and returns the CLI's output.
	Deploy(stackID, profile string) (string, error)
	// Diff compares one stack with what its account runs.
	Diff(stackID, profile string) (string, error)
}

// Status is where a stack's deployment ended.
type Status string

// The statuses a record holds.
const (
	Deployed    Status = "deployed"
	Unchanged   Status = "unchanged"
	Failed      Status = "failed"   // the cdk CLI failed
	Refused     Status = "refused"  // its staged objects are not the release's, or cannot be read
	Tampered    Status = "tampered" // after the deploy, it does not run the release's template
	NotDeployed Status = "not-deployed"
)

// Record is one line of a deployment record.
type Record struct {
	Stack   string `json:"stack"`
	Account string `json:"account"`
	Profile string `json:"profile,omitempty"`
	Status  Status `json:"status"`
	Detail  string `json:"detail,omitempty"`
	// StackSets are what CloudFormation did in each OU, for the stack that
	// holds the StackSets.
	StackSets []OperationRecord `json:"stackSets,omitempty"`
}

// Deployer deploys a release's stacks.
type Deployer struct {
	CDK CDK
	// Store reads the staging bucket and deployed templates with a
	// profile, in a region.
	Store func(profile, region string) release.ObjectStore
	// Profile names the credentials of an account ("" for the environment's).
	Profile func(account string) string
	// Assembly is the release's cloud assembly directory.
	Assembly string
	Region   string
	// RecordDir is where the record of each deployment is written.
	RecordDir string
	Now       func() time.Time
	// CredentialsHint says how to give an account credentials, for the
	// stacks Diffs skips.
	CredentialsHint func(account string) string
	// StackSets reads what CloudFormation did with each StackSet after
	// the stack holding it deploys; nil reports nothing.
	StackSets StackSetOperations
}

// Run deploys a version's stacks to an environment in order, and stops at
// the first that fails, is refused or is found tampered, with what was and
// was not deployed. The record, <env>-<UTC time>-<version>.json, is written
// either way; its path is returned.
func (d Deployer) Run(out io.Writer, env, version string, stacks []Step) (string, error) {
	records := make([]Record, len(stacks))
	for i, s := range stacks {
		records[i] = Record{Stack: s.ID, Account: s.Account, Profile: d.Profile(s.Account), Status: NotDeployed}
	}
	file := filepath.Join(d.RecordDir, fmt.Sprintf("%s-%s-%s.json", env, d.Now().UTC().Format("20060102-150405"), version))
	save := func() error {
		if err := os.MkdirAll(d.RecordDir, 0o755); err != nil {
			return err
		}
		b, err := json.MarshalIndent(records, "", "  ")
		if err != nil {
			return err
		}
		// Rewritten as each stack ends: a kill leaves the last whole record.
		return atomicdir.WriteFile(file, append(b, '\n'), 0o644)
	}
	stop := func(i int, st Status, detail string, format string, args ...any) (string, error) {
		records[i].Status, records[i].Detail = st, detail
		if err := save(); err != nil {
			return "", err
		}
		return file, fmt.Errorf(format+"\nDeployed before it: %s. Not deployed: %s. Record: %s", append(args,
			list(records, Deployed, Unchanged), list(records, NotDeployed, Failed, Refused), file)...)
	}
	for i, s := range stacks {
		profile := records[i].Profile
		region := cmp.Or(s.Region, d.Region)
		store := d.Store(profile, region)
		staged, err := release.StagedFiles(d.Assembly, s.ID, s.AccountID, region)
		if err == nil {
			err = release.VerifyStaged(store, staged)
		}
		if err != nil {
			return stop(i, Refused, err.Error(), "deploying %s refused before anything changed: %v", s.ID, err)
		}
		via := "the environment's credentials"
		if profile != "" {
			via = "profile " + profile
		}
		fmt.Fprintf(out, "deploying %s (account %s, %s)...\n", s.ID, s.Account, via)
		text, err := d.CDK.Deploy(s.ID, profile)
		if err != nil {
			return stop(i, Failed, lastLines(text, 15), "deploying %s failed; stopped.\n%s", s.ID, lastLines(text, 15))
		}
		records[i].Status = Deployed
		if strings.Contains(text, "(no changes)") {
			records[i].Status = Unchanged
		}
		if err := release.VerifyDeployed(store, s.Name, filepath.Join(d.Assembly, s.ID+".template.json")); err != nil {
			return stop(i, Tampered, err.Error(), "after deploying %s: %v; stopped.", s.ID, err)
		}
		fmt.Fprintf(out, "  %s: %s\n", s.ID, records[i].Status)
		records[i].StackSets = d.reportStackSets(out, profile, s.StackSets, records[i].Status == Unchanged)
	}
	return file, save()
}

// Diffs prints `cdk diff` of every stack against what its account runs, for
// the accounts there are credentials for (a profile, or ambient credentials).
func (d Deployer) Diffs(out io.Writer, stacks []Step, ambient bool) error {
	for _, s := range stacks {
		profile := d.Profile(s.Account)
		if profile == "" && !ambient {
			fmt.Fprintf(out, "cdk diff %s: skipped, no credentials for account %s%s\n", s.ID, s.Account, d.hint(s.Account))
			continue
		}
		text, err := d.CDK.Diff(s.ID, profile)
		fmt.Fprintf(out, "cdk diff %s (account %s):\n    %s\n", s.ID, s.Account, strings.ReplaceAll(lastLines(text, 60), "\n", "\n    "))
		if err != nil {
			return fmt.Errorf("cdk diff %s: %w", s.ID, err)
		}
	}
	return nil
}

func list(rs []Record, statuses ...Status) string {
	var out []string
	for _, r := range rs {
		if slices.Contains(statuses, r.Status) {
			out = append(out, r.Stack)
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func (d Deployer) hint(account string) string {
	if d.CredentialsHint == nil {
		return ""
	}
	return " (" + d.CredentialsHint(account) + ")"
}
