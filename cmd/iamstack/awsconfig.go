package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/iamstack/iamstack/internal/analyze/access"
	"github.com/iamstack/iamstack/internal/analyze/assembly"
	"github.com/iamstack/iamstack/internal/atomicdir"
	"github.com/iamstack/iamstack/internal/load"
	"github.com/iamstack/iamstack/internal/ship/awsconfig"
)

type awsconfigFlags struct {
	user, all, assembly, format, merge string
	credentials                        bool
}

func newAWSConfigCmd(g *globalFlags) *cobra.Command {
	f := &awsconfigFlags{}
	cmd := &cobra.Command{
		Use:   "awsconfig",
		Short: "Print or merge the ~/.aws/config profiles a person needs, from what the templates grant",
		Long: `Awsconfig writes a person's AWS config profiles, computed from the access
matrix of the templates, so that a profile exists exactly for each role they
reach. --format picks the client:

  aws-cli    an IAM user: a source profile for their own access key, and one
             per role (role_arn, source_profile, mfa_serial, role_session_name
             = their user name, duration_seconds = the role's maximum, region)
  aws-vault  aws-cli, with source_identity where a role's trust requires it
  sso        IAM Identity Center: an [sso-session] for the instance and one
             profile per permission set and account (sso_account_id,
             sso_role_name), named as the aws-cli profiles are
  granted    a Granted profile registry entry: sso for people who sign in
             through Identity Center, aws-cli for the others; with --all, a
             <user>.yml and <user>.config per person

Profiles are named <prefix>-<account> and <prefix>-<account>-<role>. The block
is wrapped in markers: --merge FILE (such as ~/.aws/config) replaces the
person's block in FILE, or appends it, and keeps everything else.
--credentials prints an IAM user's credentials template, keys commented out.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (f.user == "") == (f.all == "") {
				return usagef("give exactly one of --user NAME and --all DIR")
			}
			if !slices.Contains(awsconfig.Formats, f.format) {
				return usagef("--format %q is not one of %s", f.format, strings.Join(awsconfig.Formats, ", "))
			}
			if f.merge != "" && (f.all != "" || f.credentials) {
				return usagef("--merge writes one person's config: use it with --user, without --credentials")
			}
			inv, rep, cleanup, err := analyzed(f.assembly, g.source())
			if err != nil {
				return err
			}
			defer cleanup()
			if f.all != "" {
				return writeAll(cmd.OutOrStdout(), inv, rep, f.all, f.format)
			}
			ps, err := awsconfig.For(inv, rep, f.user, f.format)
			var wrong *awsconfig.FormatError
			if errors.As(err, &wrong) {
				return usageError{err}
			}
			if err != nil {
				return err
			}
			if f.credentials {
				return ps.WriteCredentials(cmd.OutOrStdout())
			}
			if f.merge == "" {
				return ps.WriteConfig(cmd.OutOrStdout())
			}
			return mergeConfig(cmd.OutOrStdout(), f.merge, ps)
		},
	}
	cmd.Flags().StringVar(&f.user, "user", "", "the person (or CI/CD user) whose profiles to write")
	cmd.Flags().StringVar(&f.all, "all", "", "write every person's files into this directory")
	cmd.Flags().StringVar(&f.format, "format", awsconfig.FormatAWSCLI, "the client: "+strings.Join(awsconfig.Formats, ", "))
	cmd.Flags().StringVar(&f.merge, "merge", "", "merge the profiles into this config file (such as ~/.aws/config) between markers")
	cmd.Flags().BoolVar(&f.credentials, "credentials", false, "print the credentials template instead of the config")
	cmd.Flags().StringVar(&f.assembly, "assembly", "", "cloud assembly directory (default: synthesize the model)")
	return cmd
}

// mergeConfig writes a person's block into a config file, in place of the
// one written before, aside and renamed into place.
func mergeConfig(out io.Writer, file string, ps awsconfig.Profiles) error {
	existing, err := os.ReadFile(file)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	var block bytes.Buffer
	if err := ps.WriteConfig(&block); err != nil {
		return err
	}
	merged, err := awsconfig.Merge(file, existing, ps.User, block.Bytes())
	if err != nil {
		return err
	}
	if err := atomicdir.WriteFile(file, merged, 0o600); err != nil {
		return err
	}
	fmt.Fprintf(out, "wrote %d %s profiles of %s into %s\n", len(ps.List), ps.Format, ps.User, file)
	return nil
}

// writeAll writes every person's files into dir: <user>.config, and
// <user>.credentials for an IAM user, or for Granted <user>.yml.
func writeAll(out io.Writer, inv *assembly.Inventory, rep access.Report, dir, format string) error {
	seen := map[string]bool{}
	for e := range rep.Entries() {
		if e.UserKind != "human" || seen[e.User] {
			continue
		}
		ps, err := awsconfig.For(inv, rep, e.User, format)
		if err != nil {
			// aws-cli for someone who signs in through Identity Center
			// only, or sso for an IAM user: they need another format.
			fmt.Fprintf(out, "skipped %s: %v\n", e.User, err)
			seen[e.User] = true
			continue
		}
		seen[e.User] = true
		files := map[string]func(io.Writer) error{".config": ps.WriteConfig}
		switch {
		case format == awsconfig.FormatGranted:
			files[".yml"] = func(w io.Writer) error { return awsconfig.WriteGrantedRegistry(w, e.User) }
		case ps.SourceProfile() != "":
			files[".credentials"] = ps.WriteCredentials
		}
		for ext, write := range files {
			var b bytes.Buffer
			if err := write(&b); err != nil {
				return err
			}
			if err := atomicdir.WriteFile(filepath.Join(dir, e.User+ext), b.Bytes(), 0o644); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(out, "wrote the %s profiles of %d people into %s\n", format, len(seen), dir)
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
