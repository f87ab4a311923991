package main

import (
	"context"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/spf13/cobra"

	"github.com/iamstack/iamstack/internal/load"
	"github.com/iamstack/iamstack/internal/ship/baseline"
)

func newBaselineCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "baseline",
		Short: "Set and verify the account settings no stack holds: alias, password policy, STS tokens, root user",
		Long: `Baseline works on the settings of every account of an environment that no
CloudFormation resource holds, as the model declares them: each account's
alias, the IAM password policy (baseline.passwordPolicy and passwordPolicyIn)
and the version of the tokens STS's global endpoint issues
(baseline.globalEndpointTokens). verify also reports what only the root user
can change: root MFA off, root access keys present. Credentials per account as
for drift and promote (IAMSTACK_PROFILE_<ACCOUNT>, --role); the accounts an
OU's StackSet reaches are not listed in the model and are left out. What has a
CloudFormation type is in the stacks instead and deployed with them:
baseline.accessAnalyzer and baseline.rootSignInAlert.`,
		Args: cobra.NoArgs,
	}
	for _, c := range []struct {
		use, short string
		apply      bool
	}{
		{"apply", "Set what differs from the model; a second run changes nothing", true},
		{"verify", "Report what differs from the model, and the root user's MFA and access keys; exit 1 on any", false},
	} {
		f := &accountFlags{}
		sub := &cobra.Command{
			Use:   c.use,
			Short: c.short,
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				return runBaseline(cmd.OutOrStdout(), g, f, c.apply)
			},
		}
		f.add(sub, map[bool]string{true: "set", false: "verify"}[c.apply])
		cmd.AddCommand(g.modelFlags(sub))
	}
	return cmd
}

func runBaseline(out io.Writer, g *globalFlags, f *accountFlags, apply bool) error {
	md, err := load.Model(g.source())
	if err != nil {
		return err
	}
	ctx := context.Background()
	targets, err := f.configs(ctx, md, f.env)
	if err != nil {
		return err
	}
	differs := false
	for _, t := range targets {
		api := iam.NewFromConfig(t.cfg)
		want := md.AccountSettings(t.name)
		live, err := baseline.Read(ctx, api)
		if err != nil {
			return fmt.Errorf("account %s (%s): %w", t.name, t.id, err)
		}
		diffs := baseline.Compare(want, live)
		if apply {
			done, err := baseline.Apply(ctx, api, want, live)
			for _, d := range done {
				fmt.Fprintf(out, "%s: %s\n", t.name, d)
			}
			if err != nil {
				return fmt.Errorf("account %s (%s): %w", t.name, t.id, err)
			}
			if len(done) == 0 {
				fmt.Fprintf(out, "%s: nothing to change\n", t.name)
			}
			for _, d := range diffs {
				if d.RootOnly {
					fmt.Fprintf(out, "%s: warning: %s\n", t.name, d)
				}
			}
			continue
		}
		if len(diffs) == 0 {
			fmt.Fprintf(out, "%s: as the model says\n", t.name)
		}
		for _, d := range diffs {
			differs = true
			fmt.Fprintf(out, "%s: %s\n", t.name, d)
		}
	}
	if differs {
		return &silentExit{code: exitFailed}
	}
	return nil
}
