package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/spf13/cobra"

	"github.com/iamstack/iamstack"
	"github.com/iamstack/iamstack/internal/atomicdir"
	"github.com/iamstack/iamstack/internal/load"
	"github.com/iamstack/iamstack/internal/ship/identitycenter"
	"github.com/iamstack/iamstack/model"
)

func newIdentityCenterCmd(g *globalFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "identity-center",
		Short: "Ask the live IAM Identity Center instance what templates cannot say",
		Long: `Identity-center talks to the model's IAM Identity Center instance, through the
AWS SDK and your credentials (--profile, or the environment's), in the
instance's account and region. Nothing else iamstack does needs the network.`,
	}
	var profile string
	lock := &cobra.Command{
		Use:   "lock",
		Short: "Write the identity store IDs of an external directory's groups and people beside the model",
		Long: `Lock looks up, in the identity store, the ID of every group (teams.<team>.group)
and person (users.<user>.identityCenterUserName, default their name) of the
model who signs in through Identity Center, and writes them to the model's
lock file, <model>.identity-center.lock beside it. Commit it: synthesis
references an external identity provider's groups and people by these IDs
and reads only this file, so templates stay offline and deterministic. Run it
again when the provider provisions someone new; a group or person the store
does not have is an error, and nothing is written.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path := g.source()
			switch path {
			case load.Example:
				return usagef("the built-in example has no lock file to write: pass --model FILE")
			case "":
				path = iamstack.ExampleFile
			}
			m, err := model.LoadUnlocked(path)
			if err != nil {
				return err
			}
			ic, ok := m.IdentityCenter()
			if !ok || ic.Directory != model.DirectoryExternal {
				return usagef("%s has no external Identity Center directory (identityCenter.directory: external): there is nothing to lock", path)
			}
			ctx := context.Background()
			cfg, err := awsConfig(ctx, ic.Region, profile)
			if err != nil {
				return err
			}
			l, err := identitycenter.Lock(ctx, identitycenter.NewDirectory(cfg), m)
			if err != nil {
				return err
			}
			data, err := model.WriteLock(l)
			if err != nil {
				return err
			}
			file := filepath.Join(filepath.Dir(path), model.LockFile(path))
			if err := atomicdir.WriteFile(file, data, 0o644); err != nil {
				return err
			}
			if _, err := model.Load(path); err != nil {
				return fmt.Errorf("wrote %s, and the model still does not load with it: %w", file, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: %d groups and %d people of identity store %s\n", file, len(l.Groups), len(l.Users), l.IdentityStoreID)
			return nil
		},
	}
	lock.Flags().StringVar(&profile, "profile", "", "the AWS profile to call Identity Center with (default: the environment's credentials)")
	cmd.AddCommand(g.modelFlags(lock))
	return cmd
}

// awsConfig is the AWS SDK's configuration for a region: the default
// credential chain, or a profile of ~/.aws/config.
func awsConfig(ctx context.Context, region, profile string) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{config.WithRegion(region)}
	if profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("AWS configuration: %w", err)
	}
	return cfg, nil
}
