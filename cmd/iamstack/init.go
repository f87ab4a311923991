package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"
	"golang.org/x/mod/semver"

	"github.com/iamstack/iamstack"
	"github.com/iamstack/iamstack/internal/scaffold"
	"github.com/iamstack/iamstack/internal/version"
)

func newInitCmd() *cobra.Command {
	var opts scaffold.Options
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Write a repository for an identity model: a starter model, cdk.json, Makefile, .gitignore, package.json and GitHub workflows",
		Long: `Init writes into DIR (default: the working directory) what a repository that
holds only an identity model needs, all of it calling this iamstack binary:
iamstack.yaml (a starter model) and its schema, cdk.json whose app is
` + "`iamstack synth`" + `, a Makefile (validate, synth, check, release, plan/<env>/<version>,
promote/<env>/<version>, history), .gitignore, package.json pinning the CDK CLI
for deploys, and .github/workflows/check.yml (pull requests) and deploy.yml
(pushes to env/<name>, through GitHub's OIDC provider). With --github org/repo
the starter model defines the role DeployR that deploy.yml assumes. It refuses
to overwrite a file unless --force.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			var tools struct {
				DevDependencies map[string]string `json:"devDependencies"`
			}
			if err := json.Unmarshal(iamstack.Tools(), &tools); err != nil {
				return err
			}
			opts.Schema, opts.CDKVersion = iamstack.Schema(), tools.DevDependencies["aws-cdk"]
			if opts.Version == "" {
				opts.Version = version.Get().Version
			}
			if !semver.IsValid(opts.Version) {
				return usagef("this iamstack is %s, not a release the workflows can install: pass --pin vX.Y.Z", opts.Version)
			}
			written, err := scaffold.Write(dir, opts)
			if err != nil {
				return usageError{err}
			}
			out := cmd.OutOrStdout()
			for _, f := range written {
				fmt.Fprintln(out, "wrote", f)
			}
			fmt.Fprintln(out, "next: edit iamstack.yaml, then `iamstack validate` and `make check`")
			return nil
		},
	}
	cmd.Flags().StringVar(&opts.GitHub, "github", "", "the GitHub repository, org/repo: the starter model gets the deploy role its workflow assumes")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "overwrite files that exist")
	cmd.Flags().StringVar(&opts.Version, "pin", "", "the iamstack `VERSION` the workflows install (default: this binary's)")
	return cmd
}
