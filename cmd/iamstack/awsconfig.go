package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/iamstack/iamstack/internal/analyze/access"
	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/load"
	"github.com/iamstack/iamstack/internal/ship/awsconfig"
)

type awsconfigFlags struct {
	user, all, assembly string
	credentials         bool
}

func newAWSConfigCmd(g *globalFlags) *cobra.Command {
	f := &awsconfigFlags{}
	cmd := &cobra.Command{
		Use:   "awsconfig",
		Short: "Print the ~/.aws/config profiles a user needs, from what the templates grant",
		Long: `Awsconfig prints a user's AWS CLI and aws-vault profiles: one for their own
credentials in the user-only account, and one per role the access analysis of
the templates says they may assume (role_arn, source_profile, mfa_serial,
role_session_name = their user name, duration_seconds = the role's maximum
session, region). Profiles are named <prefix>-<account> and
<prefix>-<account>-<role>. --credentials prints the matching credentials
template, with placeholders only.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (f.user == "") == (f.all == "") {
				return fmt.Errorf("give exactly one of --user NAME and --all DIR")
			}
			inv, rep, cleanup, err := analyzed(f.assembly, g.source())
			if err != nil {
				return err
			}
			defer cleanup()
			if f.user != "" {
				ps, err := awsconfig.ForUser(inv, rep, f.user)
				if err != nil {
					return err
				}
				if f.credentials {
					return ps.WriteCredentials(cmd.OutOrStdout())
				}
				return ps.WriteConfig(cmd.OutOrStdout())
			}
			return writeAll(cmd.OutOrStdout(), inv, rep, f.all)
		},
	}
	cmd.Flags().StringVar(&f.user, "user", "", "the user whose profiles to print")
	cmd.Flags().StringVar(&f.all, "all", "", "write <user>.config and <user>.credentials for every human user into this directory")
	cmd.Flags().BoolVar(&f.credentials, "credentials", false, "print the credentials template instead of the config")
	cmd.Flags().StringVar(&f.assembly, "assembly", "", "cloud assembly directory (default: synthesize the model)")
	return cmd
}

func writeAll(out io.Writer, inv *assembly.Inventory, rep access.Report, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, e := range rep.Entries {
		if e.UserKind != "human" || seen[e.User] {
			continue
		}
		seen[e.User] = true
		ps, err := awsconfig.ForUser(inv, rep, e.User)
		if err != nil {
			return err
		}
		for ext, write := range map[string]func(io.Writer) error{".config": ps.WriteConfig, ".credentials": ps.WriteCredentials} {
			f, err := os.Create(filepath.Join(dir, e.User+ext))
			if err != nil {
				return err
			}
			if err := write(f); err != nil {
				f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(out, "wrote profiles of %d users into %s\n", len(seen), dir)
	return nil
}

// analyzed reads and analyzes an assembly, or a fresh synth of the model.
func analyzed(dir, model string) (*assembly.Inventory, access.Report, func(), error) {
	dir, cleanup, err := assemblyDir(dir, model)
	if err != nil {
		return nil, access.Report{}, nil, err
	}
	inv, err := assembly.Read(dir)
	if err != nil {
		cleanup()
		return nil, access.Report{}, nil, err
	}
	return inv, access.Analyze(inv), cleanup, nil
}

func newConstCmd(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "const",
		Short: "Print aws-iam-bootstrap's CONST.inc for the model",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := load.Model(g.source())
			if err != nil {
				return err
			}
			_, err = io.WriteString(cmd.OutOrStdout(), awsconfig.Const(m))
			return err
		},
	}
}

func newRenderCmd(g *globalFlags) *cobra.Command {
	var constFile string
	var set []string
	cmd := &cobra.Command{
		Use:   "render TEMPLATE",
		Short: "Render an aws-iam-bootstrap template (aws-cli.config.tpl, aws-cli.credentials.tpl)",
		Long: `Render substitutes ${NAME} in TEMPLATE with the variables of CONST.inc (--const,
default: generated from the model) and --set NAME=VALUE. $$ writes a literal $.
An undefined variable is an error naming the template line.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			tpl, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			var vars map[string]string
			if constFile != "" {
				data, err := os.ReadFile(constFile)
				if err != nil {
					return err
				}
				if vars, err = awsconfig.ParseConst(constFile, data); err != nil {
					return err
				}
			} else {
				m, err := load.Model(g.source())
				if err != nil {
					return err
				}
				if vars, err = awsconfig.ParseConst("CONST.inc", []byte(awsconfig.Const(m))); err != nil {
					return err
				}
			}
			for _, kv := range set {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					return usagef("--set %q: write NAME=VALUE", kv)
				}
				vars[k] = v
			}
			out, err := awsconfig.Render(args[0], tpl, vars)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
	cmd.Flags().StringVar(&constFile, "const", "", "CONST.inc to read (default: generated from the model)")
	cmd.Flags().StringArrayVar(&set, "set", nil, "NAME=VALUE to define or override (repeatable)")
	return cmd
}
