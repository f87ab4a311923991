package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamstack/iamstack"
	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/atomicdir"
	"github.com/iamstack/iamstack/internal/load"
	"github.com/iamstack/iamstack/internal/ship/awsapi"
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
	var profile, endpoint string
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
			cfg, err := awsapi.Load(ctx, awsapi.Options{Profile: profile, Region: ic.Region, Endpoint: endpoint})
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
	endpointFlag(lock, &endpoint)

	var asm, format string
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Check that the deployed instance holds exactly what the templates grant",
		Long: `Verify reads the deployed Identity Center instance and compares it with the
templates (--assembly, such as a release's .iamstack/releases/<v>/assembly, or
the model rendered): each permission set's policies and session; every
assignment of its permission sets in every account the templates assign them
in, so that one made outside the model shows; and, with an external
directory, each team group's members against those the model declares. It
exits 1 and lists the differences when there are any. The MFA setting and the
portal session have no API to read: they stay the model's declaration.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "text" && format != "json" {
				return usagef("--format %q is not text or json", format)
			}
			dir, cleanup, err := assemblyDir(asm, g.source())
			if err != nil {
				return err
			}
			defer cleanup()
			inv, err := assembly.Read(dir)
			if err != nil {
				return err
			}
			ic := inv.IdentityCenter
			if ic == nil {
				return usagef("the templates have no Identity Center stack: nobody signs in through Identity Center")
			}
			ctx := context.Background()
			cfg, err := awsapi.Load(ctx, awsapi.Options{Profile: profile, Region: ic.Region, Endpoint: endpoint})
			if err != nil {
				return err
			}
			diffs, err := identitycenter.Verify(ctx, identitycenter.NewInstance(cfg), ic)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				if err := writeJSON(out, map[string]any{"instanceArn": ic.InstanceARN, "matches": len(diffs) == 0, "differences": nonNilStrings(diffs)}); err != nil {
					return err
				}
			} else if len(diffs) == 0 {
				fmt.Fprintf(out, "%s holds exactly what the templates grant: %d permission sets, %d assignments (MFA %s and a %s portal session, as declared)\n",
					ic.InstanceARN, len(ic.PermissionSets), len(ic.Assignments), ic.MFA, time.Duration(ic.PortalSessionSeconds)*time.Second)
			} else {
				fmt.Fprintf(out, "%s differs from the templates:\n", ic.InstanceARN)
				for _, d := range diffs {
					fmt.Fprintf(out, "  %s\n", d)
				}
			}
			if len(diffs) > 0 {
				return &silentExit{code: exitFailed}
			}
			return nil
		},
	}
	verify.Flags().StringVar(&profile, "profile", "", "the AWS profile to call Identity Center with (default: the environment's credentials)")
	endpointFlag(verify, &endpoint)
	verify.Flags().StringVar(&asm, "assembly", "", "cloud assembly directory, such as a release's (default: render the model)")
	verify.Flags().StringVar(&format, "format", "text", "text or json")
	cmd.AddCommand(g.modelFlags(lock), g.modelFlags(verify))
	return cmd
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
