package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/iamstack/iamstack/internal/ship/awsapi"
	"github.com/iamstack/iamstack/internal/ship/deploy"
	"github.com/iamstack/iamstack/internal/ship/release"
	"github.com/iamstack/iamstack/internal/synth"
	"github.com/iamstack/iamstack/model"
	"github.com/spf13/cobra"
)

type promoteFlags struct {
	deploy, rollback, plan bool
	endpoint               string
}

func newPromoteCmd() *cobra.Command {
	f := &promoteFlags{}
	cmd := &cobra.Command{
		Use:   "promote ENV VERSION",
		Short: "Point env/<ENV> at a release, record it, and deploy it when asked",
		Long: `Promote refuses an unknown environment or version, an artifact that does not
match the release's checksums, and moving an environment to an older release
without --rollback. It points the branch env/<ENV> at the release's commit, adds
the audit tag env/<ENV>/<UTC date>-<time>-<VERSION>, and pushes both when a
remote named origin exists. Promoting the release an environment already runs
changes nothing. With --deploy, and only then, it deploys the release's stacks
for the environment's accounts with the cdk CLI, member accounts first, then
the user-only account; see docs/releases.md for credentials.
--plan only prints what the promotion would change.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPromote(cmd.OutOrStdout(), args[0], args[1], f)
		},
	}
	cmd.Flags().BoolVar(&f.deploy, "deploy", false, "deploy the release's stacks after promoting")
	cmd.Flags().BoolVar(&f.rollback, "rollback", false, "allow moving the environment to an older release")
	cmd.Flags().BoolVar(&f.plan, "plan", false, "print the access diff (and cdk diff with credentials) and change nothing")
	endpointFlag(cmd, &f.endpoint)
	return cmd
}

func runPromote(out io.Writer, env, version string, f *promoteFlags) error {
	repo, err := repoRoot()
	if err != nil {
		return err
	}
	opts := deploy.PromoteOptions{Env: env, Version: version, Deploy: f.deploy, Rollback: f.rollback, Now: time.Now()}
	deps := deploy.PromoteDeps{Repo: repo, Progress: out, Synth: synth.InProcess{},
		Deployer: func(md *model.Model, asm string) deploy.Deployer { return deployer(repo, md, asm, f.endpoint) }}
	if f.plan {
		ambient := os.Getenv("AWS_ACCESS_KEY_ID") != "" || os.Getenv("AWS_PROFILE") != ""
		return deploy.Preview(opts, deps, ambient)
	}
	done, err := deploy.Promote(opts, deps)
	for _, line := range done {
		fmt.Fprintln(out, line)
	}
	return err
}

// deployer is the deploy of a release's assembly with the cdk CLI: credentials
// per account from IAMSTACK_PROFILE_<ACCOUNT>, extra cdk arguments from
// IAMSTACK_CDK_DEPLOY_ARGS and IAMSTACK_CDK_DIFF_ARGS, the CLI from
// IAMSTACK_CDK or the checkout's pinned one (docs/releases.md).
func deployer(repo release.Repo, md *model.Model, asm, endpoint string) deploy.Deployer {
	options := func(profile, region string) awsapi.Options {
		return awsapi.Options{Profile: profile, Region: region, Endpoint: endpoint}
	}
	cdk := deploy.CLI{Path: cdkCLI(repo), Dir: repo.Dir, Assembly: asm,
		DeployArgs: strings.Fields(os.Getenv("IAMSTACK_CDK_DEPLOY_ARGS")), DiffArgs: strings.Fields(os.Getenv("IAMSTACK_CDK_DIFF_ARGS"))}
	if endpoint != "" {
		cdk.Env = []string{"AWS_ENDPOINT_URL=" + endpoint}
	}
	return deploy.Deployer{
		CDK: cdk,
		Store: func(profile, region string) release.ObjectStore {
			return release.SDKStore{Options: options(profile, region)}
		},
		Profile:   func(account string) string { return os.Getenv(awsapi.ProfileVariable(account)) },
		Assembly:  asm,
		Region:    md.Region(),
		RecordDir: filepath.Join(repo.Dir, ".iamstack", "deploys"),
		Now:       time.Now,
		CredentialsHint: func(account string) string {
			return "set " + awsapi.ProfileVariable(account)
		},
		StackSets: deploy.StackSetAPI{Config: func(profile string) (aws.Config, error) {
			return awsapi.Load(context.Background(), options(profile, md.Region()))
		}},
	}
}

// cdkCLI is the cdk CLI to run: $IAMSTACK_CDK, else the checkout's pinned
// one, else whatever is on PATH.
func cdkCLI(repo release.Repo) string {
	if cdk := os.Getenv("IAMSTACK_CDK"); cdk != "" {
		return cdk
	}
	cdk := filepath.Join(repo.Dir, "node_modules", ".bin", "cdk")
	if _, err := os.Stat(cdk); err == nil {
		return cdk
	}
	return "cdk"
}

// endpointFlag adds --endpoint-url to a command that calls AWS.
func endpointFlag(cmd *cobra.Command, into *string) {
	cmd.Flags().StringVar(into, "endpoint-url", "", "send every AWS call to this endpoint instead of AWS's, such as a partition's gateway or a test server (the SDK's AWS_ENDPOINT_URL works too)")
}
