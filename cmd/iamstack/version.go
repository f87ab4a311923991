package main

import (
	"fmt"
	"maps"
	"slices"

	"github.com/spf13/cobra"

	"github.com/iamstack/iamstack/internal/version"
)

func newVersionCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print this iamstack's version, commit, and the versions of the CDK, jsii runtime, cdk-nag and IAM catalog it embeds",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format); err != nil {
				return err
			}
			info := version.Get()
			out := cmd.OutOrStdout()
			if format == "json" {
				return writeJSON(out, info)
			}
			fmt.Fprintf(out, "iamstack %s\n", info.Version)
			if info.Commit != "" {
				fmt.Fprintf(out, "commit    %s\n", info.Commit)
			}
			fmt.Fprintf(out, "go        %s\n", info.Go)
			for _, p := range slices.Sorted(maps.Keys(info.Dependencies)) {
				fmt.Fprintf(out, "%s %s\n", p, info.Dependencies[p])
			}
			fmt.Fprintf(out, "catalog   %s\n", info.Catalog)
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}
